"""The GAN playground's core: train tiny GANs on toy data live and draw what happens (no gradio here).

* ``config`` -- choices, ranges and defaults (the UI reads them) and :class:`PlaygroundConfig`;
* ``training`` -- :class:`PlaygroundRun` (one run: models, optimisers, history, live frames) and :class:`Race`;
* ``plots`` -- the pictures: :func:`render_run` (the live view), :func:`plot_points`, one colour table.

The names the UI and the benchmarks use are re-exported here: ``from ganstudio import playground as pg``.
"""

from .config import (
    D_FEATURES,
    DATA_CHOICES,
    DATA_LABELS,
    DEFAULT_DEPTH,
    DEFAULT_RACE,
    DEFAULT_RACE_STEPS,
    DEFAULT_STEPS,
    DEFAULT_STOP_AT,
    DEFAULT_WIDTH,
    DEFAULTS,
    LOSS_CHOICES,
    MAX_STEPS,
    OPTIMIZER_CHOICES,
    RANGES,
    TOY_GP_WEIGHT,
    TOY_LR,
    PlaygroundConfig,
    PlaygroundError,
    config_from_settings,
    loss_defaults,
    loss_help,
)
from .plots import g_gradient, plot_points, render_run
from .training import EVAL_SAMPLES, FRAME_PERIOD, Frame, History, PlaygroundRun, Race, one_thread

__all__ = [
    "D_FEATURES", "DATA_CHOICES", "DATA_LABELS", "DEFAULT_DEPTH", "DEFAULT_RACE", "DEFAULT_RACE_STEPS",
    "DEFAULT_STEPS", "DEFAULT_STOP_AT", "DEFAULT_WIDTH", "DEFAULTS", "EVAL_SAMPLES", "FRAME_PERIOD", "Frame",
    "History", "LOSS_CHOICES", "MAX_STEPS", "OPTIMIZER_CHOICES", "PlaygroundConfig", "PlaygroundError",
    "PlaygroundRun", "RANGES", "Race", "TOY_GP_WEIGHT", "TOY_LR", "config_from_settings", "g_gradient",
    "loss_defaults", "loss_help", "one_thread", "plot_points", "render_run",
]
