"""The GAN playground's core: train tiny GANs on toy data and draw what happens (no gradio here).

In the spirit of GAN Lab: a small MLP generator learns a 1-D Gaussian or a 2-D toy distribution
(``ganstudio.toy``) against an MLP discriminator, with any loss of ``ganstudio.losses`` -- the same
loss code ``ganstudio train`` uses. A :class:`PlaygroundRun` holds one run (models, optimisers,
history); ``step(n)`` trains, ``render()`` draws the current view, ``log_line()`` prints the classic
"GAN in 50 lines" log::

    run = PlaygroundRun(PlaygroundConfig.for_loss("wgan-gp", data="ring"))
    run.step(500)
    image = run.render()          # PIL image: samples, D's heat map, G's gradient arrows, loss curves
    print(run.log_line())         # Step 500: D (real_err, fake_err) G (err); Real Dist ([...]), Fake Dist ([...])

One *step* is one generator update, preceded by ``n_critic`` discriminator updates. Everything random
comes from the run's own ``torch.Generator`` streams seeded by ``config.seed``: the same config gives
the same run, and two configs that differ only in the loss start from the same weights and data
(:class:`Race`).

The 1-D discriminator sees either raw samples (one score per sample) or, as in the classic 1-D
experiment, only the moments (mean, std, skew, excess kurtosis) of groups of ``MOMENT_GROUP`` samples.

Choices, ranges and defaults are defined here once; the UI reads them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from . import losses, toy
from .errors import GanStudioError
from .models.toy import MOMENT_GROUP, ToyDiscriminator, ToyGenerator  # the networks the toy family saves

# --- choices, ranges, defaults (read by the UI) -------------------------------------------------------

DATA_CHOICES: tuple[str, ...] = toy.DISTS
DATA_LABELS: dict[str, str] = {
    "gaussian": "1-D Gaussian",
    "ring": "8 Gaussians (ring)",
    "grid": "25 Gaussians (grid)",
    "spiral": "Spiral",
    "moons": "Two moons",
}
LOSS_CHOICES: tuple[str, ...] = losses.LOSSES
OPTIMIZER_CHOICES: tuple[str, ...] = losses.OPTIMIZERS
D_INPUTS: tuple[str, ...] = ("raw", "moments")
# (min, max, step) of every numeric setting
RANGES: dict[str, tuple[float, float, float]] = {
    "mean": (-10.0, 10.0, 0.05),
    "std": (0.1, 5.0, 0.05),
    "lr": (1e-5, 1e-2, 1e-5),
    "gp_weight": (0.0, 100.0, 0.01),
    "n_critic": (1, 10, 1),
    "batch_size": (16, 1024, 16),
    "width": (8, 256, 8),
    "depth": (1, 4, 1),
    "z_dim": (1, 16, 1),
    "seed": (0, 2**31 - 1, 1),
    "steps": (1, 5000, 1),
    "race_steps": (10, 20_000, 10),
}
EVAL_SAMPLES = 2500  # fixed evaluation set: the points drawn and the coverage metric (2,500 as in PacGAN)
MAX_STEPS = 100_000  # live training stops here
SCATTER_POINTS = 1000  # points of each kind drawn in 2-D

# Toy MLPs train well with larger learning rates than the image-GAN defaults in losses.LOSS_SPECS;
# the optimiser, betas, n_critic and clipping still come from there.
TOY_LR: dict[str, tuple[float, float]] = {
    "minimax": (1e-3, 1e-3),
    "nonsaturating": (1e-3, 1e-3),
    "wgan": (5e-4, 5e-4),
    "wgan-gp": (3e-4, 3e-4),
    "lsgan": (1e-3, 1e-3),
    "hinge": (1e-3, 1e-3),
}
# WGAN-GP's lambda on toy data: 0.1, as in the WGAN-GP authors' own toy experiments; the image default
# of 10 keeps a critic so smooth that the generator takes many times longer to tighten tiny modes.
TOY_GP_WEIGHT = 0.1


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the enclosed torch ops on one intra-op thread, then restore the previous count.

    The playground's MLPs are so small that a second thread buys little, and when the cores are busy
    (other users, other tabs) two spinning OpenMP threads slow a step down many times over. The count
    belongs to the calling thread; the process default is restored on exit.
    """
    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class PlaygroundError(GanStudioError):
    """A playground setting is out of range or unknown."""


