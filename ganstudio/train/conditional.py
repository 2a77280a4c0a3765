"""Class-aware GANs: CGAN, ACGAN, SGAN (semi-supervised) and InfoGAN.

All four keep the loss machinery of ``ganstudio.losses`` for the real / fake part, so ``--loss`` works as
for the unconditional trainer (where the family allows it), and add what makes each one class-aware:

* **CGAN** -- D sees the label: ``D(x, y)``. Fakes in D's step use the real batch's labels, so D compares
  like with like (and a gradient penalty mixes images of one class); G's step draws labels uniformly.
* **ACGAN** -- D has a class head; its cross-entropy on real *and* generated images is added to D's loss,
  and the one on generated images to G's loss (weight ``lambda_cls``, default 1; D's term on generated
  images has its own weight ``lambda_cls_fake``, default ``lambda_cls``, as in the paper). With
  ``lambda_cls_fake=0`` D's class head learns from real images only. That is what the MNIST recipe uses:
  with the paper's term, D and G can agree on any labelling of G's samples, since it rewards D for
  reading G's class from whatever features G happens to give a class. On MNIST (ngf / ndf 32) G's
  classes drifted into each other's digits: after 8,000 steps only 47 % of the samples were read as the
  asked digit by an independent classifier; without the term, 97 % after 5,000 steps.
* **SGAN** -- D has ``K + 1`` outputs. Only ``label_fraction`` (default 0.1) of the training set keeps
  its labels: a fixed, class-stratified subset chosen from the seed. D's loss is the cross-entropy over
  the ``K + 1`` classes on a mini-batch of that subset, plus the unsupervised real / fake loss, where
  ``P(real) = 1 - softmax(logits)[K]`` -- as a logit, ``logsumexp(logits[:K]) - logits[K]``. G is
  non-saturating on that logit. The labels of the rest of the data are never read.
* **InfoGAN** -- G also takes a categorical code (uniform over ``num_classes``) and continuous codes
  (uniform in [-1, 1]); D's Q head recovers them. The mutual-information bound -- cross-entropy on the
  categorical code (``lambda_cat``, default 1) plus the Gaussian negative log-likelihood with unit
  variance, ``0.5 * (c - mu)^2`` summed over the continuous codes (``lambda_cont``, default 0.5) -- is
  minimised by D (which trains Q) and by G. The categorical code is unsupervised: the model's class
  names are ``code 0`` ... ``code K-1``, not the dataset's classes.

Sample grids: one row per class (up to 10) with the same latents in every row; SGAN: fixed noise.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from PIL import Image

from .. import images as imgs
from .. import losses
from .common import Batches, Trainer, current_rank, frozen, rank_seed
from .unconditional import d_stats

MAX_GRID_CLASSES = 10  # rows of a conditional sample grid


class LabelledTrainer(Trainer):
    """What the four trainers share: G and D with their optimisers, label draws, penalties, grids."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        self.num_classes: int = self.model.config.num_classes
        self.optimizers = {
            "g": self.make_optimizer(self.G.parameters(), self.opts.lr_g, "g"),
            "d": self.make_optimizer(self.D.parameters(), self.opts.lr_d, "d"),
        }

    def param(self, name: str, default: float) -> float:
        return float(self.opts.params.get(name, default))

    def random_labels(self, n: int) -> torch.Tensor:
        """``n`` class ids drawn uniformly from the trainer's CPU generator -> LongTensor [n] on the device."""
        return torch.randint(0, self.num_classes, (n,), generator=self.rng).to(self.device)

    def finish_d_step(self, loss: torch.Tensor, critic: Callable[[torch.Tensor], Any], real: torch.Tensor,
                      fake: torch.Tensor) -> dict[str, float]:
        """Add the loss's gradient penalty (WGAN-GP), step D, clip (WGAN); returns the penalty for the log."""
        stats: dict[str, float] = {}
        if self.spec.gp_weight:
            gp = losses.gradient_penalty(critic, real, fake, self.spec.gp_weight, generator=self.rng)
            loss = loss + gp
            stats["gp"] = gp.item()
        self.step_optimizer("d", loss, self.D)
        if self.spec.clip:
            losses.clip_weights(self.D, self.spec.clip)
        return stats

    def fixed_inputs(self, batches: Batches) -> dict[str, torch.Tensor]:
        """One row per class (the first ``MAX_GRID_CLASSES``), the same latents in every row: [K * K]."""
        g = torch.Generator().manual_seed(self.opts.seed + 12345)
        k = min(self.num_classes, MAX_GRID_CLASSES)
        z = self.G.sample_latent(k, g)  # [k, nz]
        # a k x k grid: save_samples lays pictures out in rows of int(sqrt(n)) = k
        return {"z": z.repeat(k, 1), "labels": torch.arange(k).repeat_interleave(k)}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        x = self.G(fixed["z"].to(self.device), fixed["labels"].to(self.device)).float().cpu()
        return [imgs.tensor_to_pil(xi) for xi in x]


