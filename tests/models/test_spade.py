import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError, count_params
from ganstudio.models.spade import SPADEConfig, SPADEResBlock, one_hot_segmap
from tests.helpers import assert_golden, assert_roundtrip

# 16 px from a 4x4 start (two up-samplings), 3 labels.
TINY = dict(num_labels=3, channels=3, image_size=16, num_upsampling=2, ngf=4, ndf=4, spade_hidden=8,
            n_layers_D=2, num_D=2)


def segmap(b: int, h: int, w: int, labels: int = 3, seed: int = 0) -> torch.Tensor:
    """Blocky random label map, one-hot [b, labels, h, w]."""
    idx = torch.randint(0, labels, (b, h // 4, w // 4), generator=torch.Generator().manual_seed(seed))
    idx = idx.repeat_interleave(4, 1).repeat_interleave(4, 2)
    return one_hot_segmap(idx, labels)


@pytest.mark.parametrize("extra", [
    dict(),
    dict(z_dim=8),
    dict(param_free_norm="instance", use_spectral_norm=False),
])
def test_shapes(extra):
    torch.manual_seed(0)
    m = new_model("spade", dict(TINY, **extra))
    g, d = m.generator, m.modules["discriminator"]
    assert g.size_multiple == 4 and m.config.in_channels == 3
    seg = segmap(2, 16, 16)
    z = g.sample_latent(2, torch.Generator().manual_seed(1))
    assert z.shape == (2, m.config.z_dim)
    x = g(seg, z)
    assert x.shape == (2, 3, 16, 16) and x.abs().max() <= 1
    # another size than the training one: the start map follows the label map
    assert g(segmap(1, 8, 24)).shape == (1, 3, 8, 24)
    # multi-scale PatchGAN on (image, label map), k4 p2 convs: 16 -> 9 (stride 2) -> 10 (stride 1) -> 11
    # (logits); the half scale sees 8 px: 5 -> 6 -> 7
    logits = d(x, seg)
    assert [tuple(o.shape) for o in logits] == [(2, 1, 11, 11), (2, 1, 7, 7)]
    d.eval()  # in training mode each call also steps spectral norm's power iteration
    feats = d.features(x, seg)
    assert len(feats) == 2 and all(len(f) == 3 for f in feats)
    assert torch.equal(feats[0][-1], d(x, seg)[0])


def test_output_follows_the_label_map_and_the_latent():
    torch.manual_seed(0)
    m = new_model("spade", dict(TINY, z_dim=8))
    g = m.generator.eval()
    with torch.no_grad():
        base = g(segmap(1, 16, 16, seed=0))
        assert torch.equal(base, g(segmap(1, 16, 16, seed=0)))  # z=None: the prior's mean, deterministic
        assert not torch.allclose(base, g(segmap(1, 16, 16, seed=1)))
        assert not torch.allclose(base, g(segmap(1, 16, 16, seed=0), torch.randn(1, 8)))


def test_residual_blocks_learn_a_shortcut_only_when_channels_change():
    cfg = SPADEConfig(**TINY)
    assert not hasattr(SPADEResBlock(8, 8, cfg), "conv_s")
    block = SPADEResBlock(8, 4, cfg)
    assert block.conv_s.bias is None
    x = block(torch.randn(2, 8, 4, 4), segmap(2, 16, 16))  # the label map is resized to x
    assert x.shape == (2, 4, 4, 4)


def test_default_is_cpu_sized_and_has_no_latent():
    m = new_model("spade")
    assert m.config.image_size == 64 and m.config.z_dim == 0
    assert count_params(m.generator) < 4_000_000
    assert m.generator.start == 4  # 64 px from 4x4


def test_bad_inputs_are_refused():
    m = new_model("spade", TINY)
    with pytest.raises(ValueError, match="one-hot map of 3"):
        m.generator(torch.randn(1, 1, 16, 16))
    with pytest.raises(ValueError, match="multiples of 4"):
        m.generator(segmap(1, 16, 16)[:, :, :14])
    with pytest.raises(ValueError, match="takes no latent"):
        m.generator(segmap(1, 16, 16), torch.randn(1, 8))


@pytest.mark.parametrize("bad,match", [
    (dict(image_size=60), "multiple of 2\\*\\*num_upsampling = 16"),
    (dict(param_free_norm="group"), "param_free_norm must be one of"),
    (dict(z_dim=-1), "z_dim must be an integer >= 0"),
    (dict(num_D=0), "num_D must be a positive integer"),
])
def test_bad_configs_are_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        SPADEConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("spade", dict(TINY, z_dim=8))
    seg = segmap(2, 16, 16)
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))
    out = assert_roundtrip(m, lambda mm: mm.generator(seg, z), tmp_path)
    assert_golden("spade", out)
