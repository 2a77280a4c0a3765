"""What defines a playground run: choices, ranges and defaults (read by the UI), and :class:`PlaygroundConfig`.

The networks' settings use the toy family's names (``ganstudio.models.toy.ToyConfig``): ``latent_dim``,
``g_hidden``, ``d_hidden``, ``d_features``; :meth:`PlaygroundConfig.toy_config` is the model config a run
builds its networks from, the same config ``ganstudio train toy`` saves. The learning rates and WGAN-GP
weight a loss starts with on toy data are the family's (``TOY_LR``, ``TOY_GP_WEIGHT``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from .. import losses
from ..data import points
from ..data.points import ToyData
from ..errors import GanStudioError
from ..models import toy as toy_model
from ..models.toy import MOMENT_GROUP, TOY_GP_WEIGHT, TOY_LR, DFeatures, ToyConfig
from ..options import LossKind, OptimizerName

DATA_CHOICES: tuple[ToyData, ...] = points.DISTS
DATA_LABELS: dict[str, str] = {
    "gaussian": "1-D Gaussian",
    "ring": "8 Gaussians (ring)",
    "grid": "25 Gaussians (grid)",
    "spiral": "Spiral",
    "moons": "Two moons",
}
LOSS_CHOICES: tuple[LossKind, ...] = losses.LOSSES
OPTIMIZER_CHOICES: tuple[OptimizerName, ...] = losses.OPTIMIZERS
D_FEATURES: tuple[DFeatures, ...] = toy_model.D_FEATURES
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
    "latent_dim": (1, 16, 1),
    "seed": (0, 2**31 - 1, 1),
    "steps": (1, 5000, 1),
    "race_steps": (10, 20_000, 10),
}
MAX_STEPS = 100_000  # live training stops here
# Names settings had before they took the toy family's names; saved settings with them still load.
OLD_NAMES = {"z_dim": "latent_dim", "d_input": "d_features"}


class PlaygroundError(GanStudioError):
    """A playground setting is out of range or unknown."""


@dataclass
class PlaygroundConfig:
    """Everything that defines a playground run. Build one for a loss with :meth:`for_loss`."""

    data: ToyData = "ring"
    mean: float = 4.0  # 1-D Gaussian only
    std: float = 1.25  # 1-D Gaussian only
    loss: LossKind = "nonsaturating"
    optimizer: OptimizerName = "adam"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1
    gp_weight: float | None = None  # WGAN-GP's lambda; None: the loss's default
    batch_size: int = 256
    g_hidden: tuple[int, ...] = (64, 64, 64)  # hidden widths of G's MLP
    d_hidden: tuple[int, ...] = (64, 64, 64)  # hidden widths of D's MLP
    latent_dim: int = 2
    d_features: DFeatures = "raw"  # 1-D only: D sees "raw" samples or their "moments"
    seed: int = 0

    def __post_init__(self) -> None:
        self.g_hidden = tuple(int(h) for h in self.g_hidden)
        self.d_hidden = tuple(int(h) for h in self.d_hidden)
        self.betas = (float(self.betas[0]), float(self.betas[1]))
        checks = [
            (self.data in DATA_CHOICES, f"data must be one of {DATA_CHOICES}, got {self.data!r}"),
            (self.loss in LOSS_CHOICES, f"loss must be one of {LOSS_CHOICES}, got {self.loss!r}"),
            (self.optimizer in OPTIMIZER_CHOICES,
             f"optimizer must be one of {OPTIMIZER_CHOICES}, got {self.optimizer!r}"),
            (self.d_features in D_FEATURES, f"d_features must be one of {D_FEATURES}, got {self.d_features!r}"),
            (self.d_features == "raw" or self.data == "gaussian", "moment features only apply to the 1-D Gaussian"),
            (len(self.g_hidden) >= 1 and len(self.d_hidden) >= 1, "each MLP needs at least one hidden layer"),
            (self.batch_size % MOMENT_GROUP == 0 or self.d_features == "raw",
             f"with moment features the batch size must be a multiple of {MOMENT_GROUP}"),
        ]
        ranged = [("mean", self.mean), ("std", self.std), ("lr", self.lr_g), ("lr", self.lr_d),
                  ("n_critic", self.n_critic), ("batch_size", self.batch_size), ("depth", len(self.g_hidden)),
                  ("depth", len(self.d_hidden)), ("latent_dim", self.latent_dim), ("seed", self.seed)]
        ranged += [("width", h) for h in self.g_hidden + self.d_hidden]
        if self.gp_weight is not None:
            ranged.append(("gp_weight", self.gp_weight))
        for key, value in ranged:
            lo, hi, _ = RANGES[key]
            checks.append((lo <= value <= hi, f"{key} must be in [{lo:g}, {hi:g}], got {value}"))
        for ok, message in checks:
            if not ok:
                raise PlaygroundError(message)

    @classmethod
    def for_loss(cls, loss: LossKind = "nonsaturating", **overrides: Any) -> "PlaygroundConfig":
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

    @property
    def dim(self) -> int:
        """The data's dimension: 1 for the Gaussian, 2 otherwise."""
        return 1 if self.data == "gaussian" else 2

    def toy_config(self) -> ToyConfig:
        """The toy family's model config of this run's networks (what ``ganstudio train toy`` saves)."""
        return ToyConfig(dim=self.dim, latent_dim=self.latent_dim, g_hidden=self.g_hidden, d_hidden=self.d_hidden,
                         d_features=self.d_features)

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-able values (what :meth:`from_dict` reads back)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "PlaygroundConfig":
        """Settings saved by :meth:`to_dict`, also under their old names (``z_dim``, ``d_input``, ``hidden``)."""
        values = dict(values)
        for old, new in OLD_NAMES.items():
            if old in values and new not in values:
                values[new] = values.pop(old)
        if "hidden" in values:  # one width list for both MLPs, before each had its own
            hidden = values.pop("hidden")
            values.setdefault("g_hidden", hidden)
            values.setdefault("d_hidden", hidden)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise PlaygroundError(f"unknown playground settings {unknown}")
        return cls(**values)


