"""Progressive GAN (Karras et al., 2018): networks grown from 4x4 to the full size one resolution at a time.

Layers follow the paper (section 4 and table 2) and its reference implementation:

* **Equalized learning rate.** Every weight is stored as N(0, 1) and multiplied at run time by the He
  constant ``gain / sqrt(fan_in)``, so Adam's per-parameter step sizes act on a common scale.
* **Pixel norm** after every conv of G (and on z): each pixel's feature vector is scaled to unit RMS.
* **Generator blocks**, one per resolution ``4 * 2 ** depth``: at 4x4, z -> dense -> 4x4 map -> 3x3 conv;
  above, nearest x2 up-sampling -> two 3x3 convs. Each block has its own 1x1 ``to_rgb``.
* **Discriminator blocks** mirror them: a 1x1 ``from_rgb`` per resolution, two 3x3 convs and 2x2 average
  pooling per block, and at 4x4 the minibatch-standard-deviation channel, a 3x3 conv, a 4x4 dense layer
  and a dense layer to one logit.
* **Fade-in.** While depth ``d`` is being added, G's output is ``lerp(up(to_rgb[d-1](h[d-1])),
  to_rgb[d](h[d]), alpha)`` and D's input features are ``lerp(from_rgb[d-1](down(x)), block[d](from_rgb[d](x)),
  alpha)``; alpha goes 0 -> 1 during the stage.

Widths are the reference's ``nf(stage) = min(fmap_base / 2 ** (stage * fmap_decay), fmap_max)`` with
``stage = log2(resolution) - 1``; the defaults are small so that 64 px trains on a CPU.

The growth state is a forward argument (``depth``, ``alpha``), not part of the config: the config's
``image_size`` is the resolution the weights are complete for. Keys are per resolution (``blocks.<d>``,
``to_rgb.<d>``, ``from_rgb.<d>``), so a network grown to ``image_size`` S holds exactly the keys of the
one at S/2 plus one block: a stage finished mid-growth is saved as a model with the smaller ``image_size``.

The generator's output is linear, as in the paper: training sees it unclipped (clipping would stop the
gradient of saturated pixels); in eval mode it is clipped to the [-1, 1] range every generator promises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, latent_normal

LRELU_SLOPE = 0.2


@dataclass
class ProGANConfig(GanConfig):
    latent_dim: int = 128
    image_size: int = 64  # final resolution: a power of two >= 4
    channels: int = 3
    fmap_base: int = 1024  # widths nf(stage) = min(fmap_base / 2 ** (stage * fmap_decay), fmap_max)
    fmap_decay: float = 1.0
    fmap_max: int = 128
    mbstd_group_size: int = 4  # samples per minibatch-stddev group; 0 or 1 leaves the layer out

    def __post_init__(self) -> None:
        for name in ("latent_dim", "channels", "fmap_base", "fmap_max"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"ProGAN {name} must be a positive integer, got {value!r}")
        size = self.image_size
        if not isinstance(size, int) or size < 4 or size & (size - 1):
            raise ConfigError(f"ProGAN image_size must be a power of two >= 4, got {size!r}")
        if not self.fmap_decay >= 0:
            raise ConfigError(f"ProGAN fmap_decay must be >= 0, got {self.fmap_decay}")
        if not isinstance(self.mbstd_group_size, int) or self.mbstd_group_size < 0:
            raise ConfigError(f"ProGAN mbstd_group_size must be an integer >= 0, got {self.mbstd_group_size!r}")
        narrowest = min(self.width(d) for d in range(self.max_depth + 1))
        if narrowest < 1:
            raise ConfigError(
                f"ProGAN widths reach 0 channels at {self.image_size} px (fmap_base={self.fmap_base}, "
                f"fmap_decay={self.fmap_decay}): raise fmap_base or lower fmap_decay"
            )

    @property
    def max_depth(self) -> int:
        """Depth of the full resolution: 0 is 4x4, ``max_depth`` is ``image_size``."""
        return int(math.log2(self.image_size)) - 2

    def nf(self, stage: int) -> int:
        """Feature maps at ``stage`` (log2(resolution) - 1), as in the reference implementation."""
        return min(int(self.fmap_base / 2.0 ** (stage * self.fmap_decay)), self.fmap_max)

    def width(self, depth: int) -> int:
        """Feature maps of the block working at resolution ``4 * 2 ** depth``."""
        return self.nf(depth + 1)


def resolution_of(depth: int) -> int:
    """Side of the images at growth ``depth`` (0 -> 4, 1 -> 8, ...)."""
    return 4 * 2**depth


def depth_of(resolution: int) -> int:
    """Growth depth whose images have side ``resolution`` (4 -> 0, 8 -> 1, ...)."""
    depth = math.log2(resolution / 4) if resolution >= 4 else -1.0
    if depth != int(depth) or depth < 0:
        raise ValueError(f"ProGAN resolutions are powers of two >= 4, got {resolution}")
    return int(depth)


# ---------------------------------------------------------------------------------------------
# layers


class EqualizedLinear(nn.Module):
    """Linear layer with weights N(0, 1) scaled at run time by ``gain / sqrt(in_features)``."""

    def __init__(self, in_features: int, out_features: int, gain: float = math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale = gain / math.sqrt(in_features)  # derived from the shape, so not saved

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


class EqualizedConv2d(nn.Module):
    """'Same'-padded conv with weights N(0, 1) scaled at run time by ``gain / sqrt(in_ch * k * k)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, gain: float = math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale = gain / math.sqrt(in_channels * kernel_size * kernel_size)
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale each pixel's feature vector (dim 1) to unit root-mean-square; keeps G's signal magnitudes in check."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


