"""InfoGAN (Chen et al., 2016): a GAN whose latent codes are made interpretable by a Q network.

The generator's input is ``[z, one_hot(label), codes]``: unstructured noise z, a categorical code
(``num_classes`` values, sampled uniformly when training) and ``num_continuous`` continuous codes
(uniform in [-1, 1]). The discriminator's shared trunk feeds an adversarial head and the Q head, which
recovers the categorical code (logits) and the means of the continuous codes; maximising that mutual
information is what ties each code to one factor of variation (digit, slant, width on MNIST).

Layout after the paper's MNIST networks (appendix, table 1), generalised to other sizes:
G: FC 1024 - BN - ReLU, FC (7x7x128) - BN - ReLU, 4x4 up-conv 64 - BN - ReLU, 4x4 up-conv to channels, tanh.
D: 4x4 conv 64 - lReLU, 4x4 conv 128 - BN - lReLU, FC 1024 - BN - lReLU; adversarial head FC 1;
Q: FC 128 - BN - lReLU, then FC to the categorical logits and FC to the continuous means.

Variant: ``layout="pytorch-gan"`` is eriklindernoren/PyTorch-GAN's InfoGAN generator, with its keys:
``[z, one_hot(label), codes]`` through ``l1`` + ``conv_blocks`` (``pytorch_gan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_, latent_normal
from .blocks import start_and_ups
from .pytorch_gan import run_upsample_conv, upsample_conv_stack

LAYOUTS = ("infogan", "pytorch-gan")


@dataclass
class InfoGANConfig(GanConfig):
    latent_dim: int = 62  # size of the noise z (the paper's MNIST value)
    num_classes: int = 10  # values of the categorical code
    num_continuous: int = 2  # continuous codes, uniform in [-1, 1]
    ngf: int = 64
    ndf: int = 64
    fc_dim: int = 1024  # width of the fully connected layer in G and in D's trunk
    q_dim: int = 128  # width of the Q head's hidden layer
    channels: int = 1
    image_size: int = 28  # 28, or a power of two >= 16
    layout: str = "infogan"  # generator layout: "infogan" (ours) | "pytorch-gan" (l1 + conv_blocks)

    def __post_init__(self) -> None:
        for name in ("latent_dim", "num_classes", "ngf", "ndf", "fc_dim", "q_dim", "channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"InfoGAN {name} must be a positive integer, got {value!r}")
        if self.num_classes < 2:
            raise ConfigError(f"InfoGAN num_classes must be at least 2, got {self.num_classes}")
        if not isinstance(self.num_continuous, int) or self.num_continuous < 0:
            raise ConfigError(f"InfoGAN num_continuous must be an integer >= 0, got {self.num_continuous!r}")
        start_and_ups(self.image_size, "InfoGAN")  # validates
        if self.layout not in LAYOUTS:
            raise ConfigError(f"InfoGAN layout must be one of {LAYOUTS}, got {self.layout!r}")

    @property
    def input_dim(self) -> int:
        """Size of the generator's joint input: noise + categorical one-hot + continuous codes."""
        return self.latent_dim + self.num_classes + self.num_continuous


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
    """(z [B, nz], labels [B], codes [B, n_cont] or None) -> image [B, nc, S, S] in [-1, 1]."""

    def __init__(self, config: InfoGANConfig):
        super().__init__()
        self.config = config
        start, ups = start_and_ups(config.image_size, "InfoGAN")
        ch = config.ngf * 2 ** (ups - 1)  # 28 px: 128 channels at 7x7
        self.start, self.ch = start, ch
        self.fc = nn.Sequential(
            nn.Linear(config.input_dim, config.fc_dim, bias=False),  # [B, fc]
            nn.BatchNorm1d(config.fc_dim),
            nn.ReLU(True),
            nn.Linear(config.fc_dim, ch * start * start, bias=False),  # [B, ch * start * start]
            nn.BatchNorm1d(ch * start * start),
            nn.ReLU(True),
        )
        self.main = nn.Sequential(*up_layers(ch, ups, config.channels))  # [B, nc, S, S]
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal noise vectors ``[n, latent_dim]`` drawn on the CPU (codes not included)."""
        return latent_normal(n, (self.config.latent_dim,), generator)

    def sample_codes(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` continuous codes ``[n, num_continuous]``, uniform in [-1, 1], drawn on the CPU."""
        return torch.rand((n, self.config.num_continuous), generator=generator) * 2.0 - 1.0

    def forward(self, z: torch.Tensor, labels: torch.Tensor, codes: torch.Tensor | None = None) -> torch.Tensor:
        c = self.config
        z = z.flatten(1)  # [B, nz] (a [B, nz, 1, 1] latent is accepted too)
        b = z.shape[0]
        if labels.shape != (b,):
            raise ValueError(f"labels must have shape [{b}], got {list(labels.shape)}")
        if codes is None:  # the middle of every continuous code's range
            codes = z.new_zeros(b, c.num_continuous)
        elif codes.shape != (b, c.num_continuous):
            raise ValueError(f"codes must have shape [{b}, {c.num_continuous}], got {list(codes.shape)}")
        onehot = F.one_hot(labels, c.num_classes).to(z.dtype)  # [B, K]
        h = self.fc(torch.cat([z, onehot, codes.to(z.dtype)], dim=1))  # [B, ch * start * start]
        return self.main(h.view(b, self.ch, self.start, self.start))  # [B, nc, S, S]


