"""What a loaded model can do, as the tabs ask it: the task contracts' answers (``ganstudio.inference``) plus
the class names a picker shows."""

from __future__ import annotations

from ..checkpoint import GanModel
from ..inference import has_class_head, has_truncation, num_classes, num_continuous_codes

__all__ = ["class_names", "has_class_head", "has_truncation", "num_continuous_codes"]


def class_names(model: GanModel) -> list[str]:
    """One name per class: the checkpoint's names where it has them, else the class index."""
    k = num_classes(model)
    names = list(model.meta.class_names or [])
    return names[:k] + [str(i) for i in range(len(names), k)]
