"""Training: ``python -m ganstudio train <family> --data <dataset or folder> ...``.

Each family names its trainer class on its descriptor (``Family.trainer``, ``"module:Class"``);
:func:`trainer_for` imports it on use, so ``ganstudio.models`` never imports ``ganstudio.train``.
"""

from __future__ import annotations

import importlib

from .. import registry
from ..errors import GanStudioError
from ..models.base import Family
from .common import Trainer, TrainOptions, run


class NoTrainerError(GanStudioError):
    """The family has no trainer (or is not registered)."""


def trainable_families() -> list[str]:
    """Names of the registered families that have a trainer, in registry order."""
    return [f.name for f in registry.families() if f.trainer]


def trainer_for(family: str | Family) -> type[Trainer]:
    """The trainer class of ``family`` (a registered name or a :class:`Family`), imported on use."""
    if isinstance(family, str):
        try:
            family = registry.get_family(family)
        except registry.UnknownFamilyError:
            raise NoTrainerError(f"no trainer for family {family!r}; trainable: "
                                 f"{', '.join(trainable_families())}") from None
    if not family.trainer:
        raise NoTrainerError(f"family {family.name!r} has no trainer; trainable: {', '.join(trainable_families())}")
    module, _, name = family.trainer.partition(":")
    trainer = getattr(importlib.import_module(module), name, None)
    if not (isinstance(trainer, type) and issubclass(trainer, Trainer)):
        raise TypeError(f"{family.name}: trainer {family.trainer!r} is not a Trainer subclass")
    return trainer


__all__ = ["NoTrainerError", "Trainer", "TrainOptions", "run", "trainable_families", "trainer_for"]
