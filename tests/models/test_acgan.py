import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.acgan import ACGANConfig
from ganstudio.models.base import ConfigError
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(num_classes=3, latent_dim=8, embed_dim=4, ngf=4, ndf=4, channels=1, image_size=16)


@pytest.mark.parametrize("size,channels", [(16, 1), (28, 1), (32, 3)])
def test_shapes(size, channels):
    torch.manual_seed(0)
    m = new_model("acgan", dict(TINY, image_size=size, channels=channels))
    z = m.generator.sample_latent(3, torch.Generator().manual_seed(1))
    labels = torch.tensor([0, 1, 2])
    assert z.shape == (3, 8)
    x = m.generator(z, labels)
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1
    d = m.modules["discriminator"].eval()
    adv, cls = d(x)
    assert adv.shape == (3,) and cls.shape == (3, 3)
    assert torch.equal(d.classify(x), cls)
    assert torch.allclose(d.probability(x), torch.sigmoid(adv))


def test_output_depends_on_label():
    torch.manual_seed(0)
    m = new_model("acgan", TINY)
    m.generator.eval()
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert not torch.allclose(m.generator(z, torch.tensor([0, 0])), m.generator(z, torch.tensor([1, 1])))


@pytest.mark.parametrize(
    "bad,match",
    [(dict(image_size=30), "image_size"), (dict(num_classes=1), "num_classes"), (dict(ndf=0), "ndf")],
)
def test_bad_config_is_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        ACGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("acgan", TINY)
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))
    labels = torch.tensor([0, 2])

    def run(mm):  # G's images, then both of D's heads: the round trip covers both components
        x = mm.generator(z, labels)
        adv, cls = mm.modules["discriminator"](x)
        return torch.cat([x.flatten(), adv, cls.flatten()])

    out = assert_roundtrip(m, run, tmp_path)
    # The N(0, 0.02) init makes outputs ~1e-3, so the tolerance follows the output's scale.
    assert_golden("acgan", out)
