import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models import pix2pix
from ganstudio.models.base import ConfigError, count_params
from ganstudio.models.pix2pix import Discriminator, Generator, Pix2PixConfig
from tests.helpers import assert_golden, assert_roundtrip

# num_downs 5 is the shallowest U-Net (32 px -> 1x1 in the middle).
TINY = dict(in_channels=1, channels=3, image_size=32, num_downs=5, ngf=4, ndf=4, n_layers_D=3)


@pytest.fixture
def meta(monkeypatch):
    """Build published-size modules for their keys and shapes only: on the meta device, without our init
    (normal_ on meta tensors is slow the first time; values do not matter here)."""
    monkeypatch.setattr(pix2pix, "init_normal_", lambda module: None)
    with torch.device("meta"):
        yield


@pytest.mark.parametrize("norm", ["batch", "instance", "none"])
@pytest.mark.parametrize("use_dropout", [False, True])
def test_shapes(norm, use_dropout):
    torch.manual_seed(0)
    m = new_model("pix2pix", dict(TINY, norm=norm, use_dropout=use_dropout))
    g, d = m.generator, m.modules["discriminator"]
    assert g.size_multiple == 32
    a = torch.randn(2, 1, 32, 64)  # any multiple of 2**num_downs, not only square
    b = g(a)
    assert b.shape == (2, 3, 32, 64)
    assert b.abs().max() <= 1
    # PatchGAN on the pair: side / 2**3 - 2 patches.
    assert d(torch.cat([a, b], 1)).shape == (2, 1, 2, 6)


def test_unet_256_keys_equal_junyanz(meta):
    g = Generator(Pix2PixConfig())
    sd = g.state_dict()
    assert len(sd) == 82
    assert count_params(g) == 54_413_955  # "54.414 M"
    assert sd["model.model.0.weight"].shape == (64, 3, 4, 4)
    assert "model.model.0.bias" not in sd  # batch norm: no conv bias
    assert sd["model.model.1.model.1.weight"].shape == (128, 64, 4, 4)
    assert {k for k in sd if k.startswith("model.model.1.model.2.")} == {
        f"model.model.1.model.2.{n}" for n in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    }
    assert sd["model.model.3.weight"].shape == (128, 3, 4, 4)  # outermost ConvT, in-channels first
    assert sd["model.model.3.bias"].shape == (3,)
    # innermost (8 levels deep): ConvT 512 -> 512 on the 1x1 bottleneck, no down-norm
    inner = "model.model.1" + ".model.3" * 6 + ".model."
    assert sd[inner + "1.weight"].shape == (512, 512, 4, 4)
    assert sd[inner + "3.weight"].shape == (512, 512, 4, 4)
    assert inner + "2.weight" not in sd


def test_unet_variants_keep_keys(meta):
    dropout = Generator(Pix2PixConfig()).state_dict()
    no_drop = Generator(Pix2PixConfig(use_dropout=False)).state_dict()
    unet_128 = Generator(Pix2PixConfig(num_downs=7, image_size=128)).state_dict()
    instance = Generator(Pix2PixConfig(norm="instance")).state_dict()
    assert set(no_drop) == set(dropout)  # dropout has no weights and sits after the up path: same keys
    assert len(unet_128) == 70  # one middle level fewer (12 keys)
    # instance norm: no norm keys, every conv gets a bias
    assert not any("running_mean" in k for k in instance)
    assert "model.model.0.bias" in instance and "model.model.1.model.1.bias" in instance
    assert len(instance) == 32


def test_discriminator_keys_equal_junyanz(meta):
    d = Discriminator(Pix2PixConfig())
    sd = d.state_dict()
    layers = sorted({int(k.split(".")[1]) for k in sd})
    assert layers == [0, 2, 3, 5, 6, 8, 9, 11]
    assert sd["model.0.weight"].shape == (64, 6, 4, 4)  # A and B concatenated
    assert sd["model.8.weight"].shape == (512, 256, 4, 4)
    assert sd["model.11.weight"].shape == (1, 512, 4, 4)
    assert "model.11.bias" in sd and "model.2.bias" not in sd
    assert count_params(d) == 2_768_705


@pytest.mark.parametrize("bad,match", [
    (dict(norm="group"), "norm must be one of"),
    (dict(image_size=100), "multiple of 2\\*\\*num_downs = 256"),
    (dict(num_downs=4, image_size=64), "num_downs must be an integer >= 5"),
    (dict(ngf=0), "ngf must be a positive integer"),
    (dict(n_layers_D=7), "leaves no patch"),
])
def test_bad_configs_are_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        Pix2PixConfig(**bad)


def test_unknown_key_is_refused():
    with pytest.raises(ConfigError, match="unknown config keys"):
        Pix2PixConfig.from_dict({"netG": "unet_256"})


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("pix2pix", TINY)  # eval mode in assert_roundtrip: running BN stats, no dropout
    a = torch.randn(2, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    out = assert_roundtrip(m, lambda mm: mm.generator(a), tmp_path)
    assert_golden("pix2pix", out)
