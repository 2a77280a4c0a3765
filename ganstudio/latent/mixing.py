"""Style mixing with any latents (seeds, projections, children, edits): the StyleGAN figure whose rows take the
chosen W+ rows from each column, as ``inference.style_mix`` does for seeds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from PIL import Image

from .. import images as imgs
from .. import options
from ..checkpoint import GanModel
from . import codes
from .codes import Latent, LatentError


@dataclass
class Mix:
    grid: Image.Image  # first row: the column sources; first column: the row sources
    images: list[Image.Image]  # row-major mixes
    latents: list[Latent]


def mix(model: GanModel, rows: Sequence[Latent], cols: Sequence[Latent], layers: Sequence[int]) -> Mix:
    """Each row latent with W+ ``layers`` taken from each column latent (stored noise, no truncation)."""
    codes.need_style(model, "style mixing")
    if not rows or not cols or max(len(rows), len(cols)) > options.MIX_SEEDS:
        raise LatentError(f"give 1 to {options.MIX_SEEDS} row latents and column latents")
    for lat in (*rows, *cols):
        codes.check_latent(model, lat)
    g = model.generator
    idx = sorted({int(i) for i in layers})
    if not idx or not (0 <= idx[0] and idx[-1] < g.n_latent):
        raise LatentError(f"choose W+ rows in 0..{g.n_latent - 1}")
    r = torch.stack([lat.code for lat in rows])  # [R, n_latent, D]
    c = torch.stack([lat.code for lat in cols])  # [C, n_latent, D]
    mixed = g.style_mix(r.repeat_interleave(len(cols), 0), c.repeat(len(rows), 1, 1), idx)  # [R*C, n_latent, D]
    latents = [Latent("w+", m, rows[i // len(cols)].model,
                      {"op": "mix", "row": rows[i // len(cols)].origin, "column": cols[i % len(cols)].origin,
                       "row_digest": rows[i // len(cols)].digest(), "column_digest": cols[i % len(cols)].digest(),
                       "layers": idx})
               for i, m in enumerate(mixed)]
    pics = codes.render_images(model, [*rows, *cols, *latents])
    n_r, n_c = len(rows), len(cols)
    row_imgs, col_imgs, mixed_imgs = pics[:n_r], pics[n_r:n_r + n_c], pics[n_r + n_c:]
    cells = [Image.new("RGB", pics[0].size, (255, 255, 255))] + col_imgs
    for i in range(n_r):
        cells += [row_imgs[i]] + mixed_imgs[i * n_c:(i + 1) * n_c]
    return Mix(imgs.make_grid(cells, n_c + 1), mixed_imgs, latents)
