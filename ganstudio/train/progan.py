"""Progressive GAN training: grow from 4x4 to the full size, fading each new resolution in.

Schedule (``--param phase_steps=N``, default 1000 generator steps per phase)::

    4 px: stabilise N | 8 px: fade N, stabilise N | 16 px: fade N, stabilise N | ... | full size: fade N, then
    stabilise until the last step

During a fade, ``alpha`` rises linearly from ``1/N`` to 1: G's output and D's input path blend the new
block with the previous resolution (see ``ganstudio/models/progan.py``). Real images are average-pooled
from the data's size to the current resolution and, during a fade, blended in the same way as G's output
(``lerp(up(down(x)), x, alpha)``, the paper's section A.1), so D never tells real from fake by sharpness.

Loss (the paper's): WGAN-GP with lambda 10 plus the drift term ``epsilon_drift * E[D(x)^2]``
(``--param epsilon_drift=0.001``), which keeps the critic's outputs near 0. Adam lr 0.001 with betas
(0, 0.99) (``--param betas=[0,0.99]``), one critic step per generator step; other ``--loss`` values work too
(the drift term is only added to the Wasserstein losses). G's weights are averaged (EMA, ``--param
ema_beta=0.999``, 0 turns it off) and the average is what samples and the export use. DiffAugment
(``--param diffaug=flip``, off by default; see ``augment.py``) passes the reals and fakes D sees -- in D's
step, the penalty and G's step -- through the same random transform.

Export: the model at the resolution the schedule has *completed*. A run stopped during the fade to
resolution R exports the R/2 model (``image_size`` R/2); the key layout makes it a model of its own.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .. import images as imgs
from .. import losses
from ..checkpoint import load_state_strict, new_model
from ..models.progan import resolution_of
from .common import Trainer, frozen
from .unconditional import d_stats

PAPER_LR = 1e-3
PAPER_BETAS = (0.0, 0.99)


def growth_at(step: int, phase_steps: int, max_depth: int) -> tuple[int, float]:
    """(depth, alpha) of 0-based training step ``step``.

    Depth 0 (4 px) is trained for one phase; each later depth gets a fade phase (alpha ``(i + 1) / N``
    at its i-th step) and a stabilising phase (alpha 1). After the last depth's fade it stays there.
    """
    if phase_steps < 1:
        raise ValueError(f"phase_steps must be >= 1, got {phase_steps}")
    if step < phase_steps or max_depth == 0:
        return 0, 1.0
    k = step - phase_steps  # steps since the end of the 4 px phase
    depth = min(1 + k // (2 * phase_steps), max_depth)
    into = k - (depth - 1) * 2 * phase_steps  # steps into this depth's fade + stabilise
    if into < phase_steps:
        return depth, (into + 1) / phase_steps
    return depth, 1.0


def completed_depth(steps_done: int, phase_steps: int, max_depth: int) -> int:
    """The largest depth whose fade-in has finished after ``steps_done`` steps (0 before any growth)."""
    if steps_done <= 0:
        return 0
    depth, alpha = growth_at(steps_done - 1, phase_steps, max_depth)
    return depth if alpha >= 1.0 else depth - 1


def schedule_steps(phase_steps: int, max_depth: int) -> int:
    """Steps until the full resolution is faded in and stabilised for one phase."""
    return phase_steps * (1 + 2 * max_depth)


def real_at(x: torch.Tensor, depth: int, alpha: float) -> torch.Tensor:
    """Real images [B, C, S, S] -> [B, C, R, R] at ``depth``, blended with the coarser level while fading."""
    r = resolution_of(depth)
    if x.shape[-1] != r:
        x = F.adaptive_avg_pool2d(x, r) if x.shape[-1] % r else F.avg_pool2d(x, x.shape[-1] // r)
    if depth > 0 and alpha < 1.0:
        coarse = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")  # [B, C, R, R]
        x = torch.lerp(coarse, x, alpha)
    return x


class ProGANTrainer(Trainer):
    """Progressive growing with WGAN-GP + drift; exports the grown (EMA) generator and its discriminator."""

    default_loss = "wgan-gp"
    params = ("phase_steps", "epsilon_drift", "ema_beta", "betas", "diffaug")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        p = self.opts.params
        self.phase_steps = int(p.get("phase_steps", 1000))
        self.epsilon_drift = float(p.get("epsilon_drift", 0.001))
        self.ema_beta = float(p.get("ema_beta", 0.999))
        # The paper's optimiser, not the loss's generic one; written back so the model card tells the truth.
        betas = tuple(float(b) for b in p.setdefault("betas", list(PAPER_BETAS)))
        self.opts.lr_g = self.opts.lr_g or PAPER_LR
        self.opts.lr_d = self.opts.lr_d or PAPER_LR
        self.n_critic = self.opts.n_critic or 1
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        self.max_depth: int = self.model.config.max_depth
        self.optimizers = {
            "g": losses.make_optimizer(self.spec.optimizer, self.G.parameters(), self.opts.lr_g, betas),
            "d": losses.make_optimizer(self.spec.optimizer, self.D.parameters(), self.opts.lr_d, betas),
        }
        self.G_ema: nn.Module | None = None
        if self.ema_beta > 0:
            self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.steps_done = 0
        self.export_depth: int | None = None  # set by export_model: the resolution samples then show

    # -- growth

    def growth(self, step: int) -> tuple[int, float]:
        return growth_at(step, self.phase_steps, self.max_depth)

    def update_ema(self, step: int) -> None:
        if self.G_ema is None:
            return
        # warm-up: early on the average follows G closely instead of remembering the random init
        beta = min(self.ema_beta, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.lerp_(p, 1.0 - beta)

    # -- steps

    def d_step(self, real: torch.Tensor, depth: int, alpha: float) -> dict[str, float]:
        kind = self.opts.loss
        with torch.no_grad(), self.autocast():
            fake = self.augment(self.G(self.latents(real.shape[0]), depth, alpha).float())
        real = self.augment(real)  # the reals as D sees them
        with self.autocast():
            real_out, fake_out = self.D(real, depth, alpha), self.D(fake, depth, alpha)  # [B], [B]
            loss_real, loss_fake = losses.d_loss_terms(kind, real_out, fake_out)
        loss = loss_real + loss_fake
        stats: dict[str, float] = {}
        if self.spec.gp_weight:
            gp = losses.gradient_penalty(lambda x: self.D(x, depth, alpha), real, fake, self.spec.gp_weight,
                                         generator=self.rng)
            loss = loss + gp
            stats["gp"] = gp.item()
        if kind in ("wgan", "wgan-gp") and self.epsilon_drift:
            loss = loss + losses.drift_penalty(real_out, self.epsilon_drift)
        self.step_optimizer("d", loss, self.D)
        if self.spec.clip:
            losses.clip_weights(self.D, self.spec.clip)
        return {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} \
            | d_stats(self.spec, real_out, fake_out) | stats

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        depth, alpha = self.growth(step)
        for critic_batch in self.critic_batches(batch):
            real = real_at(critic_batch[0], depth, alpha)  # [B, C, R, R]
            stats = self.d_step(real, depth, alpha)
        with frozen(self.D), self.autocast():
            fake = self.augment(self.G(self.latents(real.shape[0]), depth, alpha))
            loss_g = losses.g_loss(self.opts.loss, self.D(fake, depth, alpha))
        self.step_optimizer("g", loss_g, self.G)
        self.update_ema(step)
        self.steps_done = step + 1
        return stats | {"loss_g": loss_g.item(), "res": float(resolution_of(depth)), "alpha": alpha}

    # -- samples and export

    def sampling_generator(self) -> nn.Module:
        return self.G_ema if self.G_ema is not None else self.G

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        if self.export_depth is not None:
            depth, alpha = self.export_depth, 1.0
        else:
            depth, alpha = self.growth(max(self.steps_done - 1, 0))
        x = self.sampling_generator()(fixed["z"].to(self.device), depth, alpha).float().cpu()
        # every grid at the data's size, so grids from the whole run line up
        x = F.interpolate(x, size=(self.model.config.image_size,) * 2, mode="nearest")
        return [imgs.tensor_to_pil(xi) for xi in x]

    def ema_modules(self) -> dict[str, nn.Module]:
        return {"generator": self.G_ema} if self.G_ema is not None else {}

    def export_model(self) -> tuple[Any, dict[str, nn.Module]]:
        """The (EMA) G and D at the largest resolution whose fade-in has finished."""
        depth = completed_depth(self.steps_done, self.phase_steps, self.max_depth)
        self.export_depth = depth
        config, modules = super().export_model()
        if depth == self.max_depth:
            return config, modules
        small = dataclasses.replace(config, image_size=resolution_of(depth))
        target = new_model(self.model.family, small)
        for name, module in target.modules.items():
            # keys are per resolution: the small model's keys are a subset of the grown one's
            full = modules[name].state_dict()
            load_state_strict(module, {k: full[k] for k in module.state_dict()},
                              f"ProGAN {name} at {small.image_size} px")
            module.to(self.device)
        return small, target.modules

    def extra_state(self) -> dict[str, Any]:
        return {"steps_done": self.steps_done}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.steps_done = int(state.get("steps_done", 0))
