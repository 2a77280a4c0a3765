"""pix2pix (Isola et al., 2017): U-Net generator and PatchGAN discriminator for paired translation.

The layout is junyanz/pytorch-CycleGAN-and-pix2pix's ``UnetGenerator`` and ``NLayerDiscriminator``:
module names and nesting give exactly its state-dict keys and shapes, so its ``latest_net_G.pth``
files load without renaming. The U-Net is built inside-out from nested skip blocks; each block's
``model`` is ``[down..., inner block, up...]``, so the keys read ``model.model.1.model.1.weight`` and so on.
``unet_256`` is ``num_downs=8`` (sides divisible by 256, a 256-px input reaches 1x1 in the middle);
``unet_128`` is ``num_downs=7``. With batch norm ``unet_256`` has 82 keys and 54.4 M parameters.

Norms follow the reference: ``batch`` = BatchNorm2d (affine, running stats); ``instance`` =
InstanceNorm2d without affine or running stats (no keys); ``none`` = identity. Convolutions carry a bias
only with instance norm (the other norms either subtract the mean anyway or, for ``none``, follow the
reference's rule). The outermost up-convolution and the discriminator's first and last convolutions
always have a bias.

The discriminator judges the pair: input is ``cat([A, B], 1)`` with ``in_channels + channels``
channels; it returns patch logits ``[B, 1, h, w]`` (30x30 at 256 px with 3 layers).

Variants, each with its published keys: ``norm="instance_affine"`` is InstanceNorm2d(affine=True) (common in
junyanz-derived repositories: every norm gets ``weight`` / ``bias``; convolutions keep their bias), in the
generator and the discriminator. ``layout="pytorch-gan"`` is eriklindernoren/PyTorch-GAN's (and the Hub's
huggan pix2pix) ``GeneratorUNet``: ``down1..down8`` / ``up1..up7`` / ``final`` (``pytorch_gan.py``), convs
without bias unless ``use_bias``, instance norm, Dropout 0.5 on the last ``down_dropout`` down levels and
the first ``up_dropout`` up levels, a final Upsample / ZeroPad2d((1, 0, 1, 0)) / 4x4 conv.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_
from .pytorch_gan import UNetGenerator

LAYOUTS = ("junyanz", "pytorch-gan")

# Each norm name -> a builder of the layer for ``channels`` features.
NORMS: dict[str, Callable[[int], nn.Module]] = {
    "batch": lambda c: nn.BatchNorm2d(c),
    "instance": lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False),
    "instance_affine": lambda c: nn.InstanceNorm2d(c, affine=True, track_running_stats=False),
    "none": lambda c: nn.Identity(),
}
BIASED_NORMS = ("instance", "instance_affine")  # the reference gives convs a bias when the norm is instance


@dataclass
class Pix2PixConfig(GanConfig):
    in_channels: int = 3  # domain A (input)
    channels: int = 3  # domain B (output)
    image_size: int = 256  # training side; any multiple of 2**num_downs translates
    num_downs: int = 8  # unet_256 = 8, unet_128 = 7
    ngf: int = 64
    ndf: int = 64
    n_layers_D: int = 3  # 3 = the 70x70 PatchGAN
    norm: str = "batch"  # batch | instance | instance_affine | none
    use_dropout: bool = True  # Dropout 0.5 in the middle ngf*8 blocks (the paper's noise)
    layout: str = "junyanz"  # generator layout: "junyanz" (UnetGenerator) | "pytorch-gan" (GeneratorUNet)
    use_bias: bool = False  # "pytorch-gan": convolutions with bias (DiscoGAN's U-Net has them, pix2pix's not)
    down_dropout: int = 5  # "pytorch-gan": Dropout 0.5 on the last N down levels (pix2pix: down4..down8)
    up_dropout: int = 4  # "pytorch-gan": Dropout 0.5 on the first N up levels (pix2pix: up1..up4)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ConfigError(f"pix2pix layout must be one of {LAYOUTS}, got {self.layout!r}")
        for name in ("in_channels", "channels", "image_size", "ngf", "ndf", "n_layers_D"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"pix2pix {name} must be a positive integer, got {value!r}")
        if self.layout == "pytorch-gan" and self.norm != "instance":
            raise ConfigError(f"pix2pix layout pytorch-gan uses instance norm, got norm={self.norm!r}")
        if not isinstance(self.num_downs, int) or self.num_downs < 5:
            raise ConfigError(f"pix2pix num_downs must be an integer >= 5 (unet_128 = 7, unet_256 = 8), "
                              f"got {self.num_downs!r}")
        if self.norm not in NORMS:
            raise ConfigError(f"pix2pix norm must be one of {sorted(NORMS)}, got {self.norm!r}")
        if self.image_size % 2**self.num_downs:
            raise ConfigError(f"pix2pix image_size must be a multiple of 2**num_downs = {2**self.num_downs}, "
                              f"got {self.image_size}")
        # Each stride-2 layer halves the side, then two 4x4 stride-1 convs each take one pixel off.
        if self.image_size // 2**self.n_layers_D < 3:
            raise ConfigError(f"pix2pix n_layers_D={self.n_layers_D} leaves no patch at image_size "
                              f"{self.image_size} (need image_size >= {3 * 2**self.n_layers_D})")


class UnetSkipBlock(nn.Module):
    """One U-Net level: down-sample, run the inner levels, up-sample, and concatenate the skip.

    x [B, outer, S, S] -> [B, 2*outer, S, S] (inner levels), or the image [B, out, S, S] (outermost).
    ``input_channels`` differs from ``outer`` only at the outermost level (the image's channels).
    """

    def __init__(self, outer: int, inner: int, *, input_channels: int | None = None,
                 submodule: nn.Module | None = None, outermost: bool = False, innermost: bool = False,
                 norm: str = "batch", use_dropout: bool = False):
        super().__init__()
        self.outermost = outermost
        make_norm = NORMS[norm]
        use_bias = norm in BIASED_NORMS
        input_channels = outer if input_channels is None else input_channels
        down_conv = nn.Conv2d(input_channels, inner, 4, 2, 1, bias=use_bias)  # [B, inner, S/2, S/2]
        if outermost:
            # Inner levels return [B, 2*inner, S/2, S/2] (their output beside the skip).
            up: list[nn.Module] = [nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
            layers = [down_conv, submodule, *up]
        elif innermost:
            # No norm on the 1x1 bottleneck; nothing inside, so the up-conv sees only `inner` channels.
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=use_bias), make_norm(outer)]
            layers = [nn.LeakyReLU(0.2, True), down_conv, *up]
        else:
            down = [nn.LeakyReLU(0.2, True), down_conv, make_norm(inner)]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=use_bias), make_norm(outer)]
            layers = [*down, submodule, *up] + ([nn.Dropout(0.5)] if use_dropout else [])
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)  # [B, out, S, S]
        return torch.cat([x, self.model(x)], 1)  # [B, 2*outer, S, S]


class Generator(nn.Module):
    """junyanz ``UnetGenerator``: image A [B, in_channels, H, W] -> image B [B, channels, H, W] in [-1, 1].

    H and W must be multiples of ``size_multiple`` = 2**num_downs.
    """

    def __init__(self, config: Pix2PixConfig):
        super().__init__()
        self.config = config
        self.size_multiple = 2**config.num_downs
        ngf, norm = config.ngf, config.norm
        # Built from the bottleneck outwards: each block wraps the previous one.
        block = UnetSkipBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
        for _ in range(config.num_downs - 5):  # the middle levels stay at ngf*8 channels
            block = UnetSkipBlock(ngf * 8, ngf * 8, submodule=block, norm=norm, use_dropout=config.use_dropout)
        block = UnetSkipBlock(ngf * 4, ngf * 8, submodule=block, norm=norm)
        block = UnetSkipBlock(ngf * 2, ngf * 4, submodule=block, norm=norm)
        block = UnetSkipBlock(ngf, ngf * 2, submodule=block, norm=norm)
        self.model = UnetSkipBlock(config.channels, ngf, input_channels=config.in_channels, submodule=block,
                                   outermost=True, norm=norm)
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)  # [B, in, H, W] -> [B, channels, H, W]


def build_generator(config: Pix2PixConfig) -> nn.Module:
    """The generator of ``config.layout``."""
    if config.layout == "pytorch-gan":
        g = UNetGenerator(config.in_channels, config.channels, num_downs=config.num_downs, ngf=config.ngf,
                          bias=config.use_bias, down_dropout=config.down_dropout, up_dropout=config.up_dropout)
        init_normal_(g)
        return g
    return Generator(config)


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
    """Conditional PatchGAN: pair ``cat([A, B], 1)`` [B, in_channels + channels, H, W] -> logits [B, 1, h, w]."""

    def __init__(self, config: Pix2PixConfig):
        super().__init__()
        self.config = config
        self.model = nn.Sequential(*patch_layers(config.in_channels + config.channels, config.ndf,
                                                 config.n_layers_D, config.norm))
        init_normal_(self)

    def forward(self, pair: torch.Tensor) -> torch.Tensor:
        return self.model(pair)


FAMILY = Family(
    name="pix2pix",
    label="pix2pix",
    config_class=Pix2PixConfig,
    components={"generator": build_generator, "discriminator": Discriminator},
    tasks=(Task.TRANSLATE,),
    inputs=(GeneratorInput.IMAGE,),
    evaluation=Evaluation.TRANSLATION,
    from_data=("image_size", "channels", "in_channels"),
    trainer="ganstudio.train.translation:Pix2PixTrainer",
    description="Paired image-to-image translation: U-Net generator, conditional PatchGAN discriminator.",
)
