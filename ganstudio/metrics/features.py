"""Small feature classifiers that GAN Studio trains itself, for offline metrics.

Their penultimate layer gives the features of the Frechet distance and KID; their heads give the
class / attribute / domain accuracies. Two are bundled (trained by ``ganstudio/metrics/train_features.py``):

* ``checkpoints/metrics/mnist-classifier/``  head ``digit`` (10 classes), 28x28 grey;
* ``checkpoints/metrics/emoji-classifier/``  heads ``category``, ``skin_tone``, ``hair``, ``gender``,
  ``design`` (see ``ganstudio/data/emoji.py``), 64x64 RGB.

A classifier folder is ``config.json`` + ``model.safetensors``::

    {"format": "ganstudio-metric/1",
     "config": {...every constructor argument of ClassifierConfig...},
     "meta": {"labels": {head: [class names]}, "accuracy": {...}, "dataset": ..., "license": ...}}

Inputs are images in [-1, 1] of any size and 1 or 3 channels: they are resized (bilinear, antialiased)
to the classifier's ``image_size`` and converted to its channel count first.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn

from ..checkpoint import CheckpointError, load_state_strict, read_safetensors

FORMAT = "ganstudio-metric/1"
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
METRICS_DIR = Path(__file__).resolve().parents[2] / "checkpoints" / "metrics"
BUNDLED = {"mnist": "mnist-classifier", "emoji": "emoji-classifier"}


@dataclass
class ClassifierConfig:
    """Every constructor argument of :class:`FeatureClassifier` (plain JSON values)."""

    image_size: int = 28
    channels: int = 1
    widths: list[int] = field(default_factory=lambda: [32, 64, 128])
    strides: list[int] = field(default_factory=lambda: [1, 2, 2])
    feature_dim: int = 128
    heads: dict[str, int] = field(default_factory=lambda: {"digit": 10})
    dropout: float = 0.2

    def __post_init__(self) -> None:
        if len(self.widths) != len(self.strides) or not self.widths:
            raise ValueError("widths and strides must be non-empty and of equal length")
        if self.channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
        if not self.heads:
            raise ValueError("a classifier needs at least one head")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "ClassifierConfig":
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown classifier config keys {unknown}")
        return cls(**dict(values))


def prepare(images: torch.Tensor, image_size: int, channels: int) -> torch.Tensor:
    """``[B, C, H, W]`` in [-1, 1] -> ``[B, channels, image_size, image_size]``."""
    if images.ndim != 4:
        raise ValueError(f"images must be [B, C, H, W], got {list(images.shape)}")
    x = images.float()
    if x.shape[1] == 4:  # RGBA: drop alpha
        x = x[:, :3]
    if x.shape[1] != channels:
        if channels == 1:
            # ITU-R 601 luma, as PIL's "L" conversion
            w = torch.tensor([0.299, 0.587, 0.114], device=x.device).view(1, 3, 1, 1)
            x = (x * w).sum(1, keepdim=True)
        else:
            x = x.expand(-1, 3, -1, -1)
    if x.shape[-2:] != (image_size, image_size):
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False, antialias=True)
    return x


class ConvBlock(nn.Module):
    """Conv3x3 (stride s) -> BatchNorm -> ReLU."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(self.conv(x)))


