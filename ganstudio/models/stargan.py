"""StarGAN (Choi et al., 2018): one generator edits an image towards any set of target attributes.

The target attributes ``c`` [B, c_dim] (e.g. CelebA Black_Hair, Blond_Hair, Brown_Hair, Male, Young)
are broadcast to constant planes and concatenated with the image channels; the generator is a
down-sample / residual / up-sample network. The discriminator has one PatchGAN trunk and two heads:
real/fake patch logits (``src``) and attribute logits (``cls``).

The layout is yunjey/stargan's ``Generator`` and ``Discriminator``: module names give exactly its
state-dict keys and shapes, so its ``200000-G.ckpt`` files load without renaming. At the defaults
(conv_dim 64, c_dim 5, repeat_num 6) the generator has 8.43 M parameters: ``main.0`` [64, 8, 7, 7],
InstanceNorms (affine, with running stats) at ``main.{1,4,7,16,19}``, residual blocks ``main.9`` ...
``main.14``, transposed convs ``main.15`` and ``main.18``, ``main.21`` [3, 64, 7, 7]. All generator convs
are bias-free with zero padding. Weights keep PyTorch's default init, like the reference.

The reference evaluates in train mode (per-image InstanceNorm statistics); eval mode uses the running
statistics and gives worse images from published weights. Callers choose the mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task


@dataclass
class StarGANConfig(GanConfig):
    c_dim: int = 5  # number of attributes
    channels: int = 3  # image channels, in and out
    image_size: int = 128  # training side; D's class head is sized for it
    conv_dim: int = 64  # G's first-layer channels
    repeat_num: int = 6  # G's residual blocks
    d_conv_dim: int = 64
    d_repeat_num: int = 6  # D's stride-2 convs (128 px -> 2x2)
    final_bias: bool = False  # G's last 7x7 conv has a bias (eriklindernoren/PyTorch-GAN's StarGAN)

    def __post_init__(self) -> None:
        for name in ("c_dim", "channels", "image_size", "conv_dim", "repeat_num", "d_conv_dim", "d_repeat_num"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"stargan {name} must be a positive integer, got {value!r}")
        if self.image_size % 4:
            raise ConfigError(f"stargan image_size must be a multiple of 4, got {self.image_size}")
        if self.image_size % 2**self.d_repeat_num:
            raise ConfigError(f"stargan image_size must be a multiple of 2**d_repeat_num = "
                              f"{2**self.d_repeat_num} (the class head's kernel), got {self.image_size}")

    @property
    def in_channels(self) -> int:
        """Image channels the generator takes (the attribute planes are added inside)."""
        return self.channels


def _instance_norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=True, track_running_stats=True)


class ResidualBlock(nn.Module):
    """x + [conv3, IN, ReLU, conv3, IN](x); [B, dim, H, W] -> same shape."""

    def __init__(self, dim: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(dim, dim, 3, 1, 1, bias=False), _instance_norm(dim), nn.ReLU(inplace=True),
            nn.Conv2d(dim, dim, 3, 1, 1, bias=False), _instance_norm(dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.main(x)


class Generator(nn.Module):
    """``forward(x [B, channels, H, W], c [B, c_dim]) -> image [B, channels, H, W]`` in [-1, 1].

    H and W must be multiples of ``size_multiple`` = 4.
    """

    size_multiple = 4

    def __init__(self, config: StarGANConfig):
        super().__init__()
        self.config = config
        dim = config.conv_dim
        layers: list[nn.Module] = [
            nn.Conv2d(config.channels + config.c_dim, dim, 7, 1, 3, bias=False), _instance_norm(dim),
            nn.ReLU(inplace=True),
        ]  # [B, conv_dim, H, W]
        for _ in range(2):  # down-sample: [B, 4*conv_dim, H/4, W/4] after both
            layers += [nn.Conv2d(dim, dim * 2, 4, 2, 1, bias=False), _instance_norm(dim * 2), nn.ReLU(inplace=True)]
            dim *= 2
        layers += [ResidualBlock(dim) for _ in range(config.repeat_num)]
        for _ in range(2):  # up-sample: [B, conv_dim, H, W] after both
            layers += [nn.ConvTranspose2d(dim, dim // 2, 4, 2, 1, bias=False), _instance_norm(dim // 2),
                       nn.ReLU(inplace=True)]
            dim //= 2
        layers += [nn.Conv2d(dim, config.channels, 7, 1, 3, bias=config.final_bias), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        if c.shape != (b, self.config.c_dim):
            raise ValueError(f"c must be [B, c_dim] = [{b}, {self.config.c_dim}], got {list(c.shape)}")
        planes = c.to(x.dtype)[:, :, None, None].expand(b, self.config.c_dim, h, w)  # [B, c_dim, H, W]
        return self.main(torch.cat([x, planes], 1))  # [B, channels, H, W]


class Discriminator(nn.Module):
    """``forward(x [B, channels, S, S]) -> (src [B, 1, S/2**n, S/2**n], cls [B, c_dim])``, both logits.

    ``main`` is the shared trunk (n = d_repeat_num stride-2 convs), ``conv1`` the patch real/fake head,
    ``conv2`` the attribute head whose kernel covers the whole final map (S must be ``image_size``).
    """

    def __init__(self, config: StarGANConfig):
        super().__init__()
        self.config = config
        dim = config.d_conv_dim
        layers: list[nn.Module] = [nn.Conv2d(config.channels, dim, 4, 2, 1), nn.LeakyReLU(0.01)]
        for _ in range(1, config.d_repeat_num):
            layers += [nn.Conv2d(dim, dim * 2, 4, 2, 1), nn.LeakyReLU(0.01)]
            dim *= 2
        self.main = nn.Sequential(*layers)  # [B, d_conv_dim * 2**(n-1), S/2**n, S/2**n]
        kernel = config.image_size // 2**config.d_repeat_num
        self.conv1 = nn.Conv2d(dim, 1, 3, 1, 1, bias=False)  # [B, 1, S/2**n, S/2**n]
        self.conv2 = nn.Conv2d(dim, config.c_dim, kernel, bias=False)  # [B, c_dim, 1, 1]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.main(x)
        return self.conv1(h), self.conv2(h).view(x.shape[0], self.config.c_dim)


FAMILY = Family(
    name="stargan",
    label="StarGAN",
    config_class=StarGANConfig,
    components={"generator": Generator, "discriminator": Discriminator},
    tasks=(Task.EDIT,),
    inputs=(GeneratorInput.IMAGE, GeneratorInput.ATTRIBUTES),
    evaluation=Evaluation.EDITS,
    from_data=("image_size", "channels", "c_dim"),
    trainer="ganstudio.train.stargan:StarGANTrainer",
    description="Multi-domain attribute editing with one generator conditioned on target attributes.",
)
