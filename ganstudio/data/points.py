"""The playground's toy distributions (``ganstudio/toy.py``) as datasets of points, for the ``toy`` family.

Each split is a fixed sample drawn from its own seed: ``train`` 20,000 points, ``test`` 2,500 (PacGAN's
evaluation size), so runs and evaluations repeat exactly. Items are points ``[dim]`` (not in [-1, 1]: the
distributions span about [-5, 5]).
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

from .. import toy
from . import DatasetInfo, check_split

SPLIT_SIZES = {"train": 20_000, "test": 2_500}
SPLIT_SEEDS = {"train": 0, "test": 1}


class ToyPoints(Dataset):
    def __init__(self, dist: toy.ToyDist, split: str = "train"):
        check_split(split)
        parts = ["train", "test"] if split == "all" else [split]
        self.dist = dist
        self.points = torch.cat([dist.sample(SPLIT_SIZES[s], torch.Generator().manual_seed(SPLIT_SEEDS[s]))
                                 for s in parts])  # [N, dim]
        extra = {"dim": dist.dim, "dist": dist.name, "view": list(dist.view)}
        self.info = DatasetInfo(name=f"toy-{dist.name}", description=dist.label, item=("point",), image_size=0,
                                channels=0, source="ganstudio.toy (synthetic)", extra=extra)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.points[i]  # [dim]


def gaussian_points(split: str = "train", mean: float = 4.0, std: float = 1.25) -> ToyPoints:
    """1-D normal N(mean, std^2) (default N(4, 1.25^2))."""
    data = ToyPoints(toy.make_dist("gaussian", mean, std), split)
    data.info.extra.update(mean=float(mean), std=float(std))
    return data


def ring_points(split: str = "train") -> ToyPoints:
    """8 Gaussians on a ring of radius 2, sigma 0.05."""
    return ToyPoints(toy.make_dist("ring"), split)


def grid_points(split: str = "train") -> ToyPoints:
    """25 Gaussians on a 5 x 5 grid, sigma 0.05."""
    return ToyPoints(toy.make_dist("grid"), split)


def spiral_points(split: str = "train") -> ToyPoints:
    """A noisy two-turn spiral."""
    return ToyPoints(toy.make_dist("spiral"), split)


def moons_points(split: str = "train") -> ToyPoints:
    """Two interleaving half circles."""
    return ToyPoints(toy.make_dist("moons"), split)
