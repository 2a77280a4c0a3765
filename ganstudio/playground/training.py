"""The playground's live training: one run (:class:`PlaygroundRun`) and two runs side by side (:class:`Race`).

In the spirit of GAN Lab: a small MLP generator learns a 1-D Gaussian or a 2-D toy distribution
(``ganstudio.data.points``) against an MLP discriminator -- the toy family's networks (``ganstudio.models.toy``),
with any loss of ``ganstudio.losses`` and the discriminator update the trainers use
(``losses.discriminator_loss``). ``step(n)`` trains, ``render()`` draws the current view
(``ganstudio.playground.plots``), ``log_line()`` prints the classic "GAN in 50 lines" log::

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
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import torch
from PIL import Image
from torch import nn

from .. import losses
from ..data import points
from ..metrics import coverage as mode_coverage
from ..models import toy as toy_model
from .config import DEFAULT_STOP_AT, MAX_STEPS, PlaygroundConfig, PlaygroundError
from .plots import render_run

EVAL_SAMPLES = 2500  # fixed evaluation set: the points drawn and the coverage metric (2,500 as in PacGAN)
FRAME_PERIOD = 0.3  # seconds between live frames: ~3 frames/s, >= 2 even with PNG encoding and a busy CPU


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


def _init_(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default Linear init, but drawn from ``generator`` (reproducible, no global RNG)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            bound = 1 / math.sqrt(m.in_features)
            with torch.no_grad():
                m.weight.uniform_(-bound, bound, generator=generator)
                m.bias.uniform_(-bound, bound, generator=generator)


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
        self.dist = points.make_dist(config.data, config.mean, config.std)
        self.spec = losses.loss_spec(config.loss)
        self.lock = threading.Lock()
        s = config.seed
        # independent streams: weights, training data, training noise, the fixed evaluation set
        self.gen_init = torch.Generator().manual_seed(s * 4 + 0)
        self.gen_data = torch.Generator().manual_seed(s * 4 + 1)
        self.gen_noise = torch.Generator().manual_seed(s * 4 + 2)
        gen_eval = torch.Generator().manual_seed(s * 4 + 3)

        model = config.toy_config()  # the networks the toy family saves
        self.G = toy_model.build_generator(model)
        self.D = toy_model.build_discriminator(model)
        _init_(self.G, self.gen_init)
        _init_(self.D, self.gen_init)
        # fused Adam: per-op overhead is most of an update for MLPs this small
        self.opt_g = losses.make_optimizer(config.optimizer, self.G.parameters(), config.lr_g, config.betas, fused=True)
        self.opt_d = losses.make_optimizer(config.optimizer, self.D.parameters(), config.lr_d, config.betas, fused=True)

        self.z_eval = torch.randn(EVAL_SAMPLES, config.latent_dim, generator=gen_eval)  # [N, latent_dim]
        self.real_eval = self.dist.sample(EVAL_SAMPLES, gen_eval)  # [N, dim]
        self.history = History()
        self.steps = 0
        self.train_seconds = 0.0
        # the view's running max of G's gradient norms (plots.py): arrows shrink when gradients vanish
        self.arrow_scale = 0.0

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
        return torch.randn(n, self.config.latent_dim, generator=self.gen_noise)  # [n, latent_dim]

    def _d_update(self) -> tuple[float, float, float]:
        """One discriminator update; returns (loss incl. penalty, real term, fake term)."""
        c, spec = self.config, self.spec
        real = self.dist.sample(c.batch_size, self.gen_data)  # [B, dim]
        with torch.no_grad():
            fake = self.G(self._noise(c.batch_size))  # [B, dim]
        weight = None if spec.gp_weight is None else spec.gp_weight if c.gp_weight is None else c.gp_weight
        # one pass over both halves: the MLP has no batch statistics, and a batch is whole moment groups
        d = losses.discriminator_loss(self.D, c.loss, real, fake, weight, self.gen_noise, joint=True)
        self.opt_d.zero_grad(set_to_none=True)
        d.total.backward()
        self.opt_d.step()
        if spec.clip is not None:
            losses.clip_weights(self.D, spec.clip)
        return d.total.item(), d.real_term.item(), d.fake_term.item()

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

    def coverage(self, fake: torch.Tensor | None = None) -> mode_coverage.Coverage | None:
        """Mode coverage of the evaluation samples (ring and grid only; None otherwise)."""
        if self.dist.modes is None:
            return None
        return mode_coverage.mode_coverage_detail(self.generated() if fake is None else fake, self.dist)

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
