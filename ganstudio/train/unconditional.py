"""Unconditional image GANs (MLP GAN, DCGAN): any loss from ``ganstudio.losses``.

With ``--loss wgan`` this is WGAN (weight clipping, RMSprop, 5 critic steps), with ``wgan-gp`` WGAN-GP,
with ``lsgan`` LSGAN: the architecture stays the same, the loss and its recommended optimiser change.
"""

from __future__ import annotations

import torch
from PIL import Image

from .. import images as imgs
from .. import losses
from .common import Trainer


def d_stats(spec: losses.LossSpec, real_out: torch.Tensor, fake_out: torch.Tensor) -> dict[str, float]:
    """D(x) and D(G(z)): probabilities for sigmoid losses, raw scores for critics and LSGAN."""
    f = torch.sigmoid if spec.probability else (lambda t: t)
    return {"d_x": float(f(real_out.detach().float()).mean()), "d_g_z": float(f(fake_out.detach().float()).mean())}


class UnconditionalTrainer(Trainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        self.optimizers = {
            "g": self.make_optimizer(self.G.parameters(), self.opts.lr_g, "g"),
            "d": self.make_optimizer(self.D.parameters(), self.opts.lr_d, "d"),
        }

    def d_step(self, real: torch.Tensor) -> dict[str, float]:
        kind = self.opts.loss
        with torch.no_grad(), self.autocast():
            fake = self.G(self.latents(real.shape[0]))
        with self.autocast():
            real_out, fake_out = self.D(real), self.D(fake.float())
            loss_real, loss_fake = losses.d_loss_terms(kind, real_out, fake_out)
            loss = loss_real + loss_fake
        if self.spec.gp_weight:
            loss = loss + losses.gradient_penalty(self.D, real, fake.float(), self.spec.gp_weight, generator=self.rng)
        self.step_optimizer("d", loss, self.D)
        if self.spec.clip:
            losses.clip_weights(self.D, self.spec.clip)
        return {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} | d_stats(self.spec, real_out, fake_out)

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        for critic_batch in self.critic_batches(batch):
            real = critic_batch[0]
            stats = self.d_step(real)
        with self.autocast():
            loss_g = losses.g_loss(self.opts.loss, self.D(self.G(self.latents(real.shape[0]))))
        self.step_optimizer("g", loss_g, self.G)
        return stats | {"loss_g": loss_g.item()}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        x = self.G(fixed["z"].to(self.device)).float().cpu()
        return [imgs.tensor_to_pil(xi) for xi in x]
