"""Conditional GAN (Mirza & Osindero, 2014) on DCGAN-style convolutional networks.

Generator: a learned label embedding is concatenated to z, and the joint vector goes through the
DCGAN transposed-conv stack (28 px: 7x7 -> 14x14 -> 28x28; powers of two start from 4x4).
Discriminator: the label is joined to the image as ``num_classes`` one-hot planes (constant maps),
then the DCGAN strided-conv stack gives one logit. One-hot planes carry no weights of their own, so
the label is as loud as the image from the first step of training.

The discriminator returns logits; :meth:`Discriminator.probability` applies the sigmoid.

Variants, each with its published keys: ``embedding="onehot"`` joins the one-hot label itself to z (a
conditional DCGAN whose embedding is the identity: no ``label_embedding`` key, ``embed_dim`` equals
``num_classes``). ``layout="pytorch-gan"`` is eriklindernoren/PyTorch-GAN's CGAN generator: ``label_emb``
(an Embedding(K, K)) put *before* z, then the fully connected ``model`` of ``pytorch_gan.mlp_stack``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_, latent_normal
from .blocks import start_and_ups
from .pytorch_gan import mlp_stack

LAYOUTS = ("cgan", "pytorch-gan")
EMBEDDINGS = ("learned", "onehot")


@dataclass
class CGANConfig(GanConfig):
    num_classes: int = 10
    latent_dim: int = 100  # nz
    embed_dim: int = 10  # size of the generator's label embedding, concatenated to z
    ngf: int = 64
    ndf: int = 64
    channels: int = 1
    image_size: int = 28  # 28, or a power of two >= 16
    embedding: str = "learned"  # label -> vector joined to z: "learned" (nn.Embedding) | "onehot" (identity)
    layout: str = "cgan"  # generator layout: "cgan" (ours, transposed convs) | "pytorch-gan" (label_emb + MLP)
    g_hidden: tuple[int, ...] = (128, 256, 512, 1024)  # "pytorch-gan": hidden sizes of the MLP generator

    def __post_init__(self) -> None:
        self.g_hidden = tuple(self.g_hidden)
        for name in ("num_classes", "latent_dim", "embed_dim", "ngf", "ndf", "channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"CGAN {name} must be a positive integer, got {value!r}")
        if self.num_classes < 2:
            raise ConfigError(f"CGAN num_classes must be at least 2, got {self.num_classes}")
        if self.embedding not in EMBEDDINGS:
            raise ConfigError(f"CGAN embedding must be one of {EMBEDDINGS}, got {self.embedding!r}")
        if self.layout not in LAYOUTS:
            raise ConfigError(f"CGAN layout must be one of {LAYOUTS}, got {self.layout!r}")
        if self.embedding == "onehot" and self.embed_dim != self.num_classes:
            raise ConfigError(f"CGAN embedding onehot needs embed_dim = num_classes = {self.num_classes}, "
                              f"got {self.embed_dim}")
        if not self.g_hidden or not all(isinstance(h, int) and h >= 1 for h in self.g_hidden):
            raise ConfigError(f"CGAN g_hidden must be a non-empty list of positive integers, got {list(self.g_hidden)}")
        if self.layout == "pytorch-gan":  # fully connected: any side (our discriminator still needs 28 or 2**n)
            if not isinstance(self.image_size, int) or self.image_size < 1:
                raise ConfigError(f"CGAN image_size must be a positive integer, got {self.image_size!r}")
        else:
            start_and_ups(self.image_size, "CGAN")  # validates


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

    def __init__(self, config: CGANConfig):
        super().__init__()
        self.config = config
        start, ups = start_and_ups(config.image_size, "CGAN")
        if config.embedding == "learned":
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
        if config.embedding == "learned":
            # N(0, 1) like z: with the 0.02 conv init the label would start 50x quieter than the noise.
            nn.init.normal_(self.label_embedding.weight, 0.0, 1.0)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal latents ``[n, latent_dim]`` drawn on the CPU."""
        return latent_normal(n, (self.config.latent_dim,), generator)

    def embed(self, labels: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """labels [B] -> [B, E]: the learned embedding, or the one-hot vector itself."""
        if self.config.embedding == "onehot":
            return F.one_hot(labels, self.config.num_classes).to(like.dtype)
        return self.label_embedding(labels)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        z = z.flatten(1)  # [B, nz] (a [B, nz, 1, 1] latent is accepted too)
        if labels.shape != (z.shape[0],):
            raise ValueError(f"labels must have shape [{z.shape[0]}], got {list(labels.shape)}")
        joint = torch.cat([z, self.embed(labels, z)], dim=1)  # [B, nz + E]
        return self.main(joint[:, :, None, None])  # [B, nc, S, S]


class PyTorchGANGenerator(nn.Module):
    """PyTorch-GAN's CGAN generator: (z [B, nz], labels [B]) -> image [B, nc, S, S] in [-1, 1]."""

    def __init__(self, config: CGANConfig):
        super().__init__()
        self.config = config
        self.label_emb = nn.Embedding(config.num_classes, config.num_classes)
        numel = config.channels * config.image_size**2
        self.model = mlp_stack(config.latent_dim + config.num_classes, config.g_hidden, numel)
        init_normal_(self)
        nn.init.normal_(self.label_emb.weight, 0.0, 1.0)  # nn.Embedding's own init, as the reference

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim,), generator)  # [n, nz]

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        z = z.flatten(1)
        if labels.shape != (z.shape[0],):
            raise ValueError(f"labels must have shape [{z.shape[0]}], got {list(labels.shape)}")
        joint = torch.cat([self.label_emb(labels), z], dim=1)  # [B, K + nz]: the label comes first
        c, s = self.config.channels, self.config.image_size
        return self.model(joint).view(-1, c, s, s)


