"""StyleGAN2 training (Karras et al., 2020, section 3 and appendix B), CPU-sized.

* **Loss**: the non-saturating logistic loss (``--loss nonsaturating``, the default; any loss of
  ``ganstudio.losses`` is accepted).
* **Lazy R1**: every ``r1_every`` (16) steps D takes an extra step on ``r1_every * gamma / 2 * E||grad D(x)||^2``
  on real images (``--param r1_gamma=10``). To keep Adam's moments as without laziness, D's learning rate and
  betas are scaled by ``c = r1_every / (r1_every + 1)`` (``lr * c``, ``beta ** c``), as in the paper.
* **Style mixing**: with probability 0.9 per sample (``--param mixing_prob=0.9``) the W+ rows from a random
  cut-off on come from a second latent; used for the fakes of both D's and G's steps.
* **Noise**: fresh per-layer noise every step (``noise_mode="random"``, drawn from the trainer's generator).
* **EMA generator**: ``G_ema`` follows G with a half-life of ``ema_kimg`` (10) thousand images, ramped up over
  the first images (``ema_rampup`` 0.05 of the images seen); samples and the export use ``G_ema``, whose
  ``latent_avg`` (the mean W used by truncation) is computed from 4096 latents right before the export.
* Adam lr 0.002, betas (0, 0.99) for both networks (``--lr-g`` / ``--lr-d`` / ``--param betas=[0,0.99]``).
* **Drift** (``--param epsilon_drift=0.001``, default 0): with ``--loss wgan`` / ``wgan-gp``, ProGAN's
  ``epsilon * E[D(x)^2]`` keeps the critic's scores near 0 (see ``losses.drift_penalty``).
* **DiffAugment** (Zhao et al., 2020; off by default): ``--param diffaug=flip,translation,cutout`` passes
  every image D sees -- reals, fakes in D's and G's steps, and the reals of R1 (whose gradient is taken
  through the transform) -- through the same kind of random transform, so D cannot memorise a small set.

Path-length regularisation is not implemented: it costs a second generator backward pass every few
steps and mainly smooths W for projection and interpolation; the samples do not need it.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from PIL import Image
from torch import nn

from .. import images as imgs
from .. import losses
from .common import Trainer, frozen
from .unconditional import d_stats

PAPER_LR = 2e-3
PAPER_BETAS = (0.0, 0.99)


def mix_ws(w1: torch.Tensor, w2: torch.Tensor, cutoff: torch.Tensor, n_latent: int) -> torch.Tensor:
    """W+ [B, n_latent, D]: rows ``< cutoff[b]`` from w1 [B, D], the rest from w2 [B, D].

    ``cutoff`` [B] holds values in 1..n_latent; ``n_latent`` means no mixing for that sample.
    """
    rows = torch.arange(n_latent, device=w1.device)[None, :]  # [1, L]
    take2 = rows >= cutoff.to(w1.device)[:, None]  # [B, L]
    return torch.where(take2[:, :, None], w2[:, None, :], w1[:, None, :])


class StyleGAN2Trainer(Trainer):
    """Non-saturating loss, lazy R1, style mixing, EMA generator (exported)."""

    default_loss = "nonsaturating"
    params = ("r1_every", "r1_gamma", "mixing_prob", "ema_kimg", "ema_rampup", "epsilon_drift", "diffaug")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        p = self.opts.params
        self.r1_every = int(p.get("r1_every", 16))
        self.r1_gamma = float(p.get("r1_gamma", 10.0))
        self.mixing_prob = float(p.get("mixing_prob", 0.9))
        self.ema_kimg = float(p.get("ema_kimg", 10.0))
        self.ema_rampup = float(p.get("ema_rampup", 0.05))
        self.epsilon_drift = float(p.get("epsilon_drift", 0.0))
        # The paper's optimiser, written back so that the model card records what was used.
        betas = tuple(float(b) for b in p.setdefault("betas", list(PAPER_BETAS)))
        self.opts.lr_g = self.opts.lr_g or PAPER_LR
        self.opts.lr_d = self.opts.lr_d or PAPER_LR
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        c = self.r1_every / (self.r1_every + 1) if self.r1_every > 0 and self.r1_gamma > 0 else 1.0
        self.optimizers = {
            "g": losses.make_optimizer(self.spec.optimizer, self.G.parameters(), self.opts.lr_g, betas),
            "d": losses.make_optimizer(self.spec.optimizer, self.D.parameters(), self.opts.lr_d * c,
                                       (betas[0] ** c, betas[1] ** c)),
        }
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)

    # -- latents

    def mixed_ws(self, n: int) -> torch.Tensor:
        """W+ [n, n_latent, style_dim] from fresh z, mixed with a second latent with ``mixing_prob``."""
        g = self.G
        w1 = g.mapping(self.latents(n))  # [n, D]
        w2 = g.mapping(self.latents(n))  # drawn even when unused: the random stream stays the same
        cut = torch.randint(1, g.n_latent, (n,), generator=self.rng)
        mix = torch.rand(n, generator=self.rng) < self.mixing_prob
        cutoff = torch.where(mix, cut, torch.full_like(cut, g.n_latent))  # [n]; n_latent = no mixing
        return mix_ws(w1, w2, cutoff, g.n_latent)

    def fakes(self, n: int) -> torch.Tensor:
        return self.G.synthesis(self.mixed_ws(n), noise_mode="random", noise_generator=self.rng)

    # -- steps

    def d_step(self, real: torch.Tensor, step: int) -> dict[str, float]:
        with torch.no_grad(), self.autocast():
            fake = self.augment(self.fakes(real.shape[0]).float())
        seen = self.augment(real)  # the reals as D sees them
        with self.autocast():
            real_out, fake_out = self.D(seen), self.D(fake)  # [B], [B]
            loss_real, loss_fake = losses.d_loss_terms(self.opts.loss, real_out, fake_out)
        loss = loss_real + loss_fake
        stats: dict[str, float] = {}
        if self.spec.gp_weight:
            gp = losses.gradient_penalty(self.D, seen, fake, self.spec.gp_weight, generator=self.rng)
            loss = loss + gp
            stats["gp"] = gp.item()
        if self.opts.loss in ("wgan", "wgan-gp") and self.epsilon_drift:
            loss = loss + losses.drift_penalty(real_out, self.epsilon_drift)
        self.step_optimizer("d", loss, self.D)
        if self.spec.clip:
            losses.clip_weights(self.D, self.spec.clip)
        if self.r1_every > 0 and self.r1_gamma > 0 and step % self.r1_every == 0:
            x = real.detach().requires_grad_(True)
            # lazy: r1_every times the penalty, once every r1_every steps (fp32: second-order gradients)
            r1 = losses.r1_penalty(self.D(self.augment(x)), x, self.r1_gamma)
            self.step_optimizer("d", r1 * self.r1_every, self.D)
            stats["r1"] = r1.item()
        return {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} \
            | d_stats(self.spec, real_out, fake_out) | stats

    def update_ema(self, step: int) -> None:
        batch = self.opts.batch_size
        ema_nimg = self.ema_kimg * 1000
        if self.ema_rampup > 0:
            ema_nimg = min(ema_nimg, (step + 1) * batch * self.ema_rampup)
        beta = 0.5 ** (batch / max(ema_nimg, 1e-8))  # half-life of ema_nimg images
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.lerp_(p, 1.0 - beta)

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        for critic_batch in self.critic_batches(batch):
            real = critic_batch[0]
            stats = self.d_step(real, step)
        with frozen(self.D), self.autocast():
            loss_g = losses.g_loss(self.opts.loss, self.D(self.augment(self.fakes(real.shape[0]))))
        self.step_optimizer("g", loss_g, self.G)
        self.update_ema(step)
        return stats | {"loss_g": loss_g.item()}

    # -- samples and export

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        x = self.G_ema(fixed["z"].to(self.device), noise_mode="const").float().cpu()
        return [imgs.tensor_to_pil(xi) for xi in x]

    def ema_modules(self) -> dict[str, nn.Module]:
        return {"generator": self.G_ema}

    def export_model(self) -> tuple[Any, dict[str, nn.Module]]:
        """Export ``G_ema`` with its ``latent_avg`` set to the mean W of 4096 seeded latents."""
        self.G_ema.update_latent_avg(4096, torch.Generator().manual_seed(self.opts.seed + 999))
        return super().export_model()
