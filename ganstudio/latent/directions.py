"""Latent directions: closed-form factorization (SeFa), user directions from two sets of latents, and edits.

SeFa (Shen & Zhou, 2021). Every modulated layer maps a w to its styles with a weight A_l [in_l, D]. Stack the
chosen layers' weights, A = concat(A_l) [sum in_l, D]; the unit directions d that A moves most (largest
|A d|) are the top right singular vectors of A, i.e. the top eigenvectors of A^T A. Restricting A to the
layers of a W+ range finds directions that act on those layers, and an edit is applied to those W+ rows only.
Only the modulations of the 3x3 convolutions are used (as rosinality's ``closed_form_factorization.py``);
ToRGB modulations come in only for a range that has no convolution. For DCGAN-like generators the first
layer (the one that reads z) plays the role of A.

Units: a step ``alpha`` along direction k moves the latent by ``alpha * sigma_k * d_k``, where ``sigma_k`` is
the standard deviation of the model's W (10,000 samples) along ``d_k`` (1 in z space): alpha counts standard
deviations, so the same slider suits any model.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from .. import options
from ..checkpoint import GanModel
from . import codes
from .codes import Latent, LatentError

FORMAT = "ganstudio-directions/1"


@dataclass
class Directions:
    """Unit directions [k, D] in W (StyleGAN2) or z, with their strengths and the W+ rows they act on."""

    space: Literal["w", "z"]
    vectors: torch.Tensor  # [k, D], unit rows
    values: torch.Tensor  # [k]: singular values (SeFa) or the mean difference's length
    sigma: torch.Tensor  # [k]: std of the model's latents along each direction (the unit of alpha)
    layers: list[int]  # W+ rows (StyleGAN2; empty in z space)
    model: str  # fingerprint
    names: list[str] = field(default_factory=list)
    origin: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.vectors.shape[0])


def layer_range(model: GanModel, start: int | None, end: int | None) -> list[int]:
    """W+ rows ``start .. end`` (inclusive), validated; None = every row. Empty in z space."""
    if codes.latent_space(model) == "z":
        return []
    n = model.generator.n_latent
    lo = 0 if start is None else int(start)
    hi = n - 1 if end is None else int(end)
    if not (0 <= lo <= hi < n):
        raise LatentError(f"the layer range must lie in 0..{n - 1} with start <= end, got {lo}..{hi}")
    return list(range(lo, hi + 1))


def modulation_matrix(model: GanModel, layers: Sequence[int]) -> torch.Tensor:
    """A = the stacked modulation weights [sum in_l, D] of the 3x3 convolutions modulated by W+ ``layers``."""
    g = model.generator
    wanted = set(layers)
    chosen = [lay for lay in g.synthesis_layers if lay.w_index in wanted]
    convs = [lay for lay in chosen if not lay.name.startswith("to_rgb")]
    mats = [g.get_submodule(lay.name).conv.modulation.weight.detach().float().cpu() for lay in (convs or chosen)]
    if not mats:
        raise LatentError(f"no modulated layer reads W+ rows {sorted(wanted)}")
    return torch.cat(mats)  # [sum in, D]


def first_layer_matrix(model: GanModel) -> torch.Tensor:
    """The weight of the layer that reads z, as A [out, nz] (DCGAN: ConvTranspose2d [nz, C, k, k] -> [C k k, nz])."""
    g = model.generator
    nz = int(np.prod(codes.expected_shape(model)))
    for m in g.modules():
        if isinstance(m, nn.ConvTranspose2d) and m.in_channels == nz:
            return m.weight.detach().float().cpu().flatten(1).t()  # [C*k*k, nz]
        if isinstance(m, (nn.Conv2d, nn.Linear)) and getattr(m, "in_features", getattr(m, "in_channels", -1)) == nz:
            return m.weight.detach().float().cpu().flatten(1)  # [out(*k*k), nz]
        if hasattr(m, "weight") and isinstance(getattr(m, "weight"), torch.Tensor) and m.weight.dim() >= 2 \
                and not isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) and m.weight.shape[-1] == nz:
            return m.weight.detach().float().cpu().reshape(-1, nz)  # equalised-lr linear layers [out, nz]
    raise LatentError(f"could not find the first layer of this {model.family.name} generator (one that reads the "
                      f"{nz}-dimensional z)")


def _sigma(model: GanModel, vectors: torch.Tensor) -> torch.Tensor:
    if codes.latent_space(model) == "z":
        return torch.ones(vectors.shape[0])  # z ~ N(0, I): unit spread along any unit direction
    mean, w = codes.w_samples(model)
    return ((w - mean) @ vectors.t()).std(0)  # [k]


def sefa(model: GanModel, *, layers: Sequence[int] | None = None,
         k: int = int(options.SEFA_TOP_K.default)) -> Directions:
    """The top-``k`` closed-form directions of ``layers`` (W+ rows; None = all) or of a DCGAN-like first layer."""
    options.SEFA_TOP_K.check("number of directions", k)
    space = codes.latent_space(model)
    with model.lock:  # the fp32 weights (another call's "fast" precision swaps bf16 copies in under the lock)
        if space == "w+":
            rows = list(layers) if layers is not None else layer_range(model, None, None)
            a = modulation_matrix(model, rows)
        else:
            rows = []
            a = first_layer_matrix(model)
    _, s, vh = torch.linalg.svd(a.double(), full_matrices=False)  # vh [r, D]: right singular vectors
    k = min(k, vh.shape[0])
    vectors = vh[:k].float()
    # a singular vector's sign is arbitrary: fix it so that results do not flip between runs / machines
    signs = torch.sign(vectors[torch.arange(k), vectors.abs().argmax(1)])
    vectors = vectors * signs[:, None]
    return Directions("w" if space == "w+" else "z", vectors, s[:k].float(), _sigma(model, vectors), rows,
                      codes.model_fingerprint(model), [f"SeFa {i}" for i in range(k)],
                      {"op": "sefa", "layers": rows, "k": k})


def mean_difference(model: GanModel, positives: Sequence[Latent], negatives: Sequence[Latent],
                    name: str = "user direction") -> Directions:
    """A direction from two sets of latents: mean(positives) - mean(negatives), over the rows both share."""
    if not positives or not negatives:
        raise LatentError("a user direction needs at least one latent on each side")
    for lat in (*positives, *negatives):
        codes.check_latent(model, lat)
    flat = (lambda lats: torch.stack([lat.code.mean(0) if lat.space == "w+" else lat.code.flatten()
                                      for lat in lats]).mean(0))
    diff = flat(positives) - flat(negatives)  # [D]
    length = float(diff.norm())
    if length < 1e-8:
        raise LatentError("the two sets have the same mean: no direction between them")
    vec = (diff / length)[None]
    space = codes.latent_space(model)
    return Directions("w" if space == "w+" else "z", vec, torch.tensor([length]), _sigma(model, vec),
                      layer_range(model, None, None), codes.model_fingerprint(model), [name],
                      {"op": "mean-difference", "name": name, "positives": [lat.digest() for lat in positives],
                       "negatives": [lat.digest() for lat in negatives]})


def check_directions(model: GanModel, directions: Directions) -> Directions:
    fp = codes.model_fingerprint(model)
    if directions.model != fp:
        raise LatentError(f"these directions belong to another model (fingerprint {directions.model}, this model "
                          f"is {fp})")
    return directions


def edit(model: GanModel, latent: Latent, directions: Directions, index: int, alpha: float,
         layers: Sequence[int] | None = None) -> Latent:
    """``latent`` moved by ``alpha`` standard deviations along direction ``index``, on W+ ``layers``
    (default: the rows the directions were computed for; ignored in z space)."""
    codes.check_latent(model, latent)
    check_directions(model, directions)
    options.DIRECTION_ALPHA.check("step", alpha)
    if not 0 <= index < len(directions):
        raise LatentError(f"direction must be in 0..{len(directions) - 1}, got {index}")
    step = float(alpha) * float(directions.sigma[index]) * directions.vectors[index]  # [D]
    rows = list(directions.layers if layers is None else layers)
    code = latent.code.clone()
    if latent.space == "w+":
        if any(not 0 <= r < code.shape[0] for r in rows):
            raise LatentError(f"layers must lie in 0..{code.shape[0] - 1}")
        code[rows] += step
    else:
        code = code + step.view(code.shape)
    origin = {"op": "edit", "parent": latent.origin, "parent_digest": latent.digest(),
              "direction": directions.origin, "index": int(index), "alpha": float(alpha), "layers": rows}
    return latent.with_code(code, origin)


def strip(model: GanModel, latent: Latent, directions: Directions, index: int, alphas: Sequence[float],
          layers: Sequence[int] | None = None) -> list[Image.Image]:
    """Renders of ``latent`` at each step in ``alphas`` along direction ``index``."""
    return codes.render_images(model, [edit(model, latent, directions, index, a, layers) for a in alphas])


# ---------------------------------------------------------------------------------------------
# files


def save_directions(directions: Directions) -> bytes:
    """Directions as an ``.npz`` (arrays and a JSON ``meta``; no pickles)."""
    meta = {"format": FORMAT, "space": directions.space, "layers": directions.layers, "model": directions.model,
            "names": directions.names, "origin": directions.origin}
    buf = io.BytesIO()
    np.savez_compressed(buf, vectors=directions.vectors.numpy(), values=directions.values.numpy(),
                        sigma=directions.sigma.numpy(), meta=np.array(json.dumps(meta, sort_keys=True)))
    return buf.getvalue()


def load_directions(src: str | Path | bytes, model: GanModel | None = None) -> Directions:
    """Read directions written by :func:`save_directions`; with ``model``, refuse another model's."""
    try:
        with np.load(io.BytesIO(src) if isinstance(src, bytes) else src, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(str(arrays["meta"]))
        if meta.get("format") != FORMAT:
            raise ValueError("format")
        d = Directions(meta["space"], torch.from_numpy(arrays["vectors"]).float(),
                       torch.from_numpy(arrays["values"]).float(), torch.from_numpy(arrays["sigma"]).float(),
                       [int(i) for i in meta["layers"]], str(meta["model"]), list(meta.get("names", [])),
                       dict(meta.get("origin") or {}))
    except (OSError, ValueError, KeyError, EOFError, json.JSONDecodeError):
        raise LatentError("not a GAN Studio directions file (.npz written by the Directions tools)") from None
    return check_directions(model, d) if model is not None else d
