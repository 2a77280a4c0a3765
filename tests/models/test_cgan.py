import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.cgan import CGANConfig
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(num_classes=3, latent_dim=8, embed_dim=4, ngf=4, ndf=4, channels=1, image_size=16)


@pytest.mark.parametrize("size,channels", [(16, 1), (28, 1), (32, 3)])
def test_shapes(size, channels):
    torch.manual_seed(0)
    m = new_model("cgan", dict(TINY, image_size=size, channels=channels))
    z = m.generator.sample_latent(3, torch.Generator().manual_seed(1))
    labels = torch.tensor([0, 1, 2])
    assert z.shape == (3, 8)
    x = m.generator(z, labels)
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1
    assert torch.equal(m.generator(z[:, :, None, None], labels), x)  # 4-D latents are accepted
    d = m.modules["discriminator"]
    assert d(x, labels).shape == (3,)
    assert d.probability(x, labels).shape == (3,)


def test_output_depends_on_label():
    torch.manual_seed(0)
    m = new_model("cgan", TINY)
    for mm in m.modules.values():
        mm.eval()
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))
    with torch.no_grad():
        a = m.generator(z, torch.tensor([0, 0]))
        b = m.generator(z, torch.tensor([1, 1]))
        assert not torch.allclose(a, b)
        d = m.modules["discriminator"]
        assert not torch.allclose(d(a, torch.tensor([0, 0])), d(a, torch.tensor([2, 2])))


def test_bad_labels_are_refused():
    m = new_model("cgan", TINY)
    z = m.generator.sample_latent(2)
    with pytest.raises(ValueError, match="labels"):
        m.generator(z, torch.tensor([0, 1, 2]))


@pytest.mark.parametrize(
    "bad,match",
    [(dict(image_size=48), "image_size"), (dict(num_classes=1), "num_classes"), (dict(embed_dim=0), "embed_dim")],
)
def test_bad_config_is_refused(bad, match):
    with pytest.raises(ConfigError, match=match):
        CGANConfig(**bad)


def test_roundtrip_and_golden(tmp_path):
    torch.manual_seed(0)
    m = new_model("cgan", TINY)
    z = m.generator.sample_latent(2, torch.Generator().manual_seed(0))
    labels = torch.tensor([0, 2])

    def run(mm):  # G's images, then D's logits: the round trip covers both components
        x = mm.generator(z, labels)
        return torch.cat([x.flatten(), mm.modules["discriminator"](x, labels)])

    out = assert_roundtrip(m, run, tmp_path)
    # The N(0, 0.02) init makes outputs ~1e-3, so the tolerance follows the output's scale.
    assert_golden("cgan", out)