def build_generator(config: CGANConfig) -> nn.Module:
    """The generator of ``config.layout``."""
    return PyTorchGANGenerator(config) if config.layout == "pytorch-gan" else Generator(config)


def label_planes(labels: torch.Tensor, num_classes: int, like: torch.Tensor) -> torch.Tensor:
    """One-hot ``labels`` [B] as constant maps [B, num_classes, H, W] matching ``like``'s size and dtype."""
    if labels.shape != (like.shape[0],):
        raise ValueError(f"labels must have shape [{like.shape[0]}], got {list(labels.shape)}")
    onehot = F.one_hot(labels, num_classes).to(like.dtype)  # [B, K]
    return onehot[:, :, None, None].expand(-1, -1, like.shape[2], like.shape[3])


class Discriminator(nn.Module):
    """(image [B, nc, S, S], labels [B]) -> logit [B] that the image is a real one of that class."""

    def __init__(self, config: CGANConfig):
        super().__init__()
        self.config = config
        start, downs = start_and_ups(config.image_size, "CGAN")
        layers, ch = down_layers(config.channels + config.num_classes, config.ndf, downs)  # [B, ch, start, start]
        layers += [nn.Conv2d(ch, 1, start, 1, 0, bias=False)]  # [B, 1, 1, 1]
        self.main = nn.Sequential(*layers)
        init_normal_(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        joint = torch.cat([x, label_planes(labels, self.config.num_classes, x)], dim=1)  # [B, nc + K, S, S]
        return self.main(joint).view(-1)  # [B]

    def probability(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """D(x | y) in [0, 1]: the probability that ``x`` is a real image of class ``labels``."""
        return torch.sigmoid(self(x, labels))


FAMILY = Family(
    name="cgan",
    label="cGAN",
    config_class=CGANConfig,
    components={"generator": build_generator, "discriminator": Discriminator},
    tasks=(Task.CONDITIONAL,),
    inputs=(GeneratorInput.LATENT, GeneratorInput.CLASSES),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels", "num_classes"),
    trainer="ganstudio.train.conditional:CGANTrainer",
    description="Conditional GAN: DCGAN-style; label embedding joined to z, one-hot label planes joined to D's input.",
)
