"""Image-to-image translation: pix2pix, CycleGAN, DiscoGAN and SPADE.

Every adversarial term comes from ``ganstudio.losses`` (any ``--loss`` works; WGAN-GP adds its penalty and
WGAN its clipping); what each family adds is written out in its trainer:

* **pix2pix** (Isola et al. 2017) -- paired ``(A, B)``. D judges the pair ``cat([A, B], 1)`` (6 channels
  for RGB) with patch logits; G minimises the adversarial loss plus ``lambda_l1`` (100) times
  ``|G(A) - B|``. D's objective is halved, as in the paper. Default loss: ``nonsaturating`` (the paper's
  binary cross-entropy, junyanz's "vanilla"); ``--loss lsgan`` is the other common choice.
* **CycleGAN** (Zhu et al. 2017) -- unpaired. Two generators (A -> B ``generator``, B -> A
  ``generator_ba``) and two PatchGANs (``discriminator`` judges B, ``discriminator_ba`` judges A).
  G's loss: adversarial both ways + ``lambda_cycle`` (10) times the cycle L1 both ways + identity L1
  (``G(B) ~ B``, ``G_ba(A) ~ A``) weighted ``lambda_identity * lambda_cycle`` (0.5 * 10). Each D learns
  from an :class:`ImagePool` of the last ``pool_size`` (50) fakes. Default loss: ``lsgan``.
* **DiscoGAN** (Kim et al. 2017) -- unpaired, same two-way layout without pool or identity term:
  adversarial both ways + ``lambda_rec`` (1) times the mean squared reconstruction error both ways (the
  paper's distance). Default loss: ``nonsaturating``. The optional feature-matching term of the
  reference code is not used.
* **SPADE** (Park et al. 2019) -- paired ``(one-hot label map, image)``. Multi-scale D on
  ``cat([image, label map], 1)``, hinge loss averaged over scales, plus ``lambda_feat`` (10) times the L1
  between D's intermediate features on real and generated images (feature matching, per scale, divided
  by the number of scales). The paper's VGG perceptual loss is skipped: it needs ImageNet VGG-19 weights,
  which are not available offline. With ``z_dim > 0`` G gets fresh noise each step (no image encoder).

Training parameters (``--param key=value``): ``lambda_l1``; ``lambda_cycle``, ``lambda_identity``,
``pool_size``; ``lambda_rec``; ``lambda_feat``. Unpaired data: ``emoji-noto2openmoji`` with
``--param 'data_args={"unpaired": true}'``, or an ``unpaired-folder``.

Sample grids: one row per held-out item (the dataset's test split when it has one, else training
items), from the seed: ``input | output | target`` (pix2pix, SPADE: the label map in its palette colours)
and ``input | translated | reconstructed`` (CycleGAN, DiscoGAN: rows of A, then rows of B). Generators run
one image at a time on the image's own norm statistics, as ``ganstudio.inference.translate`` does.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .. import images as imgs
from .. import losses
from ..data import DataUnavailableError
from ..models.norms import norm_statistics_from_input
from .common import Batches, Trainer, build_dataset, frozen
from .unconditional import d_stats

GRID_ROWS = 8  # held-out items in a sample grid


# ---------------------------------------------------------------------------------------------
# shared pieces


class ImagePool:
    """History of generated images for the discriminator (Shrivastava et al. 2017, used by CycleGAN).

    Until the pool holds ``size`` images every new fake is stored and returned. After that, each fake is,
    with probability 1/2, swapped with a random stored one (the stored one is returned, the new one kept),
    or else returned as is. D thus also sees older fakes, which damps oscillation between G and D.
    ``size = 0`` turns the pool off. Draws come from the ``generator`` passed in (CPU), so runs repeat.
    """

    def __init__(self, size: int = 50):
        if size < 0:
            raise ValueError(f"pool size must be >= 0, got {size}")
        self.size = size
        self.images: list[torch.Tensor] = []  # each [C, H, W], detached

    def __len__(self) -> int:
        return len(self.images)

    def query(self, fakes: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """fakes [B, C, H, W] -> [B, C, H, W]: a mix of these fakes and stored older ones."""
        if self.size == 0:
            return fakes
        out = []
        for img in fakes.detach():
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif float(torch.rand((), generator=generator)) < 0.5:
                k = int(torch.randint(0, self.size, (), generator=generator))
                out.append(self.images[k])
                self.images[k] = img.clone()
            else:
                out.append(img)
        return torch.stack(out)

    def state_dict(self) -> dict[str, Any]:
        """Stored images as one CPU tensor [n, C, H, W] (empty [0] before the first query)."""
        stack = torch.stack(self.images).cpu() if self.images else torch.zeros(0)
        return {"size": self.size, "images": stack}

    def load_state_dict(self, state: dict[str, Any], device: torch.device | str = "cpu") -> None:
        self.size = int(state["size"])
        self.images = [img.to(device) for img in state["images"]] if state["images"].numel() else []


def held_out(opts: Any, batches: Batches, n: int) -> tuple[torch.Tensor, ...]:
    """``n`` items for sample grids: drawn from the seed out of the test split, else out of the training data.

    Returns the item's fields stacked, e.g. ``(inputs [n, C_in, H, W], targets [n, C, H, W])``.
    """
    g = torch.Generator().manual_seed(opts.seed + 12345)
    try:
        ds = build_dataset(opts, split="test")
        if len(ds) == 0:
            raise ValueError("empty test split")
        idx = torch.randperm(len(ds), generator=g)[:n].tolist()
        items = [it if isinstance(it, (tuple, list)) else (it,) for it in (ds[i] for i in idx)]
        return tuple(torch.stack([torch.as_tensor(it[k]) for it in items]) for k in range(len(items[0])))
    except (ValueError, DataUnavailableError):
        idx = torch.randperm(batches.n, generator=g)[:n]
        return tuple(f[idx] for f in batches.fields)


def one_by_one(module: nn.Module, *inputs: torch.Tensor) -> torch.Tensor:
    """Run ``module`` on each item alone with norms on the item's own statistics (the app's default).

    Batch norm over a grid's rows would mix the rows' statistics; one item at a time it gives what
    ``ganstudio.inference.translate`` gives for that image. inputs: each [B, ...] -> output [B, ...] (CPU).
    """
    outs = []
    with norm_statistics_from_input(module):
        for i in range(inputs[0].shape[0]):
            outs.append(module(*(x[i:i + 1] for x in inputs)).float().cpu())
    return torch.cat(outs)


def segmap_to_image(onehot: torch.Tensor, palette: Sequence[dict[str, Any]] | None) -> torch.Tensor:
    """One-hot label maps [B, L, H, W] -> RGB [B, 3, H, W] in [-1, 1], each label in its palette colour.

    Without a palette the labels become evenly spaced grey levels.
    """
    idx = onehot.argmax(1)  # [B, H, W]
    num = onehot.shape[1]
    if palette:
        cols = torch.tensor([p["color"] for p in palette], dtype=torch.float32)  # [L, 3] in 0..255
    else:
        cols = torch.linspace(0, 255, num).unsqueeze(1).repeat(1, 3)
    rgb = cols[idx.cpu()]  # [B, H, W, 3]
    return rgb.permute(0, 3, 1, 2) / 127.5 - 1.0


def to_pils(*columns: torch.Tensor) -> list[Image.Image]:
    """Columns [B, C, H, W] each -> pictures row by row: row i is (columns[0][i], columns[1][i], ...)."""
    return [imgs.tensor_to_pil(col[i]) for i in range(columns[0].shape[0]) for col in columns]


class TranslationTrainer(Trainer):
    """What the four trainers share: parameters, the discriminator update, held-out sample rows."""

    columns = 3  # pictures per sample row

    def param(self, name: str, default: float) -> float:
        return float(self.opts.params.get(name, default))

    def translate_mode(self) -> str | None:
        """"eval" when the generator keeps batch-norm statistics gathered over batches of several images
        (pix2pix and SPADE at batch 16 measure better with them than with each image's own); else None."""
        has_stats = any(isinstance(m, nn.modules.batchnorm._NormBase) and m.running_mean is not None
                        for m in self.model.generator.modules())
        return "eval" if has_stats and self.opts.batch_size > 1 else None

    def d_loss(self, critic: Callable[[torch.Tensor], Any], real: torch.Tensor,
               fake: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """Half of D's adversarial loss on ``real`` and (detached) ``fake`` inputs, plus the penalty (WGAN-GP).

        ``critic`` returns logits of any shape (PatchGAN [B, 1, h, w], DiscoGAN [B]). Halving slows D
        relative to G, as pix2pix and CycleGAN do. Returns (loss, log values).
        """
        with self.autocast():
            real_out, fake_out = critic(real), critic(fake)
            loss_real, loss_fake = losses.d_loss_terms(self.opts.loss, real_out, fake_out)
            loss = 0.5 * (loss_real + loss_fake)
        if self.spec.gp_weight:
            loss = loss + losses.gradient_penalty(critic, real, fake, self.spec.gp_weight, generator=self.rng)
        stats = {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()}
        return loss, stats | d_stats(self.spec, real_out, fake_out)

    def step_d(self, loss: torch.Tensor, *discriminators: nn.Module) -> None:
        """Step the ``d`` optimiser, then clip the weights when the loss asks for it (WGAN)."""
        self.step_optimizer("d", loss, *discriminators)
        if self.spec.clip:
            for d in discriminators:
                losses.clip_weights(d, self.spec.clip)

    def fixed_inputs(self, batches: Batches) -> dict[str, torch.Tensor]:
        a, b = held_out(self.opts, batches, GRID_ROWS)[:2]
        return {"a": a, "b": b}

    def sample_columns(self, n: int) -> int:
        return self.columns


# ---------------------------------------------------------------------------------------------
# pix2pix


class Pix2PixTrainer(TranslationTrainer):
    """Conditional GAN on pairs: adversarial loss on ``D(A, G(A))`` plus ``lambda_l1 * |G(A) - B|``."""

    default_loss = "nonsaturating"
    params = ("lambda_l1",)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        self.lambda_l1 = self.param("lambda_l1", 100.0)
        self.optimizers = {
            "g": self.make_optimizer(self.G.parameters(), self.opts.lr_g, "g"),
            "d": self.make_optimizer(self.D.parameters(), self.opts.lr_d, "d"),
        }

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        a, b = batch[0], batch[1]  # [B, C_in, H, W], [B, C, H, W]
        # 1. one forward of G serves D's update (detached) and G's own
        with self.autocast():
            fake = self.G(a)  # [B, C, H, W]
        for _ in range(self.n_critic):
            loss_d, stats = self.d_loss(self.D, torch.cat([a, b], 1), torch.cat([a, fake.detach().float()], 1))
            self.step_d(loss_d, self.D)
        # 2. G: fool D on the pair, and stay close to the target
        with frozen(self.D), self.autocast():
            loss_gan = losses.g_loss(self.opts.loss, self.D(torch.cat([a, fake], 1)))
            l1 = (fake.float() - b).abs().mean()
            loss_g = loss_gan + self.lambda_l1 * l1
        self.step_optimizer("g", loss_g, self.G)
        return stats | {"loss_g": loss_g.item(), "loss_g_gan": loss_gan.item(), "l1": l1.item()}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        a, b = fixed["a"].to(self.device), fixed["b"]
        return to_pils(a.cpu(), one_by_one(self.G, a), b)


# ---------------------------------------------------------------------------------------------
# CycleGAN and DiscoGAN


class TwoWayTrainer(TranslationTrainer):
    """Two generators and two discriminators trained together on unpaired A and B.

    Subclasses set ``lambda_rec`` (reconstruction weight), ``rec_distance``, ``lambda_idt`` (identity
    weight, 0 = off) and the pools.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        m = self.model.modules
        self.G, self.G_ba = m["generator"], m["generator_ba"]  # A -> B, B -> A
        self.D_b, self.D_a = m["discriminator"], m["discriminator_ba"]  # judge B, judge A
        self.optimizers = {
            "g": self.make_optimizer(itertools.chain(self.G.parameters(), self.G_ba.parameters()), self.opts.lr_g, "g"),
            "d": self.make_optimizer(itertools.chain(self.D_b.parameters(), self.D_a.parameters()), self.opts.lr_d, "d"),
        }
        self.lambda_rec = 1.0
        self.lambda_idt = 0.0
        self.lambda_feat = 0.0  # feature matching weight (0 = off; needs D.forward_with_features)
        self.rec_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.l1_loss
        self.pool_a, self.pool_b = ImagePool(0), ImagePool(0)

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        a, b = batch[0], batch[1]  # [B, C_a, H, W], [B, C_b, H, W], not aligned
        # 1. generators: fool both discriminators, and come back where they started
        with frozen(self.D_a, self.D_b), self.autocast():
            fake_b, fake_a = self.G(a), self.G_ba(b)
            rec_a, rec_b = self.G_ba(fake_b), self.G(fake_a)
            gan_b, feat_b = self.g_adversarial(self.D_b, fake_b, b)
            gan_a, feat_a = self.g_adversarial(self.D_a, fake_a, a)
            loss_gan = gan_b + gan_a
            cycle_a, cycle_b = self.rec_distance(rec_a.float(), a), self.rec_distance(rec_b.float(), b)
            loss_g = loss_gan + self.lambda_rec * (cycle_a + cycle_b)
            stats: dict[str, float] = {}
            if self.lambda_feat > 0:
                loss_g = loss_g + self.lambda_feat * (feat_a + feat_b)
                stats["feat"] = (feat_a + feat_b).item()
            if self.lambda_idt > 0:
                # a generator fed an image of its own output domain should leave it alone (keeps colours)
                idt = F.l1_loss(self.G(b).float(), b) + F.l1_loss(self.G_ba(a).float(), a)
                loss_g = loss_g + self.lambda_idt * self.lambda_rec * idt
                stats["idt"] = idt.item()
        self.step_optimizer("g", loss_g, self.G, self.G_ba)
        # 2. discriminators, on fakes drawn through the pools (history), both halves in one step
        fb = self.pool_b.query(fake_b.detach().float(), self.rng)
        fa = self.pool_a.query(fake_a.detach().float(), self.rng)
        for _ in range(self.n_critic):
            loss_db, stats_b = self.d_loss(self.D_b, b, fb)
            loss_da, stats_a = self.d_loss(self.D_a, a, fa)
            self.step_d(loss_db + loss_da, self.D_b, self.D_a)
        d_log = {k: (stats_a[k] + stats_b[k]) / 2 for k in stats_b}  # the two discriminators' mean
        # cycle error in [0, 1] pixel units (images are in [-1, 1]); L1 regardless of rec_distance
        cycle_l1 = ((rec_a.detach().float() - a).abs().mean() + (rec_b.detach().float() - b).abs().mean()) / 4
        return d_log | {"loss_g": loss_g.item(), "loss_g_gan": loss_gan.item(),
                        "rec": (cycle_a + cycle_b).item(), "cycle_l1": cycle_l1.item()} | stats

    def g_adversarial(self, D: nn.Module, fake: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(G's adversarial loss on ``fake``, feature matching against ``real``, 0 when ``lambda_feat`` is 0).

        Feature matching: the squared distance between the batch means of D's intermediate activations on
        real and on fake images, summed over D's normalised blocks (real activations taken without grad).
        """
        if self.lambda_feat <= 0:
            return losses.g_loss(self.opts.loss, D(fake)), torch.zeros((), device=fake.device)
        out, fake_feats = D.forward_with_features(fake)
        with torch.no_grad():
            _, real_feats = D.forward_with_features(real)
        feat = sum((F.mse_loss(f.float().mean(0), r.float().mean(0)) for f, r in zip(fake_feats, real_feats)),
                   torch.zeros((), device=fake.device))
        return losses.g_loss(self.opts.loss, out), feat

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        half = max(1, fixed["a"].shape[0] // 2)
        a, b = fixed["a"][:half].to(self.device), fixed["b"][:half].to(self.device)
        fake_b, fake_a = one_by_one(self.G, a).to(self.device), one_by_one(self.G_ba, b).to(self.device)
        rows_a = to_pils(a.cpu(), fake_b.cpu(), one_by_one(self.G_ba, fake_b))
        rows_b = to_pils(b.cpu(), fake_a.cpu(), one_by_one(self.G, fake_a))
        return rows_a + rows_b

    def extra_state(self) -> dict[str, Any]:
        return {"pool_a": self.pool_a.state_dict(), "pool_b": self.pool_b.state_dict()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        if "pool_a" in state:
            self.pool_a.load_state_dict(state["pool_a"], self.device)
            self.pool_b.load_state_dict(state["pool_b"], self.device)

    def reseed(self, rank: int, step: int) -> None:
        # only rank 0's pools are saved: the other processes start theirs afresh rather than share its fakes
        self.pool_a, self.pool_b = ImagePool(self.pool_a.size), ImagePool(self.pool_b.size)


class CycleGANTrainer(TwoWayTrainer):
    """CycleGAN: LSGAN both ways, cycle L1 (``lambda_cycle`` 10), identity L1 (0.5 * 10), pools of 50 fakes."""

    default_loss = "lsgan"
    params = ("lambda_cycle", "lambda_identity", "pool_size")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cfg = self.model.config
        self.lambda_rec = self.param("lambda_cycle", 10.0)
        # identity needs both domains to have the same channels (G(B) must be comparable with B)
        self.lambda_idt = self.param("lambda_identity", 0.5) if cfg.in_channels == cfg.channels else 0.0
        size = int(self.param("pool_size", 50))
        self.pool_a, self.pool_b = ImagePool(size), ImagePool(size)


class DiscoGANTrainer(TwoWayTrainer):
    """DiscoGAN: binary cross-entropy both ways plus ``lambda_rec`` (1) times the squared reconstruction error,
    and optionally ``lambda_feat`` (0) times feature matching on the discriminators' blocks (the paper's
    released code adds it; the paper's text does not)."""

    default_loss = "nonsaturating"
    params = ("lambda_rec", "lambda_feat")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lambda_rec = self.param("lambda_rec", 1.0)
        self.lambda_feat = self.param("lambda_feat", 0.0)
        self.rec_distance = F.mse_loss


# ---------------------------------------------------------------------------------------------
# SPADE


class SPADETrainer(TranslationTrainer):
    """Label map -> image: multi-scale hinge loss plus ``lambda_feat`` (10) times D's feature matching."""

    default_loss = "hinge"
    params = ("lambda_feat",)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.G = self.model.generator
        self.D = self.model.modules["discriminator"]
        self.lambda_feat = self.param("lambda_feat", 10.0)
        self.optimizers = {
            "g": self.make_optimizer(self.G.parameters(), self.opts.lr_g, "g"),
            "d": self.make_optimizer(self.D.parameters(), self.opts.lr_d, "d"),
        }

    def critic(self, segmap: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        """image -> every scale's patch logits flattened into one [B, N] (for the loss terms and the penalty)."""
        return lambda image: torch.cat([out.flatten(1) for out in self.D(image, segmap)], 1)

    def generate(self, segmap: torch.Tensor) -> torch.Tensor:
        z = self.latents(segmap.shape[0]) if self.model.config.z_dim > 0 else None
        return self.G(segmap, z)  # [B, C, H, W]

    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float]:
        seg, real = batch[0], batch[1]  # [B, L, H, W] one-hot, [B, C, H, W]
        num_d = self.model.config.num_D
        with self.autocast():
            fake = self.generate(seg)
        # 1. D: the loss averaged over scales (each scale's patches weigh the same, whatever their count)
        for _ in range(self.n_critic):
            with self.autocast():
                real_outs, fake_outs = self.D(real, seg), self.D(fake.detach().float(), seg)
                terms = [losses.d_loss_terms(self.opts.loss, r, f) for r, f in zip(real_outs, fake_outs)]
                loss_real = sum(t[0] for t in terms) / num_d
                loss_fake = sum(t[1] for t in terms) / num_d
                loss_d = loss_real + loss_fake
            if self.spec.gp_weight:
                loss_d = loss_d + losses.gradient_penalty(self.critic(seg), real, fake.detach().float(),
                                                          self.spec.gp_weight, generator=self.rng)
            self.step_d(loss_d, self.D)
        stats = {"loss_d_real": loss_real.item(), "loss_d_fake": loss_fake.item()} | d_stats(
            self.spec, torch.cat([o.flatten() for o in real_outs]), torch.cat([o.flatten() for o in fake_outs]))
        # 2. G: fool every scale, and match D's features on the real image (no VGG loss: see the module doc)
        with frozen(self.D), self.autocast():
            feats_fake = self.D.features(fake, seg)  # per scale: [layer outputs..., logits]
            with torch.no_grad():
                feats_real = self.D.features(real, seg)
            loss_gan = sum(losses.g_loss(self.opts.loss, f[-1]) for f in feats_fake) / num_d
            feat = sum(F.l1_loss(ff.float(), fr.float()) for fs_f, fs_r in zip(feats_fake, feats_real)
                       for ff, fr in zip(fs_f[:-1], fs_r[:-1])) / num_d
            loss_g = loss_gan + self.lambda_feat * feat
        self.step_optimizer("g", loss_g, self.G)
        return stats | {"loss_g": loss_g.item(), "loss_g_gan": loss_gan.item(), "feat": feat.item(),
                        "l1": (fake.detach().float() - real).abs().mean().item()}

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        seg, real = fixed["a"].to(self.device), fixed["b"]
        # z = None: zero latent when the model takes one, so the grid changes only with training
        return to_pils(segmap_to_image(seg, self.info.palette), one_by_one(self.G, seg), real)
