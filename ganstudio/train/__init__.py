"""Training: ``python -m ganstudio train <family> --data <dataset or folder> ...``.

``TRAINERS`` maps each family to its trainer class (``"module:Class"``, imported on use).
"""

from __future__ import annotations

import importlib

from .common import Trainer, TrainOptions, run

TRAINERS: dict[str, str] = {
    "mlp": "ganstudio.train.unconditional:UnconditionalTrainer",
    "dcgan": "ganstudio.train.unconditional:UnconditionalTrainer",
}


def trainer_for(family: str) -> type[Trainer]:
    try:
        path = TRAINERS[family]
    except KeyError:
        raise ValueError(f"no trainer for family {family!r}; trainable: {', '.join(TRAINERS)}") from None
    module, _, cls = path.partition(":")
    return getattr(importlib.import_module(module), cls)


__all__ = ["TRAINERS", "Trainer", "TrainOptions", "run", "trainer_for"]
