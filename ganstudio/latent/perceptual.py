"""The perceptual distance of projection: LPIPS-style distance in the project's emoji classifier features.

Why this network: no VGG / LPIPS weights can be downloaded here, and a discriminator's features are not always
there (an imported rosinality ``g_ema`` has none) and are trained to separate real from fake rather than to
describe images. The bundled emoji classifier (``checkpoints/metrics/emoji-classifier``, 64 px RGB, trained by
the project on emoji category, skin tone, hair, gender and design) ships with the repository, runs in a few
milliseconds on a CPU and its features already serve the Frechet distance. Images of any size are resized to
its 64 px input (see :func:`ganstudio.metrics.features.prepare`), so for large models the pixel loss carries
the fine detail.

Distance: for each conv block's activation [B, C, h, w], unit-normalise over channels at each position and
average the squared difference (LPIPS without learned weights), summed over blocks.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ..metrics.features import FeatureClassifier, load_classifier

NETWORK = "emoji-classifier"


@functools.lru_cache(maxsize=4)
def _network(device: str) -> FeatureClassifier:
    net = load_classifier("emoji", device=device)
    for p in net.parameters():
        p.requires_grad_(False)  # a private copy: only the images get gradients
    return net.eval()


class PerceptualDistance(nn.Module):
    """distance(x, y) [B] for images in [-1, 1]; ``target`` features can be computed once with :meth:`features`."""

    def __init__(self, device: torch.device | str = "cpu"):
        super().__init__()
        self.net = _network(str(device))

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Channel-normalised activations of each conv block, [B, C_k, h_k, w_k]."""
        h = self.net.prepare(x)
        out = []
        for block in self.net.body:
            h = block(h)
            out.append(h / (h.pow(2).sum(1, keepdim=True).sqrt() + 1e-8))
        return out

    def distance(self, feats_x: list[torch.Tensor], feats_y: list[torch.Tensor]) -> torch.Tensor:
        return sum((a - b).pow(2).sum(1).mean((1, 2)) for a, b in zip(feats_x, feats_y))  # [B]

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.distance(self.features(x), self.features(y))
