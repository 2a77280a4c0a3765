"""Auxiliary-classifier GAN (Odena, Olah & Shlens, 2017) on DCGAN-style convolutional networks.

Generator: as the conditional GAN -- a learned label embedding concatenated to z, then the DCGAN
transposed-conv stack (28 px: 7x7 -> 14x14 -> 28x28; powers of two start from 4x4).
Discriminator: sees the image only; a shared DCGAN strided-conv trunk feeds two heads, an adversarial
head (real / fake logit) and an auxiliary classifier (class logits). The class head is what makes the
generator's samples recognisable as their class, and it classifies real images too (:meth:`classify`).

Variant: ``layout="pytorch-gan"`` is eriklindernoren/PyTorch-GAN's ACGAN generator, with its keys:
``label_emb`` (Embedding(K, nz)) *multiplies* z, then ``l1`` + ``conv_blocks`` (``pytorch_gan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_, latent_normal
from .blocks import start_and_ups
from .pytorch_gan import run_upsample_conv, upsample_conv_stack

LAYOUTS = ("acgan", "pytorch-gan")


@dataclass
class ACGANConfig(GanConfig):
    num_classes: int = 10
    latent_dim: int = 100  # nz
    embed_dim: int = 10  # size of the generator's label embedding, concatenated to z
    ngf: int = 64
    ndf: int = 64
    channels: int = 1
    image_size: int = 28  # 28, or a power of two >= 16
    layout: str = "acgan"  # generator layout: "acgan" (ours) | "pytorch-gan" (l1 + conv_blocks)

    def __post_init__(self) -> None:
        for name in ("num_classes", "latent_dim", "embed_dim", "ngf", "ndf", "channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"ACGAN {name} must be a positive integer, got {value!r}")
        if self.num_classes < 2:
            raise ConfigError(f"ACGAN num_classes must be at least 2, got {self.num_classes}")
        start_and_ups(self.image_size, "ACGAN")  # validates
        if self.layout not in LAYOUTS:
            raise ConfigError(f"ACGAN layout must be one of {LAYOUTS}, got {self.layout!r}")


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
    """(z [B, nz], labels [B]) -> image [B, nc, S, S] in [-1, 1] of the asked classes."""

    def __init__(self, config: ACGANConfig):
        super().__init__()
        self.config = config
        start, ups = start_and_ups(config.image_size, "ACGAN")
        self.label_embedding = nn.Embedding(config.num_classes, config.embed_dim)
        ch = config.ngf * 2 ** (ups - 1)
        layers: list[nn.Module] = [
            # [B, nz + E, 1, 1] -> [B, ch, start, start]
            nn.ConvTranspose2d(config.latent_dim + config.embed_dim, ch, start, 1, 0, bias=False),
            nn.BatchNorm2d(ch),
            nn.ReLU(True),
            *up_layers(ch, ups, config.channels),  # [B, nc, S, S]
        ]
        self.main = nn.Sequential(*layers)
        init_normal_(self)
        # N(0, 1) like z: with the 0.02 conv init the label would start 50x quieter than the noise.
        nn.init.normal_(self.label_embedding.weight, 0.0, 1.0)

    # Copied from ganstudio.models.cgan.Generator.sample_latent
    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal latents ``[n, latent_dim]`` drawn on the CPU."""
        return latent_normal(n, (self.config.latent_dim,), generator)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        z = z.flatten(1)  # [B, nz] (a [B, nz, 1, 1] latent is accepted too)
        if labels.shape != (z.shape[0],):
            raise ValueError(f"labels must have shape [{z.shape[0]}], got {list(labels.shape)}")
        joint = torch.cat([z, self.label_embedding(labels)], dim=1)  # [B, nz + E]
        return self.main(joint[:, :, None, None])  # [B, nc, S, S]


class PyTorchGANGenerator(nn.Module):
    """PyTorch-GAN's ACGAN generator: (z [B, nz], labels [B]) -> image [B, nc, S, S]; the label scales z."""

    def __init__(self, config: ACGANConfig):
        super().__init__()
        self.config = config
        self.label_emb = nn.Embedding(config.num_classes, config.latent_dim)
        self.l1, self.conv_blocks = upsample_conv_stack(config.latent_dim, config.ngf, config.channels,
                                                        config.image_size)
        init_normal_(self)
        nn.init.normal_(self.label_emb.weight, 0.0, 1.0)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim,), generator)  # [n, nz]

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        z = z.flatten(1)
        if labels.shape != (z.shape[0],):
            raise ValueError(f"labels must have shape [{z.shape[0]}], got {list(labels.shape)}")
        x = self.label_emb(labels) * z  # [B, nz]
        return run_upsample_conv(self.l1, self.conv_blocks, x, self.config.ngf, self.config.image_size)


def build_generator(config: ACGANConfig) -> nn.Module:
    """The generator of ``config.layout``."""
    return PyTorchGANGenerator(config) if config.layout == "pytorch-gan" else Generator(config)


class Discriminator(nn.Module):
    """image [B, nc, S, S] -> (adversarial logit [B], class logits [B, K])."""

    def __init__(self, config: ACGANConfig):
        super().__init__()
        self.config = config
        start, downs = start_and_ups(config.image_size, "ACGAN")
        layers, ch = down_layers(config.channels, config.ndf, downs)
        self.main = nn.Sequential(*layers)  # [B, ch, start, start]
        # Both heads cover the whole start x start map, as DCGAN's last conv does.
        self.adv_head = nn.Conv2d(ch, 1, start, 1, 0)  # [B, 1, 1, 1]
        self.class_head = nn.Conv2d(ch, config.num_classes, start, 1, 0)  # [B, K, 1, 1]
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.main(x)  # [B, ch, start, start]
        return self.adv_head(h).view(-1), self.class_head(h).flatten(1)  # [B], [B, K]

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits [B, K] of the auxiliary classifier."""
        return self.class_head(self.main(x)).flatten(1)

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        """D(x) in [0, 1]: the probability that ``x`` is real."""
        return torch.sigmoid(self.adv_head(self.main(x)).view(-1))


FAMILY = Family(
    name="acgan",
    label="AC-GAN",
    config_class=ACGANConfig,
    components={"generator": build_generator, "discriminator": Discriminator},
    tasks=(Task.CONDITIONAL,),
    inputs=(GeneratorInput.LATENT, GeneratorInput.CLASSES),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels", "num_classes"),
    trainer="ganstudio.train.conditional:ACGANTrainer",
    description="Auxiliary-classifier GAN: conditional generator; discriminator with real/fake and class heads.",
)
