"""Differentiable augmentation of discriminator inputs (DiffAugment, Zhao et al. 2020).

With little data a discriminator memorises its training images: its real/fake and class heads are right
on them and wrong elsewhere, and a generator can satisfy it with images that carry no real attribute.
DiffAugment applies the *same kind* of random transform to every image the discriminator sees -- real
and generated, in the D and in the G step -- so D must judge content that survives the transform. The
transforms are differentiable in the image, so G's gradients pass through them.

Policies (comma-separated, applied in this order):

* ``flip``        -- horizontal flip with probability 1/2;
* ``translation`` -- integer shift of up to 1/8 of the side in x and y, the border pixels repeated
                     (emoji and MNIST backgrounds are flat, so no new edge appears);
* ``cutout``      -- one square of 1/4 of the side set to 0 (mid-grey in [-1, 1]).

Colour transforms are left out on purpose: the attributes here (skin tone, design system) are colours.
"""

from __future__ import annotations

import torch

POLICIES = ("flip", "translation", "cutout")


def parse_policy(policy: str | None) -> tuple[str, ...]:
    """``"flip,translation"`` -> ("flip", "translation"); empty / None -> (). Unknown names are refused."""
    names = tuple(p.strip() for p in (policy or "").split(",") if p.strip())
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown}; choose from {list(POLICIES)}")
    return names


def flip(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image [B, C, H, W] mirrored left-right with probability 1/2."""
    mask = torch.rand(x.shape[0], generator=generator) < 0.5  # [B]
    return torch.where(mask.to(x.device).view(-1, 1, 1, 1), x.flip(-1), x)


def translation(x: torch.Tensor, ratio: float = 0.125, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift each image [B, C, H, W] by whole pixels, up to ``ratio`` of its side; edges are repeated."""
    b, _, h, w = x.shape
    sy, sx = max(1, int(h * ratio)), max(1, int(w * ratio))
    dy = torch.randint(-sy, sy + 1, (b, 1, 1), generator=generator).to(x.device)  # [B, 1, 1]
    dx = torch.randint(-sx, sx + 1, (b, 1, 1), generator=generator).to(x.device)
    rows = (torch.arange(h, device=x.device).view(1, h, 1) - dy).clamp(0, h - 1)  # [B, H, 1] source row
    cols = (torch.arange(w, device=x.device).view(1, 1, w) - dx).clamp(0, w - 1)  # [B, 1, W] source column
    index = (rows * w + cols).view(b, 1, h * w).expand(-1, x.shape[1], -1)  # [B, C, H*W]
    return x.flatten(2).gather(2, index).view_as(x)


def cutout(x: torch.Tensor, ratio: float = 0.25, generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero one square of ``ratio`` of the side per image [B, C, H, W], at a random place (partly outside)."""
    b, _, h, w = x.shape
    ch, cw = max(1, int(h * ratio)), max(1, int(w * ratio))
    y0 = torch.randint(0, h, (b, 1, 1), generator=generator).to(x.device) - ch // 2  # [B, 1, 1] top edge
    x0 = torch.randint(0, w, (b, 1, 1), generator=generator).to(x.device) - cw // 2  # left edge
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (ys >= y0) & (ys < y0 + ch) & (xs >= x0) & (xs < x0 + cw)  # [B, H, W]
    return x * (~inside).unsqueeze(1).to(x.dtype)


def diff_augment(x: torch.Tensor, policy: tuple[str, ...], generator: torch.Generator | None = None) -> torch.Tensor:
    """``x`` [B, C, H, W] through each transform of ``policy`` (see :func:`parse_policy`), new draws per call."""
    for name in policy:
        if name == "flip":
            x = flip(x, generator)
        elif name == "translation":
            x = translation(x, generator=generator)
        elif name == "cutout":
            x = cutout(x, generator=generator)
    return x

