"""Toy distributions for the playground, the mode-coverage metric, and moment features.

* ``gaussian`` -- 1-D normal, mean 4 and std 1.25 by default (the classic "GAN in 50 lines" target).
* ``ring`` -- 8 Gaussians on a circle of radius 2 (as in Metz et al. 2016, Unrolled GANs), sigma 0.05.
* ``grid`` -- 25 Gaussians at {-4, -2, 0, 2, 4}^2, sigma 0.05 (as in VEEGAN / PacGAN).
* ``spiral`` -- a noisy two-turn Archimedean spiral.
* ``moons`` -- two interleaving half circles.

Samplers draw on the CPU from a ``torch.Generator`` so a seed gives the same data everywhere.

Mode coverage (VEEGAN / PacGAN): every generated sample is assigned to its nearest mode centre; it is
*high quality* when it lies within 3 sigma of that centre. A mode is *covered* when it received at
least ``MIN_MODE_FRACTION`` (20 %) of its fair share ``N / K`` of the high-quality samples -- for
2,500 samples that is 20 samples per mode on the 25-grid (PacGAN's rule) and 63 on the 8-ring.

The ring's sigma is 0.05 rather than Unrolled GAN's 0.02: the modes stay far apart (neighbours 1.53 apart,
3 sigma = 0.15), and the small playground MLPs reach a clear verdict within a few thousand steps. At 0.02,
WGAN-GP still covers all 8 modes, but its high-quality share hovers between 0.5 and 0.75 for thousands of
steps, as the generator's jitter under Adam is as large as 3 sigma.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

# A mode needs this fraction of the uniform share N / K of high-quality samples to count as covered.
MIN_MODE_FRACTION = 0.2


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
DISTS: tuple[str, ...] = ("gaussian", "ring", "grid", "spiral", "moons")


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


@dataclass(frozen=True)
class Coverage:
    """Result of :func:`mode_coverage`."""

    modes_covered: int
    num_modes: int
    high_quality: float  # share of samples within 3 sigma of their nearest mode, in [0, 1]
    per_mode: tuple[int, ...]  # high-quality samples assigned to each mode


def mode_coverage_detail(samples: torch.Tensor, dist: ToyDist, min_fraction: float = MIN_MODE_FRACTION) -> Coverage:
    """Modes covered and high-quality share of ``samples`` ``[N, 2]`` under mixture ``dist`` (see module doc)."""
    if dist.modes is None or dist.sigma is None:
        raise ValueError(f"{dist.name!r} is not a Gaussian mixture: mode coverage needs mode centres")
    x = samples.detach().float().reshape(len(samples), -1).cpu()
    d = torch.cdist(x, dist.modes)  # [N, K]
    dist_min, nearest = d.min(1)  # [N]
    good = dist_min <= 3 * dist.sigma
    k = len(dist.modes)
    per_mode = torch.bincount(nearest[good], minlength=k)  # [K]
    need = max(1, math.ceil(min_fraction * len(x) / k))
    return Coverage(
        modes_covered=int((per_mode >= need).sum()),
        num_modes=k,
        high_quality=float(good.float().mean()) if len(x) else 0.0,
        per_mode=tuple(int(c) for c in per_mode),
    )


def mode_coverage(samples: torch.Tensor, dist: ToyDist, min_fraction: float = MIN_MODE_FRACTION) -> tuple[int, float]:
    """``(modes_covered, high_quality_share)`` of ``samples`` ``[N, 2]`` under Gaussian mixture ``dist``.

    Nearest-mode assignment; high quality = within 3 sigma of that mode; a mode is covered when it
    received at least ``min_fraction * N / K`` high-quality samples (at least one).
    """
    c = mode_coverage_detail(samples, dist, min_fraction)
    return c.modes_covered, c.high_quality


MOMENT_NAMES: tuple[str, ...] = ("mean", "std", "skew", "kurtosis")


def moments(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """(mean, std, skewness, excess kurtosis) of ``x`` along ``dim``, stacked last: ``[..., 4]``.

    Differentiable, so a discriminator can look at a batch's moments instead of its samples.
    Population std; skew = E[z^3]; excess kurtosis = E[z^4] - 3 (0 for a Gaussian), with z the
    standardised values.
    """
    mean = x.mean(dim, keepdim=True)
    centred = x - mean
    std = centred.pow(2).mean(dim, keepdim=True).add(1e-8).sqrt()
    z = centred / std
    skew = z.pow(3).mean(dim)
    kurt = z.pow(4).mean(dim) - 3.0
    return torch.stack([mean.squeeze(dim), std.squeeze(dim), skew, kurt], -1)
