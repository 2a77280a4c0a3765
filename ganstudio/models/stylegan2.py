"""StyleGAN2 (Karras et al., 2020, config-f): mapping network, modulated convolutions, skip ToRGB outputs,
and a residual discriminator, in plain PyTorch (no compiled extensions).

Layout. The generator's state-dict key set is exactly that of rosinality's ``stylegan2-pytorch`` ``model.py``
``Generator`` (the ``g_ema`` entry of its checkpoints) **plus one buffer** ``latent_avg`` [style_dim], the mean
W used for truncation (the ``latent_avg`` entry of those checkpoints, NVlabs' ``mapping.w_avg``). At 256 px,
channel multiplier 2: 135 rosinality keys + ``latent_avg``, 30.0 M parameters. Keys:

* ``style.1`` ... ``style.{n_mlp}``: EqualLinear (lr_mul ``lr_mlp``) after a parameter-free PixelNorm (``style.0``);
* ``input.input`` [1, C4, 4, 4]; ``conv1`` and ``to_rgb1`` at 4x4;
* ``convs.{2j}`` (upsampling StyledConv) and ``convs.{2j+1}`` (StyledConv) and ``to_rgbs.{j}`` per resolution
  8, 16, ..., size;
* StyledConv: ``conv.weight`` [1, out, in, 3, 3], ``conv.modulation.{weight, bias}``, ``noise.weight`` [1],
  ``activate.bias`` [out]; the upsampling ones also hold ``conv.blur.kernel`` [4, 4];
* ToRGB: ``conv.weight`` [1, 3, in, 1, 1], ``conv.modulation.*``, ``bias`` [1, 3, 1, 1], and
  ``upsample.kernel`` [4, 4] except ``to_rgb1`` (which has no skip to upsample);
* ``noises.noise_{i}`` [1, 1, R, R] for the ``2 * (log2(size) - 2) + 1`` noise inputs.

The discriminator's key set equals rosinality's ``Discriminator`` (the ``d`` entry): ``convs.0`` (1x1
ConvLayer from RGB), ``convs.{k}`` ResBlocks (``conv1``, ``conv2`` with a blur ``kernel``, ``skip``),
``final_conv`` and ``final_linear.{0,1}``. It returns logits [B].

Latents. z [B, style_dim] -> ``mapping`` -> w [B, style_dim] -> broadcast to W+ [B, n_latent, style_dim]
(``n_latent = 2 * log2(size) - 2``). W+ row ``i`` modulates (rosinality's order): 0 -> ``conv1``,
1 -> ``to_rgb1`` and ``convs.0``, then ``convs.{2j}`` uses ``2j + 1``, ``convs.{2j+1}`` uses ``2j + 2`` and
``to_rgbs.{j}`` uses ``2j + 3``. Noise input 0 feeds ``conv1``, odd ones the upsampling convs, even ones
(from 2) the others. ``Generator.synthesis_layers`` lists this table.

Channels. The width at resolution R is ``min(channel_max, channel_multiplier * channel_base // R)``; the
defaults (16384, 512) give rosinality's table (512 up to 32 px, then 256·cm at 64, 128·cm at 128, ...;
that is NVlabs' ``channel_base`` 32768 at cm 2). A small ``channel_max`` gives CPU-sized models.

Outputs are not clamped (as in the reference): images are roughly in [-1, 1] and are clipped when
converted to pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..options import NOISE_MODES, NoiseMode
from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, latent_normal


@dataclass
class StyleGAN2Config(GanConfig):
    image_size: int = 256  # rosinality `size`: a power of two, 8 ... 1024
    style_dim: int = 512  # width of z and w
    n_mlp: int = 8  # mapping layers (NVlabs ADA "auto" configs use 2)
    channel_multiplier: int = 2  # 2 = config-f
    channel_base: int = 16384  # width at resolution R: min(channel_max, channel_multiplier * channel_base // R)
    channel_max: int = 512
    channels: int = 3  # output (and discriminator input) channels
    blur_kernel: tuple[float, ...] = (1, 3, 3, 1)  # separable FIR filter of every up/down-sampling
    lr_mlp: float = 0.01  # learning-rate multiplier of the mapping network

    def __post_init__(self) -> None:
        def positive_int(name: str) -> None:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"StyleGAN2 {name} must be a positive integer, got {v!r}")

        positive_int("image_size")
        log = math.log2(self.image_size)
        if log != int(log) or not 8 <= self.image_size <= 1024:
            raise ConfigError(f"StyleGAN2 image_size must be a power of two from 8 to 1024, got {self.image_size}")
        for name in ("style_dim", "n_mlp", "channel_multiplier", "channel_base", "channel_max", "channels"):
            positive_int(name)
        if channel_width(self, self.image_size) < 1:
            raise ConfigError(
                f"StyleGAN2 channel_multiplier * channel_base = {self.channel_multiplier * self.channel_base} "
                f"leaves no channels at {self.image_size} px"
            )
        kernel = tuple(self.blur_kernel) if isinstance(self.blur_kernel, (list, tuple)) else ()
        numbers = all(isinstance(k, (int, float)) and not isinstance(k, bool) for k in kernel)
        if not kernel or not numbers or sum(kernel) <= 0:
            raise ConfigError(f"StyleGAN2 blur_kernel must be a non-empty list of numbers with a positive sum, "
                              f"got {self.blur_kernel!r}")
        self.blur_kernel = kernel  # a list given directly becomes the tuple a JSON round trip gives back
        if isinstance(self.lr_mlp, bool) or not isinstance(self.lr_mlp, (int, float)) or not self.lr_mlp > 0:
            raise ConfigError(f"StyleGAN2 lr_mlp must be a positive number, got {self.lr_mlp!r}")


def channel_width(config: StyleGAN2Config, resolution: int) -> int:
    """Feature channels at ``resolution`` (rosinality's ``channels`` table with the default config)."""
    return min(config.channel_max, config.channel_multiplier * config.channel_base // resolution)


# ---------------------------------------------------------------------------------------------
# primitives


def make_kernel(k: Sequence[float]) -> torch.Tensor:
    """Separable 1-D taps -> normalised 2-D FIR kernel [K, K] (sums to 1)."""
    k1 = torch.tensor(k, dtype=torch.float32)
    k2 = k1[None, :] * k1[:, None]
    return k2 / k2.sum()


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, down: int = 1,
              pad: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """Upsample (zero insertion), pad, FIR-filter and downsample each channel of ``x`` [B, C, H, W].

    ``pad = (before, after)`` applies to both axes and may be negative (crop). Output side:
    ``(H * up + before + after - K) // down + 1``. The kernel is flipped so this is a true convolution
    (the published filters are symmetric, so it only matters for asymmetric custom kernels).
    """
    b, c, h, w = x.shape
    if up > 1:
        # [B, C, H, W] -> [B, C, H*up, W*up] with each pixel followed by up-1 zeros
        x = x.reshape(b, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(b, c, h * up, w * up)
    p0, p1 = pad
    x = F.pad(x, [max(p0, 0), max(p1, 0), max(p0, 0), max(p1, 0)])
    if p0 < 0 or p1 < 0:
        x = x[:, :, max(-p0, 0): x.shape[2] - max(-p1, 0), max(-p0, 0): x.shape[3] - max(-p1, 0)]
    weight = kernel.flip([0, 1]).to(x.dtype)[None, None].expand(c, 1, *kernel.shape)  # depthwise [C, 1, K, K]
    return F.conv2d(x, weight, stride=down, groups=c)


def fused_leaky_relu(x: torch.Tensor, bias: torch.Tensor | None, negative_slope: float = 0.2,
                     scale: float = math.sqrt(2)) -> torch.Tensor:
    """Add a per-channel bias (channel axis 1), leaky ReLU, then x sqrt(2) to keep the signal's variance."""
    if bias is not None:
        x = x + bias.view(1, -1, *[1] * (x.dim() - 2))
    return F.leaky_relu(x, negative_slope) * scale


class FusedLeakyReLU(nn.Module):
    """Bias + leaky ReLU 0.2 + gain sqrt(2). Key: ``bias`` [C]."""

    def __init__(self, channels: int, bias: bool = True):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_leaky_relu(x, self.bias)


class PixelNorm(nn.Module):
    """Normalise each z to unit root-mean-square over its features."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


class Blur(nn.Module):
    """FIR filter with padding; ``upsample_factor`` scales the kernel to keep the gain after zero insertion.

    Key: ``kernel`` [K, K] (a persistent buffer, as in the reference checkpoints).
    """

    def __init__(self, kernel: Sequence[float], pad: tuple[int, int], upsample_factor: int = 1):
        super().__init__()
        self.register_buffer("kernel", make_kernel(kernel) * upsample_factor ** 2)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    """x2 FIR upsampling of the RGB skip path: [B, C, H, W] -> [B, C, 2H, 2W]. Key: ``kernel`` [K, K]."""

    def __init__(self, kernel: Sequence[float], factor: int = 2):
        super().__init__()
        self.factor = factor
        self.register_buffer("kernel", make_kernel(kernel) * factor ** 2)
        p = len(kernel) - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class EqualLinear(nn.Module):
    """Linear layer with equalised learning rate.

    The weight is stored as N(0, 1) / lr_mul and scaled by lr_mul / sqrt(in) at run time (the bias by lr_mul),
    so Adam's step size is effectively multiplied by lr_mul. Keys: ``weight`` [out, in], ``bias`` [out].
    """

    def __init__(self, in_dim: int, out_dim: int, bias: bool = True, bias_init: float = 0.0,
                 lr_mul: float = 1.0, activation: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init))) if bias else None
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.bias * self.lr_mul if self.bias is not None else None
        if self.activation:
            return fused_leaky_relu(F.linear(x, self.weight * self.scale), bias)
        return F.linear(x, self.weight * self.scale, bias)


class EqualConv2d(nn.Module):
    """Conv2d with equalised learning rate (weight N(0, 1) scaled by 1/sqrt(in * k^2) at run time)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.scale = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.stride = stride
        self.padding = padding
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, stride=self.stride, padding=self.padding)


class ModulatedConv2d(nn.Module):
    """Convolution whose input channels are scaled by a style, with optional demodulation and x2 upsampling.

    Per sample b: weight_b[o, i] = w[o, i] / sqrt(in * k^2) * s_b[i] with s = modulation(w-vector), then
    (demodulate) weight_b[o] /= sqrt(sum_{i,kh,kw} weight_b[o]^2 + 1e-8). The reference runs this as a grouped
    convolution with one weight per sample; scaling the input by s and the output by the demodulation
    factor instead is the same linear map and lets every sample share one convolution.
    Upsampling: transposed conv (stride 2) with the same weight layout as the reference, then a x4-gain blur.

    Keys: ``weight`` [1, out, in, k, k], ``modulation.{weight, bias}`` (bias init 1), ``blur.kernel`` if upsampling.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, style_dim: int,
                 demodulate: bool = True, upsample: bool = False, blur_kernel: Sequence[float] = (1, 3, 3, 1)):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.demodulate = demodulate
        self.upsample = upsample
        if upsample:
            # transposed conv gives 2H + k - 2; the blur pads so that the result is exactly 2H
            factor = 2
            p = (len(blur_kernel) - factor) - (kernel_size - 1)
            self.blur = Blur(blur_kernel, pad=((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor)
        self.scale = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.padding = kernel_size // 2
        self.weight = nn.Parameter(torch.randn(1, out_channels, in_channels, kernel_size, kernel_size))
        self.modulation = EqualLinear(style_dim, in_channels, bias_init=1.0)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        # x [B, in, H, W], w [B, style_dim] -> [B, out, H', W']
        style = self.modulation(w)  # [B, in]
        weight = self.weight[0] * self.scale  # [out, in, k, k]
        x = x * style[:, :, None, None].to(x.dtype)
        if self.upsample:
            # conv_transpose2d takes [in, out, k, k]: same orientation as the reference's per-sample weights
            out = F.conv_transpose2d(x, weight.transpose(0, 1).to(x.dtype), stride=2)  # [B, out, 2H+k-2, ...]
        else:
            out = F.conv2d(x, weight.to(x.dtype), padding=self.padding)  # [B, out, H, W]
        if self.demodulate:
            # sum_{i,kh,kw} (w[o,i] s_b[i])^2 = sum_i (sum_k w[o,i,k]^2) s_b[i]^2   -> [B, out]
            demod = torch.rsqrt(style.pow(2) @ weight.pow(2).sum([2, 3]).t() + 1e-8)
            out = out * demod[:, :, None, None].to(out.dtype)
        if self.upsample:
            out = self.blur(out)  # [B, out, 2H, 2W]
        return out


class NoiseInjection(nn.Module):
    """x + weight * noise, with a learned scalar ``weight`` [1] (init 0). ``noise=None`` adds nothing.

    (The reference draws fresh noise for ``None``; here ``Generator.synthesis`` decides the noise.)
    """

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        if noise is None:
            return x
        return x + self.weight * noise  # noise [B or 1, 1, H, W] broadcasts over channels


class ConstantInput(nn.Module):
    """The learned 4x4 start of synthesis. Key: ``input`` [1, C, 4, 4]."""

    def __init__(self, channels: int, size: int = 4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, batch: int) -> torch.Tensor:
        return self.input.expand(batch, -1, -1, -1)  # [B, C, 4, 4]


class StyledConv(nn.Module):
    """Modulated 3x3 conv -> noise -> bias + leaky ReLU. Keys: ``conv.*``, ``noise.weight``, ``activate.bias``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, style_dim: int,
                 upsample: bool = False, blur_kernel: Sequence[float] = (1, 3, 3, 1)):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, kernel_size, style_dim,
                                    upsample=upsample, blur_kernel=blur_kernel)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        return self.activate(self.noise(self.conv(x, w), noise))


