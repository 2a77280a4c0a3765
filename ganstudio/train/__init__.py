"""Training: ``python -m ganstudio train <family> --data <dataset or folder> ...``.

``TRAINERS`` maps each family to its trainer class (``"module:Class"``, imported on use).
"""

from __future__ import annotations

import importlib

from .common import Trainer, TrainOptions, run

TRAINERS: dict[str, str] = {
    "mlp": "ganstudio.train.unconditional:UnconditionalTrainer",
    "dcgan": "ganstudio.train.unconditional:UnconditionalTrainer",
    "pix2pix": "ganstudio.train.translation:Pix2PixTrainer",
    "cyclegan": "ganstudio.train.translation:CycleGANTrainer",
    "discogan": "ganstudio.train.translation:DiscoGANTrainer",
    "spade": "ganstudio.train.translation:SPADETrainer",
    "stargan": "ganstudio.train.stargan:StarGANTrainer",
    "cgan": "ganstudio.train.conditional:CGANTrainer",
    "acgan": "ganstudio.train.conditional:ACGANTrainer",
    "sgan": "ganstudio.train.conditional:SGANTrainer",
    "infogan": "ganstudio.train.conditional:InfoGANTrainer",
    "progan": "ganstudio.train.progan:ProGANTrainer",
    "stylegan2": "ganstudio.train.stylegan2:StyleGAN2Trainer",
    "toy": "ganstudio.train.toy:ToyTrainer",
}


def trainer_for(family: str) -> type[Trainer]:
    try:
        path = TRAINERS[family]
    except KeyError:
        raise ValueError(f"no trainer for family {family!r}; trainable: {', '.join(TRAINERS)}") from None
    module, _, cls = path.partition(":")
    return getattr(importlib.import_module(module), cls)


__all__ = ["TRAINERS", "Trainer", "TrainOptions", "run", "trainer_for"]