class PyTorchGANGenerator(nn.Module):
    """PyTorch-GAN's InfoGAN generator: (z [B, nz], labels [B], codes [B, n_cont] or None) -> image."""

    def __init__(self, config: InfoGANConfig):
        super().__init__()
        self.config = config
        self.l1, self.conv_blocks = upsample_conv_stack(config.input_dim, config.ngf, config.channels,
                                                        config.image_size)
        init_normal_(self)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return latent_normal(n, (self.config.latent_dim,), generator)  # [n, nz]

    def sample_codes(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.rand((n, self.config.num_continuous), generator=generator) * 2.0 - 1.0

    def forward(self, z: torch.Tensor, labels: torch.Tensor, codes: torch.Tensor | None = None) -> torch.Tensor:
        c = self.config
        z = z.flatten(1)
        b = z.shape[0]
        if labels.shape != (b,):
            raise ValueError(f"labels must have shape [{b}], got {list(labels.shape)}")
        if codes is None:
            codes = z.new_zeros(b, c.num_continuous)
        elif codes.shape != (b, c.num_continuous):
            raise ValueError(f"codes must have shape [{b}, {c.num_continuous}], got {list(codes.shape)}")
        onehot = F.one_hot(labels, c.num_classes).to(z.dtype)  # [B, K]
        x = torch.cat([z, onehot, codes.to(z.dtype)], dim=1)  # [B, nz + K + n_cont]
        return run_upsample_conv(self.l1, self.conv_blocks, x, c.ngf, c.image_size)


def build_generator(config: InfoGANConfig) -> nn.Module:
    """The generator of ``config.layout``."""
    return PyTorchGANGenerator(config) if config.layout == "pytorch-gan" else Generator(config)


class Discriminator(nn.Module):
    """image [B, nc, S, S] -> (adversarial logit [B], categorical logits [B, K], continuous means [B, n_cont])."""

    def __init__(self, config: InfoGANConfig):
        super().__init__()
        self.config = config
        start, downs = start_and_ups(config.image_size, "InfoGAN")
        layers, ch = down_layers(config.channels, config.ndf, downs)  # [B, ch, start, start]
        layers += [
            nn.Flatten(),  # [B, ch * start * start]
            nn.Linear(ch * start * start, config.fc_dim, bias=False),  # [B, fc]
            nn.BatchNorm1d(config.fc_dim),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        self.trunk = nn.Sequential(*layers)
        self.adv_head = nn.Linear(config.fc_dim, 1)  # [B, 1]
        self.q = nn.Sequential(  # Q shares the trunk: the mutual-information term costs one small head
            nn.Linear(config.fc_dim, config.q_dim, bias=False),
            nn.BatchNorm1d(config.q_dim),
            nn.LeakyReLU(0.2, inplace=True),
        )
        self.cat_head = nn.Linear(config.q_dim, config.num_classes)  # [B, K]
        # [B, n_cont]; without continuous codes there is no head (a 0-output Linear warns at init)
        self.cont_head = nn.Linear(config.q_dim, config.num_continuous) if config.num_continuous else None
        init_normal_(self)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.trunk(x)  # [B, fc]
        q = self.q(h)  # [B, q_dim]
        cont = self.cont_head(q) if self.cont_head is not None else q.new_zeros(q.shape[0], 0)  # [B, n_cont]
        return self.adv_head(h).view(-1), self.cat_head(q), cont  # [B], [B, K], [B, n_cont]

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [B, K] of the categorical code Q infers from ``x``."""
        return self.cat_head(self.q(self.trunk(x)))

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        """D(x) in [0, 1]: the probability that ``x`` is real."""
        return torch.sigmoid(self.adv_head(self.trunk(x)).view(-1))


FAMILY = Family(
    name="infogan",
    label="InfoGAN",
    config_class=InfoGANConfig,
    components={"generator": build_generator, "discriminator": Discriminator},
    tasks=(Task.CONDITIONAL,),
    inputs=(GeneratorInput.LATENT, GeneratorInput.CLASSES, GeneratorInput.CODES),
    evaluation=Evaluation.SAMPLES,
    from_data=("image_size", "channels", "num_classes"),
    trainer="ganstudio.train.conditional:InfoGANTrainer",
    description="InfoGAN: categorical and continuous latent codes made interpretable by a Q head on the discriminator.",
)
