"""Small helpers for trainer tests: a synthetic in-memory dataset and a trainer subclass that records."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.utils.data import Dataset

from ganstudio.data import DatasetInfo
from ganstudio.train import common


class TinyImages(Dataset):
    """``n`` random images [C, S, S] in [-1, 1] (smooth blobs, so pooling and fades see structure),
    with labels ``i % num_classes`` when ``num_classes`` is given."""

    def __init__(self, n: int = 16, size: int = 16, channels: int = 3, num_classes: int | None = None, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        coarse = torch.rand(n, channels, 4, 4, generator=g) * 2 - 1
        self.images = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
        self.labels = torch.arange(n) % num_classes if num_classes else None
        self.info = DatasetInfo(
            name="tiny", description="random test images", item=("image", "label") if num_classes else ("image",),
            image_size=size, channels=channels,
            class_names=[f"c{i}" for i in range(num_classes)] if num_classes else None,
        )

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> Any:
        return (self.images[i], self.labels[i]) if self.labels is not None else self.images[i]


def use_dataset(monkeypatch, dataset: Dataset) -> None:
    """Make ``run`` train on ``dataset`` whatever ``TrainOptions.data`` says."""
    monkeypatch.setattr(common, "build_dataset", lambda opts, split="train": dataset)


def spying(trainer_class: type[common.Trainer]) -> type[common.Trainer]:
    """A subclass that records the initial weights, each step index and each step's stats (on the class)."""

    class Spy(trainer_class):  # type: ignore[misc, valid-type]
        steps: list[int] = []
        stats: list[dict[str, float]] = []
        initial: dict[str, dict[str, torch.Tensor]] = {}

        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            type(self).initial = {k: {n: t.detach().clone() for n, t in m.state_dict().items()}
                                  for k, m in self.model.modules.items()}

        def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
            out = super().train_step(batch, step)
            type(self).steps.append(step)
            type(self).stats.append(dict(out))
            return out

    Spy.steps, Spy.stats = [], []
    return Spy


def all_finite(stats: list[dict[str, float]]) -> bool:
    return bool(stats) and all(math.isfinite(v) for s in stats for v in s.values())


def changed(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> bool:
    """Whether any floating-point tensor differs (parameters moved)."""
    return any(before[k].is_floating_point() and not torch.equal(before[k], after[k].to(before[k].device))
               for k in before if k in after)
