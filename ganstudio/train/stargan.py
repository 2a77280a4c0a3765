"""StarGAN (Choi et al. 2018): one generator edits images towards target attributes.

Data: ``(image [C, H, W], attributes [c_dim] 0/1)``, e.g. ``emoji-people`` (five skin tones as one
mutually exclusive group, ``man``, ``openmoji``). Each step, as in the paper:

* **D** (``n_critic`` = 5 updates per G update, default loss ``wgan-gp``): adversarial loss on real
  images and on ``G(x, c_trg)``, the gradient penalty (lambda_gp = the loss's 10), and ``lambda_cls`` (1)
  times the attribute classification loss on *real* images with their own labels -- binary
  cross-entropy per attribute, summed over attributes and averaged over the batch, as the reference does.
* **G**: adversarial loss on ``G(x, c_trg)``, ``lambda_cls`` times D's classification loss of the fake
  against ``c_trg`` (the edit must show), and ``lambda_rec`` (10) times ``|G(G(x, c_trg), c_org) - x|``
  (the edit must keep the rest: cycle back to the original labels).

Target labels are drawn at random per step: every attribute outside a group is a fair coin; each
mutually exclusive group of the dataset's ``attribute_groups`` gets exactly one member, chosen
uniformly, so no target asks for two skin tones at once.

``--param diffaug=flip,translation,cutout`` (default none) passes every image D sees -- real and edited,
in the D and the G step, the gradient penalty's too -- through the same kind of random differentiable
transform (:mod:`.augment`), so D's class head must read the attribute itself rather than remember the
training images (with 1,584 people emoji it reads held-out reals' skin tone at 90 % against 100 % on
the training images).

The log's ``cls_fake`` is the fraction of target attributes D's classifier reads in G's edits: the
training-time view of "the edit carries the asked attribute".

Sample grid: a row per held-out image: the input, then one edit per attribute (a group member is set and
its group cleared; any other attribute is flipped), run on the image's own norm statistics as
``ganstudio.inference.edit_attributes`` does.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn.functional as F
from PIL import Image

from .. import images as imgs
from .. import losses
from ..models.norms import norm_statistics_from_input
from .common import Batches, Trainer, frozen
from .translation import held_out
from .unconditional import d_stats

GRID_ROWS = 6  # held-out images in a sample grid


def group_indices(names: Sequence[str] | None, groups: Sequence[Sequence[str]] | None) -> list[list[int]]:
    """Attribute groups as index lists, e.g. [["light", ..., "dark"]] -> [[0, 1, 2, 3, 4]]."""
    if not names or not groups:
        return []
    return [[list(names).index(n) for n in g] for g in groups]


def random_targets(n: int, c_dim: int, groups: Sequence[Sequence[int]],
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Random target labels [n, c_dim] of 0/1: fair coins, except exactly one member on in each group."""
    c = (torch.rand(n, c_dim, generator=generator) < 0.5).float()
    rows = torch.arange(n)
    for idx in groups:
        members = torch.tensor(idx)
        pick = members[torch.randint(0, len(idx), (n,), generator=generator)]  # [n] attribute index
        c[:, members] = 0.0
        c[rows, pick] = 1.0
    return c


def single_edits(c_org: torch.Tensor, groups: Sequence[Sequence[int]]) -> torch.Tensor:
    """For labels [c_dim]: one edited label per attribute, [c_dim, c_dim].

    Row i sets attribute i (clearing the rest of its group) when i is in a group, else flips it.
    """
    c_dim = c_org.shape[0]
    group_of = {i: g for g in groups for i in g}
    rows = []
    for i in range(c_dim):
        c = c_org.clone()
        if i in group_of:
            c[group_of[i]] = 0.0
            c[i] = 1.0
        else:
            c[i] = 1.0 - c[i]
        rows.append(c)
    return torch.stack(rows)


