"""SPADE / GauGAN (Park et al., 2019): semantic image synthesis with spatially-adaptive normalisation.

A label map (one-hot, ``[B, num_labels, H, W]``) becomes an image. Ordinary normalisation layers wash
out a label map fed at the input, so SPADE feeds it to *every* normalisation instead:

    out = norm(x) * (1 + gamma(m)) + beta(m)

where ``norm`` has no parameters of its own (BatchNorm or InstanceNorm with ``affine=False``) and
``gamma`` / ``beta`` are per-pixel maps predicted by small convs from the label map ``m`` resized to
``x``'s side. The generator starts from a small map (``image_size / 2**num_upsampling`` a side) and
doubles it ``num_upsampling`` times, each time through a SPADE residual block. The starting map comes
from a latent ``z`` through a linear layer (``z_dim > 0``) or, deterministically, from the label map
downsampled to that side (``z_dim = 0``, the paper's default without the image encoder).

The discriminator is the paper's multi-scale PatchGAN: ``num_D`` discriminators of the same design see
the image concatenated with the label map at full, half, quarter ... resolution and each returns patch
logits; their intermediate features serve the feature-matching loss. Spectral normalisation (on by
default, as in the paper) wraps the generator's residual convs and the discriminator's inner convs.

Defaults are small so that the model trains on a CPU (64 px, ngf 16, ~3 M generator parameters).
The layout is our own; no published checkpoint is claimed to load.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .base import ConfigError, Evaluation, Family, GanConfig, GeneratorInput, Task, init_normal_, latent_normal

PARAM_FREE_NORMS = ("batch", "instance")


@dataclass
class SPADEConfig(GanConfig):
    num_labels: int = 8  # one-hot label channels; set to the data set's label count
    channels: int = 3
    image_size: int = 64
    num_upsampling: int = 4  # the generator starts at image_size / 2**num_upsampling (64 px: 4x4)
    ngf: int = 16  # channels at full size; x2 per halving, capped at 16*ngf
    ndf: int = 16
    z_dim: int = 0  # 0: the image is a function of the label map alone
    spade_hidden: int = 32  # channels of the shared conv that reads the label map (128 in the paper)
    param_free_norm: str = "batch"  # batch | instance
    use_spectral_norm: bool = True
    n_layers_D: int = 4
    num_D: int = 2  # discriminator scales

    def __post_init__(self) -> None:
        for name in ("num_labels", "channels", "image_size", "num_upsampling", "ngf", "ndf", "spade_hidden",
                     "n_layers_D", "num_D"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"spade {name} must be a positive integer, got {value!r}")
        if not isinstance(self.z_dim, int) or self.z_dim < 0:
            raise ConfigError(f"spade z_dim must be an integer >= 0 (0 = no latent), got {self.z_dim!r}")
        if self.param_free_norm not in PARAM_FREE_NORMS:
            raise ConfigError(f"spade param_free_norm must be one of {list(PARAM_FREE_NORMS)}, "
                              f"got {self.param_free_norm!r}")
        if self.image_size % 2**self.num_upsampling:
            raise ConfigError(f"spade image_size must be a multiple of 2**num_upsampling = "
                              f"{2**self.num_upsampling}, got {self.image_size}")

    @property
    def in_channels(self) -> int:
        """The generator's input channels: the one-hot label map."""
        return self.num_labels


def one_hot_segmap(labels: torch.Tensor, num_labels: int) -> torch.Tensor:
    """Label indices [B, H, W] (int) -> one-hot float map [B, num_labels, H, W]."""
    return F.one_hot(labels.long(), num_labels).permute(0, 3, 1, 2).float()


def _sn(module: nn.Module, enabled: bool) -> nn.Module:
    return spectral_norm(module) if enabled else module


