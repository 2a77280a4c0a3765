"""Toy GAN: small fully connected networks on 1-D and 2-D points (the playground's models, trainable with
``python -m ganstudio train toy --data toy-ring`` and saved as model folders like any other family).

Generator: ``z [B, latent_dim] -> Linear -> ReLU -> ... -> Linear -> point [B, dim]`` (no output squashing:
the toy distributions live on [-5, 5] rather than [-1, 1]).
Discriminator: ``point [B, dim] -> Linear -> LeakyReLU -> ... -> Linear -> logit [B]``; with
``d_features="moments"`` (1-D) it sees only the mean, std, skew and excess kurtosis of each group of
``MOMENT_GROUP`` samples, one logit per group (``[B / MOMENT_GROUP]``).

Both networks hold their layers in one ``nn.Sequential`` called ``net``: keys ``net.<index>.weight`` /
``net.<index>.bias`` with indices 0, 2, 4, ... for the linear layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import torch
from torch import nn

from ..options import LossKind
from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, latent_normal

# Samples per moment vector when the 1-D discriminator sees moments. The mean of 32 samples of
# N(4, 1.25^2) already wanders by +-0.22, hiding errors of that size from D; 128 halves that.
MOMENT_GROUP = 128
DFeatures = Literal["raw", "moments"]  # what the discriminator sees
D_FEATURES: tuple[DFeatures, ...] = get_args(DFeatures)

# Training defaults of the family (the playground's and ``ganstudio train toy``'s): toy MLPs train well with
# larger learning rates than the image-GAN defaults in losses.LOSS_SPECS; the optimiser, betas, n_critic and
# clipping still come from there.
TOY_LR: dict[LossKind, tuple[float, float]] = {  # (lr_g, lr_d)
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


MOMENT_NAMES: tuple[str, ...] = ("mean", "std", "skew", "kurtosis")


def moments(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """(mean, std, skewness, excess kurtosis) of ``x`` along ``dim``, stacked last: ``[..., 4]``.

    Differentiable, so a discriminator can look at a batch's moments instead of its samples.
    Population std; skew = E[z^3]; excess kurtosis = E[z^4] - 3 (0 for a Gaussian), with z the
    standardised values.
    """
    mean = x.mean(dim, keepdim=True)
    centred = x - mean
    std = centred.pow(2).mean(dim, keepdim=True).add(1e-8).sqrt()
    z = centred / std
    skew = z.pow(3).mean(dim)
    kurt = z.pow(4).mean(dim) - 3.0
    return torch.stack([mean.squeeze(dim), std.squeeze(dim), skew, kurt], -1)


@dataclass
class ToyConfig(GanConfig):
    dim: int = 2  # 1 or 2: the data's dimension
    latent_dim: int = 2
    g_hidden: tuple[int, ...] = (64, 64, 64)
    d_hidden: tuple[int, ...] = (64, 64, 64)
    d_features: DFeatures = "raw"  # "raw" points, or (1-D) the "moments" of groups of MOMENT_GROUP points

    def __post_init__(self) -> None:
        self.g_hidden = tuple(self.g_hidden)
        self.d_hidden = tuple(self.d_hidden)
        if self.dim not in (1, 2):
            raise ConfigError(f"toy dim must be 1 or 2, got {self.dim!r}")
        if not isinstance(self.latent_dim, int) or self.latent_dim < 1:
            raise ConfigError(f"toy latent_dim must be a positive integer, got {self.latent_dim!r}")
        for name in ("g_hidden", "d_hidden"):
            sizes = getattr(self, name)
            if not sizes or not all(isinstance(h, int) and h >= 1 for h in sizes):
                raise ConfigError(f"toy {name} must be a non-empty list of positive integers, got {list(sizes)}")
        if self.d_features not in D_FEATURES or (self.d_features == "moments" and self.dim != 1):
            raise ConfigError(f"toy d_features must be one of {D_FEATURES} ('moments' only in 1-D), "
                              f"got {self.d_features!r}")


def mlp(n_in: int, hidden: tuple[int, ...], n_out: int, act: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """``n_in -> hidden... -> n_out`` with ``act`` between layers, none at the end."""
    layers: list[nn.Module] = []
    d = n_in
    for h in hidden:
        layers += [nn.Linear(d, h), act()]
        d = h
    layers.append(nn.Linear(d, n_out))
    return nn.Sequential(*layers)


class ToyGenerator(nn.Module):
    """z ``[B, z_dim]`` -> point ``[B, dim]``."""

    def __init__(self, z_dim: int, hidden: tuple[int, ...], dim: int):
        super().__init__()
        self.z_dim = z_dim
        self.net = mlp(z_dim, hidden, dim)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.z_dim,), generator)  # [n, z_dim]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # [B, dim]


class ToyDiscriminator(nn.Module):
    """Points ``[B, dim]`` -> logits: ``[B]`` on raw points, ``[B / MOMENT_GROUP]`` on moments."""

    def __init__(self, dim: int, hidden: tuple[int, ...], features: str = "raw"):
        super().__init__()
        self.features = features
        n_in = len(MOMENT_NAMES) if features == "moments" else dim
        # LeakyReLU: a critic with dead ReLU regions gives G no gradient there
        self.net = mlp(n_in, hidden, 1, nn.LeakyReLU)

    def featurize(self, x: torch.Tensor) -> torch.Tensor:
        if self.features == "moments":
            return moments(x.reshape(-1, MOMENT_GROUP), dim=1)  # [B / G, 4]
        return x  # [B, dim]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.featurize(x)).squeeze(-1)


def build_generator(config: ToyConfig) -> ToyGenerator:
    return ToyGenerator(config.latent_dim, config.g_hidden, config.dim)


def build_discriminator(config: ToyConfig) -> ToyDiscriminator:
    return ToyDiscriminator(config.dim, config.d_hidden, config.d_features)


FAMILY = Family(
    name="toy",
    label="Toy GAN",
    config_class=ToyConfig,
    components={"generator": build_generator, "discriminator": build_discriminator},
    tasks=(Task.POINTS,),
    inputs=(GeneratorInput.LATENT,),
    evaluation=Evaluation.POINTS,
    from_data=("dim",),
    trainer="ganstudio.train.toy:ToyTrainer",
    description="Small fully connected GAN on 1-D and 2-D toy distributions (the playground's networks).",
)
