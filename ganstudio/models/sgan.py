"""Semi-supervised GAN (Odena, 2016) on DCGAN-style convolutional networks.

Generator: unconditional, the DCGAN transposed-conv stack (28 px: 7x7 -> 14x14 -> 28x28; powers of
two start from 4x4). Discriminator: the DCGAN strided-conv stack ending in ``K + 1`` logits, one per
real class and one (index ``K``) for "fake". Trained on a few labelled and many unlabelled images, D
becomes a classifier; the app shows D's class guess (:meth:`Discriminator.classify`) beside a sample.

Variant: ``layout="pytorch-gan"`` is eriklindernoren/PyTorch-GAN's SGAN generator, with its keys: ``l1`` +
``conv_blocks`` (``pytorch_gan.py``), plus the ``label_emb`` (Embedding(K, nz)) it defines and never uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_, latent_normal
from .blocks import start_and_ups
from .pytorch_gan import run_upsample_conv, upsample_conv_stack

LAYOUTS = ("sgan", "pytorch-gan")


@dataclass
class SGANConfig(GanConfig):
    num_classes: int = 10  # K real classes; D has K + 1 outputs
    latent_dim: int = 100  # nz
    ngf: int = 64
    ndf: int = 64
    channels: int = 1
    image_size: int = 28  # 28, or a power of two >= 16
    layout: str = "sgan"  # generator layout: "sgan" (ours) | "pytorch-gan" (l1 + conv_blocks)

    def __post_init__(self) -> None:
        for name in ("num_classes", "latent_dim", "ngf", "ndf", "channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"SGAN {name} must be a positive integer, got {value!r}")
        if self.num_classes < 2:
            raise ConfigError(f"SGAN num_classes must be at least 2, got {self.num_classes}")
        start_and_ups(self.image_size, "SGAN")  # validates
        if self.layout not in LAYOUTS:
            raise ConfigError(f"SGAN layout must be one of {LAYOUTS}, got {self.layout!r}")


# Copied from ganstudio.models.cgan.up_layers
def up_layers(ch: int, ups: int, channels: int) -> list[nn.Module]:
    """DCGAN's up-sampling tail: [B, ch, s, s] -> image [B, channels, s * 2**ups, s * 2**ups] in [-1, 1].

    ``ups - 1`` transposed convs double the side and halve the channels (BatchNorm, ReLU); the last one draws
    the image (Tanh). Three modules per step and two for the last fix the indices of the ``main.N`` keys.
    """
    layers: list[nn.Module] = []
    for _ in range(ups - 1):  # each doubles the side, halves the channels
        layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
        ch //= 2
    layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]  # [B, nc, S, S]
    return layers


# Copied from ganstudio.models.cgan.down_layers
def down_layers(in_channels: int, ndf: int, downs: int) -> tuple[list[nn.Module], int]:
    """DCGAN's strided-conv trunk: [B, in, S, S] -> [B, ch, S / 2**downs, S / 2**downs], and ch.

    ``downs`` 4x4 stride-2 convs without bias, each doubling the channels from ``ndf`` (BatchNorm after all but
    the first), LeakyReLU 0.2; three modules per step after the first two fix the indices of the keys.
    """
    ch = ndf
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, ch, 4, 2, 1, bias=False),  # [B, ndf, S/2, S/2]
        nn.LeakyReLU(0.2, inplace=True),
    ]
    for _ in range(downs - 1):
        layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch * 2),
                   nn.LeakyReLU(0.2, inplace=True)]
        ch *= 2
    return layers, ch


class Generator(nn.Module):
    """z [B, nz] (or [B, nz, 1, 1]) -> image [B, nc, S, S] in [-1, 1]."""

    def __init__(self, config: SGANConfig):
        super().__init__()
        self.config = config
        start, ups = start_and_ups(config.image_size, "SGAN")
        ch = config.ngf * 2 ** (ups - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(config.latent_dim, ch, start, 1, 0, bias=False),  # [B, ch, start, start]
            nn.BatchNorm2d(ch),
            nn.ReLU(True),
            *up_layers(ch, ups, config.channels),  # [B, nc, S, S]
        ]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    # Copied from ganstudio.models.cgan.Generator.sample_latent
    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal latents ``[n, latent_dim]`` drawn on the CPU."""
        return latent_normal(n, (self.config.latent_dim,), generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.flatten(1)[:, :, None, None])  # [B, nz, 1, 1] -> [B, nc, S, S]


class PyTorchGANGenerator(nn.Module):
    """PyTorch-GAN's SGAN generator: z [B, nz] -> image [B, nc, S, S] in [-1, 1]."""

    def __init__(self, config: SGANConfig):
        super().__init__()
        self.config = config
        self.label_emb = nn.Embedding(config.num_classes, config.latent_dim)  # in the published keys; unused
        self.l1, self.conv_blocks = upsample_conv_stack(config.latent_dim, config.ngf, config.channels,
                                                        config.image_size)
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim,), generator)  # [n, nz]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return run_upsample_conv(self.l1, self.conv_blocks, z.flatten(1), self.config.ngf, self.config.image_size)


def build_generator(config: SGANConfig) -> nn.Module:
    """The generator of ``config.layout``."""
    return PyTorchGANGenerator(config) if config.layout == "pytorch-gan" else Generator(config)


class Discriminator(nn.Module):
    """image [B, nc, S, S] -> logits [B, K + 1]; index K is "fake"."""

    def __init__(self, config: SGANConfig):
        super().__init__()
        self.config = config
        start, downs = start_and_ups(config.image_size, "SGAN")
        layers, ch = down_layers(config.channels, config.ndf, downs)  # [B, ch, start, start]
        layers += [nn.Conv2d(ch, config.num_classes + 1, start, 1, 0)]  # [B, K + 1, 1, 1]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).flatten(1)  # [B, K + 1]

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the K real classes [B, K] (the "fake" logit left out)."""
        return self(x)[:, : self.config.num_classes]

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        """D(x) in [0, 1]: the probability that ``x`` is real, 1 - softmax(logits)[K]."""
        return 1.0 - torch.softmax(self(x), dim=1)[:, self.config.num_classes]


FAMILY = Family(
    name="sgan",
    label="SGAN",
    config_class=SGANConfig,
    components={"generator": build_generator, "discriminator": Discriminator},
    tasks=(Task.RANDOM,),
    inputs=(GeneratorInput.LATENT,),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels", "num_classes"),
    trainer="ganstudio.train.conditional:SGANTrainer",
    description="Semi-supervised GAN: DCGAN generator; discriminator classifies into K real classes or fake.",
)
