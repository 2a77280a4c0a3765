"""Metrics over several evaluation seeds, and a paired comparison of two models on the same seeds.

On a small held-out set (the 18 face emoji) one evaluation moves a lot with its seed: the seed draws the
samples and the training reals that precision / recall compare them with. ``python -m ganstudio eval MODEL
--seeds 0-19`` gives each metric's mean and standard error over the seeds; ``--against OTHER`` evaluates
OTHER on the same seeds and gives the mean of the per-seed differences (MODEL - OTHER), its standard error and
on how many seeds MODEL was higher. The same seed means the same latents and the same reals for both models,
so the differences are much less noisy than the two means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Rows that measure the reals or an untrained net, not the model: the same for both models of a pair.
_REFERENCE_ROWS = ("baseline", "random_init", "_real", "copy_input", "palette_input")
_MAX_SEEDS = 1000


def model_metrics(report: dict[str, object]) -> list[str]:
    """The numeric rows of one evaluation that measure the model itself, in the report's order."""
    return [k for k, v in report.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
            and not any(part in k for part in _REFERENCE_ROWS)]


def parse_seeds(spec: str) -> list[int]:
    """``"0-19"`` -> [0, ..., 19]; ``"0,3,7"`` -> [0, 3, 7]; the two combine (``"0-4,9"``). Refuses the rest."""
    seeds: list[int] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi) if dash else int(lo)
        except ValueError:
            raise ValueError(f"--seeds takes numbers and ranges such as 0-19 or 0,3,7, not {part!r}") from None
        if first < 0 or last < first:
            raise ValueError(f"--seeds: {part!r} is not a range of seeds from low to high")
        seeds.extend(range(first, last + 1))
        if len(seeds) > _MAX_SEEDS:
            raise ValueError(f"--seeds: at most {_MAX_SEEDS} seeds")
    if not seeds:
        raise ValueError("--seeds names no seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError("--seeds names a seed twice")
    return seeds


@dataclass
class Stat:
    """Mean, standard error of the mean (0 for one value), lowest and highest of some per-seed values."""

    mean: float
    se: float
    low: float
    high: float
    n: int
    higher: int | None = None  # paired differences only: on how many seeds the difference is > 0

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        n = len(values)
        mean = sum(values) / n
        var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
        return cls(mean, math.sqrt(var / n), min(values), max(values), n)


def summarise(per_seed: Sequence[dict[str, float]]) -> dict[str, Stat]:
    """Each model metric (:func:`model_metrics`) that every evaluation reports -> its :class:`Stat`."""
    if not per_seed:
        return {}
    keys = [k for k in model_metrics(per_seed[0]) if all(k in model_metrics(r) for r in per_seed)]
    return {k: Stat.of([float(r[k]) for r in per_seed]) for k in keys}


def paired(ours: Sequence[dict[str, float]], theirs: Sequence[dict[str, float]]) -> dict[str, Stat]:
    """Per-seed differences ``ours - theirs`` (the same seeds, in the same order) -> their :class:`Stat`."""
    if len(ours) != len(theirs):
        raise ValueError("paired evaluations need the same seeds")
    theirs_keys = summarise(theirs).keys()
    out: dict[str, Stat] = {}
    for k in (k for k in summarise(ours) if k in theirs_keys):
        diffs = [float(a[k]) - float(b[k]) for a, b in zip(ours, theirs)]
        stat = Stat.of(diffs)
        stat.higher = sum(d > 0 for d in diffs)
        out[k] = stat
    return out


def table(name: str, seeds: Sequence[int], stats: dict[str, Stat], other: str | None = None,
          other_stats: dict[str, Stat] | None = None, diffs: dict[str, Stat] | None = None) -> str:
    """The printed report: one row per metric, means +- standard errors, and the paired differences."""
    span = f"{seeds[0]}-{seeds[-1]}" if list(seeds) == list(range(seeds[0], seeds[-1] + 1)) else \
        ",".join(map(str, seeds))
    lines = [f"{name}: {len(seeds)} evaluation seeds ({span}); mean +- standard error [lowest, highest]"]
    if other:
        lines.append(f"against {other}: difference = this model - that one, per seed")
    head = f"{'metric':<20} {'this model':>34}"
    if other_stats is not None:
        head += f" {'that model':>20} {'difference':>20}  higher on"
    lines += ["", head, "-" * len(head)]
    for k, s in stats.items():
        row = f"{k:<20} {f'{s.mean:.4g} +- {s.se:.2g} [{s.low:.4g}, {s.high:.4g}]':>34}"
        if other_stats is not None and diffs is not None and k in diffs:
            o, d = other_stats[k], diffs[k]
            row += f" {f'{o.mean:.4g} +- {o.se:.2g}':>20} {f'{d.mean:+.4g} +- {d.se:.2g}':>20}  {d.higher} of {d.n}"
        lines.append(row)
    return "\n".join(lines)