@dataclass
class PlaygroundConfig:
    """Everything that defines a playground run. Build one for a loss with :meth:`for_loss`."""

    data: str = "ring"
    mean: float = 4.0  # 1-D Gaussian only
    std: float = 1.25  # 1-D Gaussian only
    loss: str = "nonsaturating"
    optimizer: str = "adam"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1
    gp_weight: float | None = None  # WGAN-GP's lambda; None: the loss's default
    batch_size: int = 256
    hidden: tuple[int, ...] = (64, 64, 64)  # hidden widths of both MLPs
    z_dim: int = 2
    d_input: str = "raw"  # 1-D only: "raw" samples or their "moments"
    seed: int = 0

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        self.betas = (float(self.betas[0]), float(self.betas[1]))
        checks = [
            (self.data in DATA_CHOICES, f"data must be one of {DATA_CHOICES}, got {self.data!r}"),
            (self.loss in LOSS_CHOICES, f"loss must be one of {LOSS_CHOICES}, got {self.loss!r}"),
            (self.optimizer in OPTIMIZER_CHOICES,
             f"optimizer must be one of {OPTIMIZER_CHOICES}, got {self.optimizer!r}"),
            (self.d_input in D_INPUTS, f"d_input must be one of {D_INPUTS}, got {self.d_input!r}"),
            (self.d_input == "raw" or self.data == "gaussian", "moment features only apply to the 1-D Gaussian"),
            (len(self.hidden) >= 1, "hidden needs at least one layer"),
            (self.batch_size % MOMENT_GROUP == 0 or self.d_input == "raw",
             f"with moment features the batch size must be a multiple of {MOMENT_GROUP}"),
        ]
        ranged = [("mean", self.mean), ("std", self.std), ("lr", self.lr_g), ("lr", self.lr_d),
                  ("n_critic", self.n_critic), ("batch_size", self.batch_size), ("depth", len(self.hidden)),
                  ("z_dim", self.z_dim), ("seed", self.seed)] + [("width", h) for h in self.hidden]
        if self.gp_weight is not None:
            ranged.append(("gp_weight", self.gp_weight))
        for key, value in ranged:
            lo, hi, _ = RANGES[key]
            checks.append((lo <= value <= hi, f"{key} must be in [{lo:g}, {hi:g}], got {value}"))
        for ok, message in checks:
            if not ok:
                raise PlaygroundError(message)

    @classmethod
    def for_loss(cls, loss: str = "nonsaturating", **overrides: Any) -> "PlaygroundConfig":
        """A config with ``loss``'s default optimiser, betas and n_critic (``losses.LOSS_SPECS``) and
        the toy learning rates (``TOY_LR``); ``overrides`` replace any field."""
        spec = losses.loss_spec(loss)
        lr_g, lr_d = TOY_LR[loss]
        values: dict[str, Any] = dict(
            loss=loss, optimizer=spec.optimizer, lr_g=lr_g, lr_d=lr_d, betas=spec.betas, n_critic=spec.n_critic,
            gp_weight=TOY_GP_WEIGHT if spec.gp_weight is not None else None,
        )
        values.update(overrides)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "PlaygroundConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise PlaygroundError(f"unknown playground settings {unknown}")
        return cls(**values)


DEFAULTS = PlaygroundConfig.for_loss("nonsaturating")
DEFAULT_WIDTH, DEFAULT_DEPTH = DEFAULTS.hidden[0], len(DEFAULTS.hidden)
DEFAULT_STEPS = 100  # steps per "Step" click
DEFAULT_STOP_AT = 10_000  # live training pauses at this step
DEFAULT_RACE = ("nonsaturating", "wgan-gp")
DEFAULT_RACE_STEPS = 5000
FRAME_PERIOD = 0.3  # seconds between live frames: ~3 frames/s, >= 2 even with PNG encoding and a busy CPU


def loss_defaults(loss: str) -> dict[str, Any]:
    """The settings a loss starts with: optimizer, lr_g, lr_d, betas, n_critic, gp_weight (None: no penalty)."""
    c = PlaygroundConfig.for_loss(loss)
    return dict(optimizer=c.optimizer, lr_g=c.lr_g, lr_d=c.lr_d, betas=c.betas, n_critic=c.n_critic,
                gp_weight=c.gp_weight)


def loss_help(loss: str) -> str:
    """A short Markdown help for ``loss``: the paper's idea, then the settings the playground starts with."""
    spec = losses.loss_spec(loss)
    d = loss_defaults(loss)
    start = f"{d['optimizer']}, lr G {d['lr_g']:g} / D {d['lr_d']:g}, {d['n_critic']} D step(s) per G step"
    if spec.clip is not None:
        start += f", weights clipped to +-{spec.clip:g}"
    if d["gp_weight"] is not None:
        start += (f", penalty weight {d['gp_weight']:g} (the WGAN-GP authors' toy setting; "
                  f"images use {spec.gp_weight:g})")
    return f"**{spec.label}.** {spec.description}\n\nHere: {start}."


def config_from_settings(
    data: str = DEFAULTS.data,
    loss: str = DEFAULTS.loss,
    optimizer: str = DEFAULTS.optimizer,
    lr_g: float = DEFAULTS.lr_g,
    lr_d: float = DEFAULTS.lr_d,
    n_critic: int = DEFAULTS.n_critic,
    batch_size: int = DEFAULTS.batch_size,
    width: int = DEFAULT_WIDTH,
    depth: int = DEFAULT_DEPTH,
    seed: int = DEFAULTS.seed,
    mean: float = DEFAULTS.mean,
    std: float = DEFAULTS.std,
    d_input: str = DEFAULTS.d_input,
    gp_weight: float | None = None,
) -> PlaygroundConfig:
    """A config from the flat values a form or a CLI gives: both MLPs get ``depth`` layers of ``width``,
    Adam's betas come from the loss, ``gp_weight`` only applies to WGAN-GP (None: ``TOY_GP_WEIGHT``).
    Raises :class:`PlaygroundError` on a bad value."""
    try:
        spec = losses.loss_spec(loss)
        if spec.gp_weight is None:
            gp_weight = None
        elif gp_weight is None:
            gp_weight = TOY_GP_WEIGHT
        return PlaygroundConfig(
            data=data, mean=float(mean), std=float(std), loss=loss, optimizer=optimizer,
            lr_g=float(lr_g), lr_d=float(lr_d), betas=spec.betas, n_critic=int(n_critic),
            batch_size=int(batch_size), hidden=(int(width),) * int(depth), seed=int(seed),
            d_input=d_input if data == "gaussian" else "raw",
            gp_weight=None if gp_weight is None else float(gp_weight),
        )
    except (TypeError, ValueError) as e:  # PlaygroundError is a ValueError too
        raise PlaygroundError(str(e)) from e


