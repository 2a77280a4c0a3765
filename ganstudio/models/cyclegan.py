"""CycleGAN (Zhu et al., 2017): two ResNet generators and two PatchGAN discriminators for unpaired translation.

The layout is junyanz/pytorch-CycleGAN-and-pix2pix's ``ResnetGenerator`` and ``NLayerDiscriminator``:
module names and nesting give exactly its state-dict keys and shapes, so its ``latest_net_G.pth`` files
(horse2zebra, monet2photo, ...) load without renaming. With 9 blocks, instance norm and no dropout the
generator has 48 keys and 11,378,179 parameters: ``model.1`` (7x7 stem), ``model.4`` / ``model.7``
(down), ``model.10`` ... ``model.18`` (residual blocks), ``model.19`` / ``model.22`` (up),
``model.26`` (7x7 to RGB). Sides must be divisible by 4 (two stride-2 steps).

Components: ``generator`` maps A -> B, ``generator_ba`` maps B -> A, ``discriminator`` judges B and
``discriminator_ba`` judges A. Published weights hold one direction only, so a converted checkpoint may
carry just ``generator``.

Norms follow the reference: ``instance`` = InstanceNorm2d without affine or running stats (no keys),
``batch`` = BatchNorm2d, ``none`` = identity; convolutions have a bias only with instance norm, except
the final 7x7 convolution and the discriminator's first and last, which always have one.

Variants, each with its published keys: ``norm="instance_affine"`` is InstanceNorm2d(affine=True) (junyanz-
derived repositories; norms get ``weight`` / ``bias``), in generators and discriminators.
``upsample="resize"`` up-samples by ``Upsample(x2)`` + 3x3 conv instead of a transposed conv, as
eriklindernoren/PyTorch-GAN's (and the Hub's huggan) ``GeneratorResNet``: each up step then has four
modules, so the final conv is ``model.28`` with 9 blocks. (That generator's residual blocks call their
Sequential ``block`` where ours say ``conv_block``; the importer renames it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_
from .blocks import b_to_a

# Each norm name -> a builder of the layer for ``channels`` features.
# Copied from ganstudio.models.pix2pix.NORMS
NORMS: dict[str, Callable[[int], nn.Module]] = {
    "batch": lambda c: nn.BatchNorm2d(c),
    "instance": lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False),
    "instance_affine": lambda c: nn.InstanceNorm2d(c, affine=True, track_running_stats=False),
    "none": lambda c: nn.Identity(),
}
# Copied from ganstudio.models.pix2pix.BIASED_NORMS
BIASED_NORMS = ("instance", "instance_affine")  # the reference gives convs a bias when the norm is instance
UPSAMPLES = ("transpose", "resize")


@dataclass
class CycleGANConfig(GanConfig):
    in_channels: int = 3  # domain A
    channels: int = 3  # domain B
    image_size: int = 256  # training side; any multiple of 4 translates
    n_blocks: int = 9  # resnet_9blocks (256 px) or resnet_6blocks (128 px)
    ngf: int = 64
    ndf: int = 64
    n_layers_D: int = 3  # 3 = the 70x70 PatchGAN
    norm: str = "instance"  # instance | instance_affine | batch | none
    use_dropout: bool = False
    upsample: str = "transpose"  # "transpose" (ConvTranspose2d k3 s2) | "resize" (Upsample x2 + conv3 s1)

    def __post_init__(self) -> None:
        if self.upsample not in UPSAMPLES:
            raise ConfigError(f"cyclegan upsample must be one of {UPSAMPLES}, got {self.upsample!r}")
        for name in ("in_channels", "channels", "image_size", "n_blocks", "ngf", "ndf", "n_layers_D"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"cyclegan {name} must be a positive integer, got {value!r}")
        if self.norm not in NORMS:
            raise ConfigError(f"cyclegan norm must be one of {sorted(NORMS)}, got {self.norm!r}")
        if self.image_size % 4:
            raise ConfigError(f"cyclegan image_size must be a multiple of 4, got {self.image_size}")
        # Each stride-2 layer halves the side, then two 4x4 stride-1 convs each take one pixel off.
        if self.image_size // 2**self.n_layers_D < 3:
            raise ConfigError(f"cyclegan n_layers_D={self.n_layers_D} leaves no patch at image_size "
                              f"{self.image_size} (need image_size >= {3 * 2**self.n_layers_D})")


class ResnetBlock(nn.Module):
    """x + [pad, conv3, norm, ReLU, (dropout), pad, conv3, norm](x); [B, dim, H, W] -> same shape.

    Without dropout the convolutions are ``conv_block.1`` and ``conv_block.5``; with dropout the
    second one moves to ``conv_block.6``, as in the reference.
    """

    def __init__(self, dim: int, norm: str, use_dropout: bool):
        super().__init__()
        make_norm = NORMS[norm]
        use_bias = norm in BIASED_NORMS
        layers: list[nn.Module] = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), make_norm(dim),
                                   nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), make_norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class Generator(nn.Module):
    """junyanz ``ResnetGenerator``: image [B, in, H, W] -> image [B, out, H, W] in [-1, 1].

    A -> B by default (in = ``in_channels``, out = ``channels``); ``reverse=True`` builds B -> A.
    H and W must be multiples of ``size_multiple`` = 4.
    """

    size_multiple = 4

    def __init__(self, config: CycleGANConfig, reverse: bool = False):
        super().__init__()
        self.config = config
        c_in, c_out = (config.channels, config.in_channels) if reverse else (config.in_channels, config.channels)
        ngf, norm = config.ngf, config.norm
        make_norm = NORMS[norm]
        use_bias = norm in BIASED_NORMS
        # Stem: 7x7 conv on a reflect-padded image (model.0 - model.3).
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(c_in, ngf, 7, bias=use_bias), make_norm(ngf),
                                   nn.ReLU(True)]  # [B, ngf, H, W]
        # Two stride-2 steps (model.4 - model.9).
        for mult in (1, 2):
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, 2, 1, bias=use_bias), make_norm(ngf * mult * 2),
                       nn.ReLU(True)]  # [B, 4*ngf, H/4, W/4] after both
        layers += [ResnetBlock(ngf * 4, norm, config.use_dropout) for _ in range(config.n_blocks)]
        # Two transposed convs back to full size; output_padding 1 makes the side exactly double.
        for mult in (4, 2):
            if config.upsample == "resize":
                up: list[nn.Module] = [nn.Upsample(scale_factor=2),
                                       nn.Conv2d(ngf * mult, ngf * mult // 2, 3, 1, 1, bias=use_bias)]
            else:
                up = [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, 2, 1, output_padding=1, bias=use_bias)]
            layers += [*up, make_norm(ngf * mult // 2), nn.ReLU(True)]  # [B, ngf, H, W] after both
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, c_out, 7), nn.Tanh()]  # [B, out, H, W]
        self.model = nn.Sequential(*layers)
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# Copied from ganstudio.models.pix2pix.patch_layers
def patch_layers(in_channels: int, ndf: int, n_layers: int, norm: str) -> list[nn.Module]:
    """junyanz ``NLayerDiscriminator``'s layer list: [B, in, S, S] -> [B, 1, S/2**n - 2, S/2**n - 2]."""
    make_norm = NORMS[norm]
    use_bias = norm in BIASED_NORMS
    layers: list[nn.Module] = [nn.Conv2d(in_channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]  # [B, ndf, S/2]
    mult = 1
    for n in range(1, n_layers):  # stride 2, channels double up to 8*ndf
        prev, mult = mult, min(2**n, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=use_bias), make_norm(ndf * mult),
                   nn.LeakyReLU(0.2, True)]
    prev, mult = mult, min(2**n_layers, 8)
    layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=use_bias), make_norm(ndf * mult),
               nn.LeakyReLU(0.2, True)]  # stride 1: side - 1
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]  # [B, 1, h, w] patch logits, no sigmoid
    return layers