# ---------------------------------------------------------------------------------------------
# CGAN


class CGANTrainer(LabelledTrainer):
    """Conditional GAN: ``D(x, y)`` judges whether ``x`` is a real image *of class y*."""

    def d_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
        with torch.no_grad(), self.autocast():
            fake = self.G(self.latents(real.shape[0]), labels).float()  # same classes as the real batch
        with self.autocast():
            real_out, fake_out = self.D(real, labels), self.D(fake, labels)  # [B], [B]
            loss_real, loss_fake = losses.d_loss_terms(self.opts.loss, real_out, fake_out)
        extra = self.finish_d_step(loss_real + loss_fake, lambda x: self.D(x, labels), real, fake)
        return {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} \
            | d_stats(self.spec, real_out, fake_out) | extra

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        for critic_batch in self.critic_batches(batch):
            real, labels = critic_batch[0], critic_batch[1]
            stats = self.d_step(real, labels)
        y = self.random_labels(real.shape[0])
        with frozen(self.D), self.autocast():
            loss_g = losses.g_loss(self.opts.loss, self.D(self.G(self.latents(real.shape[0]), y), y))
        self.step_optimizer("g", loss_g, self.G)
        return stats | {"loss_g": loss_g.item()}


# ---------------------------------------------------------------------------------------------
# ACGAN


class ACGANTrainer(LabelledTrainer):
    """Auxiliary-classifier GAN: adversarial loss plus class cross-entropy on real and fake (D) and fake (G)."""

    params = ("lambda_cls", "lambda_cls_fake")

    def d_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
        lam = self.param("lambda_cls", 1.0)
        lam_fake = self.param("lambda_cls_fake", lam)  # D's class loss on generated images (see the docstring)
        y_fake = self.random_labels(real.shape[0])
        with torch.no_grad(), self.autocast():
            fake = self.G(self.latents(real.shape[0]), y_fake).float()
        with self.autocast():
            (real_adv, real_cls), (fake_adv, fake_cls) = self.D(real), self.D(fake)  # [B], [B, K]
            loss_real, loss_fake = losses.d_loss_terms(self.opts.loss, real_adv, fake_adv)
            cls_real = F.cross_entropy(real_cls.float(), labels)
            cls_fake = F.cross_entropy(fake_cls.float(), y_fake)
        loss = loss_real + loss_fake + lam * cls_real + lam_fake * cls_fake
        extra = self.finish_d_step(loss, self.D, real, fake)
        acc = (real_cls.detach().argmax(1) == labels).float().mean().item()
        return {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} \
            | d_stats(self.spec, real_adv, fake_adv) \
            | {"cls_real": cls_real.item(), "cls_fake": cls_fake.item(), "acc_real": acc} | extra

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        for critic_batch in self.critic_batches(batch):
            real, labels = critic_batch[0], critic_batch[1]
            stats = self.d_step(real, labels)
        y = self.random_labels(real.shape[0])
        with frozen(self.D), self.autocast():
            adv, cls = self.D(self.G(self.latents(real.shape[0]), y))
            loss_adv = losses.g_loss(self.opts.loss, adv)
            cls_g = F.cross_entropy(cls.float(), y)
        self.step_optimizer("g", loss_adv + self.param("lambda_cls", 1.0) * cls_g, self.G)
        return stats | {"loss_g": loss_adv.item(), "cls_g": cls_g.item()}


# ---------------------------------------------------------------------------------------------
# SGAN


