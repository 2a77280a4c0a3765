import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.mlp import MLPConfig
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(latent_dim=8, g_hidden=(16, 32), d_hidden=(32, 16), dropout=0.3, image_size=8, channels=1)


@pytest.mark.parametrize("size,channels", [(8, 1), (12, 3)])
def test_shapes(size, channels):
    torch.manual_seed(0)
    m = new_model("mlp", dict(TINY, image_size=size, channels=channels))
    z = m.generator.sample_latent(3, torch.Generator().manual_seed(1))
    assert z.shape == (3, 8)
    x = m.generator(z)
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1
    d = m.modules["discriminator"]
    assert d(x).shape == (3,)
    p = d.probability(x)
    assert p.shape == (3,) and ((p >= 0) & (p <= 1)).all()


def test_layer_order_and_keys():
    m = new_model("mlp")  # defaults: two hidden layers each
    g_kinds = [type(layer).__name__ for layer in m.generator.main]
    assert g_kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear", "Tanh"]
    d_kinds = [type(layer).__name__ for layer in m.modules["discriminator"].main]
    assert d_kinds == ["Linear", "LeakyReLU", "Dropout", "Linear", "LeakyReLU", "Dropout", "Linear"]
    assert m.generator.state_dict()["main.6.weight"].shape == (28 * 28, 512)
    assert m.modules["discriminator"].state_dict()["main.0.weight"].shape == (512, 28 * 28)


def test_hidden_sizes_survive_json():
    cfg = MLPConfig(g_hidden=[4, 8], d_hidden=[8])  # lists given in Python become tuples
    assert MLPConfig.from_dict(cfg.to_dict() | {"g_hidden": [4, 8], "d_hidden": [8]}) == cfg


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(g_hidden=()), "g_hidden"),
        (dict(d_hidden=(8, 0)), "d_hidden"),
        (dict(dropout=1.0), "dropout"),
        (dict(image_size=0), "image_size"),
        (dict(latent_dim=-1), "latent_dim"),
    ],
)
def test_bad_config_is_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        MLPConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("mlp", TINY)
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))

    def run(mm):  # G's images, then D's logits: the round trip covers both components
        x = mm.generator(z)
        return torch.cat([x.flatten(), mm.modules["discriminator"](x)])

    out = assert_roundtrip(m, run, tmp_path)
    # The N(0, 0.02) init makes outputs ~1e-3, so the tolerance follows the output's scale.
    assert_golden("mlp", out)
