"""DCGAN (Radford et al., 2015): transposed-conv generator, strided-conv discriminator.

State-dict keys equal the PyTorch DCGAN example / tutorial at 64 px (``main.0`` ... ``main.12``),
so its ``netG_epoch_N.pth`` files load without renaming. 32 px drops one block; 28 px (MNIST)
starts from a 7x7 map instead of 4x4. The same architecture serves WGAN, WGAN-GP and LSGAN
checkpoints: only the training loss (recorded in the model's config meta) differs.

Variants, each with its published keys: ``g_dropout > 0`` puts a Dropout after every hidden ReLU of the
generator (common in forks; every later ``main.N`` index moves up by one per block: ``main.0, 1, 4, 5, 8,
9, 12``). ``layout="pytorch-gan"`` is eriklindernoren/PyTorch-GAN's DCGAN / LSGAN generator (``l1`` +
``conv_blocks``, up-sampling by ``Upsample`` + 3x3 conv, LeakyReLU; see ``pytorch_gan.py``), with
``g_first_norm=False`` for LSGAN's, which has no BatchNorm before the first up-sampling.
``layout="studiogan"`` is POSTECH-CVLab/PyTorch-StudioGAN's unconditional ``deep_conv`` generator (its CIFAR-10
DCGAN): ``linear0`` to [8*ngf, 4, 4], ``blocks.N.0`` = transposed conv k4 s2 p1 with bias (``deconv0``),
BatchNorm with eps 1e-4 (``bn0``), ReLU; ``conv4`` (3x3 to the image), Tanh.

The discriminator returns logits: the reference's final ``Sigmoid`` has no weights, so dropping it
keeps the keys identical; losses apply the sigmoid themselves (``probability`` gives D(x) in [0, 1]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_, latent_normal
from .blocks import start_and_ups
from .pytorch_gan import run_upsample_conv, upsample_conv_stack

LAYOUTS = ("dcgan", "pytorch-gan", "studiogan")


@dataclass
class DCGANConfig(GanConfig):
    latent_dim: int = 100  # nz
    ngf: int = 64
    ndf: int = 64
    channels: int = 3  # nc
    image_size: int = 64  # 28, or a power of two >= 16
    # Discriminator norm: "batch" (the published layout); "layer" (GroupNorm with one group, i.e. layer norm
    # over C, H, W) or "none" for WGAN-GP critics, whose per-sample gradient penalty batch norm invalidates.
    d_norm: str = "batch"
    layout: str = "dcgan"  # generator layout: "dcgan" (pytorch/examples) | "pytorch-gan" | "studiogan"
    g_dropout: float = 0.0  # > 0: Dropout after each hidden ReLU of the "dcgan" generator (shifts key indices)
    g_first_norm: bool = True  # "pytorch-gan": BatchNorm before the first up-sampling (LSGAN's has none)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ConfigError(f"DCGAN layout must be one of {LAYOUTS}, got {self.layout!r}")
        if self.layout == "pytorch-gan":
            if not isinstance(self.image_size, int) or self.image_size < 8 or self.image_size % 4:
                raise ConfigError(f"DCGAN layout pytorch-gan needs image_size a multiple of 4 (>= 8), "
                                  f"got {self.image_size}")
        elif self.layout == "studiogan":
            if not isinstance(self.image_size, int) or self.image_size < 8 or self.image_size & (self.image_size - 1):
                raise ConfigError(f"DCGAN layout studiogan needs image_size a power of two >= 8, got {self.image_size}")
        else:
            start_and_ups(self.image_size, "DCGAN")  # validates
        if not 0.0 <= self.g_dropout < 1.0:
            raise ConfigError(f"DCGAN g_dropout must be in [0, 1), got {self.g_dropout}")
        if self.d_norm not in D_NORMS:
            raise ConfigError(f"DCGAN d_norm must be one of {D_NORMS}, got {self.d_norm!r}")


D_NORMS = ("batch", "layer", "none")


def critic_norm(kind: str, channels: int) -> nn.Module:
    """The discriminator's normalisation layer; "none" keeps the layer index with no weights."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    return nn.Identity()


