"""Every registered family's generator (each layout) satisfies the contracts of all its tasks."""

import pytest
import torch
from torch import nn

from ganstudio import registry
from ganstudio.checkpoint import new_model
from ganstudio.models.base import (
    TASK_CONTRACTS, ClassifyingDiscriminator, CodedConfig, CodedGenerator, ConditionalGenerator, EditGenerator,
    RandomGenerator, StyleGenerator, Task, TranslateGenerator, contract_gaps,
)

# family -> tiny configs, one per generator layout
TINY: dict[str, list[dict]] = {
    "mlp": [dict(latent_dim=8, g_hidden=[16], d_hidden=[16], image_size=8),
            dict(latent_dim=8, g_hidden=[16, 16], d_hidden=[16], image_size=8, layout="pytorch-gan")],
    "dcgan": [dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16),
              dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16, layout="pytorch-gan"),
              dict(latent_dim=8, ngf=4, ndf=4, channels=3, image_size=16, layout="studiogan")],
    "cgan": [dict(num_classes=3, latent_dim=8, embed_dim=3, ngf=4, ndf=4, image_size=16),
             dict(num_classes=3, latent_dim=8, ngf=4, ndf=4, image_size=16, layout="pytorch-gan", g_hidden=[8, 8])],
    "acgan": [dict(num_classes=3, latent_dim=8, embed_dim=3, ngf=4, ndf=4, image_size=16),
              dict(num_classes=3, latent_dim=8, ngf=4, ndf=4, image_size=16, layout="pytorch-gan")],
    "sgan": [dict(num_classes=3, latent_dim=8, ngf=4, ndf=4, image_size=16),
             dict(num_classes=3, latent_dim=8, ngf=4, ndf=4, image_size=16, layout="pytorch-gan")],
    "infogan": [dict(latent_dim=8, num_classes=3, num_continuous=2, ngf=4, ndf=4, fc_dim=8, q_dim=8, image_size=16),
                dict(latent_dim=8, num_classes=3, num_continuous=2, ngf=4, ndf=4, image_size=16, layout="pytorch-gan")],
    "progan": [dict(latent_dim=8, image_size=16, channels=3, fmap_base=32, fmap_max=8, mbstd_group_size=2)],
    "pix2pix": [dict(image_size=32, num_downs=5, ngf=4, ndf=4, n_layers_D=2),
                dict(image_size=32, num_downs=5, ngf=4, ndf=4, n_layers_D=2, norm="instance", layout="pytorch-gan")],
    "cyclegan": [dict(image_size=16, n_blocks=1, ngf=4, ndf=4, n_layers_D=2)],
    "discogan": [dict(image_size=16, ngf=4, ndf=4), dict(image_size=16, ngf=4, ndf=4, layout="pytorch-gan", unet_downs=3)],
    "spade": [dict(num_labels=3, channels=3, image_size=16, num_upsampling=2, ngf=4, ndf=4, spade_hidden=8,
                   n_layers_D=2, num_D=2)],
    "stargan": [dict(c_dim=3, channels=3, image_size=16, conv_dim=4, repeat_num=2, d_conv_dim=4, d_repeat_num=2)],
    "stylegan2": [dict(image_size=16, style_dim=16, n_mlp=2, channel_max=8)],
    "toy": [dict(dim=2, latent_dim=2, g_hidden=[8], d_hidden=[8])],
}
CLASS_HEADS = {"acgan", "sgan", "infogan"}  # discriminators that guess classes
CASES = [(name, i) for name in TINY for i in range(len(TINY[name]))]


def test_every_family_has_tiny_configs():
    assert sorted(TINY) == sorted(registry.family_names())


def test_every_task_has_a_contract():
    assert set(TASK_CONTRACTS) == set(Task)
    assert Task.CONDITIONAL.protocol is ConditionalGenerator and Task.STYLE.protocol is StyleGenerator


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-{i}" for n, i in CASES])
def model(request):
    name, i = request.param
    torch.manual_seed(0)
    return new_model(name, TINY[name][i])


def test_generators_satisfy_their_tasks(model):
    generators = [m for c, m in model.modules.items() if c.startswith("generator")]
    assert generators
    for task in model.tasks:
        assert not contract_gaps(model.config, task.config_protocol)
        for g in generators:
            assert isinstance(g, task.protocol)
            assert contract_gaps(g, task.protocol) == []


def test_class_heads(model):
    d = model.modules["discriminator"]
    has_head = model.family.name in CLASS_HEADS
    assert isinstance(d, ClassifyingDiscriminator) == has_head
    if has_head:
        assert contract_gaps(d, ClassifyingDiscriminator) == []
        x = torch.zeros(2, model.config.channels, model.config.image_size, model.config.image_size)
        d.eval()
        assert d.classify(x).shape == (2, model.config.num_classes)


def test_infogan_is_coded_and_the_others_are_not(model):
    coded = model.family.name == "infogan"
    assert isinstance(model.generator, CodedGenerator) == coded
    assert isinstance(model.config, CodedConfig) == coded
    if coded:
        assert contract_gaps(model.generator, CodedGenerator) == []


# The check reads signatures, not only names: each of these lacks one thing a caller relies on.


class _Latent(nn.Module):
    def sample_latent(self, n, generator=None):
        return torch.zeros(n, 2)


class WrongLabelName(_Latent):
    def forward(self, z, label):  # callers pass labels=
        return z


class ExtraRequired(_Latent):
    def forward(self, z, depth):  # callers pass z only
        return z


class NoDefault(nn.Module):
    def sample_latent(self, n, generator):  # callers may leave the generator out
        return torch.zeros(n, 2)

    def forward(self, z):
        return z


class SizeMultipleNotInt(nn.Module):
    size_multiple = 4.0

    def forward(self, x):
        return x


class EditWithoutLabels(nn.Module):
    size_multiple = 4

    def forward(self, x):
        return x


@pytest.mark.parametrize("obj, protocol, says", [
    (WrongLabelName(), ConditionalGenerator, "calls argument 2 'label'; the contract calls it 'labels'"),
    (ExtraRequired(), RandomGenerator, "requires 'depth'"),
    (NoDefault(), RandomGenerator, "requires 'generator', which the contract lets callers leave out"),
    (SizeMultipleNotInt(), TranslateGenerator, "size_multiple is a float, not int"),
    (EditWithoutLabels(), EditGenerator, "forward() takes no argument 2 ('c')"),
    (_Latent(), StyleGenerator, "no attribute 'n_latent'"),
])
def test_contract_gaps_find_what_isinstance_misses(obj, protocol, says):
    gaps = contract_gaps(obj, protocol)
    assert any(says in g for g in gaps), gaps
