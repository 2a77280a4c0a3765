import pytest
import torch

from ganstudio.checkpoint import load_folder, new_model, save_folder
from ganstudio.models import cyclegan
from ganstudio.models.base import ConfigError, count_params
from ganstudio.models.cyclegan import FAMILY, CycleGANConfig, Discriminator, Generator
from tests.helpers import assert_golden, assert_roundtrip

# Domain A has 1 channel and B has 3, so a swapped direction would fail loudly.
TINY = dict(in_channels=1, channels=3, image_size=16, n_blocks=2, ngf=4, ndf=4, n_layers_D=2)


@pytest.fixture
def meta(monkeypatch):
    """Build published-size modules for their keys and shapes only: on the meta device, without our init
    (normal_ on meta tensors is slow the first time; values do not matter here)."""
    monkeypatch.setattr(cyclegan, "init_normal_", lambda module: None)
    with torch.device("meta"):
        yield


@pytest.mark.parametrize("norm", ["instance", "batch", "none"])
def test_shapes_both_directions(norm):
    torch.manual_seed(0)
    m = new_model("cyclegan", dict(TINY, norm=norm, use_dropout=norm == "batch"))
    assert set(m.modules) == {"generator", "generator_ba", "discriminator", "discriminator_ba"}
    g_ab, g_ba = m.generator, m.modules["generator_ba"]
    assert g_ab.size_multiple == 4
    a = torch.randn(2, 1, 16, 20)  # sides divisible by 4, not square
    b = g_ab(a)
    assert b.shape == (2, 3, 16, 20) and b.abs().max() <= 1
    assert g_ba(b).shape == (2, 1, 16, 20)
    # PatchGAN: side / 2**2 - 2
    assert m.modules["discriminator"](b).shape == (2, 1, 2, 3)
    assert m.modules["discriminator_ba"](a).shape == (2, 1, 2, 3)


def test_resnet_9blocks_keys_equal_junyanz(meta):
    g = Generator(CycleGANConfig())
    sd = g.state_dict()
    assert len(sd) == 48
    assert count_params(g) == 11_378_179
    assert sd["model.1.weight"].shape == (64, 3, 7, 7)
    assert sd["model.4.weight"].shape == (128, 64, 3, 3)
    assert sd["model.7.weight"].shape == (256, 128, 3, 3)
    blocks = sorted({int(k.split(".")[1]) for k in sd if ".conv_block." in k})
    assert blocks == list(range(10, 19))
    for i in blocks:
        for j in (1, 5):
            assert sd[f"model.{i}.conv_block.{j}.weight"].shape == (256, 256, 3, 3)
            assert sd[f"model.{i}.conv_block.{j}.bias"].shape == (256,)
    assert sd["model.19.weight"].shape == (256, 128, 3, 3)  # ConvT: in-channels first
    assert sd["model.22.weight"].shape == (128, 64, 3, 3)
    assert sd["model.26.weight"].shape == (3, 64, 7, 7)
    assert sd["model.26.bias"].shape == (3,)


def test_resnet_variants_keys(meta):
    six = Generator(CycleGANConfig(n_blocks=6, image_size=128)).state_dict()
    assert sorted({int(k.split(".")[1]) for k in six if ".conv_block." in k}) == list(range(10, 16))
    assert {"model.16.weight", "model.19.weight", "model.23.weight", "model.23.bias"} <= set(six)
    dropout = Generator(CycleGANConfig(use_dropout=True)).state_dict()
    assert "model.10.conv_block.6.weight" in dropout and "model.10.conv_block.5.weight" not in dropout
    batch = Generator(CycleGANConfig(norm="batch")).state_dict()
    assert "model.1.bias" not in batch and "model.2.running_mean" in batch
    assert "model.26.bias" in batch  # the last conv always has a bias


def test_discriminator_keys_equal_junyanz(meta):
    d = Discriminator(CycleGANConfig())
    sd = d.state_dict()
    assert list(sd) == [f"model.{i}.{p}" for i in (0, 2, 5, 8, 11) for p in ("weight", "bias")]
    assert sd["model.0.weight"].shape == (64, 3, 4, 4)
    assert sd["model.11.weight"].shape == (1, 512, 4, 4)
    assert count_params(d) == 2_764_737
    assert Discriminator(CycleGANConfig(in_channels=1), reverse=True).state_dict()["model.0.weight"].shape[1] == 1


def test_discriminators_and_reverse_generator_are_optional(tmp_path):
    assert {"generator_ba", "discriminator", "discriminator_ba"} <= set(FAMILY.optional)
    m = new_model("cyclegan", TINY)
    folder = save_folder(m, tmp_path / "m")
    for name in ("generator_ba", "discriminator", "discriminator_ba"):
        (folder / f"{name}.safetensors").unlink()
    assert set(load_folder(folder).modules) == {"generator"}


@pytest.mark.parametrize("bad,match", [
    (dict(norm="group"), "norm must be one of"),
    (dict(image_size=30), "multiple of 4"),
    (dict(n_blocks=0), "n_blocks must be a positive integer"),
    (dict(image_size=16, n_layers_D=3), "leaves no patch"),
])
def test_bad_configs_are_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        CycleGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("cyclegan", TINY)
    rng = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 1, 16, 16, generator=rng), torch.randn(2, 3, 16, 16, generator=rng)
    out = assert_roundtrip(m, lambda mm: torch.cat([mm.generator(a), mm.modules["generator_ba"](b)], 1), tmp_path)
    assert out.shape == (2, 4, 16, 16)
    assert_golden("cyclegan", out)
