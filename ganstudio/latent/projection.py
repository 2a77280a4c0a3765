"""GAN inversion: find the W (then W+ and, optionally, per-layer noise) whose StyleGAN2 render matches an image.

The schedule follows NVlabs' StyleGAN2-ADA projector:

1. start from the best of ``init_candidates`` sampled W (the lowest loss against the target; with 0, from the
   mean W of 10,000 mapped random z, as NVlabs) and the model's stored noise. A short run from the mean W
   can settle in a poor basin; the best sample is already the right kind of image;
2. W stage, ``steps`` Adam steps on one W broadcast to every layer: learning rate ramped up over the first 5 %
   and down (cosine) over the last 25 %; Gaussian noise added to W, ``0.05 * w_std`` decaying quadratically to
   zero at 75 % of the run (it helps escape poor starts);
3. W+ stage, ``wplus_steps`` steps on one W per layer, started from the W result, same learning-rate ramps, no
   W noise;
4. loss = perceptual distance (:mod:`ganstudio.latent.perceptual`) + ``pixel_weight`` x MSE; when the noise
   inputs are optimised too, + ``noise_weight`` x NVlabs' noise regulariser (squared autocorrelation of each
   noise map at one-pixel shifts, over a pyramid down to 8 px), and every noise map is renormalised to zero
   mean and unit variance after each step.

The weights are shared with every other user and are never changed: gradients are taken only with respect to
the latent and noise (``torch.autograd.grad``), so nothing is accumulated in the model.

:func:`project` is a generator of :class:`ProjectionStep` (a render and the loss every ``every`` steps, then
the result), which stops when the caller stops iterating or when ``cancel`` is set.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

import torch
import torch.nn.functional as F
from PIL import Image

from .. import images as imgs
from .. import options
from ..checkpoint import GanModel
from . import codes, framing
from .codes import Latent, LatentError
from .perceptual import NETWORK, PerceptualDistance


@dataclass
class ProjectionSettings:
    """Every knob of a projection (stored in the result's PNG metadata)."""

    steps: int = int(options.PROJECT_STEPS.default)
    wplus_steps: int = int(options.PROJECT_WPLUS_STEPS.default)
    optimize_noise: bool = False
    pixel_weight: float = options.PIXEL_WEIGHT.default
    perceptual_weight: float = 1.0
    noise_weight: float = 1e5
    lr: float = 0.1
    initial_noise_factor: float = 0.05
    noise_ramp: float = 0.75
    lr_rampup: float = 0.05
    lr_rampdown: float = 0.25
    framing: str = "subject"
    init_candidates: int = 256  # start from the best of this many sampled W (0: from the mean W, as NVlabs)
    seed: int = 0
    every: int = int(options.PROJECT_EVERY.default)

    def check(self) -> "ProjectionSettings":
        options.PROJECT_STEPS.check("W steps", self.steps)
        options.PROJECT_WPLUS_STEPS.check("W+ steps", self.wplus_steps)
        options.PROJECT_EVERY.check("progress interval", self.every)
        options.PIXEL_WEIGHT.check("pixel loss weight", self.pixel_weight)
        options.SEED.check("seed", self.seed)
        if not 0 <= self.init_candidates <= codes.STATS_SAMPLES:
            raise LatentError(f"init_candidates must be between 0 and {codes.STATS_SAMPLES}")
        if self.framing not in options.FRAMINGS:
            raise LatentError(f"framing must be one of {options.FRAMINGS}")
        if not (self.lr > 0 and self.perceptual_weight >= 0 and self.noise_weight >= 0):
            raise LatentError("learning rate must be positive and loss weights non-negative")
        return self


@dataclass
class Projection:
    """The outcome: the framed target, its reconstruction, the latent, and how close they are."""

    target: Image.Image
    reconstruction: Image.Image
    latent: Latent
    loss: float
    psnr: float  # dB, on 8-bit pixels
    framing: str  # what was done to the upload, in words
    params: dict[str, Any]
    seconds: float
    losses: list[float] = field(default_factory=list)  # every step's loss


@dataclass
class ProjectionStep:
    """One progress report: ``image`` is the current render (every ``every`` steps), ``result`` comes last."""

    step: int
    total: int
    stage: str  # "W" or "W+"
    loss: float
    image: Image.Image | None = None
    result: Projection | None = None
    cancelled: bool = False


_steps_lock = threading.Lock()
_steps_run = 0  # optimisation steps run by this process (tests read it to see that cancelled work stops)


def steps_run() -> int:
    """How many optimisation steps every projection of this process has run so far."""
    return _steps_run


def _count_step() -> None:
    global _steps_run
    with _steps_lock:
        _steps_run += 1


class Adam:
    """Adam (beta 0.9 / 0.999, eps 1e-8) on a few tensors, with the learning rate given at each step.

    Written out because ``torch.optim`` imports a large part of torch on its first step, which costs far more
    than a whole projection on a CPU where bytecode is not cached.
    """

    def __init__(self, params: list[torch.Tensor], betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params, self.betas, self.eps, self.t = params, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self, grads: tuple[torch.Tensor, ...], lr: float) -> None:
        b1, b2 = self.betas
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = (v / (1 - b2 ** self.t)).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-lr / (1 - b1 ** self.t))