def lrelu(x: torch.Tensor) -> torch.Tensor:
    """Leaky ReLU with the paper's slope 0.2."""
    return F.leaky_relu(x, LRELU_SLOPE)


def minibatch_stddev(x: torch.Tensor, group_size: int) -> torch.Tensor:
    """Append one channel: the feature standard deviation over a group of samples, averaged to a scalar.

    x [B, C, H, W] -> [B, C + 1, H, W]. Lets D see how varied a batch is, which discourages mode collapse.
    The group is the largest divisor of B not above ``group_size``, so any batch size works at inference.
    """
    b, c, h, w = x.shape
    g = max(d for d in range(1, min(group_size, b) + 1) if b % d == 0)
    y = x.view(g, b // g, c, h, w)  # [G, M, C, H, W]; sample i sits in column i % M
    y = y - y.mean(dim=0, keepdim=True)
    y = (y.pow(2).mean(dim=0) + 1e-8).sqrt()  # [M, C, H, W] standard deviations
    y = y.mean(dim=(1, 2, 3)).view(-1, 1, 1, 1)  # [M, 1, 1, 1]
    return torch.cat([x, y.repeat(g, 1, h, w)], dim=1)  # [B, C + 1, H, W]


# ---------------------------------------------------------------------------------------------
# generator


class FirstGeneratorBlock(nn.Module):
    """z [B, nz] -> features [B, nf, 4, 4]: dense (a 4x4 transposed conv in disguise), then a 3x3 conv."""

    def __init__(self, latent_dim: int, out_channels: int):
        super().__init__()
        self.out_channels = out_channels
        # gain sqrt(2)/4 as in the reference: the dense layer plays a 4x4 kernel over a 1x1 input.
        self.dense = EqualizedLinear(latent_dim, out_channels * 16, gain=math.sqrt(2) / 4)
        self.conv = EqualizedConv2d(out_channels, out_channels, 3)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.dense(pixel_norm(z)).view(-1, self.out_channels, 4, 4)  # [B, nf, 4, 4]
        x = pixel_norm(lrelu(x))
        return pixel_norm(lrelu(self.conv(x)))


class GeneratorBlock(nn.Module):
    """features [B, in, R, R] -> [B, out, 2R, 2R]: nearest up-sampling, two 3x3 convs."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, out_channels, 3)
        self.conv1 = EqualizedConv2d(out_channels, out_channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2, mode="nearest")  # [B, in, 2R, 2R]
        x = pixel_norm(lrelu(self.conv0(x)))
        return pixel_norm(lrelu(self.conv1(x)))


class Generator(nn.Module):
    """z [B, nz] -> image [B, nc, R, R] with R = 4 * 2 ** depth (default: ``image_size``)."""

    def __init__(self, config: ProGANConfig):
        super().__init__()
        self.config = config
        widths = [config.width(d) for d in range(config.max_depth + 1)]
        self.blocks = nn.ModuleList(
            [FirstGeneratorBlock(config.latent_dim, widths[0])]
            + [GeneratorBlock(widths[d - 1], widths[d]) for d in range(1, len(widths))]
        )
        # toRGB is linear (gain 1): it only maps features to colours.
        self.to_rgb = nn.ModuleList([EqualizedConv2d(w, config.channels, 1, gain=1.0) for w in widths])

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal latents ``[n, latent_dim]`` drawn on the CPU."""
        return latent_normal(n, (self.config.latent_dim,), generator)

    def forward(self, z: torch.Tensor, depth: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        """Image at growth ``depth`` (None: full size), fading the newest block in with weight ``alpha``."""
        depth = self.config.max_depth if depth is None else depth
        check_growth(depth, alpha, self.config.max_depth)
        h = self.blocks[0](z.flatten(1))  # [B, nf(1), 4, 4]
        prev = h
        for d in range(1, depth + 1):
            prev, h = h, self.blocks[d](h)  # [B, width(d), 4 * 2**d, 4 * 2**d]
        out = self.to_rgb[depth](h)  # [B, nc, R, R]
        if depth > 0 and alpha < 1.0:
            # The previous stage's image, doubled in size, fades out as the new block fades in.
            skip = F.interpolate(self.to_rgb[depth - 1](prev), scale_factor=2, mode="nearest")  # [B, nc, R, R]
            out = torch.lerp(skip, out, alpha)
        return out if self.training else out.clamp(-1.0, 1.0)


def check_growth(depth: int, alpha: float, max_depth: int) -> None:
    """Refuse a growth state the network does not have."""
    if not 0 <= depth <= max_depth:
        raise ValueError(
            f"ProGAN depth must be in [0, {max_depth}] (4 px to {resolution_of(max_depth)} px), got {depth}"
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"ProGAN fade-in alpha must be in [0, 1], got {alpha}")


# ---------------------------------------------------------------------------------------------
# discriminator


class DiscriminatorBlock(nn.Module):
    """features [B, in, R, R] -> [B, out, R/2, R/2]: two 3x3 convs, 2x2 average pooling."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualizedConv2d(in_channels, out_channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = lrelu(self.conv0(x))
        x = lrelu(self.conv1(x))
        return F.avg_pool2d(x, 2)


class LastDiscriminatorBlock(nn.Module):
    """features [B, nf(1), 4, 4] -> logit [B]: minibatch stddev, 3x3 conv, 4x4 dense, dense to one output."""

    def __init__(self, in_channels: int, dense_channels: int, mbstd_group_size: int):
        super().__init__()
        self.mbstd_group_size = mbstd_group_size
        extra = 1 if mbstd_group_size > 1 else 0
        self.conv = EqualizedConv2d(in_channels + extra, in_channels, 3)
        self.dense0 = EqualizedLinear(in_channels * 16, dense_channels)
        self.dense1 = EqualizedLinear(dense_channels, 1, gain=1.0)  # linear: it is the logit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mbstd_group_size > 1:
            x = minibatch_stddev(x, self.mbstd_group_size)  # [B, C + 1, 4, 4]
        x = lrelu(self.conv(x))  # [B, C, 4, 4]
        x = lrelu(self.dense0(x.flatten(1)))  # [B, nf(0)]
        return self.dense1(x).view(-1)  # [B]


class Discriminator(nn.Module):
    """image [B, nc, R, R] -> logit [B]; R = 4 * 2 ** depth, inferred from the image when depth is None."""

    def __init__(self, config: ProGANConfig):
        super().__init__()
        self.config = config
        widths = [config.width(d) for d in range(config.max_depth + 1)]
        self.from_rgb = nn.ModuleList([EqualizedConv2d(config.channels, w, 1) for w in widths])
        self.blocks = nn.ModuleList(
            [LastDiscriminatorBlock(widths[0], config.nf(0), config.mbstd_group_size)]
            + [DiscriminatorBlock(widths[d], widths[d - 1]) for d in range(1, len(widths))]
        )

    def forward(self, x: torch.Tensor, depth: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        """Logit that ``x`` is real, at growth ``depth``, fading the newest block in with weight ``alpha``."""
        side = x.shape[-1]
        if depth is None:
            depth = depth_of(side)
        check_growth(depth, alpha, self.config.max_depth)
        if x.shape[-2:] != (resolution_of(depth), resolution_of(depth)):
            raise ValueError(f"ProGAN depth {depth} takes {resolution_of(depth)} px images, got {list(x.shape)}")
        h = lrelu(self.from_rgb[depth](x))  # [B, width(depth), R, R]
        if depth > 0:
            h = self.blocks[depth](h)  # [B, width(depth - 1), R/2, R/2]
            if alpha < 1.0:
                # The previous stage's input path, on the image halved in size, fades out.
                skip = lrelu(self.from_rgb[depth - 1](F.avg_pool2d(x, 2)))  # [B, width(depth - 1), R/2, R/2]
                h = torch.lerp(skip, h, alpha)
        for d in range(depth - 1, 0, -1):
            h = self.blocks[d](h)  # [B, width(d - 1), 4 * 2**(d-1), ...]
        return self.blocks[0](h)  # [B]

    def probability(self, x: torch.Tensor, depth: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        """D(x) in [0, 1]: the probability that ``x`` is real."""
        return torch.sigmoid(self(x, depth, alpha))


FAMILY = Family(
    name="progan",
    label="ProGAN",
    config_class=ProGANConfig,
    components={"generator": Generator, "discriminator": Discriminator},
    tasks=(Task.RANDOM,),
    inputs=(GeneratorInput.LATENT,),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels"),
    trainer="ganstudio.train.progan:ProGANTrainer",
    description="Progressive GAN: grown a resolution at a time; equalized learning rate, pixel norm, minibatch stddev.",
)
