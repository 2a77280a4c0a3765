"""Toy data: the 1-D and 2-D distributions of the playground and the ``toy`` family, and fixed point sets of them.

* ``gaussian`` -- 1-D normal, mean 4 and std 1.25 by default (the classic "GAN in 50 lines" target).
* ``ring`` -- 8 Gaussians on a circle of radius 2 (as in Metz et al. 2016, Unrolled GANs), sigma 0.05.
* ``grid`` -- 25 Gaussians at {-4, -2, 0, 2, 4}^2, sigma 0.05 (as in VEEGAN / PacGAN).
* ``spiral`` -- a noisy two-turn Archimedean spiral.
* ``moons`` -- two interleaving half circles.

Samplers draw on the CPU from a ``torch.Generator`` so a seed gives the same data everywhere; the playground
draws from them live. As datasets (``toy-ring`` ...) each split is a fixed sample drawn from its own seed:
``train`` 20,000 points, ``test`` 2,500 (PacGAN's evaluation size), so runs and evaluations repeat exactly.
Items are points ``[dim]`` (not in [-1, 1]: the distributions span about [-5, 5]). How many modes of a
mixture a model covers is measured by ``ganstudio.metrics.coverage``.

The ring's sigma is 0.05 rather than Unrolled GAN's 0.02: the modes stay far apart (neighbours 1.53 apart,
3 sigma = 0.15), and the small playground MLPs reach a clear verdict within a few thousand steps. At 0.02,
WGAN-GP still covers all 8 modes, but its high-quality share hovers between 0.5 and 0.75 for thousands of
steps, as the generator's jitter under Adam is as large as 3 sigma.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal, get_args

import torch
from torch.utils.data import Dataset

from . import DatasetInfo, check_split

# --- distributions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToyDist:
    """A toy distribution: a sampler plus, for Gaussian mixtures, the mode centres and their sigma.

    ``view`` is the square (or, in 1-D, the interval) the playground draws: (lo, hi) on every axis.
    """

    name: str
    label: str
    dim: int  # 1 or 2
    sampler: Callable[[int, torch.Generator], torch.Tensor]
    view: tuple[float, float]
    modes: torch.Tensor | None = None  # [K, dim] centres of a Gaussian mixture
    sigma: float | None = None  # per-axis std of each mixture component

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` samples, shape ``[n, dim]``, float32 on the CPU."""
        return self.sampler(n, generator)


def _mixture(centres: torch.Tensor, sigma: float) -> Callable[[int, torch.Generator], torch.Tensor]:
    def sample(n: int, generator: torch.Generator) -> torch.Tensor:
        idx = torch.randint(len(centres), (n,), generator=generator)
        return centres[idx] + sigma * torch.randn(n, centres.shape[1], generator=generator)  # [n, 2]

    return sample


def ring_modes(k: int = 8, radius: float = 2.0) -> torch.Tensor:
    """``k`` centres evenly spaced on a circle, ``[k, 2]``."""
    angles = torch.arange(k, dtype=torch.float64) * (2 * math.pi / k)
    return (radius * torch.stack([angles.cos(), angles.sin()], 1)).float()


def grid_modes(side: int = 5, spacing: float = 2.0) -> torch.Tensor:
    """``side**2`` centres on a square grid centred at 0, ``[side**2, 2]``."""
    ticks = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    ys, xs = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten()], 1)


def _spiral(n: int, generator: torch.Generator) -> torch.Tensor:
    t = torch.rand(n, generator=generator).sqrt() * (4 * math.pi)  # sqrt: even density along the arc
    r = 0.35 * t
    pts = torch.stack([r * t.cos(), r * t.sin()], 1)
    return pts + 0.08 * torch.randn(n, 2, generator=generator)


def _moons(n: int, generator: torch.Generator) -> torch.Tensor:
    upper = torch.rand(n, generator=generator) < 0.5
    t = torch.rand(n, generator=generator) * math.pi
    x = torch.where(upper, t.cos(), 1 - t.cos())
    y = torch.where(upper, t.sin(), 0.5 - t.sin())
    pts = torch.stack([x - 0.5, y - 0.25], 1) * 2.0  # centred, about [-3, 3] wide
    return pts + 0.1 * torch.randn(n, 2, generator=generator)


