"""Breeding (Artbreeder-style): children of two or more StyleGAN2 parents by per-layer crossover of W+,
plus a mutation, with a lineage that rebuilds any child exactly.

Child ``seed`` (one per child): a ``torch.Generator`` seeded with it draws, in this order,

1. the genes: for each W+ row, which parent it comes from (uniform);
2. the mutation: a random z, mapped to w; the child moves by ``mutation * (w - mean W)``, a step towards a
   random image of the model (so mutations stay on the model's distribution).

Children render with the model's stored noise. The origin of a child names its parents' origins (down to
``MAX_DEPTH`` generations; older ones by digest only), its seed, mutation and genes, so
:func:`reproduce` can make it again from the roots (seeds, or projected latents given by digest).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch

from .. import options
from ..checkpoint import GanModel
from . import codes, directions
from .codes import Latent, LatentError

MAX_DEPTH = 6  # generations of ancestry kept in full in an origin


def _trim(origin: dict[str, Any], digest: str, depth: int = MAX_DEPTH) -> dict[str, Any]:
    """``origin`` with ancestry older than ``depth`` generations replaced by digests."""
    if depth <= 0:
        return {"op": "ancestor", "digest": digest}
    out = dict(origin)
    if "parents" in out:
        out["parents"] = [_trim(p, d, depth - 1) for p, d in zip(out["parents"], out.get("parent_digests", []))]
    if isinstance(out.get("parent"), dict):
        out["parent"] = _trim(out["parent"], out.get("parent_digest", ""), depth - 1)
    return out


def child(model: GanModel, parents: Sequence[Latent], *, seed: int, mutation: float) -> Latent:
    """One child of ``parents`` (W+ latents of ``model``), drawn from ``seed`` (see the module docstring)."""
    codes.need_style(model, "breeding")
    if not 1 <= len(parents) <= options.MAX_PARENTS:
        raise LatentError(f"breeding takes 1 to {options.MAX_PARENTS} parents, got {len(parents)}")
    for p in parents:
        codes.check_latent(model, p)
    options.MUTATION.check("mutation", mutation)
    options.SEED.check("seed", seed)
    g = model.generator
    rng = torch.Generator().manual_seed(int(seed))
    genes = torch.randint(len(parents), (g.n_latent,), generator=rng)  # [n_latent]: parent of each row
    stack = torch.stack([p.code for p in parents])  # [P, n_latent, D]
    code = stack[genes, torch.arange(g.n_latent)].clone()  # [n_latent, D]
    z = g.sample_latent(1, rng)
    if mutation > 0:
        mean, _ = codes.w_samples(model)
        with codes.running(model):
            w = g.mapping(z.to(model.device)).float().cpu()[0]  # [D]
        code += float(mutation) * (w - mean)
    digests = [p.digest() for p in parents]
    origin = _trim({"op": "breed", "parents": [p.origin for p in parents], "parent_digests": digests,
                    "seed": int(seed), "mutation": float(mutation), "genes": genes.tolist()}, "")
    return Latent("w+", code, codes.model_fingerprint(model), origin)


def breed(model: GanModel, parents: Sequence[Latent], *, n: int = int(options.BREED_CHILDREN.default),
          mutation: float = options.MUTATION.default, seed: int = 0) -> list[Latent]:
    """``n`` children with seeds ``seed, seed + 1, ...``."""
    options.BREED_CHILDREN.check("number of children", n)
    if len(parents) < 2:
        raise LatentError("pick at least two parents to breed")
    if int(seed) + n - 1 > options.SEED.maximum:
        raise LatentError("seed too large for this many children")
    return [child(model, parents, seed=int(seed) + i, mutation=mutation) for i in range(n)]


def reproduce(model: GanModel, origin: Mapping[str, Any], known: Mapping[str, Latent] | None = None) -> Latent:
    """Rebuild a latent from its ``origin`` (seeds, breedings and SeFa edits are replayed; projected latents
    and trimmed ancestors come from ``known``, by digest)."""
    known = known or {}
    op = origin.get("op")
    if op == "seed":
        return codes.from_seed(model, int(origin["seed"]))
    if op in ("projected", "ancestor", "file"):
        digest = origin.get("digest", "")
        if digest in known:
            return known[digest]
        raise LatentError(f"this lineage starts from a projected latent ({digest or 'unknown'}): load its .npz file")
    if op == "breed":
        parents = [reproduce(model, p, known) for p in origin["parents"]]
        for p, d in zip(parents, origin.get("parent_digests", [])):
            if d and p.digest() != d:
                raise LatentError("a parent rebuilt from the lineage differs from the one bred (another model?)")
        return child(model, parents, seed=int(origin["seed"]), mutation=float(origin["mutation"]))
    if op == "edit":
        parent = reproduce(model, origin["parent"], known)
        how = origin.get("direction", {})
        if how.get("op") != "sefa":
            raise LatentError("this edit used a user direction: load that directions file to replay it")
        dirs = directions.sefa(model, layers=how["layers"], k=int(how["k"]))
        return directions.edit(model, parent, dirs, int(origin["index"]), float(origin["alpha"]), origin["layers"])
    raise LatentError(f"cannot rebuild a latent made by {op!r}")
