import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.dcgan import DCGANConfig
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=28)


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3)])
def test_shapes(size, channels):
    torch.manual_seed(0)
    m = new_model("dcgan", dict(TINY, image_size=size, channels=channels))
    z = m.generator.sample_latent(3, torch.Generator().manual_seed(1))
    assert z.shape == (3, 8, 1, 1)
    x = m.generator(z)
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1
    assert m.modules["discriminator"](x).shape == (3,)


def test_canonical_keys_at_64px():
    # PyTorch DCGAN example: main.{0,1,3,4,6,7,9,10,12} in G; main.{0,2,3,5,6,8,9,11} in D.
    m = new_model("dcgan")
    g_layers = sorted({int(k.split(".")[1]) for k in m.generator.state_dict()})
    d_layers = sorted({int(k.split(".")[1]) for k in m.modules["discriminator"].state_dict()})
    assert g_layers == [0, 1, 3, 4, 6, 7, 9, 10, 12]
    assert d_layers == [0, 2, 3, 5, 6, 8, 9, 11]
    assert m.generator.state_dict()["main.0.weight"].shape == (100, 512, 4, 4)
    assert m.modules["discriminator"].state_dict()["main.11.weight"].shape == (1, 512, 4, 4)


def test_bad_size_is_refused():
    with pytest.raises(ConfigError, match="image_size"):
        DCGANConfig(image_size=48)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("dcgan", TINY)
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))
    out = assert_roundtrip(m, lambda mm: mm.generator(z), tmp_path)
    assert_golden("dcgan", out)


@pytest.mark.parametrize("norm,keys", [("batch", 5), ("layer", 2), ("none", 0)])
def test_critic_norm_options(norm, keys):
    m = new_model("dcgan", dict(TINY, d_norm=norm))
    d = m.modules["discriminator"]
    assert len([k for k in d.state_dict() if k.startswith("main.3.")]) == keys
    x = m.generator(m.generator.sample_latent(2, torch.Generator().manual_seed(0)))
    # layer norm and no norm treat samples independently: the gradient penalty's per-sample gradients hold
    if norm != "batch":
        assert torch.allclose(d(x[:1]), d(x)[:1], atol=1e-6)
    with pytest.raises(ConfigError, match="d_norm"):
        DCGANConfig(d_norm="spectral")