class FeatureClassifier(nn.Module):
    """Strided conv stack -> 2x2 average pool -> ``feature_dim`` features -> one linear head per label.

    ``features(x)`` is the penultimate layer (after ReLU, before dropout); ``forward(x)`` returns
    ``{head: logits [B, classes]}``.
    """

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        blocks, cin = [], config.channels
        for w, s in zip(config.widths, config.strides):
            blocks.append(ConvBlock(cin, w, s))
            cin = w
        self.body = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.embed = nn.Linear(cin * 4, config.feature_dim)
        self.dropout = nn.Dropout(config.dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(config.feature_dim, n) for name, n in config.heads.items()})
        self.labels: dict[str, list[str]] = {name: [str(i) for i in range(n)] for name, n in config.heads.items()}
        self.meta: dict[str, Any] = {}

    @property
    def head_names(self) -> list[str]:
        return list(self.config.heads)

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        return prepare(images, self.config.image_size, self.config.channels)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Penultimate features ``[B, feature_dim]`` of images in [-1, 1]."""
        h = self.body(self.prepare(images))  # [B, C, h, w]
        h = self.pool(h).flatten(1)  # [B, 4C]
        return F.relu(self.embed(h))  # [B, feature_dim]

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.dropout(self.features(images))
        return {name: head(f) for name, head in self.heads.items()}

    @torch.no_grad()
    def predict(self, images: torch.Tensor, head: str | None = None, batch_size: int = 256) -> torch.Tensor:
        """Predicted class ids ``[B]`` of ``head`` (the first head by default), in eval mode, batched."""
        head = head or self.head_names[0]
        if head not in self.heads:
            raise KeyError(f"classifier has no head {head!r}; heads: {self.head_names}")
        was = self.training
        self.eval()
        device = next(self.parameters()).device
        out = [self(images[i:i + batch_size].to(device))[head].argmax(1).cpu()
               for i in range(0, len(images), batch_size)]
        self.train(was)
        return torch.cat(out) if out else torch.zeros(0, dtype=torch.long)

    @torch.no_grad()
    def extract(self, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """Features ``[N, feature_dim]`` of ``images`` in eval mode, batched, on the CPU."""
        was = self.training
        self.eval()
        device = next(self.parameters()).device
        out = [self.features(images[i:i + batch_size].to(device)).cpu() for i in range(0, len(images), batch_size)]
        self.train(was)
        return torch.cat(out) if out else torch.zeros(0, self.config.feature_dim)


def save_classifier(model: FeatureClassifier, folder: str | Path) -> Path:
    """Write ``config.json`` + ``model.safetensors`` (labels and ``model.meta`` go into the config's meta)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    save_file(tensors, str(folder / WEIGHTS_NAME), metadata={"format": "pt", "kind": "ganstudio-metric"})
    cfg = {"format": FORMAT, "config": model.config.to_dict(), "meta": {"labels": model.labels, **model.meta}}
    (folder / CONFIG_NAME).write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    return folder


def classifier_path(name_or_path: str | Path) -> Path:
    """``"mnist"`` / ``"emoji"`` -> the bundled folder; anything else is taken as a folder path."""
    if isinstance(name_or_path, str) and name_or_path in BUNDLED:
        return METRICS_DIR / BUNDLED[name_or_path]
    return Path(name_or_path)


def load_classifier(name_or_path: str | Path = "mnist", device: torch.device | str = "cpu") -> FeatureClassifier:
    """Load a classifier folder (or ``"mnist"`` / ``"emoji"``, the bundled ones) strictly, in eval mode."""
    folder = classifier_path(name_or_path)
    path = folder / CONFIG_NAME
    if not path.is_file():
        hint = " (train it: python -m ganstudio.metrics.train_features)" if name_or_path in BUNDLED else ""
        raise CheckpointError(f"{folder} has no {CONFIG_NAME}: not a GAN Studio classifier folder{hint}")
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path} is not valid JSON ({e})") from e
    if cfg.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a GAN Studio classifier (expected \"format\": \"{FORMAT}\")")
    try:
        config = ClassifierConfig.from_dict(cfg["config"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: {e}") from e
    model = FeatureClassifier(config)
    load_state_strict(model, read_safetensors(folder / WEIGHTS_NAME), f"{WEIGHTS_NAME} (classifier)")
    meta = dict(cfg.get("meta", {}))
    model.labels = {k: list(v) for k, v in meta.pop("labels", model.labels).items()}
    model.meta = meta
    return model.to(device).eval()


def mnist_config() -> ClassifierConfig:
    """The bundled MNIST classifier: 28x28 grey -> ``digit``."""
    return ClassifierConfig(image_size=28, channels=1, widths=[32, 64, 128], strides=[1, 2, 2],
                            feature_dim=128, heads={"digit": 10})


def emoji_config() -> ClassifierConfig:
    """The bundled emoji classifier: 64x64 RGB -> category, skin tone, hair, gender, design."""
    from ..data.emoji import LABELS

    return ClassifierConfig(image_size=64, channels=3, widths=[32, 64, 128, 128], strides=[2, 2, 2, 1],
                            feature_dim=192, heads={k: len(v) for k, v in LABELS.items()}, dropout=0.2)