def classification_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BCE on attribute logits [B, c_dim] against 0/1 targets: summed over attributes, mean over the batch."""
    return F.binary_cross_entropy_with_logits(logits.float(), target, reduction="sum") / logits.shape[0]


class StarGANTrainer(Trainer):
    """WGAN-GP + attribute classification + reconstruction, one generator for every attribute combination."""

    default_loss = "wgan-gp"
    params = ("lambda_cls", "lambda_rec", "diffaug")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        self.c_dim: int = self.model.config.c_dim
        self.lambda_cls = float(self.opts.params.get("lambda_cls", 1.0))
        self.lambda_rec = float(self.opts.params.get("lambda_rec", 10.0))
        self.groups = group_indices(self.info.attribute_names, self.info.attribute_groups)
        self.optimizers = {
            "g": self.make_optimizer(self.G.parameters(), self.opts.lr_g, "g"),
            "d": self.make_optimizer(self.D.parameters(), self.opts.lr_d, "d"),
        }

    def targets(self, n: int) -> torch.Tensor:
        return random_targets(n, self.c_dim, self.groups, self.rng).to(self.device)

    def d_step(self, x: torch.Tensor, c_org: torch.Tensor) -> dict[str, float]:
        with torch.no_grad(), self.autocast():
            fake = self.augment(self.G(x, self.targets(x.shape[0])).float())
        x = self.augment(x)
        with self.autocast():
            src_real, cls_real = self.D(x)  # [B, 1, h, w], [B, c_dim]
            src_fake, _ = self.D(fake)
            loss_real, loss_fake = losses.d_loss_terms(self.opts.loss, src_real, src_fake)
            loss_cls = classification_loss(cls_real, c_org)
            loss = loss_real + loss_fake + self.lambda_cls * loss_cls
        if self.spec.gp_weight:
            loss = loss + losses.gradient_penalty(self.D, x, fake, self.spec.gp_weight, generator=self.rng)
        self.step_optimizer("d", loss, self.D)
        if self.spec.clip:
            losses.clip_weights(self.D, self.spec.clip)
        acc = ((cls_real.detach() > 0).float() == c_org).float().mean()
        return {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item(), "loss_d_cls": loss_cls.item(),
                "cls_real": acc.item()} | d_stats(self.spec, src_real, src_fake)

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        for critic_batch in self.critic_batches(batch):
            x, c_org = critic_batch[0], critic_batch[1].float()  # [B, C, H, W], [B, c_dim]
            stats = self.d_step(x, c_org)
        c_trg = self.targets(x.shape[0])
        with frozen(self.D), self.autocast():
            fake = self.G(x, c_trg)
            src, cls = self.D(self.augment(fake))
            loss_gan = losses.g_loss(self.opts.loss, src)
            loss_cls = classification_loss(cls, c_trg)
            rec = self.G(fake, c_org)  # back to the original labels
            loss_rec = (rec.float() - x).abs().mean()
            loss_g = loss_gan + self.lambda_rec * loss_rec + self.lambda_cls * loss_cls
        self.step_optimizer("g", loss_g, self.G)
        cls_fake = ((cls.detach() > 0).float() == c_trg).float().mean()
        return stats | {"loss_g": loss_g.item(), "loss_g_cls": loss_cls.item(), "rec": loss_rec.item(),
                        "cls_fake": cls_fake.item()}

    def fixed_inputs(self, batches: Batches) -> dict[str, torch.Tensor]:
        x, c = held_out(self.opts, batches, GRID_ROWS)[:2]
        return {"x": x, "c": c.float()}

    def sample_columns(self, n: int) -> int:
        return self.c_dim + 1  # the input, then one edit per attribute

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        pics = []
        with norm_statistics_from_input(self.G):
            for x, c in zip(fixed["x"], fixed["c"]):
                labels = single_edits(c, self.groups).to(self.device)  # [c_dim, c_dim]
                xs = x[None].to(self.device).expand(self.c_dim, -1, -1, -1)
                # instance norm: per-image statistics, so a batch of edits equals single calls
                edits = self.G(xs, labels).float().cpu()
                pics += [imgs.tensor_to_pil(x)] + [imgs.tensor_to_pil(e) for e in edits]
        return pics
