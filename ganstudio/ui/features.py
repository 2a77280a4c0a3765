"""What a loaded model can do, read off the model itself (feature detection, not family names)."""

from __future__ import annotations

from ..checkpoint import GanModel
from ..models.base import Task


def has_class_head(model: GanModel) -> bool:
    """Whether the checkpoint's discriminator can guess classes (ACGAN, SGAN, InfoGAN)."""
    d = model.modules.get("discriminator")
    return d is not None and hasattr(d, "classify")


def has_mean_latent(model: GanModel) -> bool:
    """Whether truncation applies (a generator with a mean latent, i.e. StyleGAN)."""
    return Task.STYLE in model.tasks and hasattr(model.generator, "truncate")


def class_names(model: GanModel) -> list[str]:
    k = int(getattr(model.config, "num_classes", 0) or 0)
    names = list(model.meta.class_names or [])
    return names[:k] + [str(i) for i in range(len(names), k)]
