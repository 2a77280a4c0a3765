"""Generator bodies in eriklindernoren/PyTorch-GAN's published layouts (also the Hub's ``huggan/*`` repos).

Families whose config says ``layout="pytorch-gan"`` build their generator from these pieces, so the
state-dict keys and shapes are exactly that repository's and its checkpoints load without renaming:

* :func:`upsample_conv_stack`: ``l1`` (Linear to a [128, S/4, S/4] map) and ``conv_blocks`` (two
  nearest up-samplings, each followed by a 3x3 conv, BatchNorm with eps 0.8 and LeakyReLU 0.2; a 3x3
  conv to the image and Tanh). DCGAN, LSGAN (no BatchNorm before the first up-sampling), ACGAN, SGAN and
  InfoGAN all use it. Keys: ``l1.0.*``, ``conv_blocks.{0,2,3,6,7,9}.*`` (LSGAN ``{1,2,5,6,8}``).
* :func:`mlp_stack`: ``model`` = Linear, LeakyReLU 0.2, then [Linear, BatchNorm1d(eps 0.8), LeakyReLU 0.2]
  per hidden size, Linear to the image, Tanh (GAN, WGAN, WGAN-GP, CGAN). Keys ``model.{0,2,3,5,6,...}.*``.
* :class:`UNetGenerator`: ``down1..downN`` (4x4 stride-2 convs, InstanceNorm except the first and last,
  LeakyReLU 0.2, Dropout 0.5 on the last ``down_dropout`` levels), ``up1..up{N-1}`` (4x4 transposed convs,
  InstanceNorm, ReLU, Dropout 0.5 on the first ``up_dropout`` levels, then the skip concatenated) and
  ``final`` (Upsample x2, ZeroPad2d((1, 0, 1, 0)), 4x4 conv, Tanh). pix2pix: 8 levels, convs without bias;
  DiscoGAN: 6 levels, convs with bias.

The widths are the reference's at ``ngf = 64`` (128 and 64 channels in ``conv_blocks``; 64 .. 512 in the
U-Net) and scale with ``ngf``. BatchNorm's eps of 0.8 is the reference's (its second positional argument).
"""

from __future__ import annotations

import torch
from torch import nn

BN_EPS = 0.8  # PyTorch-GAN passes 0.8 as BatchNorm's second positional argument, which is eps


def upsample_conv_stack(in_features: int, ngf: int, channels: int, image_size: int,
                        first_norm: bool = True) -> tuple[nn.Sequential, nn.Sequential]:
    """``(l1, conv_blocks)``: [B, in_features] -> [B, 2*ngf * (S/4)**2]; [B, 2*ngf, S/4, S/4] -> [B, C, S, S]."""
    init = image_size // 4
    wide = 2 * ngf  # 128 at the reference's width
    l1 = nn.Sequential(nn.Linear(in_features, wide * init**2))
    layers: list[nn.Module] = [nn.BatchNorm2d(wide)] if first_norm else []
    layers += [
        nn.Upsample(scale_factor=2), nn.Conv2d(wide, wide, 3, 1, 1), nn.BatchNorm2d(wide, BN_EPS),
        nn.LeakyReLU(0.2, inplace=True),  # [B, 2*ngf, S/2, S/2]
        nn.Upsample(scale_factor=2), nn.Conv2d(wide, ngf, 3, 1, 1), nn.BatchNorm2d(ngf, BN_EPS),
        nn.LeakyReLU(0.2, inplace=True),  # [B, ngf, S, S]
        nn.Conv2d(ngf, channels, 3, 1, 1), nn.Tanh(),  # [B, C, S, S]
    ]
    return l1, nn.Sequential(*layers)


def run_upsample_conv(l1: nn.Module, conv_blocks: nn.Module, x: torch.Tensor, ngf: int, image_size: int) -> torch.Tensor:
    """[B, in_features] -> image [B, C, S, S] through :func:`upsample_conv_stack`'s modules."""
    init = image_size // 4
    return conv_blocks(l1(x).view(x.shape[0], 2 * ngf, init, init))


