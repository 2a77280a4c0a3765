import math

import pytest
import torch
import torch.nn.functional as F

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.progan import EqualizedConv2d, ProGANConfig, minibatch_stddev
from tests.helpers import assert_golden, assert_roundtrip

# widths: 8 at 4x4 and 8x8, 4 at 16x16
TINY = dict(latent_dim=8, image_size=16, channels=3, fmap_base=32, fmap_max=8, mbstd_group_size=2)


def tiny(**overrides):
    torch.manual_seed(0)
    m = new_model("progan", dict(TINY, **overrides))
    for mm in m.modules.values():
        mm.eval()
    return m


def test_every_depth_gives_its_resolution():
    m = tiny()
    g, d = m.generator, m.modules["discriminator"]
    z = g.sample_latent(3, torch.Generator().manual_seed(1))
    assert z.shape == (3, 8)
    with torch.no_grad():
        for depth, side in enumerate((4, 8, 16)):
            for alpha in (0.0, 0.5, 1.0):
                x = g(z, depth=depth, alpha=alpha)
                assert x.shape == (3, 3, side, side)
                assert x.abs().max() <= 1  # clipped in eval mode
                assert d(x, alpha=alpha).shape == (3,)  # depth read from the image size
                assert d(x, depth, alpha).shape == (3,)
        assert g(z).shape == (3, 3, 16, 16)  # depth None: full size


def test_fade_in_blends_previous_stage():
    m = tiny()
    g, d = m.generator, m.modules["discriminator"]
    z = g.sample_latent(2, torch.Generator().manual_seed(0))
    with torch.no_grad():
        new, old = g(z, depth=1, alpha=1.0), g(z, depth=1, alpha=0.0)
        assert not torch.allclose(new, old)
        # alpha = 0 is exactly the 4x4 stage's image, doubled in size
        assert torch.equal(old, F.interpolate(g(z, depth=0), scale_factor=2, mode="nearest"))
        g.train()  # unclipped output, so the blend is exactly linear in alpha
        new, old, half = (g(z, depth=1, alpha=a) for a in (1.0, 0.0, 0.5))
        assert torch.allclose(half, (new + old) / 2, atol=1e-6)
        # D mirrors it: alpha = 0 reads the image through the previous stage's fromRGB
        x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(2)) * 2 - 1
        assert not torch.allclose(d(x, alpha=1.0), d(x, alpha=0.0))
        assert torch.equal(d(x, alpha=0.0), d(F.avg_pool2d(x, 2)))


def test_equalized_learning_rate():
    layer = EqualizedConv2d(64, 32, 3)
    assert abs(layer.weight.std().item() - 1.0) < 0.05  # stored N(0, 1)
    assert layer.scale == pytest.approx(math.sqrt(2) / math.sqrt(64 * 9))  # He constant at run time
    assert "scale" not in layer.state_dict()


def test_pixel_norm_in_generator():
    g = tiny().generator
    with torch.no_grad():
        h = g.blocks[0](torch.randn(2, 8) * 5)  # [2, 8, 4, 4]
    rms = h.pow(2).mean(dim=1).sqrt()
    assert torch.allclose(rms, torch.ones_like(rms), atol=1e-4)


def test_minibatch_stddev_any_batch_size():
    for b in (1, 3, 4, 6):
        x = torch.randn(b, 5, 4, 4)
        y = minibatch_stddev(x, 4)
        assert y.shape == (b, 6, 4, 4)
        assert torch.equal(y[:, :5], x)
    assert tiny(mbstd_group_size=0).modules["discriminator"].blocks[0].conv.weight.shape[1] == 8  # no extra channel


def test_grown_model_extends_the_smaller_one():
    small = new_model("progan", dict(TINY, image_size=8))
    big = new_model("progan", TINY)
    for name in ("generator", "discriminator"):
        s, b = small.modules[name].state_dict(), big.modules[name].state_dict()
        assert set(s) < set(b)
        assert all(s[k].shape == b[k].shape for k in s)


def test_bad_growth_state_is_refused():
    m = tiny()
    z = m.generator.sample_latent(2)
    with pytest.raises(ValueError, match="depth"):
        m.generator(z, depth=3)
    with pytest.raises(ValueError, match="alpha"):
        m.generator(z, depth=1, alpha=1.5)
    with pytest.raises(ValueError, match="resolutions"):
        m.modules["discriminator"](torch.zeros(2, 3, 12, 12))
    with pytest.raises(ValueError, match="depth 1 takes 8 px"):
        m.modules["discriminator"](torch.zeros(2, 3, 16, 16), depth=1)


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(image_size=48), "image_size"),
        (dict(image_size=2), "image_size"),
        (dict(fmap_base=4, fmap_max=8, image_size=64), "widths"),
        (dict(mbstd_group_size=-1), "mbstd_group_size"),
    ],
)
def test_bad_config_is_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        ProGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("progan", TINY)
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))

    def run(mm):  # G's images mid fade-in, then D's logits: the round trip covers both components
        x = mm.generator(z, depth=2, alpha=0.5)
        return torch.cat([x.flatten(), mm.modules["discriminator"](x, alpha=0.5)])

    out = assert_roundtrip(m, run, tmp_path)
    assert_golden("progan", out)
