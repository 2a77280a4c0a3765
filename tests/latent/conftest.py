"""Tiny randomly initialised models for the latent toolkit's tests."""

from __future__ import annotations

import pytest
import torch

from ganstudio.checkpoint import new_model

TINY_STYLE = dict(image_size=16, style_dim=8, n_mlp=2, channel_base=64, channel_max=16)


def tiny_style(seed: int = 0):
    torch.manual_seed(seed)
    model = new_model("stylegan2", TINY_STYLE, components=("generator",))
    model.generator.update_latent_avg(n=512, generator=torch.Generator().manual_seed(1))
    model.source = f"tiny-style-{seed}"
    return model


@pytest.fixture(scope="session")
def style():
    return tiny_style(0)


@pytest.fixture(scope="session")
def other_style():
    return tiny_style(1)


@pytest.fixture(scope="session")
def dcgan():
    torch.manual_seed(0)
    model = new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, channels=3, image_size=16), components=("generator",))
    model.source = "tiny-dcgan"
    return model