# --- models ----------------------------------------------------------------------------------------------


def _init_(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default Linear init, but drawn from ``generator`` (reproducible, no global RNG)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            bound = 1 / math.sqrt(m.in_features)
            with torch.no_grad():
                m.weight.uniform_(-bound, bound, generator=generator)
                m.bias.uniform_(-bound, bound, generator=generator)


# --- one run ---------------------------------------------------------------------------------------------


@dataclass
class History:
    """Per-step records (one entry per generator update)."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)  # D's loss incl. penalty, last critic update of the step
    g_loss: list[float] = field(default_factory=list)
    real_err: list[float] = field(default_factory=list)  # D's loss term on real data
    fake_err: list[float] = field(default_factory=list)  # D's loss term on generated data


@dataclass
class Frame:
    """What the view shows at one moment."""

    image: Image.Image
    log: str  # the classic log line
    summary: dict[str, Any]  # PlaygroundRun.summary()


class PlaygroundRun:
    """One training run: models, optimisers, random streams, history. Not shared between users.

    Methods are serialised by a lock, so a UI's "step" cannot interleave with its live-training loop.
    """

    def __init__(self, config: PlaygroundConfig):
        self.config = config
        self.dist = toy.make_dist(config.data, config.mean, config.std)
        self.spec = losses.loss_spec(config.loss)
        self.lock = threading.Lock()
        s = config.seed
        # independent streams: weights, training data, training noise, the fixed evaluation set
        self.gen_init = torch.Generator().manual_seed(s * 4 + 0)
        self.gen_data = torch.Generator().manual_seed(s * 4 + 1)
        self.gen_noise = torch.Generator().manual_seed(s * 4 + 2)
        gen_eval = torch.Generator().manual_seed(s * 4 + 3)

        dim = self.dist.dim
        self.G = ToyGenerator(config.z_dim, config.hidden, dim)
        self.D = ToyDiscriminator(dim, config.hidden, config.d_input)
        _init_(self.G, self.gen_init)
        _init_(self.D, self.gen_init)
        # fused Adam: per-op overhead is most of an update for MLPs this small
        self.opt_g = losses.make_optimizer(config.optimizer, self.G.parameters(), config.lr_g, config.betas, fused=True)
        self.opt_d = losses.make_optimizer(config.optimizer, self.D.parameters(), config.lr_d, config.betas, fused=True)

        self.z_eval = torch.randn(EVAL_SAMPLES, config.z_dim, generator=gen_eval)  # [N, z_dim]
        self.real_eval = self.dist.sample(EVAL_SAMPLES, gen_eval)  # [N, dim]
        self.history = History()
        self.steps = 0
        self.train_seconds = 0.0
        self._arrow_scale = 0.0  # running max of G's gradient norms: arrows shrink when gradients vanish

    @classmethod
    def reuse_or_new(cls, run: "PlaygroundRun | None", config: PlaygroundConfig) -> "PlaygroundRun":
        """``run`` itself when ``config`` only changes its learning rates (applied in place), else a new run."""
        if run is not None:
            same = dataclasses.replace(config, lr_g=run.config.lr_g, lr_d=run.config.lr_d)
            if same == run.config:
                if (config.lr_g, config.lr_d) != (run.config.lr_g, run.config.lr_d):
                    run.set_learning_rates(config.lr_g, config.lr_d)
                return run
        return cls(config)

    # -- training ------------------------------------------------------------------------------------------

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=self.gen_noise)  # [n, z_dim]

    def _d_update(self) -> tuple[float, float, float]:
        """One discriminator update; returns (loss incl. penalty, real term, fake term)."""
        c, spec = self.config, self.spec
        real = self.dist.sample(c.batch_size, self.gen_data)  # [B, dim]
        with torch.no_grad():
            fake = self.G(self._noise(c.batch_size))  # [B, dim]
        out = self.D(torch.cat([real, fake]))  # one pass over both halves: [2B] (or [2B / group])
        half = out.shape[0] // 2
        real_term, fake_term = losses.d_loss_terms(c.loss, out[:half], out[half:])
        loss = real_term + fake_term
        if spec.gp_weight is not None:
            weight = spec.gp_weight if c.gp_weight is None else c.gp_weight
            loss = loss + losses.gradient_penalty(self.D, real, fake, weight, self.gen_noise)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if spec.clip is not None:
            losses.clip_weights(self.D, spec.clip)
        return loss.item(), real_term.item(), fake_term.item()

    def _g_update(self) -> float:
        fake = self.G(self._noise(self.config.batch_size))
        loss = losses.g_loss(self.config.loss, self.D(fake))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return loss.item()

    def step(self, n: int = 1) -> None:
        """Train ``n`` steps (each: ``n_critic`` D updates, then one G update)."""
        with self.lock, one_thread():
            t0 = time.perf_counter()
            h = self.history
            for _ in range(int(n)):
                for _ in range(self.config.n_critic):
                    d, r, f = self._d_update()
                g = self._g_update()
                self.steps += 1
                h.step.append(self.steps)
                h.d_loss.append(d)
                h.g_loss.append(g)
                h.real_err.append(r)
                h.fake_err.append(f)
            self.train_seconds += time.perf_counter() - t0

    def live(self, stop_at: int = DEFAULT_STOP_AT, frame_period: float = FRAME_PERIOD) -> Iterator[Frame]:
        """Train until step ``stop_at``, yielding a :class:`Frame` about every ``frame_period`` seconds.

        The training share of each period shrinks by the time the last frame took to draw, so the
        view keeps its rate whatever the loss costs per step. The first frame comes before training.
        """
        draw_seconds = 0.0
        rate = 0.0  # measured steps per second: chunks sized to end near the frame deadline
        while True:
            t0 = time.perf_counter()
            frame = self.frame()
            draw_seconds = time.perf_counter() - t0
            yield frame
            if self.steps >= min(stop_at, MAX_STEPS):
                return
            budget = max(frame_period - draw_seconds, 0.05)
            t_end = time.perf_counter() + budget
            while (now := time.perf_counter()) < t_end and self.steps < min(stop_at, MAX_STEPS):
                n = max(1, min(50, int((t_end - now) * rate), min(stop_at, MAX_STEPS) - self.steps))
                self.step(n)
                rate = n / max(time.perf_counter() - now, 1e-6)

    def frame(self, width: int = 960, height: int = 480, title: str | None = None) -> Frame:
        """The image, the log line and the summary numbers of the current state."""
        with self.lock, one_thread():
            fake = self.generated()
            return Frame(render_run(self, width, height, title), self.log_line(fake), self.summary(fake))

    def set_learning_rates(self, lr_g: float, lr_d: float) -> None:
        """Change the learning rates without restarting (the optimisers keep their state)."""
        with self.lock:
            self.config = dataclasses.replace(self.config, lr_g=lr_g, lr_d=lr_d)
            for group in self.opt_g.param_groups:
                group["lr"] = lr_g
            for group in self.opt_d.param_groups:
                group["lr"] = lr_d

    # -- measurements --------------------------------------------------------------------------------------

    @torch.no_grad()
    def generated(self) -> torch.Tensor:
        """G on the fixed evaluation noise: ``[EVAL_SAMPLES, dim]``."""
        return self.G(self.z_eval)

    def coverage(self, fake: torch.Tensor | None = None) -> toy.Coverage | None:
        """Mode coverage of the evaluation samples (ring and grid only; None otherwise)."""
        if self.dist.modes is None:
            return None
        return toy.mode_coverage_detail(self.generated() if fake is None else fake, self.dist)

    def log_line(self, fake: torch.Tensor | None = None) -> str:
        """``Step N: D (real_err, fake_err) G (err); Real Dist ([mean, std]), Fake Dist ([mean, std])``.

        Errors are the last step's; the distributions' mean and std are over the evaluation set (per
        axis in 2-D).
        """
        h = self.history
        if h.step:
            r, f, g = h.real_err[-1], h.fake_err[-1], h.g_loss[-1]
        else:
            r = f = g = float("nan")
        return (
            f"Step {self.steps}: D ({r:.4f}, {f:.4f}) G ({g:.4f}); "
            f"Real Dist ({_stats(self.real_eval)}), Fake Dist ({_stats(self.generated() if fake is None else fake)})"
        )

    def render(self, width: int = 960, height: int = 480, title: str | None = None) -> Image.Image:
        """The current view as a PIL image (see :func:`render_run`)."""
        with self.lock, one_thread():
            return render_run(self, width, height, title)

    def summary(self, fake: torch.Tensor | None = None) -> dict[str, Any]:
        """Plain numbers for the UI and the API: step, losses, distribution stats, coverage."""
        fake = self.generated() if fake is None else fake
        out: dict[str, Any] = {
            "step": self.steps,
            "loss": self.config.loss,
            "data": self.config.data,
            "d_loss": self.history.d_loss[-1] if self.history.step else None,
            "g_loss": self.history.g_loss[-1] if self.history.step else None,
            "real_mean": self.real_eval.mean(0).tolist(),
            "real_std": self.real_eval.std(0).tolist(),
            "fake_mean": fake.mean(0).tolist(),
            "fake_std": fake.std(0).tolist(),
            "steps_per_second": self.steps / self.train_seconds if self.train_seconds > 0 else None,
        }
        cov = self.coverage(fake)
        if cov is not None:
            out.update(modes_covered=cov.modes_covered, num_modes=cov.num_modes, high_quality=cov.high_quality)
        return out


def _stats(x: torch.Tensor) -> str:
    """``[mean, std]`` (1-D) or ``[(mean_x, mean_y), (std_x, std_y)]`` (2-D) of ``x`` ``[N, dim]``."""
    m, s = x.mean(0).tolist(), x.std(0).tolist()
    if len(m) == 1:
        return f"[{m[0]:.4f}, {s[0]:.4f}]"
    return "[(" + ", ".join(f"{v:.4f}" for v in m) + "), (" + ", ".join(f"{v:.4f}" for v in s) + ")]"


# --- drawing ------------------------------------------------------------------------------------------
# Plain numpy + PIL: a frame takes a few milliseconds, so the live view keeps up with training.

REAL_RGB = (46, 125, 50)  # green, as GAN Lab
FAKE_RGB = (142, 36, 170)  # purple
ARROW_RGB = (33, 33, 33)
GRID_RGB = (200, 200, 200)
TEXT_RGB = (33, 33, 33)
D_RGB = (230, 81, 0)
G_RGB = (142, 36, 170)


def _lut() -> np.ndarray:
    """256 colours from "D says fake" (lavender) through white to "D says real" (light green)."""
    stops = np.array([[225, 190, 236], [250, 250, 250], [190, 230, 190]], dtype=np.float32)
    t = np.linspace(0, 2, 256)
    i = np.minimum(t.astype(int), 1)
    w = (t - i)[:, None]
    return ((1 - w) * stops[i] + w * stops[i + 1]).astype(np.uint8)  # [256, 3]


_LUT = _lut()
_FONTS: dict[int, ImageFont.ImageFont] = {}


def _font(size: int) -> ImageFont.ImageFont:
    if size not in _FONTS:
        _FONTS[size] = ImageFont.load_default(size=size)
    return _FONTS[size]


@functools.lru_cache(maxsize=4096)
def _text_mask(text: str, size: int, anchor: str) -> tuple[Image.Image, int, int]:
    """Rendered glyphs of ``text`` as an "L" mask plus its offset from the anchor point.

    FreeType rendering costs milliseconds per string; ticks and labels repeat every frame, so caching
    the masks keeps a frame cheap.
    """
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    return mask, left, top


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, fill: tuple[int, int, int],
          size: int = 13, anchor: str = "la") -> None:
    mask, left, top = _text_mask(text, size, anchor)
    draw.bitmap((round(xy[0] + left), round(xy[1] + top)), mask, fill=fill)


@dataclass(frozen=True)
class _Box:
    """A plot area in pixels mapping data ranges ``xr`` and ``yr`` onto it (y grows upwards)."""

    x0: int
    y0: int
    w: int
    h: int
    xr: tuple[float, float]
    yr: tuple[float, float]

    def px(self, x: np.ndarray) -> np.ndarray:
        return self.x0 + (np.asarray(x) - self.xr[0]) / (self.xr[1] - self.xr[0]) * (self.w - 1)

    def py(self, y: np.ndarray) -> np.ndarray:
        return self.y0 + (self.yr[1] - np.asarray(y)) / (self.yr[1] - self.yr[0]) * (self.h - 1)


def _to_unit(kind: str, out: torch.Tensor) -> tuple[np.ndarray, str]:
    """D's outputs as [0, 1] colour positions, and what they mean (for the legend)."""
    spec = losses.loss_spec(kind)
    o = out.float()
    if spec.probability:
        return torch.sigmoid(o).numpy(), "D(x) = P(real), 0 to 1"
    if kind == "lsgan":
        return o.clamp(0, 1).numpy(), "D(x): 0 (fake) to 1 (real)"
    lo, hi = float(o.min()), float(o.max())
    span = max(hi - lo, 1e-6)
    return ((o - lo) / span).numpy(), f"critic score {lo:.3g} to {hi:.3g}"


def _dots(arr: np.ndarray, box: "_Box", x: np.ndarray, y: np.ndarray, rgb: tuple[int, int, int], r: int = 1) -> None:
    """Square dots of half-size ``r`` at data positions inside ``box``, written into ``arr`` ``[H, W, 3]``."""
    px = np.round(box.px(x)).astype(int)
    py = np.round(box.py(y)).astype(int)
    inside = (px >= box.x0 + r) & (px < box.x0 + box.w - r) & (py >= box.y0 + r) & (py < box.y0 + box.h - r)
    px, py = px[inside], py[inside]
    for dx in range(-r, r + 1):
        for dy in range(-r, r + 1):
            arr[py + dy, px + dx] = rgb


def _arrow(draw: ImageDraw.ImageDraw, x0: float, y0: float, x1: float, y1: float, rgb=ARROW_RGB) -> None:
    draw.line([(x0, y0), (x1, y1)], fill=rgb, width=1)
    dx, dy = x1 - x0, y1 - y0
    n = math.hypot(dx, dy)
    if n < 3:
        return
    ux, uy = dx / n, dy / n
    head = min(5.0, n / 2)
    for sx, sy in ((-uy, ux), (uy, -ux)):  # two barbs at +-~27 degrees
        draw.line([(x1, y1), (x1 - head * ux + 0.5 * head * sx, y1 - head * uy + 0.5 * head * sy)], fill=rgb)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step) + 1)]