class Generator(nn.Module):
    """z [B, nz, 1, 1] (or [B, nz]) -> image [B, nc, S, S] in [-1, 1]."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        start, ups = start_and_ups(config.image_size, "DCGAN")
        ch = config.ngf * 2 ** (ups - 1)  # 64 px: 8*ngf at 4x4
        drop = [nn.Dropout(config.g_dropout)] if config.g_dropout > 0 else []
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(config.latent_dim, ch, start, 1, 0, bias=False),  # [B, ch, start, start]
            nn.BatchNorm2d(ch),
            nn.ReLU(True),
            *drop,
        ]
        for _ in range(ups - 1):  # each doubles the side, halves the channels
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True),
                       *[nn.Dropout(config.g_dropout) for _ in drop]]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, config.channels, 4, 2, 1, bias=False), nn.Tanh()]  # [B, nc, S, S]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim, 1, 1), generator)  # [n, nz, 1, 1]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() == 2:
            z = z[:, :, None, None]
        return self.main(z)


class PyTorchGANGenerator(nn.Module):
    """PyTorch-GAN's DCGAN / LSGAN generator: z [B, nz] -> image [B, nc, S, S] in [-1, 1]."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        self.l1, self.conv_blocks = upsample_conv_stack(config.latent_dim, config.ngf, config.channels,
                                                        config.image_size, first_norm=config.g_first_norm)
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim,), generator)  # [n, nz]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return run_upsample_conv(self.l1, self.conv_blocks, z.flatten(1), self.config.ngf, self.config.image_size)


class StudioGANBlock(nn.Module):
    """StudioGAN's ``GenBlock`` without conditioning: [B, in, s, s] -> [B, out, 2s, 2s]."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.deconv0 = nn.ConvTranspose2d(in_channels, out_channels, 4, 2, 1)
        self.bn0 = nn.BatchNorm2d(out_channels, eps=1e-4)
        self.activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.bn0(self.deconv0(x)))


class StudioGANGenerator(nn.Module):
    """PyTorch-StudioGAN's unconditional ``deep_conv`` generator: z [B, nz] -> image [B, nc, S, S] in [-1, 1]."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        ups = int(math.log2(config.image_size // 4))
        self.width = config.ngf * 2**ups  # 512 at ngf 64, 32 px
        self.linear0 = nn.Linear(config.latent_dim, self.width * 16)  # [B, 8ngf * 4 * 4]
        # one block per list, as the reference nests them (room for its attention layers): keys blocks.N.0.*
        self.blocks = nn.ModuleList([nn.ModuleList([StudioGANBlock(self.width // 2**i, self.width // 2**(i + 1))])
                                     for i in range(ups)])
        self.conv4 = nn.Conv2d(config.ngf, config.channels, 3, 1, 1)  # [B, nc, S, S]
        self.tanh = nn.Tanh()
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim,), generator)  # [n, nz]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.linear0(z.flatten(1)).view(-1, self.width, 4, 4)
        for (block,) in self.blocks:
            x = block(x)
        return self.tanh(self.conv4(x))


def build_generator(config: DCGANConfig) -> nn.Module:
    """The generator of ``config.layout``."""
    if config.layout == "pytorch-gan":
        return PyTorchGANGenerator(config)
    if config.layout == "studiogan":
        return StudioGANGenerator(config)
    return Generator(config)


class Discriminator(nn.Module):
    """image [B, nc, S, S] -> logit [B]."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        start, downs = start_and_ups(config.image_size, "DCGAN")
        ch = config.ndf
        layers: list[nn.Module] = [
            nn.Conv2d(config.channels, ch, 4, 2, 1, bias=False),  # [B, ndf, S/2, S/2]
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for _ in range(downs - 1):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False), critic_norm(config.d_norm, ch * 2),
                       nn.LeakyReLU(0.2, inplace=True)]
            ch *= 2
        layers += [nn.Conv2d(ch, 1, start, 1, 0, bias=False)]  # [B, 1, 1, 1]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self(x))


FAMILY = Family(
    name="dcgan",
    label="DCGAN",
    config_class=DCGANConfig,
    components={"generator": build_generator, "discriminator": Discriminator},
    tasks=(Task.RANDOM,),
    inputs=(GeneratorInput.LATENT,),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels"),
    trainer="ganstudio.train.unconditional:UnconditionalTrainer",
    description="Deep convolutional GAN; also the architecture of our WGAN, WGAN-GP and LSGAN models.",
)