class SPADE(nn.Module):
    """x [B, C, H, W], segmap [B, L, H', W'] -> norm(x) * (1 + gamma) + beta, [B, C, H, W]."""

    def __init__(self, channels: int, num_labels: int, hidden: int, norm: str):
        super().__init__()
        # No affine parameters: the scale and shift come from the label map.
        self.param_free_norm = (nn.BatchNorm2d(channels, affine=False) if norm == "batch"
                                else nn.InstanceNorm2d(channels, affine=False))
        self.mlp_shared = nn.Sequential(nn.Conv2d(num_labels, hidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.mlp_beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        normalized = self.param_free_norm(x)
        # Nearest keeps the map one-hot (no blended labels at class borders).
        segmap = F.interpolate(segmap, size=x.shape[2:], mode="nearest")  # [B, L, H, W]
        actv = self.mlp_shared(segmap)  # [B, hidden, H, W]
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class SPADEResBlock(nn.Module):
    """[B, fin, H, W] -> [B, fout, H, W]: two SPADE-LReLU-conv3 steps plus a shortcut.

    The shortcut is the identity when ``fin == fout`` and a learned SPADE + 1x1 conv (no bias)
    otherwise, so that the sum's channels agree.
    """

    def __init__(self, fin: int, fout: int, config: SPADEConfig):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        args = (config.num_labels, config.spade_hidden, config.param_free_norm)
        self.norm_0 = SPADE(fin, *args)
        self.conv_0 = nn.Conv2d(fin, fmiddle, 3, padding=1)
        self.norm_1 = SPADE(fmiddle, *args)
        self.conv_1 = nn.Conv2d(fmiddle, fout, 3, padding=1)
        if self.learned_shortcut:
            self.norm_s = SPADE(fin, *args)
            self.conv_s = nn.Conv2d(fin, fout, 1, bias=False)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        x_s = self.conv_s(self.norm_s(x, segmap)) if self.learned_shortcut else x  # [B, fout, H, W]
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, segmap), 0.2))  # [B, fmiddle, H, W]
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, segmap), 0.2))  # [B, fout, H, W]
        return x_s + dx


def level_channels(config: SPADEConfig) -> list[int]:
    """Channels at each side from the smallest (index 0) to full size: 64 px, ngf 16 -> [256, 128, 64, 32, 16]."""
    n = config.num_upsampling
    return [config.ngf * min(2 ** (n - level), 16) for level in range(n + 1)]