def _axes(draw: ImageDraw.ImageDraw, box: _Box, xticks: bool = True, yticks: bool = True) -> None:
    draw.rectangle([box.x0 - 1, box.y0 - 1, box.x0 + box.w, box.y0 + box.h], outline=(120, 120, 120))
    if xticks:
        for t in _ticks(*box.xr):
            x = float(box.px(t))
            draw.line([(x, box.y0 + box.h), (x, box.y0 + box.h + 3)], fill=(120, 120, 120))
            _text(draw, (x, box.y0 + box.h + 4), f"{t:g}", TEXT_RGB, 11, "mt")
    if yticks:
        for t in _ticks(*box.yr, n=4):
            y = float(box.py(t))
            draw.line([(box.x0 - 4, y), (box.x0 - 1, y)], fill=(120, 120, 120))
            _text(draw, (box.x0 - 6, y), f"{t:.3g}", TEXT_RGB, 11, "rm")


def _wrap(text: str, width: int, font: ImageFont.ImageFont) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}".strip()
            if line and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _downsample(values: list[float], n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): at most ``n`` bin means of ``values`` (steps 1..len)."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) <= n:
        return np.arange(1, len(v) + 1, dtype=np.float64), v
    edges = np.linspace(0, len(v), n + 1).astype(int)
    sums = np.add.reduceat(v, edges[:-1])
    counts = np.diff(edges)
    return (edges[:-1] + edges[1:]) / 2 + 1, sums / counts


