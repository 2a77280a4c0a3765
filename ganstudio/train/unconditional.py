"""Unconditional image GANs (MLP GAN, DCGAN): any loss from ``ganstudio.losses``.

With ``--loss wgan`` this is WGAN (weight clipping, RMSprop, 5 critic steps), with ``wgan-gp`` WGAN-GP,
with ``lsgan`` LSGAN: the architecture stays the same, the loss and its recommended optimiser change.
"""

from __future__ import annotations

import torch
from PIL import Image

from .. import images as imgs
from .. import losses
from .common import Trainer, frozen


def d_stats(spec: losses.LossSpec, real_out: torch.Tensor, fake_out: torch.Tensor) -> dict[str, torch.Tensor]:
    """D(x) and D(G(z)): probabilities for sigmoid losses, raw scores for critics and LSGAN (0-dim tensors)."""
    f = torch.sigmoid if spec.probability else (lambda t: t)
    return {"d_x": f(real_out.detach().float()).mean(), "d_g_z": f(fake_out.detach().float()).mean()}


class UnconditionalTrainer(Trainer):
    """One D update (``n_critic`` with WGAN losses), then one G update.

    For DCGAN with one D update per step, G's update reuses the fakes of D's update (the DCGAN reference
    loop does the same): G runs forward once per step, its graph kept across D's update. With several
    critic updates, and for the MLP GAN, G's update draws fresh latents (for the MLP, reusing them saved
    little and its recall after 3,000 steps fell by more than two seeds' spread; see docs/BENCHMARKS.md).
    D's parameters are frozen while G's loss flows through D.
    """

    cpu_amp_families = ("dcgan",)
    reuse_fakes_families = ("dcgan",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        self.optimizers = {
            "g": self.make_optimizer(self.G.parameters(), self.opts.lr_g, "g"),
            "d": self.make_optimizer(self.D.parameters(), self.opts.lr_d, "d"),
        }

    def d_step(self, real: torch.Tensor, fake: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """One update of D on ``real`` and ``fake`` (detached; fresh fakes when None)."""
        kind = self.opts.loss
        if fake is None:
            with torch.no_grad(), self.autocast():
                fake = self.G(self.latents(real.shape[0]))
        fake = fake.detach().float()
        d = losses.discriminator_loss(self.D, kind, real, fake, gp_weight=self.spec.gp_weight or None,
                                      generator=self.rng, autocast=self.autocast)
        self.step_optimizer("d", d.total, self.D)
        if self.spec.clip:
            losses.clip_weights(self.D, self.spec.clip)
        return {"loss_d_real": d.real_term.detach(), "loss_d_fake": d.fake_term.detach()} \
            | d_stats(self.spec, d.real_out, d.fake_out)

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, torch.Tensor]:
        if self.n_critic == 1 and self.opts.family in self.reuse_fakes_families:
            real = batch[0]
            with self.autocast():
                fake = self.G(self.latents(real.shape[0]))  # [B, C, H, W]; graph kept for G's update
            stats = self.d_step(real, fake)
        else:
            for critic_batch in self.critic_batches(batch):
                real = critic_batch[0]
                stats = self.d_step(real)
            with self.autocast():
                fake = self.G(self.latents(real.shape[0]))
        with frozen(self.D), self.autocast():
            loss_g = losses.g_loss(self.opts.loss, self.D(fake))
        self.step_optimizer("g", loss_g, self.G)
        return stats | {"loss_g": loss_g.detach()}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        x = self.G(fixed["z"].to(self.device)).float().cpu()
        return [imgs.tensor_to_pil(xi) for xi in x]
