"""Structural matching: map another repository's state dict onto ours by module order and tensor shapes.

Two implementations of the same network usually differ only in attribute names (``main.3`` vs
``model.conv2``, ``gamma`` vs ``weight``). Both state dicts list their tensors in module registration
order, so grouping each into modules (the key without its last part) gives two sequences that pair up
one to one. A pair matches when its tensors pair up by shape: first by equal leaf names, then by known
aliases, then by a unique shape. Anything that does not pair up exactly, or pairs up in more than one
way, is an error that names the first place it happened: a structural match is never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import torch

from ..errors import GanStudioError

# Leaf names other code bases use for the tensors torch calls weight / bias / running_*.
LEAF_ALIASES: dict[str, str] = {
    "gamma": "weight",
    "scale": "weight",
    "kernel": "weight",
    "w": "weight",
    "beta": "bias",
    "b": "bias",
    "offset": "bias",
    "moving_mean": "running_mean",
    "moving_variance": "running_var",
    "moving_var": "running_var",
    "mean": "running_mean",
    "var": "running_var",
}

# Bookkeeping tensors that carry no weights; they are matched by name only, never by shape.
COUNTERS = ("num_batches_tracked",)


class StructuralMatchError(GanStudioError):
    """The two layouts do not pair up one to one (the message says where)."""


@dataclass(frozen=True)
class ModuleGroup:
    """Consecutive tensors of one module: ``prefix`` (key without the leaf) and its (leaf, shape) list."""

    prefix: str
    leaves: tuple[tuple[str, tuple[int, ...]], ...]

    def describe(self) -> str:
        inner = ", ".join(f"{leaf} {list(shape)}" for leaf, shape in self.leaves)
        return f"{self.prefix or '<root>'} ({inner})"


@dataclass
class StructuralMatch:
    """Result of :func:`match_structure`: ``mapping`` source key -> our key (in our order)."""

    mapping: dict[str, str]
    reshaped: list[str] = field(default_factory=list)  # our keys whose tensor only lost / gained size-1 dims
    missing_counters: list[str] = field(default_factory=list)  # our num_batches_tracked keys absent in the source
    dropped: list[str] = field(default_factory=list)  # source counters we have no place for

    def apply(self, source: Mapping[str, torch.Tensor], target_shapes: Mapping[str, Sequence[int]]) -> dict[str, torch.Tensor]:
        """Our state dict from ``source`` (reshaping where only size-1 dims differ; counters start at 0)."""
        out: dict[str, torch.Tensor] = {}
        for src, ours in self.mapping.items():
            t = source[src]
            shape = tuple(target_shapes[ours])
            out[ours] = t.reshape(shape) if tuple(t.shape) != shape else t
        for ours in self.missing_counters:
            out[ours] = torch.tensor(0, dtype=torch.long)
        return out

    def lines(self) -> list[str]:
        """Human-readable ``source -> ours`` lines (what the CLI prints)."""
        width = max((len(s) for s in self.mapping), default=0)
        rows = [f"{s:<{width}}  ->  {o}" + ("  (reshaped)" if o in self.reshaped else "")
                for s, o in self.mapping.items()]
        rows += [f"{'(none)':<{width}}  ->  {o}  (counter, set to 0)" for o in self.missing_counters]
        rows += [f"{s:<{width}}  ->  (dropped counter)" for s in self.dropped]
        return rows


def split_key(key: str) -> tuple[str, str]:
    prefix, _, leaf = key.rpartition(".")
    return prefix, leaf


def group_modules(shapes: Mapping[str, Sequence[int]]) -> list[ModuleGroup]:
    """Group keys (in their order) into modules; counters are left out."""
    groups: list[tuple[str, list[tuple[str, tuple[int, ...]]]]] = []
    for key, shape in shapes.items():
        prefix, leaf = split_key(key)
        if leaf in COUNTERS:
            continue
        if groups and groups[-1][0] == prefix:
            groups[-1][1].append((leaf, tuple(int(s) for s in shape)))
        else:
            groups.append((prefix, [(leaf, tuple(int(s) for s in shape))]))
    return [ModuleGroup(p, tuple(leaves)) for p, leaves in groups]


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(s for s in shape if s != 1)


def _pair_leaves(src: ModuleGroup, ours: ModuleGroup, allow_reshape: bool) -> tuple[dict[str, str], list[str]]:
    """Pair the leaves of two modules; returns (source leaf -> our leaf, our leaves that need a reshape)."""
    if len(src.leaves) != len(ours.leaves):
        raise StructuralMatchError(
            f"module {src.describe()} has {len(src.leaves)} tensors but ours {ours.describe()} has {len(ours.leaves)}")
    left = dict(src.leaves)
    right = dict(ours.leaves)
    pairs: dict[str, str] = {}
    reshaped: list[str] = []

    def take(a: str, b: str) -> None:
        pairs[a] = b
        if left[a] != right[b]:
            reshaped.append(b)
        del left[a], right[b]

    def fits(a: str, b: str) -> bool:
        if left[a] == right[b]:
            return True
        return allow_reshape and _squeezed(left[a]) == _squeezed(right[b])

    # 1. the same leaf name, 2. a known alias
    for a in list(left):
        b = a if a in right else LEAF_ALIASES.get(a.lower())
        if b in right and fits(a, b):
            take(a, b)
    # 3. a shape that only one remaining tensor on each side has (exact shapes first)
    for exact in (True, False):
        progress = True
        while progress and left:
            progress = False
            for a in list(left):
                cands = [b for b in right if (left[a] == right[b] if exact else fits(a, b))]
                rivals = [x for x in left if any((left[x] == right[b] if exact else fits(x, b)) for b in cands)]
                if len(cands) == 1 and rivals == [a]:
                    take(a, cands[0])
                    progress = True
    if left:
        rest = ", ".join(f"{a} {list(s)}" for a, s in left.items())
        want = ", ".join(f"{b} {list(s)}" for b, s in right.items())
        raise StructuralMatchError(
            f"cannot pair the tensors of {src.prefix or '<root>'} ({rest}) with ours at "
            f"{ours.prefix or '<root>'} ({want}) unambiguously")
    return pairs, reshaped


def match_structure(source: Mapping[str, Sequence[int]], target: Mapping[str, Sequence[int]], *,
                    allow_reshape: bool = True) -> StructuralMatch:
    """Pair ``source`` keys with ``target`` keys (both: key -> shape, in module order).

    Raises :class:`StructuralMatchError` when the module sequences differ in length, a pair of modules
    differs in tensor count or shapes, or tensors of one module could pair up in more than one way.
    """
    src_groups = group_modules(source)
    our_groups = group_modules(target)
    if len(src_groups) != len(our_groups):
        first = next((i for i, (a, b) in enumerate(zip(src_groups, our_groups))
                      if sorted(_squeezed(s) for _, s in a.leaves) != sorted(_squeezed(s) for _, s in b.leaves)),
                     min(len(src_groups), len(our_groups)))
        where = (f"; first difference at module {first}: "
                 f"{src_groups[first].describe() if first < len(src_groups) else '(end)'} vs ours "
                 f"{our_groups[first].describe() if first < len(our_groups) else '(end)'}")
        raise StructuralMatchError(
            f"the file has {len(src_groups)} modules with weights, ours has {len(our_groups)}{where}")
    mapping: dict[str, str] = {}
    reshaped: list[str] = []
    for i, (a, b) in enumerate(zip(src_groups, our_groups)):
        try:
            pairs, re_ = _pair_leaves(a, b, allow_reshape)
        except StructuralMatchError as e:
            raise StructuralMatchError(f"module {i}: {e}") from None
        for la, lb in pairs.items():
            mapping[_join(a.prefix, la)] = _join(b.prefix, lb)
        reshaped += [_join(b.prefix, leaf) for leaf in re_]
    # counters: keep the source's where it has one for the matched module, start at 0 otherwise
    prefix_map = {g.prefix: h.prefix for g, h in zip(src_groups, our_groups)}
    our_counters = [k for k in target if split_key(k)[1] in COUNTERS]
    src_counters = [k for k in source if split_key(k)[1] in COUNTERS]
    have = {}
    dropped = []
    for k in src_counters:
        p, leaf = split_key(k)
        ours = _join(prefix_map.get(p, "\0"), leaf)
        if ours in target:
            have[ours] = k
        else:
            dropped.append(k)
    for ours in our_counters:
        if ours in have:
            mapping[have[ours]] = ours
    missing = [k for k in our_counters if k not in have]
    # our order, for readable output
    order = {k: i for i, k in enumerate(target)}
    mapping = dict(sorted(mapping.items(), key=lambda kv: order[kv[1]]))
    return StructuralMatch(mapping, reshaped, missing, dropped)


def _join(prefix: str, leaf: str) -> str:
    return f"{prefix}.{leaf}" if prefix else leaf


def shapes_of(tensors: Mapping[str, torch.Tensor]) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in tensors.items()}


__all__ = [
    "LEAF_ALIASES",
    "ModuleGroup",
    "StructuralMatch",
    "StructuralMatchError",
    "group_modules",
    "match_structure",
    "shapes_of",
]
