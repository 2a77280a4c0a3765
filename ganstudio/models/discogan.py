"""DiscoGAN (Kim et al., 2017): conv encoder-decoder generators and DCGAN-style discriminators, two of each.

Like CycleGAN it learns two unpaired directions with a reconstruction loss, but with a plain
bottleneck network instead of residual blocks: strided 4x4 convs (BatchNorm, LeakyReLU 0.2) encode the
image down to 4x4 at the training size, transposed convs (BatchNorm, ReLU) decode it, and Tanh
gives [-1, 1]. There is no skip path, so the image is re-drawn from the code. At 64 px with ngf 64
the channels go 64 -> 128 -> 256 -> 512 and back (the paper's 64-px networks).

The discriminator mirrors the encoder and ends in a 4x4 valid conv to one logit per image. The paper
also matches the discriminator's intermediate features between real and fake images;
:meth:`Discriminator.forward_with_features` returns them.

Components: ``generator`` (A -> B), ``generator_ba`` (B -> A), ``discriminator`` (judges B),
``discriminator_ba`` (judges A).

Variant: ``layout="pytorch-gan"`` builds both generators as eriklindernoren/PyTorch-GAN's DiscoGAN
``GeneratorUNet`` (the Hub's huggan layout), with its keys: ``unet_downs`` (6) levels with skips, convs with
bias, instance norm, Dropout 0.5 on down3..down6 and up1..up3, and the final Upsample / pad / conv
(``pytorch_gan.py``). Its sides must be multiples of 2**unet_downs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_
from .blocks import b_to_a
from .pytorch_gan import UNetGenerator

LAYOUTS = ("discogan", "pytorch-gan")


@dataclass
class DiscoGANConfig(GanConfig):
    in_channels: int = 3  # domain A
    channels: int = 3  # domain B
    image_size: int = 64  # power of two >= 16; the encoder stops at 4x4
    ngf: int = 64
    ndf: int = 64
    layout: str = "discogan"  # generator layout: "discogan" (encoder-decoder) | "pytorch-gan" (U-Net)
    unet_downs: int = 6  # "pytorch-gan": U-Net levels

    def __post_init__(self) -> None:
        for name in ("in_channels", "channels", "image_size", "ngf", "ndf"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"discogan {name} must be a positive integer, got {value!r}")
        num_downs(self.image_size)  # validates
        if self.layout not in LAYOUTS:
            raise ConfigError(f"discogan layout must be one of {LAYOUTS}, got {self.layout!r}")
        if not isinstance(self.unet_downs, int) or self.unet_downs < 3:
            raise ConfigError(f"discogan unet_downs must be an integer >= 3, got {self.unet_downs!r}")


def num_downs(image_size: int) -> int:
    """Number of stride-2 steps from ``image_size`` down to 4x4 (64 px -> 4)."""
    steps = math.log2(image_size / 4) if image_size > 0 else -1
    if image_size < 16 or steps != int(steps):
        raise ConfigError(f"discogan image_size must be a power of two >= 16, got {image_size}")
    return int(steps)


def widths(base: int, n: int) -> list[int]:
    """Channels after each of ``n`` stride-2 convs: base, 2*base, ... capped at 8*base."""
    return [base * min(2**i, 8) for i in range(n)]


class Generator(nn.Module):
    """Encoder-decoder: image [B, in, H, W] -> image [B, out, H, W] in [-1, 1].

    A -> B by default (in = ``in_channels``, out = ``channels``); ``reverse=True`` builds B -> A.
    The network is fully convolutional: any side that is a multiple of ``size_multiple`` works.
    """

    def __init__(self, config: DiscoGANConfig, reverse: bool = False):
        super().__init__()
        self.config = config
        c_in, c_out = (config.channels, config.in_channels) if reverse else (config.in_channels, config.channels)
        n = num_downs(config.image_size)
        self.size_multiple = 2**n
        chs = widths(config.ngf, n)  # 64 px, ngf 64: [64, 128, 256, 512]
        # Encoder: no norm on the first conv (it sees the raw image), as in DCGAN.
        layers: list[nn.Module] = [nn.Conv2d(c_in, chs[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for a, b in zip(chs, chs[1:]):
            layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, True)]
        # [B, chs[-1], H/2**n, W/2**n]; the decoder walks the widths back.
        rev = chs[::-1]
        for a, b in zip(rev, rev[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(chs[0], c_out, 4, 2, 1, bias=False), nn.Tanh()]  # [B, out, H, W]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class Discriminator(nn.Module):
    """image of domain B [B, channels, S, S] -> logit [B] (``reverse=True``: judges domain A)."""

    def __init__(self, config: DiscoGANConfig, reverse: bool = False):
        super().__init__()
        self.config = config
        c_in = config.in_channels if reverse else config.channels
        chs = widths(config.ndf, num_downs(config.image_size))
        layers: list[nn.Module] = [nn.Conv2d(c_in, chs[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for a, b in zip(chs, chs[1:]):
            layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(chs[-1], 1, 4, 1, 0, bias=False)]  # [B, 1, 1, 1] at the training size
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """(logit [B], activations after each normalised conv block) for the feature-matching loss."""
        features: list[torch.Tensor] = []
        seen_norm = False
        for layer in self.main:
            x = layer(x)
            seen_norm |= isinstance(layer, nn.BatchNorm2d)
            if seen_norm and isinstance(layer, nn.LeakyReLU):
                features.append(x)  # [B, C_i, S/2**i, S/2**i]
        return x.view(-1), features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)


def build_generator(config: DiscoGANConfig, reverse: bool = False) -> nn.Module:
    """The A -> B generator of ``config.layout`` (``reverse=True``: B -> A)."""
    if config.layout == "pytorch-gan":
        c_in, c_out = (config.channels, config.in_channels) if reverse else (config.in_channels, config.channels)
        g = UNetGenerator(c_in, c_out, num_downs=config.unet_downs, ngf=config.ngf, bias=True,
                          down_dropout=config.unet_downs - 2, up_dropout=config.unet_downs - 3)
        init_normal_(g)
        return g
    return Generator(config, reverse=reverse)


FAMILY = Family(
    name="discogan",
    label="DiscoGAN",
    config_class=DiscoGANConfig,
    components={
        "generator": build_generator,
        "generator_ba": b_to_a(build_generator),  # B -> A
        "discriminator": Discriminator,
        "discriminator_ba": b_to_a(Discriminator),  # judges domain A
    },
    tasks=(Task.TRANSLATE,),
    inputs=(GeneratorInput.IMAGE,),
    evaluation=Evaluation.TRANSLATION,
    from_data=("image_size", "channels", "in_channels"),
    trainer="ganstudio.train.translation:DiscoGANTrainer",
    description="Unpaired cross-domain translation: conv encoder-decoder generators, DCGAN-style discriminators.",
    optional=("discriminator", "discriminator_ba"),
)