def gaussian_1d(mean: float = 4.0, std: float = 1.25) -> ToyDist:
    """The 1-D normal N(mean, std^2); its view spans mean +- 4 std (at least +- 1) and includes 0."""

    def sample(n: int, generator: torch.Generator) -> torch.Tensor:
        return mean + std * torch.randn(n, 1, generator=generator)  # [n, 1]

    half = max(4 * std, 1.0)
    lo, hi = min(mean - half, -1.0), max(mean + half, 1.0)  # keep 0 in view: G starts near it
    return ToyDist("gaussian", f"1-D Gaussian (mean {mean:g}, std {std:g})", 1, sample, (lo, hi))


# 2-D distributions by name (the 1-D Gaussian is built by gaussian_1d with the user's mean and std).
_RING, _GRID = ring_modes(), grid_modes()
DISTS_2D: dict[str, ToyDist] = {
    "ring": ToyDist("ring", "8 Gaussians on a ring", 2, _mixture(_RING, 0.05), (-3.0, 3.0), _RING, 0.05),
    "grid": ToyDist("grid", "25 Gaussians on a grid", 2, _mixture(_GRID, 0.05), (-5.5, 5.5), _GRID, 0.05),
    "spiral": ToyDist("spiral", "Spiral", 2, _spiral, (-5.0, 5.0)),
    "moons": ToyDist("moons", "Two moons", 2, _moons, (-3.5, 3.5)),
}
ToyData = Literal["gaussian", "ring", "grid", "spiral", "moons"]
DISTS: tuple[ToyData, ...] = get_args(ToyData)


def make_dist(name: str, mean: float = 4.0, std: float = 1.25) -> ToyDist:
    """The distribution ``name`` (one of ``DISTS``); ``mean`` / ``std`` only apply to ``gaussian``."""
    if name == "gaussian":
        if not std > 0:
            raise ValueError(f"the Gaussian's std must be > 0, got {std}")
        return gaussian_1d(float(mean), float(std))
    try:
        return DISTS_2D[name]
    except KeyError:
        raise ValueError(f"unknown toy distribution {name!r}; choose one of {', '.join(DISTS)}") from None


# --- datasets ------------------------------------------------------------------------------------------------

SPLIT_SIZES = {"train": 20_000, "test": 2_500}
SPLIT_SEEDS = {"train": 0, "test": 1}


class ToyPoints(Dataset):
    def __init__(self, dist: ToyDist, split: str = "train"):
        check_split(split)
        parts = ["train", "test"] if split == "all" else [split]
        self.dist = dist
        self.points = torch.cat([dist.sample(SPLIT_SIZES[s], torch.Generator().manual_seed(SPLIT_SEEDS[s]))
                                 for s in parts])  # [N, dim]
        extra = {"dim": dist.dim, "dist": dist.name, "view": list(dist.view)}
        self.info = DatasetInfo(name=f"toy-{dist.name}", description=dist.label, item=("point",), image_size=0,
                                channels=0, source="ganstudio.data.points (synthetic)", extra=extra)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.points[i]  # [dim]


def gaussian_points(split: str = "train", mean: float = 4.0, std: float = 1.25) -> ToyPoints:
    """1-D normal N(mean, std^2) (default N(4, 1.25^2))."""
    data = ToyPoints(make_dist("gaussian", mean, std), split)
    data.info.extra.update(mean=float(mean), std=float(std))
    return data


def ring_points(split: str = "train") -> ToyPoints:
    """8 Gaussians on a ring of radius 2, sigma 0.05."""
    return ToyPoints(make_dist("ring"), split)


def grid_points(split: str = "train") -> ToyPoints:
    """25 Gaussians on a 5 x 5 grid, sigma 0.05."""
    return ToyPoints(make_dist("grid"), split)


def spiral_points(split: str = "train") -> ToyPoints:
    """A noisy two-turn spiral."""
    return ToyPoints(make_dist("spiral"), split)


def moons_points(split: str = "train") -> ToyPoints:
    """Two interleaving half circles."""
    return ToyPoints(make_dist("moons"), split)