def g_gradient(run: PlaygroundRun, points: torch.Tensor) -> torch.Tensor:
    """Descent direction of the generator loss at generated ``points`` ``[N, dim]``: ``-dL_G/dx``.

    Per point (the batch mean is undone), so arrows compare across steps: with the minimax loss they
    vanish where D confidently rejects the samples. In moment mode ``N`` must divide by ``MOMENT_GROUP``.
    """
    x = points.detach().clone().requires_grad_(True)
    out = run.D(x)
    loss = losses.g_loss(run.config.loss, out) * out.numel()
    (grad,) = torch.autograd.grad(loss, x)
    return -grad  # [N, dim]


def render_run(run: PlaygroundRun, width: int = 960, height: int = 480, title: str | None = None) -> Image.Image:
    """The current view of ``run`` as an RGB image: data panel (left), loss curves and numbers (right)."""
    img = Image.new("RGB", (width, height), (255, 255, 255))
    arr = np.asarray(img).copy()  # [H, W, 3]; dots are drawn into the array, the rest with ImageDraw
    side = height - 60
    box = _Box(44, 28, side, side, run.dist.view, run.dist.view)
    fake = run.generated()  # [N, dim]
    cov = run.coverage(fake)
    if run.dist.dim == 2:
        overlay = _draw_plane(run, arr, box, fake)
    else:
        overlay = _draw_line(run, arr, box, fake)
    img = Image.fromarray(arr)
    draw = ImageDraw.Draw(img)
    overlay(draw)
    _axes(draw, box, yticks=run.dist.dim == 2)
    head = title or f"{losses.loss_spec(run.config.loss).label} on {DATA_LABELS[run.config.data]}"
    _text(draw, (box.x0, 8), head, TEXT_RGB, 14)
    right = box.x0 + box.w + 60
    _draw_losses(run, draw, _Box(right, 28, width - right - 16, height // 2 - 50, (0, 1), (0, 1)))
    _draw_info(run, draw, right, height // 2 + 4, width - right - 16, fake, cov)
    return img


def _draw_plane(run: PlaygroundRun, arr: np.ndarray, box: _Box, fake: torch.Tensor):
    """2-D: D's heat map, real and generated points, G's arrows; returns the ImageDraw part."""
    lo, hi = run.dist.view
    n = 64  # D evaluated on an n x n grid, then smoothly upscaled
    ticks = torch.linspace(lo, hi, n)
    ys, xs = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")  # row 0 at the top (y = hi)
    with torch.no_grad():
        out = run.D(torch.stack([xs.flatten(), ys.flatten()], 1))  # [n * n]
    unit, legend = _to_unit(run.config.loss, out)
    heat = _LUT[np.clip(unit * 255, 0, 255).astype(np.uint8)].reshape(n, n, 3)
    heat = np.asarray(Image.fromarray(heat).resize((box.w, box.h), Image.BILINEAR))
    arr[box.y0:box.y0 + box.h, box.x0:box.x0 + box.w] = heat
    real = run.real_eval[:SCATTER_POINTS].numpy()
    f = fake[:SCATTER_POINTS].numpy()
    _dots(arr, box, real[:, 0], real[:, 1], REAL_RGB)
    _dots(arr, box, f[:, 0], f[:, 1], FAKE_RGB)
    pts = fake[:64]
    grad = g_gradient(run, pts).numpy()
    lengths = np.linalg.norm(grad, axis=1)
    run._arrow_scale = max(float(lengths.max(initial=0.0)), 0.98 * run._arrow_scale, 1e-12)
    seg = grad / run._arrow_scale * 0.12 * (hi - lo)  # longest arrow ~12 % of the view
    p = pts.numpy()

    def overlay(draw: ImageDraw.ImageDraw) -> None:
        if run.dist.modes is not None:
            r = max(3 * run.dist.sigma / (hi - lo) * box.w, 3)  # the 3-sigma "high quality" disc
            for mx, my in run.dist.modes.tolist():
                cx, cy = float(box.px(mx)), float(box.py(my))
                draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(27, 94, 32))
        for (x, y), (dx, dy) in zip(p, seg):
            if not (lo < x < hi and lo < y < hi):
                continue
            _arrow(draw, float(box.px(x)), float(box.py(y)), float(box.px(x + dx)), float(box.py(y + dy)))
        _legend(draw, box, legend)

    return overlay


def _draw_line(run: PlaygroundRun, arr: np.ndarray, box: _Box, fake: torch.Tensor):
    """1-D: histograms, D's output along x (curve and heat strip), G's arrows; returns the ImageDraw part."""
    lo, hi = run.dist.view
    real = run.real_eval[:, 0].numpy()
    f = fake[:, 0].numpy()
    bins = np.linspace(lo, hi, 61)
    dr, _ = np.histogram(real, bins, density=True)
    df, _ = np.histogram(f, bins, density=True)
    top = max(dr.max() * 1.25, min(df.max(), 3 * dr.max()) * 1.05)  # a collapsed spike is cut, not everything else
    strip = 22 if run.config.d_input == "raw" else 0
    hist = _Box(box.x0, box.y0, box.w, box.h - strip, (lo, hi), (0.0, top))
    # translucent bars: blend each histogram into the white background
    cols = np.arange(box.w)
    xs_data = lo + (cols + 0.5) / box.w * (hi - lo)
    idx = np.clip(np.searchsorted(bins, xs_data) - 1, 0, len(dr) - 1)
    rows = np.arange(hist.h)[:, None]
    for dens, rgb, alpha in ((dr, REAL_RGB, 0.35), (df, FAKE_RGB, 0.35)):
        bar_top = np.clip(hist.py(dens[idx]) - hist.y0, 0, hist.h)  # [w] first filled row
        mask = rows >= bar_top[None, :]  # [h, w]
        region = arr[hist.y0:hist.y0 + hist.h, hist.x0:hist.x0 + hist.w].astype(np.float32)
        region[mask] = (1 - alpha) * region[mask] + alpha * np.array(rgb, np.float32)
        arr[hist.y0:hist.y0 + hist.h, hist.x0:hist.x0 + hist.w] = region.astype(np.uint8)
    grid = torch.linspace(lo, hi, box.w)[:, None]  # [w, 1]
    curve = None
    if run.config.d_input == "raw":
        with torch.no_grad():
            unit, legend = _to_unit(run.config.loss, run.D(grid))  # [w]
        arr[box.y0 + box.h - strip:box.y0 + box.h, box.x0:box.x0 + box.w] = _LUT[
            np.clip(unit * 255, 0, 255).astype(np.uint8)
        ][None]
        curve = list(zip(hist.px(grid[:, 0].numpy()).tolist(), (hist.y0 + (1 - unit) * (hist.h - 1)).tolist()))
    else:
        legend = "D sees moments: inset shows D over (mean, std), skew = kurtosis = 0"
    n_arrows = 4 * MOMENT_GROUP if run.config.d_input == "moments" else 48
    pts = fake[:n_arrows]
    grad = g_gradient(run, pts)[:, 0].numpy()
    run._arrow_scale = max(float(np.abs(grad).max(initial=0.0)), 0.98 * run._arrow_scale, 1e-12)
    seg = grad / run._arrow_scale * 0.12 * (hi - lo)
    p = pts[:, 0].numpy()
    band = hist.y0 + hist.h - 12

    def overlay(draw: ImageDraw.ImageDraw) -> None:
        if curve is not None:
            draw.line(curve, fill=D_RGB, width=2)
            _text(draw, (box.x0 + box.w + 4, hist.y0), "1", D_RGB, 11)
            _text(draw, (box.x0 + box.w + 4, hist.y0 + hist.h - 12), "0", D_RGB, 11)
        for i, (x, dx) in enumerate(zip(p[:48], seg[:48])):
            if not lo < x < hi:
                continue
            y = band - 7 * (i % 8)
            _arrow(draw, float(hist.px(x)), y, float(hist.px(x + dx)), y)
        if run.config.d_input == "moments":
            _moment_inset(run, draw, box, fake)
        _legend(draw, box, legend, line_1d=curve is not None)

    return overlay


def _moment_inset(run: PlaygroundRun, draw: ImageDraw.ImageDraw, box: _Box, fake: torch.Tensor) -> None:
    """Heat map of the moment discriminator over (mean, std) with skew = kurtosis = 0, top right."""
    size = 150
    lo, hi = run.dist.view
    s_hi = 3 * run.config.std
    inset = _Box(box.x0 + box.w - size - 8, box.y0 + 8, size, size, (lo, hi), (0.0, s_hi))
    n = 48
    means = torch.linspace(lo, hi, n)
    stds = torch.linspace(s_hi, 0.0, n)
    sg, mg = torch.meshgrid(stds, means, indexing="ij")
    feats = torch.stack([mg.flatten(), sg.flatten(), torch.zeros(n * n), torch.zeros(n * n)], 1)  # [n*n, 4]
    with torch.no_grad():
        unit, legend = _to_unit(run.config.loss, run.D.net(feats).squeeze(-1))
    heat = Image.fromarray(_LUT[np.clip(unit * 255, 0, 255).astype(np.uint8)].reshape(n, n, 3))
    draw._image.paste(heat.resize((size, size), Image.BILINEAR), (inset.x0, inset.y0))
    draw.rectangle([inset.x0 - 1, inset.y0 - 1, inset.x0 + size, inset.y0 + size], outline=(120, 120, 120))
    for data, rgb in ((run.real_eval, REAL_RGB), (fake, FAKE_RGB)):
        m, s = float(data.mean()), float(data.std())
        cx, cy = float(inset.px(min(max(m, lo), hi))), float(inset.py(min(max(s, 0), s_hi)))
        draw.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=rgb, outline=(255, 255, 255))
    _text(draw, (inset.x0 + 2, inset.y0 + size + 2), "x: mean  y: std", TEXT_RGB, 10)


def _legend(draw: ImageDraw.ImageDraw, box: _Box, background: str, line_1d: bool = False) -> None:
    f = _font(11)
    y = box.y0 + box.h + 20
    x = box.x0
    for label, rgb in (("real", REAL_RGB), ("generated", FAKE_RGB)):
        draw.rectangle([x, y + 2, x + 8, y + 10], fill=rgb)
        _text(draw, (x + 12, y), label, TEXT_RGB, 11)
        x += 20 + int(f.getlength(label))
    extra = "; orange line = D(x)" if line_1d else ""
    _text(draw, (x, y), f"arrows: G's push;  colour: {background}{extra}", TEXT_RGB, 11)


def _draw_losses(run: PlaygroundRun, draw: ImageDraw.ImageDraw, box: _Box) -> None:
    h = run.history
    _text(draw, (box.x0, 8), "losses", TEXT_RGB, 14)
    if len(h.step) < 2:
        _axes(draw, box, xticks=False, yticks=False)
        return
    xd, d = _downsample(h.d_loss)
    _, g = _downsample(h.g_loss)
    both = np.concatenate([d, g])
    both = both[np.isfinite(both)]
    ylo, yhi = (np.percentile(both, [1, 99]) if len(both) else (0.0, 1.0))
    pad = max(yhi - ylo, 1e-3) * 0.1
    b = _Box(box.x0, box.y0, box.w, box.h, (1.0, float(max(len(h.step), 2))), (float(ylo - pad), float(yhi + pad)))
    if b.yr[0] < 0 < b.yr[1]:
        y0 = float(b.py(0.0))
        draw.line([(b.x0, y0), (b.x0 + b.w - 1, y0)], fill=GRID_RGB)
    for vals, rgb in ((d, D_RGB), (g, G_RGB)):
        ys = np.clip(b.py(vals), b.y0, b.y0 + b.h - 1)
        draw.line(list(zip(b.px(xd).tolist(), ys.tolist())), fill=rgb, width=1)
    _axes(draw, b)
    # legend beside the title: the top-right corner is where image viewers put their buttons
    _text(draw, (b.x0 + 70, 10), "D loss", D_RGB, 11)
    _text(draw, (b.x0 + 130, 10), "G loss", G_RGB, 11)


def _draw_info(run: PlaygroundRun, draw: ImageDraw.ImageDraw, x: int, y: int, w: int, fake: torch.Tensor,
               cov: toy.Coverage | None) -> None:
    f = _font(13)
    c = run.config
    sps = run.steps / run.train_seconds if run.train_seconds > 0 else 0.0
    text = [
        f"step {run.steps}   ({sps:.0f} steps/s)   batch {c.batch_size}, {c.n_critic} D step(s) per G step",
        f"{c.optimizer} lr G {c.lr_g:g} / D {c.lr_d:g}   MLPs {'-'.join(map(str, c.hidden))}   seed {c.seed}",
        "",
    ]
    text += _wrap(run.log_line(fake), w, f)
    if cov is not None:
        text += ["", f"modes covered {cov.modes_covered} / {cov.num_modes}   "
                     f"high quality {100 * cov.high_quality:.1f} %"]
    for i, line in enumerate(text):
        _text(draw, (x, y + 18 * i), line, TEXT_RGB, 13)
    if cov is not None:
        # one bar per mode: its high-quality samples against the fair share N / K (full height = 2x)
        yb = y + 18 * len(text) + 8
        bh, fair = 40, EVAL_SAMPLES / cov.num_modes
        bw = min(16, max(3, (w - 10) // cov.num_modes - 2))
        need = toy.MIN_MODE_FRACTION * fair
        for i, count in enumerate(cov.per_mode):
            hpx = min(count / (2 * fair), 1.0) * bh
            x0 = x + i * (bw + 2)
            rgb = REAL_RGB if count >= need else (198, 40, 40)
            draw.rectangle([x0, yb + bh - hpx, x0 + bw - 1, yb + bh], fill=rgb)
        yf = yb + bh - bh / 2
        draw.line([(x, yf), (x + cov.num_modes * (bw + 2), yf)], fill=(120, 120, 120))
        _text(draw, (x, yb + bh + 4), "high-quality samples per mode (line: fair share)", TEXT_RGB, 11)


# --- race -------------------------------------------------------------------------------------------------


class Race:
    """Two runs on the same data and seed that differ in their loss (and whatever else is asked).

    With the same architecture both start from the same weights and draw the same data, so differences
    come from the losses: e.g. the non-saturating GAN collapsing onto a few modes of the ring while
    WGAN-GP covers all eight.
    """

    def __init__(self, a: PlaygroundConfig, b: PlaygroundConfig):
        if (a.data, a.mean, a.std, a.seed) != (b.data, b.mean, b.std, b.seed):
            raise PlaygroundError("a race compares two runs on the same data and seed")
        self.a, self.b = PlaygroundRun(a), PlaygroundRun(b)

    @classmethod
    def of_losses(cls, loss_a: str, loss_b: str, **common: Any) -> "Race":
        """A race between two losses with their default optimiser settings and ``common`` settings."""
        return cls(PlaygroundConfig.for_loss(loss_a, **common), PlaygroundConfig.for_loss(loss_b, **common))

    @property
    def steps(self) -> int:
        return min(self.a.steps, self.b.steps)

    def step(self, n: int = 1) -> None:
        """Advance both runs by ``n`` steps."""
        self.a.step(n)
        self.b.step(n)

    def render(self, width: int = 960, height: int = 480) -> tuple[Image.Image, Image.Image]:
        """One frame per run, titled "A: ..." and "B: ..."."""
        return tuple(  # type: ignore[return-value]
            r.render(width, height, f"{tag}: {losses.loss_spec(r.config.loss).label}")
            for tag, r in (("A", self.a), ("B", self.b))
        )

    def summary(self) -> str:
        """Two lines comparing the runs: coverage on mixtures, mean/std otherwise."""
        lines = []
        for tag, r in (("A", self.a), ("B", self.b)):
            cov = r.coverage()
            label = losses.loss_spec(r.config.loss).label
            if cov is not None:
                lines.append(f"{tag} {label}: {cov.modes_covered}/{cov.num_modes} modes, "
                             f"{100 * cov.high_quality:.1f} % high quality after {r.steps} steps")
            else:
                lines.append(f"{tag} {label}: {r.log_line()}")
        return "\n".join(lines)

    def live(self, steps: int, frame_period: float = FRAME_PERIOD) -> Iterator[tuple[Image.Image, Image.Image, str]]:
        """Train both runs to ``steps``, yielding (frame A, frame B, summary) about every ``frame_period`` s."""
        rate = 0.0  # measured race steps per second (both runs)
        while True:
            t0 = time.perf_counter()
            a, b = self.render()
            text = self.summary()
            draw_seconds = time.perf_counter() - t0
            yield a, b, text
            if self.steps >= steps:
                return
            t_end = time.perf_counter() + max(frame_period - draw_seconds, 0.05)
            while (now := time.perf_counter()) < t_end and self.steps < steps:
                n = max(1, min(50, int((t_end - now) * rate), steps - self.steps))
                self.step(n)
                rate = n / max(time.perf_counter() - now, 1e-6)