class Discriminator(nn.Module):
    """PatchGAN: image of domain B [B, channels, H, W] -> logits [B, 1, h, w] (30x30 at 256 px).

    ``reverse=True`` judges domain A (``in_channels`` inputs).
    """

    def __init__(self, config: CycleGANConfig, reverse: bool = False):
        super().__init__()
        self.config = config
        c_in = config.in_channels if reverse else config.channels
        self.model = nn.Sequential(*patch_layers(c_in, config.ndf, config.n_layers_D, config.norm))
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


FAMILY = Family(
    name="cyclegan",
    label="CycleGAN",
    config_class=CycleGANConfig,
    components={
        "generator": Generator,
        "generator_ba": b_to_a(Generator),  # B -> A
        "discriminator": Discriminator,
        "discriminator_ba": b_to_a(Discriminator),  # judges domain A
    },
    tasks=(Task.TRANSLATE,),
    inputs=(GeneratorInput.IMAGE,),
    evaluation=Evaluation.TRANSLATION,
    from_data=("image_size", "channels", "in_channels"),
    trainer="ganstudio.train.translation:CycleGANTrainer",
    bench_target=(512, 384),  # the app's speed targets are checked on one 512x384 image
    description="Unpaired translation with cycle consistency: ResNet generators, PatchGAN discriminators.",
    optional=("generator_ba", "discriminator", "discriminator_ba"),
)