def mlp_stack(in_features: int, hidden: tuple[int, ...], out_features: int) -> nn.Sequential:
    """``model``: [B, in_features] -> [B, out_features] in [-1, 1]; no BatchNorm after the first Linear."""
    layers: list[nn.Module] = []
    width = in_features
    for i, h in enumerate(hidden):
        layers.append(nn.Linear(width, h))
        if i > 0:
            layers.append(nn.BatchNorm1d(h, BN_EPS))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
        width = h
    layers += [nn.Linear(width, out_features), nn.Tanh()]
    return nn.Sequential(*layers)


class UNetDown(nn.Module):
    """[B, in, S, S] -> [B, out, S/2, S/2]: conv4 s2, (InstanceNorm), LeakyReLU 0.2, (Dropout)."""

    def __init__(self, in_size: int, out_size: int, normalize: bool, dropout: float, bias: bool):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_size, out_size, 4, 2, 1, bias=bias)]
        if normalize:
            layers.append(nn.InstanceNorm2d(out_size))
        layers.append(nn.LeakyReLU(0.2))
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class UNetUp(nn.Module):
    """([B, in, S, S], skip [B, k, 2S, 2S]) -> [B, out + k, 2S, 2S]: convT4 s2, InstanceNorm, ReLU, (Dropout)."""

    def __init__(self, in_size: int, out_size: int, dropout: float, bias: bool):
        super().__init__()
        layers: list[nn.Module] = [nn.ConvTranspose2d(in_size, out_size, 4, 2, 1, bias=bias),
                                   nn.InstanceNorm2d(out_size), nn.ReLU(inplace=True)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.model(x), skip), 1)


def unet_widths(ngf: int, num_downs: int) -> list[int]:
    """Output channels of down1..downN: ngf, 2ngf, 4ngf, then 8ngf."""
    return [ngf * min(2**i, 8) for i in range(num_downs)]


class UNetGenerator(nn.Module):
    """PyTorch-GAN ``GeneratorUNet``: image [B, in, H, W] -> image [B, out, H, W]; H, W multiples of 2**num_downs."""

    def __init__(self, in_channels: int, out_channels: int, *, num_downs: int, ngf: int, bias: bool,
                 down_dropout: int, up_dropout: int):
        super().__init__()
        self.num_downs = num_downs
        self.size_multiple = 2**num_downs
        w = unet_widths(ngf, num_downs)
        for i in range(num_downs):  # down1 .. downN
            inner = i in (0, num_downs - 1)
            drop = 0.5 if i >= num_downs - down_dropout else 0.0
            self.add_module(f"down{i + 1}", UNetDown(in_channels if i == 0 else w[i - 1], w[i], not inner, drop, bias))
        for j in range(num_downs - 1):  # up1 .. up{N-1}; up_j meets the skip of down{N-1-j}
            skip = w[num_downs - 2 - j]
            in_size = w[-1] if j == 0 else 2 * w[num_downs - 1 - j]
            drop = 0.5 if j < up_dropout else 0.0
            self.add_module(f"up{j + 1}", UNetUp(in_size, skip, drop, bias))
        self.final = nn.Sequential(nn.Upsample(scale_factor=2), nn.ZeroPad2d((1, 0, 1, 0)),
                                   nn.Conv2d(2 * w[0], out_channels, 4, padding=1), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i in range(self.num_downs):  # d1 [B, ngf, H/2] ... dN [B, 8ngf, H/2**N]
            x = getattr(self, f"down{i + 1}")(x)
            skips.append(x)
        for j in range(self.num_downs - 1):
            x = getattr(self, f"up{j + 1}")(x, skips[self.num_downs - 2 - j])
        return self.final(x)  # [B, out, H, W]


__all__ = ["BN_EPS", "UNetGenerator", "mlp_stack", "run_upsample_conv", "unet_widths", "upsample_conv_stack"]
