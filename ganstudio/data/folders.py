"""Any folder of images, in the three layouts GAN training uses.

* single folder       ``root/*.png`` (sub-folders included): ``image``; with ``labels_from_subfolders`` the
                      first-level sub-folder names are the classes: ``(image, label)``;
* paired A|B images   each file holds A on the left half and B on the right half (pix2pix's layout);
                      ``(a, b)``, or ``(b, a)`` with ``direction="BtoA"``;

For these two, when ``root/<split>`` exists (pix2pix's ``facades/train``, ``facades/test``) it is used,
otherwise ``root`` itself holds the images whatever the split.
* unpaired domains    ``root/trainA`` and ``root/trainB`` (``testA`` / ``testB`` for ``split="test"``);
                      ``(a, b)`` where ``b`` is drawn through a seeded permutation (CycleGAN).

Images are converted to RGB (or grey with ``channels=1``), resized with bicubic filtering to ``size``
x ``size`` (aspect ratio not kept, as the pix2pix / CycleGAN reference does) and scaled to [-1, 1].
Files are read lazily, one per ``__getitem__``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from . import DataUnavailableError, DatasetInfo

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"}


def list_images(root: str | Path, recursive: bool = True) -> list[Path]:
    """Image files under ``root`` in sorted order; raises :class:`DataUnavailableError` when there are none."""
    root = Path(root)
    if not root.is_dir():
        raise DataUnavailableError(f"{root} is not a folder")
    files = root.rglob("*") if recursive else root.iterdir()
    found = sorted(p for p in files if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not found:
        raise DataUnavailableError(f"{root} holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
    return found


def to_tensor(image: Image.Image, size: int | None, channels: int = 3) -> torch.Tensor:
    """PIL image -> ``[channels, size, size]`` float in [-1, 1] (bicubic resize; no resize when size is None)."""
    image = image.convert("L" if channels == 1 else "RGB")
    if size is not None and image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BICUBIC)
    arr = np.asarray(image, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[..., None]
    return torch.from_numpy(arr).permute(2, 0, 1).div(127.5).sub(1.0).contiguous()


def _split_dir(root: Path, split: str) -> Path:
    return root / split if (root / split).is_dir() else root


def _check(size: int | None, channels: int) -> None:
    if size is not None and size < 1:
        raise ValueError("size must be positive")
    if channels not in (1, 3):
        raise ValueError("channels must be 1 or 3")


class ImageFolder(Dataset):
    """Every image under ``root``: ``image``, or ``(image, label)`` with ``labels_from_subfolders``."""

    def __init__(self, root: str | Path, size: int | None = 64, channels: int = 3,
                 labels_from_subfolders: bool = False, split: str = "train"):
        _check(size, channels)
        self.root, self.size, self.channels = _split_dir(Path(root), split), size, channels
        self.files = list_images(self.root)
        self.labels: list[int] | None = None
        class_names = None
        if labels_from_subfolders:
            rel = [p.relative_to(self.root).parts for p in self.files]
            if any(len(r) < 2 for r in rel):
                raise DataUnavailableError(f"{root}: with labels from sub-folders, every image must be in one")
            class_names = sorted({r[0] for r in rel})
            self.labels = [class_names.index(r[0]) for r in rel]
        self.info = DatasetInfo(name="folder", description=f"images in {self.root}",
                                item=("image", "label") if self.labels is not None else ("image",),
                                image_size=size or 0, channels=channels, class_names=class_names,
                                source=str(self.root), extra={"size": len(self.files)})

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int):
        with Image.open(self.files[i]) as im:
            x = to_tensor(im, self.size, self.channels)
        if self.labels is None:
            return x
        return x, torch.tensor(self.labels[i], dtype=torch.long)


class PairedFolder(Dataset):
    """Side-by-side ``A|B`` images (each file: A left half, B right half): ``(input, target)``."""

    def __init__(self, root: str | Path, size: int | None = 256, channels: int = 3, direction: str = "AtoB",
                 split: str = "train"):
        _check(size, channels)
        if direction not in ("AtoB", "BtoA"):
            raise ValueError("direction must be 'AtoB' or 'BtoA'")
        self.root, self.size, self.channels = _split_dir(Path(root), split), size, channels
        self.direction = direction
        self.files = list_images(self.root)
        self.info = DatasetInfo(name="paired-folder", description=f"paired A|B images in {self.root}",
                                item=("input", "target"), image_size=size or 0, channels=channels,
                                domains=["A", "B"] if direction == "AtoB" else ["B", "A"], input_kind="photo",
                                source=str(self.root),
                                extra={"size": len(self.files), "direction": direction, "in_channels": channels})

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        with Image.open(self.files[i]) as im:
            w, h = im.size
            if w < 2:
                raise DataUnavailableError(f"{self.files[i]} is too narrow to hold A|B halves")
            a = to_tensor(im.crop((0, 0, w // 2, h)), self.size, self.channels)
            b = to_tensor(im.crop((w // 2, 0, w // 2 * 2, h)), self.size, self.channels)
        return (a, b) if self.direction == "AtoB" else (b, a)


class UnpairedFolders(Dataset):
    """Two unaligned domains ``root/<split>A`` and ``root/<split>B``: ``(a, b)``.

    The length is that of the larger domain; the smaller one wraps around. ``b`` of item ``i`` is
    ``B[perm[i]]`` for a seeded permutation, so a shuffled loader gives fresh unaligned pairs.
    """

    def __init__(self, root: str | Path, split: str = "train", size: int | None = 256, channels: int = 3,
                 seed: int = 0):
        _check(size, channels)
        self.root, self.size, self.channels = Path(root), size, channels
        self.files_a = list_images(self.root / f"{split}A")
        self.files_b = list_images(self.root / f"{split}B")
        n = max(len(self.files_a), len(self.files_b))
        self.perm = np.random.default_rng(seed).permutation(n)
        self.info = DatasetInfo(name="unpaired-folder", description=f"unpaired {split}A / {split}B in {self.root}",
                                item=("image_a", "image_b"), image_size=size or 0, channels=channels,
                                domains=["A", "B"], input_kind="photo", source=str(self.root),
                                extra={"size_a": len(self.files_a), "size_b": len(self.files_b), "split": split,
                                       "in_channels": channels})

    def __len__(self) -> int:
        return max(len(self.files_a), len(self.files_b))

    def _read(self, path: Path) -> torch.Tensor:
        with Image.open(path) as im:
            return to_tensor(im, self.size, self.channels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        a = self._read(self.files_a[i % len(self.files_a)])
        b = self._read(self.files_b[int(self.perm[i]) % len(self.files_b)])
        return a, b


def image_folder(root: str, size: int | None = 64, channels: int = 3, labels_from_subfolders: bool = False,
                 split: str = "train") -> ImageFolder:
    """All images under ``root`` (or ``root/<split>``), optionally labelled by first-level sub-folder."""
    return ImageFolder(root, size, channels, labels_from_subfolders, split)


def paired_folder(root: str, size: int | None = 256, channels: int = 3, direction: str = "AtoB",
                  split: str = "train") -> PairedFolder:
    """Side-by-side A|B images under ``root`` (or ``root/<split>``) for paired translation (pix2pix)."""
    return PairedFolder(root, size, channels, direction, split)


def unpaired_folder(root: str, split: str = "train", size: int | None = 256, channels: int = 3,
                    seed: int = 0) -> UnpairedFolders:
    """``trainA`` / ``trainB`` (or ``testA`` / ``testB``) folders for unpaired translation (CycleGAN)."""
    return UnpairedFolders(root, split, size, channels, seed)
