import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.sgan import SGANConfig
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(num_classes=3, latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16)


@pytest.mark.parametrize("size,channels", [(16, 1), (28, 1), (32, 3)])
def test_shapes(size, channels):
    torch.manual_seed(0)
    m = new_model("sgan", dict(TINY, image_size=size, channels=channels))
    z = m.generator.sample_latent(3, torch.Generator().manual_seed(1))
    assert z.shape == (3, 8)
    x = m.generator(z)
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1
    d = m.modules["discriminator"].eval()
    logits = d(x)
    assert logits.shape == (3, 4)  # K + 1: index K is "fake"
    assert torch.equal(d.classify(x), logits[:, :3])
    p = d.probability(x)
    assert torch.allclose(p, 1 - torch.softmax(logits, 1)[:, 3])


@pytest.mark.parametrize("bad,match", [(dict(image_size=20), "image_size"), (dict(num_classes=0), "num_classes")])
def test_bad_config_is_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        SGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("sgan", TINY)
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))

    def run(mm):  # G's images, then D's K + 1 logits: the round trip covers both components
        x = mm.generator(z)
        return torch.cat([x.flatten(), mm.modules["discriminator"](x).flatten()])

    out = assert_roundtrip(m, run, tmp_path)
    # The N(0, 0.02) init makes outputs ~1e-3, so the tolerance follows the output's scale.
    assert_golden("sgan", out)
