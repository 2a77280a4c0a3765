"""Published layout variants of the families (``layout=``, ``norm="instance_affine"``, ``upsample="resize"``,
``g_dropout``, ``embedding="onehot"``, ``final_bias``): each builds with its discriminator, runs to images in
[-1, 1], and saves and reloads to the same output. Parity with the reference code is in
tests/convert/test_parity.py."""

from __future__ import annotations

import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.models.base import CodedGenerator, ConfigError, Task
from tests.helpers import assert_roundtrip

RANDOM = dict(latent_dim=8, ngf=4, ndf=4)
CASES = [
    ("dcgan", dict(RANDOM, channels=1, image_size=28, layout="pytorch-gan")),
    ("dcgan", dict(RANDOM, channels=3, image_size=32, layout="pytorch-gan", g_first_norm=False)),
    ("dcgan", dict(RANDOM, channels=3, image_size=32, layout="studiogan")),
    ("dcgan", dict(RANDOM, channels=3, image_size=32, g_dropout=0.5)),
    ("mlp", dict(latent_dim=8, g_hidden=(16, 32), image_size=8, channels=1, layout="pytorch-gan")),
    ("cgan", dict(RANDOM, num_classes=3, embed_dim=3, channels=1, image_size=28, embedding="onehot")),
    ("cgan", dict(RANDOM, num_classes=3, channels=1, image_size=28, layout="pytorch-gan", g_hidden=(16, 32))),
    ("acgan", dict(RANDOM, num_classes=3, channels=1, image_size=16, layout="pytorch-gan")),
    ("sgan", dict(RANDOM, num_classes=3, channels=1, image_size=16, layout="pytorch-gan")),
    ("infogan", dict(RANDOM, num_classes=3, num_continuous=2, channels=1, image_size=16, layout="pytorch-gan")),
    ("pix2pix", dict(ngf=4, ndf=4, num_downs=5, image_size=32, layout="pytorch-gan", norm="instance")),
    ("pix2pix", dict(ngf=4, ndf=4, num_downs=5, image_size=32, norm="instance_affine")),
    ("cyclegan", dict(ngf=4, ndf=4, n_blocks=2, image_size=32, upsample="resize")),
    ("cyclegan", dict(ngf=4, ndf=4, n_blocks=2, image_size=32, norm="instance_affine")),
    ("discogan", dict(ngf=4, ndf=4, image_size=16, layout="pytorch-gan", unet_downs=4)),
    ("stargan", dict(c_dim=3, conv_dim=4, repeat_num=1, d_conv_dim=4, d_repeat_num=2, image_size=16,
                     final_bias=True)),
]


def _run(model) -> torch.Tensor:
    g, cfg = model.generator.eval(), model.config
    rng = torch.Generator().manual_seed(3)
    with torch.no_grad():
        if Task.RANDOM in model.tasks or Task.CONDITIONAL in model.tasks:
            z = g.sample_latent(2, rng)
            if isinstance(g, CodedGenerator):
                return g(z, torch.tensor([0, 2]), torch.rand(2, cfg.num_continuous, generator=rng))
            if Task.CONDITIONAL in model.tasks:
                return g(z, torch.tensor([0, 2]))
            return g(z)
        x = torch.rand(2, cfg.in_channels, cfg.image_size, cfg.image_size, generator=rng)
        if Task.EDIT in model.tasks:
            return g(x * 2 - 1, torch.tensor([[1.0, 0, 1], [0, 1, 0]]))
        return g(x * 2 - 1)


@pytest.mark.parametrize("family,cfg", CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(CASES)])
def test_layout_variant_builds_runs_and_roundtrips(family, cfg, tmp_path):
    torch.manual_seed(0)
    model = new_model(family, cfg)
    out = assert_roundtrip(model, _run, tmp_path)
    assert out.shape[-1] == model.config.image_size and out.abs().max() <= 1


def test_unknown_layout_is_a_config_error():
    with pytest.raises(ConfigError, match="layout"):
        new_model("dcgan", dict(layout="keras"))
    with pytest.raises(ConfigError, match="upsample"):
        new_model("cyclegan", dict(upsample="bilinear"))
    with pytest.raises(ConfigError, match="instance norm"):
        new_model("pix2pix", dict(layout="pytorch-gan", norm="batch"))


def test_defaults_are_the_published_layouts_of_before():
    """New options default to the layouts the bundled checkpoints were saved in."""
    for family, key, default in [("dcgan", "layout", "dcgan"), ("dcgan", "g_dropout", 0.0), ("mlp", "layout", "mlp"),
                                 ("cgan", "embedding", "learned"), ("cgan", "layout", "cgan"),
                                 ("acgan", "layout", "acgan"), ("sgan", "layout", "sgan"),
                                 ("infogan", "layout", "infogan"), ("pix2pix", "layout", "junyanz"),
                                 ("cyclegan", "upsample", "transpose"), ("discogan", "layout", "discogan"),
                                 ("stargan", "final_bias", False)]:
        assert getattr(new_model(family).config, key) == default