def learning_rate(settings: ProjectionSettings, t: float) -> float:
    """NVlabs' schedule at progress ``t`` in [0, 1]: linear ramp up, cosine ramp down."""
    ramp = min(1.0, (1.0 - t) / settings.lr_rampdown)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    ramp = ramp * min(1.0, t / settings.lr_rampup)
    return settings.lr * ramp


def noise_regularization(noises: list[torch.Tensor]) -> torch.Tensor:
    """Sum over noise maps and pyramid levels (down to 8 px) of squared one-pixel autocorrelations."""
    reg = torch.zeros(())
    for v in noises:
        v = v[None, None] if v.dim() == 2 else v  # [1, 1, R, R]
        while True:
            reg = reg + (v * torch.roll(v, 1, dims=3)).mean() ** 2 + (v * torch.roll(v, 1, dims=2)).mean() ** 2
            if v.shape[2] <= 8:
                break
            v = F.avg_pool2d(v, 2)
    return reg


def psnr(a: torch.Tensor, b: torch.Tensor, value_range: tuple[float, float] = (-1.0, 1.0)) -> float:
    """Peak signal-to-noise ratio in dB between images [.., C, H, W] after 8-bit rounding (as saved)."""
    lo, hi = value_range

    def q(x: torch.Tensor) -> torch.Tensor:
        return ((x.float().cpu() - lo) / (hi - lo) * 255).clamp(0, 255).round()

    mse = float(((q(a) - q(b)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def target_tensor(model: GanModel, image: Image.Image | bytes | str, how: str) -> tuple[torch.Tensor, framing.Framed]:
    """The upload framed for ``model`` (see :mod:`ganstudio.latent.framing`) as [1, C, S, S], and how."""
    cfg = model.config
    fitted = framing.fit_to_model(image, size=cfg.image_size, channels=cfg.channels,
                                  framing=how)  # type: ignore[arg-type]
    return imgs.pil_to_tensor(fitted.image, model.meta.value_range), fitted  # [1, C, S, S]


def project(model: GanModel, image: Image.Image | bytes | str, settings: ProjectionSettings | None = None, *,
            cancel: threading.Event | None = None) -> Iterator[ProjectionStep]:
    """Project ``image`` into ``model``'s W / W+ space, yielding progress and finally the :class:`Projection`."""
    codes.need_style(model, "projection")
    settings = (settings or ProjectionSettings()).check()
    t0 = time.perf_counter()
    g = model.generator
    dev = model.device
    target, fitted = target_tensor(model, image, settings.framing)
    target = target.to(dev)
    perceptual = PerceptualDistance(dev)
    w_mean, _ = codes.w_samples(model)
    w_std = codes.w_spread(model)
    rng = torch.Generator().manual_seed(int(settings.seed))
    with model.lock:
        g.eval()
    with torch.no_grad():
        target_feats = [f.detach() for f in perceptual.features(target)]
    noises = [getattr(g.noises, f"noise_{i}").detach().clone().float() for i in range(g.num_noise_layers)]
    for n in noises:
        n.requires_grad_(settings.optimize_noise)

    total = settings.steps + settings.wplus_steps
    losses: list[float] = []

    def loss_of(ws: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        img = g.synthesis(ws, noise=noises, noise_mode="const")  # [1, C, S, S]
        loss = settings.perceptual_weight * perceptual.distance(perceptual.features(img), target_feats).sum()
        loss = loss + settings.pixel_weight * F.mse_loss(img, target)
        if settings.optimize_noise:
            loss = loss + settings.noise_weight * noise_regularization(noises)
        return loss, img

    def render(ws: torch.Tensor) -> Image.Image:
        with model.lock, torch.no_grad():
            img = g.synthesis(ws, noise=noises, noise_mode="const")
        return codes.to_images(model, img.float().cpu())[0]

    w = w_mean.to(dev)[None].clone()  # [1, D]
    if settings.init_candidates:
        _, w_all = codes.w_samples(model)
        cands = w_all[: settings.init_candidates].to(dev)  # [N, D]
        with model.lock, torch.no_grad():
            scores = []
            for c in cands.split(64):
                img = g.synthesis(g.broadcast_w(c), noise=noises, noise_mode="const")
                d = perceptual.distance(perceptual.features(img), [f.expand(len(c), -1, -1, -1) for f in target_feats])
                scores.append(settings.perceptual_weight * d
                              + settings.pixel_weight * (img - target).pow(2).mean((1, 2, 3)))
        w = cands[int(torch.cat(scores).argmin())][None].clone()
    w.requires_grad_(True)
    stages = [("W", settings.steps), ("W+", settings.wplus_steps)]
    step = 0
    ws_final = g.broadcast_w(w.detach())
    for stage, n_steps in stages:
        if n_steps == 0:
            continue
        if stage == "W+":
            w = g.broadcast_w(w.detach()).clone().requires_grad_(True)  # [1, n_latent, D]
        params = [w] + (noises if settings.optimize_noise else [])
        adam = Adam(params)
        for i in range(n_steps):
            if cancel is not None and cancel.is_set():
                yield ProjectionStep(step, total, stage, losses[-1] if losses else float("nan"), cancelled=True)
                return
            t = i / n_steps
            if stage == "W":
                scale = w_std * settings.initial_noise_factor * max(0.0, 1.0 - t / settings.noise_ramp) ** 2
                jitter = torch.randn(w.shape, generator=rng).to(dev) * scale
                ws = g.broadcast_w(w + jitter)
            else:
                ws = w
            with model.lock:  # per step: other users' calls interleave, and never see bf16 weights swapped in
                loss, _ = loss_of(ws)
                grads = torch.autograd.grad(loss, params)
            adam.step(grads, learning_rate(settings, t))
            if settings.optimize_noise:
                with torch.no_grad():
                    for n in noises:
                        n.sub_(n.mean()).div_(n.std().clamp_min(1e-8))
            _count_step()
            step += 1
            losses.append(float(loss.detach()))
            if step % settings.every == 0 and step < total:
                current = g.broadcast_w(w.detach()) if stage == "W" else w.detach()
                yield ProjectionStep(step, total, stage, losses[-1], render(current))
        ws_final = g.broadcast_w(w.detach()) if stage == "W" else w.detach()

    with model.lock, torch.no_grad():
        final_loss, img = loss_of(ws_final)
    recon = codes.to_images(model, img.float().cpu())[0]
    latent = Latent("w+", ws_final[0].float().cpu(), codes.model_fingerprint(model),
                    noise=[n.detach().float().cpu() for n in noises] if settings.optimize_noise else None,
                    origin={"op": "projected"})
    q = psnr(img, target, model.meta.value_range)
    seconds = time.perf_counter() - t0
    params = {"kind": "projection", "model": model.source, "family": model.family.name,
              "model_fingerprint": latent.model, "perceptual_network": NETWORK, "framing_done": fitted.how,
              **asdict(settings), "loss": round(float(final_loss), 6), "psnr_db": round(q, 3),
              "seconds": round(seconds, 2)}
    latent.origin = {"op": "projected", "digest": latent.digest(), "psnr_db": round(q, 3)}
    result = Projection(fitted.image, recon, latent, float(final_loss), q, fitted.how, params, seconds, losses)
    yield ProjectionStep(step, total, stages[-1][0] if settings.wplus_steps else "W", float(final_loss), recon, result)


def project_image(model: GanModel, image: Image.Image | bytes | str,
                  settings: ProjectionSettings | None = None) -> Projection:
    """Run :func:`project` to the end and return its result."""
    last = None
    for last in project(model, image, settings):
        pass
    assert last is not None and last.result is not None
    return last.result