class Generator(nn.Module):
    """``forward(segmap_onehot [B, num_labels, H, W], z [B, z_dim] | None) -> image [B, channels, H, W]``.

    H and W must be multiples of ``size_multiple`` = 2**num_upsampling. With ``z_dim > 0`` and no ``z``
    the latent is zero (the prior's mean), so a call without ``z`` is deterministic; pass
    ``sample_latent(n, generator)`` for variety.
    """

    def __init__(self, config: SPADEConfig):
        super().__init__()
        self.config = config
        self.size_multiple = 2**config.num_upsampling
        self.start = config.image_size // self.size_multiple  # side of the first map
        chs = level_channels(config)
        if config.z_dim > 0:
            self.fc = nn.Linear(config.z_dim, chs[0] * self.start**2)  # z -> [B, chs[0], start, start]
        else:
            self.fc = nn.Conv2d(config.num_labels, chs[0], 3, padding=1)  # small segmap -> [B, chs[0], s, s]
        self.head = SPADEResBlock(chs[0], chs[0], config)
        # ups[i]: after a 2x upsample, chs[i] -> chs[i + 1].
        self.ups = nn.ModuleList(SPADEResBlock(a, b, config) for a, b in zip(chs, chs[1:]))
        self.conv_img = nn.Conv2d(chs[-1], config.channels, 3, padding=1)
        init_normal_(self)
        # Spectral norm after init: it reparametrises `weight`, which init must set first.
        for block in (self.head, *self.ups):
            for name in ("conv_0", "conv_1", "conv_s"):
                if hasattr(block, name):
                    setattr(block, name, _sn(getattr(block, name), config.use_spectral_norm))

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z [n, z_dim] drawn on the CPU ([n, 0] when the model takes no latent)."""
        return latent_normal(n, (self.config.z_dim,), generator)

    def forward(self, segmap: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        cfg = self.config
        b, labels, h, w = segmap.shape
        if labels != cfg.num_labels:
            raise ValueError(f"segmap has {labels} channels, the model expects a one-hot map of {cfg.num_labels}")
        if h % self.size_multiple or w % self.size_multiple:
            raise ValueError(f"segmap sides {h}x{w} must be multiples of {self.size_multiple}")
        base = (h // self.size_multiple, w // self.size_multiple)
        if cfg.z_dim > 0:
            if z is None:
                z = segmap.new_zeros(b, cfg.z_dim)
            x = self.fc(z).view(b, -1, self.start, self.start)  # [B, chs[0], start, start]
            if x.shape[2:] != base:  # another size than the training one: stretch the code
                x = F.interpolate(x, size=base, mode="nearest")
        else:
            if z is not None and z.numel() > 0:
                raise ValueError("this SPADE model has z_dim = 0 and takes no latent")
            x = self.fc(F.interpolate(segmap, size=base, mode="nearest"))  # [B, chs[0], h/2**n, w/2**n]
        x = self.head(x, segmap)
        for block in self.ups:
            x = block(F.interpolate(x, scale_factor=2, mode="nearest"), segmap)  # side x2
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))  # [B, channels, H, W]


class PatchDiscriminator(nn.Module):
    """One scale: [B, channels + num_labels, S, S] -> features of each layer, the last being logits [B, 1, h, w]."""

    def __init__(self, config: SPADEConfig):
        super().__init__()
        nf = config.ndf
        # k4 with padding 2: stride 2 gives floor(S/2) + 1, stride 1 gives S + 1 (never empty).
        layers = [nn.Sequential(nn.Conv2d(config.channels + config.num_labels, nf, 4, 2, 2), nn.LeakyReLU(0.2))]
        for n in range(1, config.n_layers_D):
            prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == config.n_layers_D - 1 else 2
            # The instance norm removes the mean, so the conv needs no bias.
            layers.append(nn.Sequential(nn.Conv2d(prev, nf, 4, stride, 2, bias=False),
                                        nn.InstanceNorm2d(nf, affine=False), nn.LeakyReLU(0.2)))
        layers.append(nn.Sequential(nn.Conv2d(nf, 1, 4, 1, 2)))  # patch logits
        self.layers = nn.ModuleList(layers)
        init_normal_(self)
        # Spectral norm after init (it reparametrises `weight`) on the inner convs, as in the paper.
        for layer in self.layers[1:-1]:
            layer[0] = _sn(layer[0], config.use_spectral_norm)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for layer in self.layers:
            x = layer(x)
            features.append(x)  # [B, C_i, h_i, w_i]
        return features


class Discriminator(nn.Module):
    """Multi-scale PatchGAN: ``forward(image, segmap_onehot)`` -> ``num_D`` logit maps [B, 1, h_i, w_i].

    Scale i sees the pair average-pooled i times (full, half, quarter ... resolution).
    """

    def __init__(self, config: SPADEConfig):
        super().__init__()
        self.config = config
        self.scales = nn.ModuleList(PatchDiscriminator(config) for _ in range(config.num_D))

    def features(self, image: torch.Tensor, segmap: torch.Tensor) -> list[list[torch.Tensor]]:
        """Per scale, every layer's output (the last is the logit map), for feature matching."""
        x = torch.cat([image, segmap], 1)  # [B, channels + num_labels, H, W]
        out = []
        for i, scale in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)  # halve the side
            out.append(scale(x))
        return out

    def forward(self, image: torch.Tensor, segmap: torch.Tensor) -> list[torch.Tensor]:
        return [feats[-1] for feats in self.features(image, segmap)]


FAMILY = Family(
    name="spade",
    label="SPADE",
    config_class=SPADEConfig,
    components={"generator": Generator, "discriminator": Discriminator},
    tasks=(Task.TRANSLATE,),
    inputs=(GeneratorInput.LABEL_MAP, GeneratorInput.LATENT),
    evaluation=Evaluation.TRANSLATION,
    from_data=("image_size", "channels", "num_labels"),
    trainer="ganstudio.train.translation:SPADETrainer",
    description="Semantic image synthesis (GauGAN): label map -> image through spatially-adaptive norms.",
)