DEFAULTS = PlaygroundConfig.for_loss("nonsaturating")
DEFAULT_WIDTH, DEFAULT_DEPTH = DEFAULTS.g_hidden[0], len(DEFAULTS.g_hidden)
DEFAULT_STEPS = 100  # steps per "Step" click
DEFAULT_STOP_AT = 10_000  # live training pauses at this step
DEFAULT_RACE = ("nonsaturating", "wgan-gp")
DEFAULT_RACE_STEPS = 5000


def loss_defaults(loss: LossKind) -> dict[str, Any]:
    """The settings a loss starts with: optimizer, lr_g, lr_d, betas, n_critic, gp_weight (None: no penalty)."""
    c = PlaygroundConfig.for_loss(loss)
    return dict(optimizer=c.optimizer, lr_g=c.lr_g, lr_d=c.lr_d, betas=c.betas, n_critic=c.n_critic,
                gp_weight=c.gp_weight)


def loss_help(loss: LossKind) -> str:
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
    data: ToyData = DEFAULTS.data,
    loss: LossKind = DEFAULTS.loss,
    optimizer: OptimizerName = DEFAULTS.optimizer,
    lr_g: float = DEFAULTS.lr_g,
    lr_d: float = DEFAULTS.lr_d,
    n_critic: int = DEFAULTS.n_critic,
    batch_size: int = DEFAULTS.batch_size,
    width: int = DEFAULT_WIDTH,
    depth: int = DEFAULT_DEPTH,
    seed: int = DEFAULTS.seed,
    mean: float = DEFAULTS.mean,
    std: float = DEFAULTS.std,
    d_features: DFeatures = DEFAULTS.d_features,
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
            batch_size=int(batch_size), g_hidden=(int(width),) * int(depth),
            d_hidden=(int(width),) * int(depth), seed=int(seed), d_features=d_features if data == "gaussian" else "raw",
            gp_weight=None if gp_weight is None else float(gp_weight),
        )
    except (TypeError, ValueError) as e:  # PlaygroundError is a ValueError too
        raise PlaygroundError(str(e)) from e
