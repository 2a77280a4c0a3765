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
    assert all(layer.p == 0.0 for layer in m.generator.main if isinstance(layer, torch.nn.Dropout))
    d_kinds = [type(layer).__name__ for layer in m.modules["discriminator"].main]
    assert d_kinds == ["Linear", "LeakyReLU", "Dropout", "Linear", "LeakyReLU", "Dropout", "Linear"]
    assert m.generator.state_dict()["main.6.weight"].shape == (28 * 28, 512)
    assert m.modules["discriminator"].state_dict()["main.0.weight"].shape == (512, 28 * 28)


def test_generator_batchnorm_layout_and_eval_determinism(tmp_path):
    m = new_model("mlp", dict(TINY, g_batchnorm=True, g_dropout=0.5))
    kinds = [type(layer).__name__ for layer in m.generator.main]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "BatchNorm1d", "ReLU", "Dropout",
                     "Linear", "Tanh"]
    assert m.generator.state_dict()["main.8.weight"].shape == (64, 32)
    assert "main.1.running_mean" in m.generator.state_dict()
    z = m.generator.sample_latent(4, torch.Generator().manual_seed(0))
    m.generator.eval()  # sampling mode: running statistics, no dropout, one image per latent whatever the batch
    assert torch.allclose(m.generator(z)[:1], m.generator(z[:1]), atol=1e-6)
    assert_roundtrip(m, lambda mm: mm.generator.eval()(z), tmp_path)


def test_configs_from_before_generator_options_load_as_before():
    old = {k: v for k, v in MLPConfig().to_dict().items() if k not in ("g_dropout", "g_batchnorm")}
    cfg = MLPConfig.from_dict(old)
    assert cfg.g_dropout == 0.0 and not cfg.g_batchnorm and cfg.dropout == 0.3


def test_hidden_sizes_survive_json():
    cfg = MLPConfig(g_hidden=[4, 8], d_hidden=[8])  # lists given in Python become tuples
    assert MLPConfig.from_dict(cfg.to_dict() | {"g_hidden": [4, 8], "d_hidden": [8]}) == cfg


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(g_hidden=()), "g_hidden"),
        (dict(d_hidden=(8, 0)), "d_hidden"),
        (dict(dropout=1.0), "dropout"),
        (dict(g_dropout=-0.1), "g_dropout"),
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
