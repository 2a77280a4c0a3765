import math

import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.toy import MOMENT_GROUP, moments
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(latent_dim=2, g_hidden=(8, 8), d_hidden=(8,))


@pytest.mark.parametrize("dim", [1, 2])
def test_shapes_and_keys(dim):
    torch.manual_seed(0)
    m = new_model("toy", dict(TINY, dim=dim))
    z = m.generator.sample_latent(5, torch.Generator().manual_seed(1))
    assert z.shape == (5, 2)
    x = m.generator(z)
    assert x.shape == (5, dim)
    assert m.modules["discriminator"](x).shape == (5,)
    assert set(m.generator.state_dict()) == {f"net.{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")}


def test_moment_discriminator_judges_groups():
    m = new_model("toy", dict(TINY, dim=1, d_features="moments"))
    x = torch.randn(2 * MOMENT_GROUP, 1)
    assert m.modules["discriminator"](x).shape == (2,)  # one logit per group of samples


@pytest.mark.parametrize("bad", [dict(dim=3), dict(latent_dim=0), dict(g_hidden=()), dict(d_features="moments"),
                                 dict(d_features="pixels", dim=1)])
def test_bad_configs_are_refused(bad):
    with pytest.raises(ConfigError):
        new_model("toy", dict(TINY, **bad))


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("toy", TINY)
    z = m.generator.sample_latent(4, torch.Generator().manual_seed(0))
    out = assert_roundtrip(m, lambda mm: mm.generator(z), tmp_path)
    assert_golden("toy", out)


def test_the_playground_trains_the_same_networks():
    from ganstudio import playground
    from ganstudio.models import toy

    run = playground.PlaygroundRun(playground.PlaygroundConfig(data="moons", g_hidden=(8,), d_hidden=(8,)))
    assert type(run.G) is toy.ToyGenerator and type(run.D) is toy.ToyDiscriminator


def test_moments():
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 8.0]])
    m = moments(x, dim=1)
    assert m.shape == (2, 4)
    assert m[0].tolist() == pytest.approx([2.5, math.sqrt(1.25), 0.0, 1.64 - 3.0], abs=1e-4)
    assert m[1, 0].item() == pytest.approx(2.0) and m[1, 2].item() > 1  # one outlier: right skew
    normal = torch.randn(1, 100_000, generator=torch.Generator().manual_seed(0))
    assert moments(normal, dim=1)[0].tolist() == pytest.approx([0, 1, 0, 0], abs=0.05)
    y = torch.randn(3, 32, requires_grad=True)
    moments(y, dim=1).sum().backward()  # a discriminator can train G through it
    assert torch.isfinite(y.grad).all()
    assert moments(torch.randn(5, 7), dim=0).shape == (7, 4)