class ToRGB(nn.Module):
    """1x1 modulated conv (no demodulation) + bias, added to the upsampled RGB skip of the previous resolution.

    Keys: ``conv.*``, ``bias`` [1, C, 1, 1], ``upsample.kernel`` when ``upsample`` (every ToRGB but the first).
    """

    def __init__(self, in_channels: int, style_dim: int, out_channels: int = 3, upsample: bool = True,
                 blur_kernel: Sequence[float] = (1, 3, 3, 1)):
        super().__init__()
        if upsample:
            self.upsample = Upsample(blur_kernel)
        self.conv = ModulatedConv2d(in_channels, out_channels, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, out_channels, 1, 1))

    def forward(self, x: torch.Tensor, w: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, w) + self.bias  # [B, C, H, W]
        if skip is not None:
            out = out + self.upsample(skip)  # skip [B, C, H/2, W/2]
        return out


# ---------------------------------------------------------------------------------------------
# generator


@dataclass(frozen=True)
class SynthesisLayer:
    """One modulated layer of synthesis, in execution order."""

    name: str  # state-dict prefix: "conv1", "to_rgb1", "convs.3", "to_rgbs.1"
    resolution: int  # side of the layer's output
    w_index: int  # the W+ row that modulates it
    noise_index: int | None  # the noise input it adds (None for ToRGB layers)


