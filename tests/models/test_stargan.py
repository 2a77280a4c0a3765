import pytest
import torch
from torch import nn

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError, count_params
from ganstudio.models.stargan import Discriminator, Generator, StarGANConfig
from tests.helpers import assert_golden, assert_roundtrip

# D: 16 px through 2 stride-2 convs -> 4x4, so the class head's kernel is 4.
TINY = dict(c_dim=3, channels=3, image_size=16, conv_dim=4, repeat_num=2, d_conv_dim=4, d_repeat_num=2)


def test_shapes():
    torch.manual_seed(0)
    m = new_model("stargan", TINY)
    g, d = m.generator, m.modules["discriminator"]
    assert g.size_multiple == 4 and m.config.in_channels == 3
    x = torch.randn(2, 3, 16, 16)
    c = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    y = g(x, c)
    assert y.shape == (2, 3, 16, 16) and y.abs().max() <= 1
    assert g(torch.randn(1, 3, 8, 20), c[:1]).shape == (1, 3, 8, 20)  # any multiple of 4
    src, cls = d(y)
    assert src.shape == (2, 1, 4, 4)
    assert cls.shape == (2, 3)


def test_attributes_change_the_output():
    torch.manual_seed(0)
    g = new_model("stargan", TINY).generator
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        a, b = g(x, torch.tensor([[1, 0, 0]])), g(x, torch.tensor([[0, 1, 0]]))  # ints are accepted
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="c must be"):
        g(x, torch.zeros(1, 5))


def test_generator_keys_equal_yunjey():
    with torch.device("meta"):
        g = Generator(StarGANConfig())
    sd = g.state_dict()
    assert count_params(g) == 8_430_528
    assert sorted({int(k.split(".")[1]) for k in sd}) == [0, 1, 3, 4, 6, 7, *range(9, 17), 18, 19, 21]
    assert sd["main.0.weight"].shape == (64, 8, 7, 7)  # 3 image + 5 attribute planes
    assert sd["main.3.weight"].shape == (128, 64, 4, 4)
    assert sd["main.6.weight"].shape == (256, 128, 4, 4)
    assert sd["main.15.weight"].shape == (256, 128, 4, 4)  # ConvT: in-channels first
    assert sd["main.18.weight"].shape == (128, 64, 4, 4)
    assert sd["main.21.weight"].shape == (3, 64, 7, 7)
    norm_keys = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
    for i in (1, 4, 7, 16, 19):
        assert {k.split(".", 2)[2] for k in sd if k.startswith(f"main.{i}.")} == norm_keys
    for i in range(9, 15):
        for j in (0, 3):
            assert sd[f"main.{i}.main.{j}.weight"].shape == (256, 256, 3, 3)
        for j in (1, 4):
            assert {k.split(".", 4)[4] for k in sd if k.startswith(f"main.{i}.main.{j}.")} == norm_keys
    assert not any(k.endswith(".bias") and sd[k.replace("bias", "weight")].dim() == 4 for k in sd)  # no conv bias
    for m in g.modules():
        if isinstance(m, nn.InstanceNorm2d):
            assert m.affine and m.track_running_stats
    assert len(sd) == 103


def test_discriminator_keys_equal_yunjey():
    with torch.device("meta"):
        d = Discriminator(StarGANConfig())
    sd = d.state_dict()
    assert list(sd) == [f"main.{i}.{p}" for i in range(0, 12, 2) for p in ("weight", "bias")] + [
        "conv1.weight", "conv2.weight"]
    assert sd["main.0.weight"].shape == (64, 3, 4, 4)
    assert sd["main.10.weight"].shape == (2048, 1024, 4, 4)
    assert sd["conv1.weight"].shape == (1, 2048, 3, 3)
    assert sd["conv2.weight"].shape == (5, 2048, 2, 2)  # 128 px / 2**6 = 2


@pytest.mark.parametrize("bad,match", [
    (dict(image_size=30, d_repeat_num=1), "multiple of 4"),
    (dict(image_size=96), "multiple of 2\\*\\*d_repeat_num = 64"),
    (dict(c_dim=0), "c_dim must be a positive integer"),
])
def test_bad_configs_are_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        StarGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("stargan", TINY)
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    c = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    out = assert_roundtrip(m, lambda mm: mm.generator(x, c), tmp_path)
    assert_golden("stargan", out)
