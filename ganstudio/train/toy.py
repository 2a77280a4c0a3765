"""Toy GANs on the playground's 1-D / 2-D distributions (``--data toy-ring`` etc.): any loss, the
playground's learning rates and WGAN-GP weight by default, and a picture of the points as the sample grid.

Where the playground trains one run live in the browser, this trains the same networks from the command
line, resumable, and saves a model folder that ``eval`` measures (mode coverage, FD / KID on the points).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from PIL import Image

from ..models.toy import MOMENT_GROUP, TOY_GP_WEIGHT, TOY_LR
from ..playground.plots import plot_points
from .common import Batches
from .unconditional import UnconditionalTrainer

PLOT_POINTS = 1000  # points of each kind drawn


class ToyTrainer(UnconditionalTrainer):
    params = ("gp_weight",)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        opts, cfg = self.opts, self.model.config
        if cfg.d_features == "moments" and opts.batch_size % MOMENT_GROUP:
            raise ValueError(f"with d_features=moments the batch size must be a multiple of {MOMENT_GROUP}")
        # the family's training defaults (the playground's too), unless given: toy MLPs like larger learning rates than image GANs
        lr_g, lr_d = TOY_LR[opts.loss]
        opts.lr_g, opts.lr_d = opts.lr_g or lr_g, opts.lr_d or lr_d
        for group in self.optimizers["g"].param_groups:
            group["lr"] = opts.lr_g
        for group in self.optimizers["d"].param_groups:
            group["lr"] = opts.lr_d
        if self.spec.gp_weight:
            weight = float(opts.params.get("gp_weight", TOY_GP_WEIGHT))
            self.spec = dataclasses.replace(self.spec, gp_weight=weight)

    def fixed_inputs(self, batches: Batches) -> dict[str, torch.Tensor]:
        g = torch.Generator().manual_seed(self.opts.seed + 12345)
        real = batches.fields[0]
        pick = torch.randperm(len(real), generator=g)[:PLOT_POINTS]
        return {"z": self.model.generator.sample_latent(PLOT_POINTS, g), "real": real[pick]}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        fake = self.G(fixed["z"].to(self.device)).float().cpu()  # [N, dim]
        return [plot_points(fixed["real"], fake, tuple(self.info.extra.get("view", (-5.0, 5.0))))]