class Generator(nn.Module):
    """StyleGAN2 generator: z or W / W+ -> image [B, channels, size, size].

    Pipeline: ``mapping`` (z -> w), broadcast to W+ [B, n_latent, style_dim], optional ``truncate``,
    ``synthesis`` (W+ and noise -> image). ``forward`` chains them for the common cases.
    """

    def __init__(self, config: StyleGAN2Config):
        super().__init__()
        self.config = config
        size, style_dim, blur = config.image_size, config.style_dim, config.blur_kernel
        self.size = size
        self.style_dim = style_dim
        self.log_size = int(math.log2(size))
        self.n_latent = 2 * self.log_size - 2  # W+ rows: 64 px -> 10, 256 -> 14, 1024 -> 18
        self.num_noise_layers = 2 * (self.log_size - 2) + 1  # one per StyledConv

        # style.0 is PixelNorm (no keys), style.1 ... style.n_mlp the mapping layers
        self.style = nn.Sequential(
            PixelNorm(),
            *[EqualLinear(style_dim, style_dim, lr_mul=config.lr_mlp, activation=True) for _ in range(config.n_mlp)],
        )

        c4 = channel_width(config, 4)
        self.input = ConstantInput(c4)
        self.conv1 = StyledConv(c4, c4, 3, style_dim, blur_kernel=blur)
        self.to_rgb1 = ToRGB(c4, style_dim, config.channels, upsample=False)

        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        in_ch = c4
        for log_res in range(3, self.log_size + 1):  # 8 px ... size
            out_ch = channel_width(config, 2 ** log_res)
            self.convs.append(StyledConv(in_ch, out_ch, 3, style_dim, upsample=True, blur_kernel=blur))
            self.convs.append(StyledConv(out_ch, out_ch, 3, style_dim, blur_kernel=blur))
            self.to_rgbs.append(ToRGB(out_ch, style_dim, config.channels, blur_kernel=blur))
            in_ch = out_ch

        # fixed noise for noise_mode="const": noise_i is at 4 px for i = 0, then two per resolution
        self.noises = nn.Module()
        for i in range(self.num_noise_layers):
            res = 2 ** ((i + 5) // 2)
            self.noises.register_buffer(f"noise_{i}", torch.randn(1, 1, res, res))

        # mean W for truncation; zeros until `update_latent_avg` (or a loaded checkpoint) sets it
        self.register_buffer("latent_avg", torch.zeros(style_dim))

        self.synthesis_layers = self._layer_table()

    def _layer_table(self) -> list[SynthesisLayer]:
        layers = [SynthesisLayer("conv1", 4, 0, 0), SynthesisLayer("to_rgb1", 4, 1, None)]
        for j in range(self.log_size - 2):
            res = 2 ** (j + 3)
            layers += [
                SynthesisLayer(f"convs.{2 * j}", res, 2 * j + 1, 2 * j + 1),  # upsampling conv
                SynthesisLayer(f"convs.{2 * j + 1}", res, 2 * j + 2, 2 * j + 2),
                SynthesisLayer(f"to_rgbs.{j}", res, 2 * j + 3, None),
            ]
        return layers

    # --- latents -----------------------------------------------------------------------------

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I) [n, style_dim], drawn on the CPU from ``generator`` (same z on every device)."""
        return latent_normal(n, (self.style_dim,), generator)

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """z [B, style_dim] -> w [B, style_dim] (PixelNorm + ``n_mlp`` EqualLinear layers)."""
        if z.dim() != 2 or z.shape[1] != self.style_dim:
            raise ValueError(f"z must be [B, {self.style_dim}], got {list(z.shape)}")
        return self.style(z.to(self.latent_avg))  # the model's device and dtype

    @torch.no_grad()
    def mean_latent(self, n: int = 4096, generator: torch.Generator | None = None,
                    batch_size: int = 1024) -> torch.Tensor:
        """Mean of ``mapping`` over ``n`` random z (drawn on the CPU from ``generator``) -> [style_dim]."""
        z = self.sample_latent(n, generator)  # all at once: the result does not depend on batch_size
        total = torch.zeros(self.style_dim, dtype=torch.float64, device=self.latent_avg.device)
        for chunk in z.split(batch_size):
            total += self.mapping(chunk).double().sum(0)
        return (total / n).to(self.latent_avg.dtype)

    @torch.no_grad()
    def update_latent_avg(self, n: int = 4096, generator: torch.Generator | None = None,
                          w: torch.Tensor | None = None, beta: float = 0.0) -> torch.Tensor:
        """Set ``latent_avg`` to ``beta * latent_avg + (1 - beta) * mean`` and return it.

        ``mean`` is ``mean_latent(n, generator)``, or ``w.mean(0)`` for a given batch ``w`` [B, style_dim]
        (training tracks it that way with beta ~0.995, as NVlabs' ``w_avg``).
        """
        mean = w.detach().mean(0).to(self.latent_avg) if w is not None else self.mean_latent(n, generator)
        self.latent_avg.copy_(torch.lerp(mean, self.latent_avg, beta))
        return self.latent_avg.clone()

    def broadcast_w(self, w: torch.Tensor) -> torch.Tensor:
        """w [B, style_dim] -> W+ [B, n_latent, style_dim] (a W+ input is returned unchanged)."""
        if w.dim() == 3 and w.shape[1:] == (self.n_latent, self.style_dim):
            return w
        if w.dim() != 2 or w.shape[1] != self.style_dim:
            raise ValueError(f"w must be [B, {self.style_dim}] or [B, {self.n_latent}, {self.style_dim}], "
                             f"got {list(w.shape)}")
        return w[:, None, :].expand(-1, self.n_latent, -1)

    def truncate(self, ws: torch.Tensor, psi: float, cutoff: int | None = None) -> torch.Tensor:
        """Truncation trick on W+ [B, n_latent, style_dim]: ``latent_avg + psi * (w - latent_avg)``.

        Only rows ``0 .. cutoff-1`` are truncated (``None``: all rows); psi = 1 returns ``ws`` unchanged.
        """
        ws = self._check_wplus(ws).to(self.latent_avg)
        if psi == 1.0:
            return ws
        n = self.n_latent if cutoff is None else max(0, min(int(cutoff), self.n_latent))
        avg = self.latent_avg
        head = avg + psi * (ws[:, :n] - avg)  # [B, n, style_dim]
        return torch.cat([head, ws[:, n:]], dim=1)

    def _check_wplus(self, ws: torch.Tensor) -> torch.Tensor:
        if ws.dim() != 3 or ws.shape[1:] != (self.n_latent, self.style_dim):
            raise ValueError(f"expected W+ [B, {self.n_latent}, {self.style_dim}], got {list(ws.shape)}")
        return ws

    def style_mix(self, w_rows: torch.Tensor, w_cols: torch.Tensor, layers: Sequence[int]) -> torch.Tensor:
        """W+ taking rows ``layers`` from ``w_cols`` and all others from ``w_rows``.

        Both are w [B, style_dim] or W+ [B, n_latent, style_dim] with equal B (or B = 1, broadcast). For the
        usual mixing grid, repeat rows with ``repeat_interleave`` and tile columns with ``repeat`` first.
        ``layer_groups()`` gives the coarse / middle / fine index lists.
        """
        rows, cols = torch.broadcast_tensors(self.broadcast_w(w_rows), self.broadcast_w(w_cols))
        idx = sorted(set(int(i) for i in layers))
        if idx and not (0 <= idx[0] and idx[-1] < self.n_latent):
            raise ValueError(f"layer indices must be in 0..{self.n_latent - 1}, got {list(layers)}")
        take = torch.zeros(self.n_latent, dtype=torch.bool, device=rows.device)
        take[idx] = True
        return torch.where(take[None, :, None], cols, rows)  # [B, n_latent, style_dim]

    def layer_groups(self) -> dict[str, list[int]]:
        """W+ row indices of the coarse (4-8 px), middle (16-32 px) and fine (64 px and up) styles.

        Row ``i`` first modulates a layer at ``4 * 2 ** (i // 2)`` px (StyleGAN paper grouping); at 1024 px:
        coarse 0-3, middle 4-7, fine 8-17. Groups beyond the model's size are empty.
        """
        first_res = [4 * 2 ** (i // 2) for i in range(self.n_latent)]
        return {
            "coarse": [i for i, r in enumerate(first_res) if r <= 8],
            "middle": [i for i, r in enumerate(first_res) if 16 <= r <= 32],
            "fine": [i for i, r in enumerate(first_res) if r >= 64],
        }

    # --- noise -------------------------------------------------------------------------------

    def noise_resolution(self, i: int) -> int:
        """Side of noise input ``i`` (4 for i = 0, then 8, 8, 16, 16, ...)."""
        return 2 ** ((i + 5) // 2)

    def random_noise(self, batch: int, generator: torch.Generator | None = None) -> list[torch.Tensor]:
        """Fresh per-layer noise [batch, 1, R, R], drawn on the CPU from ``generator`` in layer order."""
        return [torch.randn(batch, 1, r, r, generator=generator)
                for r in map(self.noise_resolution, range(self.num_noise_layers))]

    def _resolve_noise(self, batch: int, noise: Sequence[torch.Tensor | None] | None, noise_mode: str,
                       noise_strength: float | Sequence[float], noise_generator: torch.Generator | None,
                       like: torch.Tensor) -> list[torch.Tensor | None]:
        """Per-layer noise tensors [B or 1, 1, R, R] (or None = no noise) on ``like``'s device and dtype."""
        n = self.num_noise_layers
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if noise is not None and len(noise) != n:
            raise ValueError(f"noise must list {n} per-layer tensors, got {len(noise)}")
        strengths = [float(noise_strength)] * n if isinstance(noise_strength, (int, float)) else list(noise_strength)
        if len(strengths) != n:
            raise ValueError(f"noise_strength must be a number or {n} per-layer numbers, got {len(strengths)}")
        explicit = list(noise) if noise is not None else [None] * n
        drawn = self.random_noise(batch, noise_generator) if noise_mode == "random" and None in explicit else None
        out: list[torch.Tensor | None] = []
        for i in range(n):
            if explicit[i] is not None:
                t = explicit[i]
                if t.shape[-2:] != (self.noise_resolution(i),) * 2:
                    raise ValueError(f"noise[{i}] must be {self.noise_resolution(i)} px, got {list(t.shape)}")
            elif noise_mode == "const":
                t = getattr(self.noises, f"noise_{i}")  # [1, 1, R, R]
            elif noise_mode == "random":
                t = drawn[i]  # [B, 1, R, R]
            else:
                t = None
            if t is not None:
                t = t.to(device=like.device, dtype=like.dtype)
                t = t * strengths[i] if strengths[i] != 1.0 else t
            out.append(t)
        return out

    # --- synthesis ---------------------------------------------------------------------------

    def synthesis(self, ws: torch.Tensor, noise: Sequence[torch.Tensor | None] | None = None,
                  noise_mode: NoiseMode = "const", noise_strength: float | Sequence[float] = 1.0,
                  noise_generator: torch.Generator | None = None) -> torch.Tensor:
        """W+ [B, n_latent, style_dim] -> image [B, channels, size, size].

        Noise, per noise input (``num_noise_layers`` of them): an explicit tensor in ``noise[i]``
        ([B or 1, 1, R, R]) wins; otherwise ``noise_mode`` decides: "const" the stored ``noises.noise_i``,
        "random" fresh N(0, 1) drawn on the CPU from ``noise_generator``, "none" no noise (zeros).
        ``noise_strength`` (a number or one per layer) multiplies each layer's noise.
        """
        batch = self._check_wplus(ws).shape[0]
        ws = ws.to(self.input.input)
        noises = self._resolve_noise(batch, noise, noise_mode, noise_strength, noise_generator, self.input.input)

        x = self.input(batch)  # [B, C4, 4, 4]
        x = self.conv1(x, ws[:, 0], noises[0])
        skip = self.to_rgb1(x, ws[:, 1])  # [B, channels, 4, 4]
        for j in range(len(self.to_rgbs)):  # resolution 2 ** (j + 3)
            x = self.convs[2 * j](x, ws[:, 2 * j + 1], noises[2 * j + 1])  # upsample: [B, C, 2H, 2W]
            x = self.convs[2 * j + 1](x, ws[:, 2 * j + 2], noises[2 * j + 2])
            skip = self.to_rgbs[j](x, ws[:, 2 * j + 3], skip)
        return skip  # [B, channels, size, size]

    def forward(self, latent: torch.Tensor, input_is_w: bool = False, psi: float = 1.0, cutoff: int | None = None,
                noise: Sequence[torch.Tensor | None] | None = None, noise_mode: NoiseMode = "const",
                noise_strength: float | Sequence[float] = 1.0,
                noise_generator: torch.Generator | None = None) -> torch.Tensor:
        """z [B, style_dim] (or, with ``input_is_w``, w [B, style_dim] / W+ [B, n_latent, style_dim]) -> image.

        Maps z, broadcasts w to W+, truncates with ``psi`` / ``cutoff`` (see ``truncate``) and runs
        ``synthesis`` with the noise arguments. The default "const" noise makes a z give the same image
        on every call; training passes ``noise_mode="random"``.
        """
        w = latent if input_is_w else self.mapping(latent)
        ws = self.truncate(self.broadcast_w(w), psi, cutoff)
        return self.synthesis(ws, noise, noise_mode, noise_strength, noise_generator)


# ---------------------------------------------------------------------------------------------
# discriminator


class ConvLayer(nn.Sequential):
    """[Blur] -> EqualConv2d (stride 2 when downsampling) -> [FusedLeakyReLU].

    Keys (as the reference's ``nn.Sequential``): ``0.weight`` and ``1.bias``; when downsampling
    ``0.kernel``, ``1.weight``, ``2.bias``. The conv has a bias only when there is no activation (which holds it).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, downsample: bool = False,
                 blur_kernel: Sequence[float] = (1, 3, 3, 1), bias: bool = True, activate: bool = True):
        layers: list[nn.Module] = []
        if downsample:
            # blur pads so that the stride-2 valid conv halves the side exactly
            p = (len(blur_kernel) - 2) + (kernel_size - 1)
            layers.append(Blur(blur_kernel, pad=((p + 1) // 2, p // 2)))
            stride, padding = 2, 0
        else:
            stride, padding = 1, kernel_size // 2
        layers.append(EqualConv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                  bias=bias and not activate))
        if activate:
            layers.append(FusedLeakyReLU(out_channels, bias=bias))
        super().__init__(*layers)


class ResBlock(nn.Module):
    """Two 3x3 convs (the second downsamples) + a 1x1 downsampling skip, summed and scaled by 1/sqrt(2)."""

    def __init__(self, in_channels: int, out_channels: int, blur_kernel: Sequence[float] = (1, 3, 3, 1)):
        super().__init__()
        self.conv1 = ConvLayer(in_channels, in_channels, 3)
        self.conv2 = ConvLayer(in_channels, out_channels, 3, downsample=True, blur_kernel=blur_kernel)
        self.skip = ConvLayer(in_channels, out_channels, 1, downsample=True, blur_kernel=blur_kernel,
                              activate=False, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # [B, in, H, W] -> [B, out, H/2, W/2]
        return (self.conv2(self.conv1(x)) + self.skip(x)) / math.sqrt(2)


class Discriminator(nn.Module):
    """image [B, channels, size, size] -> logits [B] (residual D with a minibatch-stddev feature)."""

    stddev_group = 4
    stddev_feat = 1

    def __init__(self, config: StyleGAN2Config):
        super().__init__()
        self.config = config
        size, blur = config.image_size, config.blur_kernel
        in_ch = channel_width(config, size)
        convs: list[nn.Module] = [ConvLayer(config.channels, in_ch, 1)]  # from RGB
        for log_res in range(int(math.log2(size)), 2, -1):  # size ... 8 px, each halves to the next
            out_ch = channel_width(config, 2 ** (log_res - 1))
            convs.append(ResBlock(in_ch, out_ch, blur))
            in_ch = out_ch
        self.convs = nn.Sequential(*convs)  # -> [B, C4, 4, 4]
        c4 = channel_width(config, 4)
        self.final_conv = ConvLayer(in_ch + 1, c4, 3)
        self.final_linear = nn.Sequential(EqualLinear(c4 * 4 * 4, c4, activation=True), EqualLinear(c4, 1))

    def minibatch_stddev(self, x: torch.Tensor) -> torch.Tensor:
        """Append the mean std-dev over groups of samples as one more channel: [B, C, H, W] -> [B, C+1, H, W].

        Groups hold samples b, b + B/G, ... (G = 4, as the reference); when B is not a multiple of 4 the
        largest group size dividing B is used (the reference would fail).
        """
        b, c, h, w = x.shape
        group = next(g for g in range(min(b, self.stddev_group), 0, -1) if b % g == 0)
        y = x.view(group, -1, self.stddev_feat, c // self.stddev_feat, h, w)  # [G, B/G, F, C/F, H, W]
        y = torch.sqrt(y.var(0, unbiased=False) + 1e-8)  # [B/G, F, C/F, H, W]
        y = y.mean([2, 3, 4], keepdim=True).squeeze(2)  # [B/G, F, 1, 1]
        y = y.repeat(group, 1, h, w)  # [B, F, H, W]
        return torch.cat([x, y], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.convs(x)  # [B, C4, 4, 4]
        x = self.final_conv(self.minibatch_stddev(x))  # [B, C4, 4, 4]
        return self.final_linear(x.flatten(1)).view(-1)  # [B]


FAMILY = Family(
    name="stylegan2",
    label="StyleGAN2",
    config_class=StyleGAN2Config,
    components={"generator": Generator, "discriminator": Discriminator},
    tasks=(Task.STYLE, Task.RANDOM),
    inputs=(GeneratorInput.LATENT,),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels"),
    trainer="ganstudio.train.stylegan2:StyleGAN2Trainer",
    description="StyleGAN2 (config-f): mapping network, W / W+ latents, noise inputs, truncation and style mixing; "
                "rosinality's key layout.",
)
