import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.infogan import InfoGANConfig
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(latent_dim=8, num_classes=3, num_continuous=2, ngf=4, ndf=4, fc_dim=16, q_dim=8, channels=1, image_size=16)


@pytest.mark.parametrize("size,channels,n_cont", [(16, 1, 2), (28, 1, 2), (32, 3, 0)])
def test_shapes(size, channels, n_cont):
    torch.manual_seed(0)
    m = new_model("infogan", dict(TINY, image_size=size, channels=channels, num_continuous=n_cont))
    rng = torch.Generator().manual_seed(1)
    z = m.generator.sample_latent(3, rng)
    codes = m.generator.sample_codes(3, rng)
    assert z.shape == (3, 8) and codes.shape == (3, n_cont)
    assert (codes.abs() <= 1).all()
    labels = torch.tensor([0, 1, 2])
    x = m.generator(z, labels, codes)
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1
    d = m.modules["discriminator"].eval()
    adv, cat, cont = d(x)
    assert adv.shape == (3,) and cat.shape == (3, 3) and cont.shape == (3, n_cont)
    assert torch.equal(d.classify(x), cat)


def test_output_depends_on_label_and_codes():
    torch.manual_seed(0)
    m = new_model("infogan", TINY)
    g = m.generator.eval()
    z = g.sample_latent(2, torch.Generator().manual_seed(0))
    zero, one = torch.tensor([0, 0]), torch.tensor([1, 1])
    with torch.no_grad():
        base = g(z, zero)
        assert torch.equal(base, g(z, zero, torch.zeros(2, 2)))  # codes=None means the zero code
        assert not torch.allclose(base, g(z, one))
        assert not torch.allclose(base, g(z, zero, torch.tensor([[1.0, -1.0], [1.0, -1.0]])))


def test_bad_codes_are_refused():
    g = new_model("infogan", TINY).generator
    with pytest.raises(ValueError, match="codes"):
        g(g.sample_latent(2), torch.tensor([0, 1]), torch.zeros(2, 3))


@pytest.mark.parametrize(
    "bad,match",
    [(dict(image_size=24), "image_size"), (dict(num_continuous=-1), "num_continuous"), (dict(fc_dim=0), "fc_dim")],
)
def test_bad_config_is_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        InfoGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("infogan", TINY)
    rng = torch.Generator().manual_seed(0)
    z, codes = m.generator.sample_latent(2, rng), m.generator.sample_codes(2, rng)
    labels = torch.tensor([0, 2])

    def run(mm):  # G's images, then D's three heads: the round trip covers both components
        x = mm.generator(z, labels, codes)
        adv, cat, cont = mm.modules["discriminator"](x)
        return torch.cat([x.flatten(), adv, cat.flatten(), cont.flatten()])

    out = assert_roundtrip(m, run, tmp_path)
    # The N(0, 0.02) init makes outputs ~1e-4, so the tolerance follows the output's scale.
    assert_golden("infogan", out)
