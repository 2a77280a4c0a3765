"""Vanilla GAN (Goodfellow et al., 2014) with fully connected networks.

Generator: ``Linear -> [BatchNorm1d] -> ReLU -> Dropout`` per hidden size, then ``Linear -> Tanh``, reshaped
to an image (``g_batchnorm`` adds the normalisation; ``g_dropout`` defaults to 0, since sampling runs in eval
mode and a generator trained with dropout would be sampled as a different network).
Discriminator: the image flattened, ``Linear -> LeakyReLU(0.2) -> Dropout`` per hidden size, then
``Linear`` to one logit (the sigmoid is applied by the loss, or by :meth:`Discriminator.probability`).

Both networks are a single ``nn.Sequential`` called ``main``, so the state-dict keys are
``main.<index>.weight`` / ``main.<index>.bias`` with indices 0, 3, 6 for the default two hidden layers
(0, 4, 8 in a generator with ``g_batchnorm``, whose ``main.1`` / ``main.5`` hold the normalisation).

``layout="pytorch-gan"`` builds eriklindernoren/PyTorch-GAN's GAN / WGAN / WGAN-GP generator instead
(``model``: LeakyReLU 0.2, BatchNorm1d with eps 0.8 after every hidden Linear but the first; keys
``model.{0,2,3,5,6,8,9,11}.*`` for its hidden sizes 128, 256, 512, 1024; see ``pytorch_gan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_, latent_normal
from .pytorch_gan import mlp_stack

LAYOUTS = ("mlp", "pytorch-gan")


@dataclass
class MLPConfig(GanConfig):
    latent_dim: int = 100
    g_hidden: tuple[int, ...] = (256, 512)  # generator hidden sizes, input side first
    d_hidden: tuple[int, ...] = (512, 256)  # discriminator hidden sizes, input side first
    dropout: float = 0.3  # after every hidden layer of the discriminator (a no-op in eval mode)
    g_dropout: float = 0.0  # after every hidden layer of the generator
    g_batchnorm: bool = False  # BatchNorm1d after every hidden linear layer of the generator
    image_size: int = 28
    channels: int = 1
    layout: str = "mlp"  # generator layout: "mlp" (ours) | "pytorch-gan" (PyTorch-GAN's gan / wgan / wgan_gp)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ConfigError(f"MLP layout must be one of {LAYOUTS}, got {self.layout!r}")
        # A list given in Python (rather than through from_dict) still compares equal after a round trip.
        self.g_hidden = tuple(self.g_hidden)
        self.d_hidden = tuple(self.d_hidden)
        for name in ("latent_dim", "image_size", "channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"MLP {name} must be a positive integer, got {value!r}")
        for name in ("g_hidden", "d_hidden"):
            sizes = getattr(self, name)
            if not sizes or not all(isinstance(h, int) and h >= 1 for h in sizes):
                raise ConfigError(f"MLP {name} must be a non-empty list of positive integers, got {list(sizes)}")
        for name in ("dropout", "g_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"MLP {name} must be in [0, 1), got {getattr(self, name)}")

    @property
    def image_numel(self) -> int:
        """Values in one image: channels * image_size ** 2."""
        return self.channels * self.image_size**2


class Generator(nn.Module):
    """z [B, nz] (or [B, nz, 1, 1]) -> image [B, channels, S, S] in [-1, 1]."""

    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        width = config.latent_dim
        for hidden in config.g_hidden:  # [B, width] -> [B, hidden]
            norm = [nn.BatchNorm1d(hidden)] if config.g_batchnorm else []
            layers += [nn.Linear(width, hidden), *norm, nn.ReLU(True), nn.Dropout(config.g_dropout)]
            width = hidden
        layers += [nn.Linear(width, config.image_numel), nn.Tanh()]  # [B, C*S*S]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal latents ``[n, latent_dim]`` drawn on the CPU."""
        return latent_normal(n, (self.config.latent_dim,), generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        c, s = self.config.channels, self.config.image_size
        flat = self.main(z.flatten(1))  # [B, C*S*S]
        return flat.view(-1, c, s, s)  # [B, C, S, S]


class PyTorchGANGenerator(nn.Module):
    """PyTorch-GAN's fully connected generator: z [B, nz] -> image [B, channels, S, S] in [-1, 1]."""

    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        self.model = mlp_stack(config.latent_dim, config.g_hidden, config.image_numel)
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim,), generator)  # [n, nz]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        c, s = self.config.channels, self.config.image_size
        return self.model(z.flatten(1)).view(-1, c, s, s)  # [B, C, S, S]


def build_generator(config: MLPConfig) -> nn.Module:
    """The generator of ``config.layout``."""
    return PyTorchGANGenerator(config) if config.layout == "pytorch-gan" else Generator(config)


class Discriminator(nn.Module):
    """image [B, channels, S, S] -> logit [B]."""

    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        width = config.image_numel
        for hidden in config.d_hidden:  # [B, width] -> [B, hidden]
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2, inplace=True), nn.Dropout(config.dropout)]
            width = hidden
        layers += [nn.Linear(width, 1)]  # [B, 1]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x.flatten(1)).view(-1)  # [B]

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        """D(x) in [0, 1]: the probability that ``x`` is real."""
        return torch.sigmoid(self(x))


FAMILY = Family(
    name="mlp",
    label="MLP GAN",
    config_class=MLPConfig,
    components={"generator": build_generator, "discriminator": Discriminator},
    tasks=(Task.RANDOM,),
    inputs=(GeneratorInput.LATENT,),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels"),
    trainer="ganstudio.train.unconditional:UnconditionalTrainer",
    description="Vanilla GAN with fully connected generator and discriminator (Goodfellow et al., 2014).",
)