def labelled_subset(labels: torch.Tensor, fraction: float, num_classes: int, seed: int) -> torch.Tensor:
    """Indices [M] of the samples that keep their label: ``round(fraction * n_c)`` per class, seeded.

    Stratified so that every class is represented even at small fractions (at least one per class
    present in the data); the same seed and data always give the same subset (resume relies on it).
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"label_fraction must be in (0, 1], got {fraction}")
    g = torch.Generator().manual_seed(seed + 777)
    picked = []
    for c in range(num_classes):
        idx = torch.nonzero(labels == c).flatten()
        if len(idx) == 0:
            continue
        n = max(1, round(fraction * len(idx)))
        picked.append(idx[torch.randperm(len(idx), generator=g)[:n]])
    if not picked:
        raise ValueError("SGAN needs labelled data: no sample has a label in 0..num_classes-1")
    return torch.cat(picked).sort().values


def real_logit(logits: torch.Tensor, num_classes: int) -> torch.Tensor:
    """K + 1 logits [B, K + 1] -> the logit of "real" [B]: ``logsumexp(l[:K]) - l[K]``.

    ``sigmoid`` of it is ``1 - softmax(l)[K]``, so the sigmoid losses of ``ganstudio.losses`` on it are
    exactly the unsupervised K + 1 cross-entropies of the SGAN / Improved-GAN papers.
    """
    return torch.logsumexp(logits[:, :num_classes], dim=1) - logits[:, num_classes]


class SGANTrainer(LabelledTrainer):
    """Semi-supervised GAN: a K + 1 class discriminator trained on a small labelled subset and all images."""

    params = ("label_fraction", "lambda_sup", "labelled_batch_size")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.spec.probability:
            raise ValueError(f"SGAN's K + 1 discriminator reads its output as probabilities: use the "
                             f"nonsaturating or minimax loss, not {self.opts.loss!r}")
        self.fraction = self.param("label_fraction", 0.1)
        self.labelled_index: torch.Tensor | None = None  # [M] indices into the dataset
        self.labelled_x: torch.Tensor | None = None  # [M, C, H, W]
        self.labelled_y: torch.Tensor | None = None  # [M]
        # each process of a torchrun job draws its own labelled batches (rank 0 = the single-process stream)
        self.labelled_rng = torch.Generator().manual_seed(rank_seed(self.opts.seed + 4242, current_rank()))

    def prepare_data(self, batches: Batches) -> None:
        """Keep the labels of ``label_fraction`` of the data; the rest is used as unlabelled images only."""
        if len(batches.fields) < 2:
            raise ValueError("SGAN needs a dataset with labels (at least for label_fraction of it)")
        images, labels = batches.fields[0], batches.fields[1]
        self.labelled_index = labelled_subset(labels, self.fraction, self.num_classes, self.opts.seed)
        self.labelled_x = images[self.labelled_index]
        self.labelled_y = labels[self.labelled_index].long()

    def labelled_batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` (image, label) pairs drawn from the labelled subset only."""
        if self.labelled_x is None:
            raise RuntimeError("SGANTrainer.prepare_data must run before training")
        idx = torch.randint(0, len(self.labelled_y), (n,), generator=self.labelled_rng)
        return self.labelled_x[idx].to(self.device), self.labelled_y[idx].to(self.device)

    def supervised_loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy over the K + 1 classes of labelled real images (their target is never K)."""
        return F.cross_entropy(logits.float(), labels)

    def d_step(self, real: torch.Tensor) -> dict[str, float]:
        k = self.num_classes
        x_lab, y_lab = self.labelled_batch(int(self.opts.params.get("labelled_batch_size", real.shape[0])))
        with torch.no_grad(), self.autocast():
            fake = self.G(self.latents(real.shape[0])).float()
        with self.autocast():
            real_out, fake_out = self.D(real), self.D(fake)  # [B, K + 1]
            lab_out = self.D(x_lab)  # [M, K + 1]
            loss_real, loss_fake = losses.d_loss_terms(self.opts.loss, real_logit(real_out, k),
                                                       real_logit(fake_out, k))
            loss_sup = self.supervised_loss(lab_out, y_lab)
        self.step_optimizer("d", loss_real + loss_fake + self.param("lambda_sup", 1.0) * loss_sup, self.D)
        acc = (lab_out.detach()[:, :k].argmax(1) == y_lab).float().mean().item()
        stats = {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} \
            | d_stats(self.spec, real_logit(real_out, k), real_logit(fake_out, k)) \
            | {"loss_sup": loss_sup.item(), "acc_labelled": acc}
        return stats

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        k = self.num_classes
        for critic_batch in self.critic_batches(batch):
            real = critic_batch[0]  # critic_batch[1] (labels) is deliberately unused: these are the unlabelled images
            stats = self.d_step(real)
        with frozen(self.D), self.autocast():
            loss_g = losses.g_loss(self.opts.loss, real_logit(self.D(self.G(self.latents(real.shape[0]))), k))
        self.step_optimizer("g", loss_g, self.G)
        return stats | {"loss_g": loss_g.item()}

    def extra_state(self) -> dict[str, Any]:
        return {"labelled_index": self.labelled_index, "labelled_rng": self.labelled_rng.get_state()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        saved = state.get("labelled_index")
        if saved is not None and self.labelled_index is not None and not torch.equal(saved.cpu(), self.labelled_index):
            raise ValueError("the labelled subset differs from the one this run was trained with "
                             "(different data, label_fraction or seed)")
        if "labelled_rng" in state:
            self.labelled_rng.set_state(state["labelled_rng"].cpu())

    def reseed(self, rank: int, step: int) -> None:
        self.labelled_rng.manual_seed(rank_seed(self.opts.seed + 4242, rank, step))

    def fixed_inputs(self, batches: Batches) -> dict[str, torch.Tensor]:
        g = torch.Generator().manual_seed(self.opts.seed + 12345)
        return {"z": self.G.sample_latent(64, g)}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        x = self.G(fixed["z"].to(self.device)).float().cpu()
        return [imgs.tensor_to_pil(xi) for xi in x]


# ---------------------------------------------------------------------------------------------
# InfoGAN


def info_loss(cat_logits: torch.Tensor, cont_mean: torch.Tensor, labels: torch.Tensor, codes: torch.Tensor,
              lambda_cat: float, lambda_cont: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """InfoGAN's mutual-information term (to minimise): (total, categorical CE, continuous NLL).

    Categorical: cross-entropy of Q's logits [B, K] against the code G was given [B]. Continuous: the
    negative log-likelihood of the codes [B, n] under N(mu, 1) (constant dropped), ``0.5 * (c - mu)^2``
    summed over codes and averaged over the batch.
    """
    cat = F.cross_entropy(cat_logits.float(), labels)
    cont = 0.5 * (cont_mean.float() - codes).pow(2).sum(1).mean() if codes.shape[1] else cat.new_zeros(())
    return lambda_cat * cat + lambda_cont * cont, cat, cont


class InfoGANTrainer(LabelledTrainer):
    """InfoGAN: adversarial loss plus the mutual-information bound between the codes and Q's guesses."""

    params = ("lambda_cat", "lambda_cont")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The categorical code is learnt without labels: it need not match the dataset's classes.
        self.info.class_names = [f"code {i}" for i in range(self.num_classes)]

    def codes(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Categorical code [n] and continuous codes [n, n_cont] for ``n`` samples, on the device."""
        labels = self.random_labels(n)
        return labels, self.G.sample_codes(n, self.rng).to(self.device)

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        b = batch[0].shape[0]
        lam_cat, lam_cont = self.param("lambda_cat", 1.0), self.param("lambda_cont", 0.5)
        for critic_batch in self.critic_batches(batch):
            real = critic_batch[0]  # labels unused: InfoGAN is unsupervised
            y, c = self.codes(b)
            with torch.no_grad(), self.autocast():
                fake = self.G(self.latents(b), y, c).float()
            with self.autocast():
                (real_adv, _, _), (fake_adv, cat, cont) = self.D(real), self.D(fake)
                loss_real, loss_fake = losses.d_loss_terms(self.opts.loss, real_adv, fake_adv)
                # Q (on D's trunk) learns to recover the codes from generated images
                loss_info, _, _ = info_loss(cat, cont, y, c, lam_cat, lam_cont)
            extra = self.finish_d_step(loss_real + loss_fake + loss_info, self.D, real, fake)
            stats = {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} \
                | d_stats(self.spec, real_adv, fake_adv) | extra
        y, c = self.codes(b)
        with frozen(self.D), self.autocast():
            adv, cat, cont = self.D(self.G(self.latents(b), y, c))
            loss_adv = losses.g_loss(self.opts.loss, adv)
            loss_info, ce, nll = info_loss(cat, cont, y, c, lam_cat, lam_cont)
        self.step_optimizer("g", loss_adv + loss_info, self.G)
        acc = (cat.detach().argmax(1) == y).float().mean().item()
        return stats | {"loss_g": loss_adv.item(), "info_cat": ce.item(), "info_cont": nll.item(), "acc_code": acc}

    def fixed_inputs(self, batches: Batches) -> dict[str, torch.Tensor]:
        fixed = super().fixed_inputs(batches)
        n_cont = self.model.config.num_continuous
        # codes at the middle of their range, so rows differ by the categorical code only
        return fixed | {"codes": torch.zeros(len(fixed["labels"]), n_cont)}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        x = self.G(fixed["z"].to(self.device), fixed["labels"].to(self.device),
                   fixed["codes"].to(self.device)).float().cpu()
        return [imgs.tensor_to_pil(xi) for xi in x]


__all__ = ["ACGANTrainer", "CGANTrainer", "InfoGANTrainer", "SGANTrainer", "info_loss", "labelled_subset",
           "real_logit"]
