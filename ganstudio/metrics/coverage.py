"""Mode coverage of samples from a Gaussian mixture (VEEGAN / PacGAN), for the toy data (``ganstudio.data.points``).

Every generated sample is assigned to its nearest mode centre; it is *high quality* when it lies within
3 sigma of that centre. A mode is *covered* when it received at least ``MIN_MODE_FRACTION`` (20 %) of its
fair share ``N / K`` of the high-quality samples -- for 2,500 samples that is 20 samples per mode on the
25-grid (PacGAN's rule) and 63 on the 8-ring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..data.points import ToyDist

# A mode needs this fraction of the uniform share N / K of high-quality samples to count as covered.
MIN_MODE_FRACTION = 0.2


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
