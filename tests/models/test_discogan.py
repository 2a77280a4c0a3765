import pytest
import torch
from torch import nn

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.discogan import FAMILY, DiscoGANConfig
from tests.helpers import assert_golden, assert_roundtrip

# Domain A has 3 channels and B has 1, so a swapped direction would fail loudly.
TINY = dict(in_channels=3, channels=1, image_size=16, ngf=4, ndf=4)


@pytest.mark.parametrize("size", [16, 32])
def test_shapes_both_directions(size):
    torch.manual_seed(0)
    m = new_model("discogan", dict(TINY, image_size=size))
    assert set(m.modules) == {"generator", "generator_ba", "discriminator", "discriminator_ba"}
    g_ab, g_ba = m.generator, m.modules["generator_ba"]
    assert g_ab.size_multiple == size // 4  # down to 4x4 at the training size
    a = torch.randn(2, 3, size, size)
    b = g_ab(a)
    assert b.shape == (2, 1, size, size) and b.abs().max() <= 1
    assert g_ba(b).shape == (2, 3, size, size)
    assert m.modules["discriminator"](b).shape == (2,)
    assert m.modules["discriminator_ba"](a).shape == (2,)
    # fully convolutional: a larger multiple of size_multiple translates too
    assert g_ab(torch.randn(1, 3, size * 2, size)).shape == (1, 1, size * 2, size)


def test_feature_matching_outputs():
    m = new_model("discogan", dict(TINY, image_size=32))
    d = m.modules["discriminator"]
    x = torch.randn(2, 1, 32, 32)
    logit, feats = d.forward_with_features(x)
    assert torch.equal(logit, d(x))
    # one feature map per normalised block: 8x8 and 4x4 at 32 px (the first block has no norm)
    assert [tuple(f.shape) for f in feats] == [(2, 8, 8, 8), (2, 16, 4, 4)]


def test_paper_layout_at_64px():
    m = new_model("discogan", dict(ngf=8, ndf=8))  # 64 px default, small widths
    convs = [c for c in m.generator.modules() if isinstance(c, (nn.Conv2d, nn.ConvTranspose2d))]
    # encoder 3 -> 8 -> 16 -> 32 -> 64 (at 4x4), decoder back to 3
    assert [(c.in_channels, c.out_channels) for c in convs] == [
        (3, 8), (8, 16), (16, 32), (32, 64), (64, 32), (32, 16), (16, 8), (8, 3)]
    assert all(c.bias is None for c in convs)  # BatchNorm follows (or Tanh on the last)
    assert m.modules["discriminator"](torch.randn(1, 3, 64, 64)).shape == (1,)
    assert {"discriminator", "discriminator_ba"} <= set(FAMILY.optional)


@pytest.mark.parametrize("bad,match", [
    (dict(image_size=48), "power of two >= 16"),
    (dict(image_size=8), "power of two >= 16"),
    (dict(ngf=0), "ngf must be a positive integer"),
])
def test_bad_configs_are_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        DiscoGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("discogan", TINY)
    rng = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 3, 16, 16, generator=rng), torch.randn(2, 1, 16, 16, generator=rng)
    out = assert_roundtrip(m, lambda mm: torch.cat([mm.generator(a), mm.modules["generator_ba"](b)], 1), tmp_path)
    assert out.shape == (2, 4, 16, 16)
    assert_golden("discogan", out)
