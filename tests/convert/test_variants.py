"""Published layout variants that have no reference fixture of their own, and what the importer refuses.

Each variant is checked against an equivalent network we already trust (same weights, other layout), and
its keys against the published ones.
"""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
import torch

from ganstudio.checkpoint import new_model
from ganstudio.convert import ConvertError, convert
from tests.convert.parity import make_weights


def _save(path, sd):
    torch.save(OrderedDict(sd), path)
    return path


def _fill(model_sd, seed=0):
    layout = [[k, list(v.shape), str(v.dtype).replace("torch.", ""), None] for k, v in model_sd.items()]
    return make_weights(layout, seed, "fan_in")


def test_dcgan_dropout_shifts_keys_and_converts(tmp_path):
    plain = new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, channels=3, image_size=32))
    drop = new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, channels=3, image_size=32, g_dropout=0.5))
    convs = [k for k, v in drop.generator.state_dict().items() if k.endswith("weight") and v.dim() == 4]
    assert convs == ["main.0.weight", "main.4.weight", "main.8.weight", "main.12.weight"]
    w = _fill(plain.generator.state_dict())
    plain.generator.load_state_dict(w)
    # the same tensors under the shifted indices (two more modules per hidden block: ReLU, Dropout)
    shifted = {f"main.{int(k.split('.')[1]) // 3 * 4 + int(k.split('.')[1]) % 3}.{k.split('.', 2)[2]}": v
               for k, v in w.items()}
    conv = convert(_save(tmp_path / "netG.pth", shifted))
    assert conv.preset == "dcgan" and conv.model.config.g_dropout == 0.5
    assert any("Dropout" in n for n in conv.notes)
    z = torch.randn(3, 8, 1, 1, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(conv.model.generator.eval()(z), plain.generator.eval()(z))


def test_cgan_onehot_equals_identity_embedding(tmp_path):
    cfg = dict(num_classes=4, latent_dim=6, embed_dim=4, ngf=4, ndf=4, channels=1, image_size=28)
    learned = new_model("cgan", cfg)
    onehot = new_model("cgan", {**cfg, "embedding": "onehot"})
    assert "label_embedding.weight" not in onehot.generator.state_dict()
    sd = _fill(onehot.generator.state_dict())
    onehot.generator.load_state_dict(sd)
    learned.generator.load_state_dict({**sd, "label_embedding.weight": torch.eye(4)})
    z, y = torch.randn(4, 6), torch.tensor([0, 1, 2, 3])
    with torch.no_grad():
        assert torch.equal(onehot.generator.eval()(z, y), learned.generator.eval()(z, y))

    src = _save(tmp_path / "netG.pth", sd)
    assert convert(src).model.family.name == "dcgan"  # conditioning cannot be seen: plain DCGAN without --preset
    with pytest.raises(ConvertError, match="num_classes"):
        convert(src, preset="cgan-onehot")
    conv = convert(src, preset="cgan-onehot", overrides={"num_classes": 4}, classes=["a", "b", "c", "d"])
    assert conv.model.config.embedding == "onehot" and conv.model.config.latent_dim == 6
    assert conv.model.meta.class_names == ["a", "b", "c", "d"]
    with torch.no_grad():
        assert torch.equal(conv.model.generator(z, y), onehot.generator(z, y))
    with pytest.raises(ConvertError, match="3 class names"):
        convert(src, preset="cgan-onehot", overrides={"num_classes": 4}, classes=["a", "b", "c"])


@pytest.mark.parametrize("family", ["pix2pix", "cyclegan"])
def test_instance_affine_discriminator_keys(family, tmp_path):
    """junyanz NLayerDiscriminator with InstanceNorm2d(affine=True): biased convs, norm weight and bias."""
    size = dict(pix2pix=dict(num_downs=5, image_size=32), cyclegan=dict(n_blocks=2, image_size=32))[family]
    m = new_model(family, dict(ngf=4, ndf=4, norm="instance_affine", **size), components=("generator", "discriminator"))
    d = m.modules["discriminator"].state_dict()
    assert [k for k in d] == ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "model.3.weight",
                              "model.3.bias", "model.5.weight", "model.5.bias", "model.6.weight", "model.6.bias",
                              "model.8.weight", "model.8.bias", "model.9.weight", "model.9.bias",
                              "model.11.weight", "model.11.bias"]
    g = _fill(m.generator.state_dict())
    dw = _fill(d, seed=1)
    conv = convert(_save(tmp_path / "latest_net_G.pth", g), discriminator=_save(tmp_path / "latest_net_D.pth", dw))
    assert conv.model.config.norm == "instance_affine"
    assert torch.equal(conv.model.modules["discriminator"].state_dict()["model.3.weight"], dw["model.3.weight"])


def test_cyclegan_resize_upsampling_keys():
    m = new_model("cyclegan", dict(ngf=4, n_blocks=9, upsample="resize"))
    convs = [k for k, v in m.generator.state_dict().items() if v.dim() == 4 and ".conv_block." not in k]
    # PyTorch-GAN's GeneratorResNet: Upsample at 19 / 23, convs at 20 / 24, final 7x7 at 28
    assert convs == ["model.1.weight", "model.4.weight", "model.7.weight", "model.20.weight", "model.24.weight",
                     "model.28.weight"]


def _conv_stack_file(tmp_path, family, cfg, name="generator_199.pth"):
    m = new_model(family, {**cfg, "layout": "pytorch-gan"})
    return _save(tmp_path / name, _fill(m.generator.state_dict())), m


@pytest.mark.parametrize("family,cfg,presets", [
    ("acgan", dict(num_classes=4, latent_dim=8, ngf=4, channels=1, image_size=16), ("pytorch-gan-acgan", "pytorch-gan-sgan")),
    ("dcgan", dict(latent_dim=20, ngf=4, channels=1, image_size=16), ("pytorch-gan-dcgan", "pytorch-gan-infogan")),
])
def test_indistinguishable_layouts_are_refused(tmp_path, family, cfg, presets):
    src, _ = _conv_stack_file(tmp_path, family, cfg)
    with pytest.raises(ConvertError, match="cannot be told apart") as e:
        convert(src)
    assert all(p in str(e.value) for p in presets)
    assert convert(src, preset=presets[0]).model.family.name == family


def test_hub_config_decides_between_acgan_and_sgan(tmp_path):
    src, _ = _conv_stack_file(tmp_path, "acgan", dict(num_classes=4, latent_dim=8, ngf=4, channels=1, image_size=16),
                              name="pytorch_model.bin")
    (tmp_path / "config.json").write_text(json.dumps({"n_classes": 4, "latent_dim": 8}))
    assert convert(src).preset == "pytorch-gan-acgan"
    (tmp_path / "config.json").write_text(json.dumps({"num_classes": 4, "latent_dim": 8}))
    assert convert(src).preset == "pytorch-gan-sgan"


def test_infogan_split_comes_from_config_or_overrides(tmp_path):
    src, ref = _conv_stack_file(tmp_path, "infogan", dict(latent_dim=5, num_classes=3, num_continuous=1, ngf=4,
                                                         channels=1, image_size=16))
    with pytest.raises(ConvertError, match="num_classes"):
        convert(src, family="infogan")
    conv = convert(src, preset="pytorch-gan-infogan", overrides={"num_classes": 3, "num_continuous": 1})
    assert (conv.model.config.latent_dim, conv.model.config.num_classes) == (5, 3)


def test_class_names_from_hub_config(tmp_path):
    src, _ = _conv_stack_file(tmp_path, "acgan", dict(num_classes=3, latent_dim=8, ngf=4, channels=1, image_size=16),
                              name="pytorch_model.bin")
    (tmp_path / "config.json").write_text(json.dumps({"n_classes": 3, "id2label": {"0": "cat", "1": "dog", "2": "owl"}}))
    assert convert(src).model.meta.class_names == ["cat", "dog", "owl"]


def test_recognised_but_misfit_names_the_closest_layout(tmp_path):
    """A junyanz ResnetGenerator variant we cannot represent (bilinear up-sampling + reflection pad + conv)."""
    m = new_model("cyclegan", dict(ngf=4, n_blocks=2, image_size=32))
    sd = OrderedDict()
    for k, v in _fill(m.generator.state_dict()).items():
        i, rest = int(k.split(".")[1]), k.split(".", 2)[2]
        # transposed convs at model.12 / model.15 become [Upsample, ReflectionPad2d, Conv2d]: +2 modules each
        j = i + (2 if i >= 12 else 0) + (2 if i >= 15 else 0)
        sd[f"model.{j}.{rest}"] = v.transpose(0, 1).contiguous() if i in (12, 15) and v.dim() == 4 else v
    with pytest.raises(ConvertError) as e:
        convert(_save(tmp_path / "latest_net_G.pth", sd))
    msg = str(e.value)
    assert "Closest layout: cyclegan" in msg and "module order and shape" in msg


def test_a_translation_network_is_not_called_a_discriminator(tmp_path):
    m = new_model("discogan", dict(ngf=4, ndf=4, image_size=16))  # encoder-decoder under main.*
    with pytest.raises(ConvertError) as e:
        convert(_save(tmp_path / "netG.pth", _fill(m.generator.state_dict())))
    assert "discriminator" not in str(e.value)


def test_pytorch_gan_g_ab_file_brings_g_ba_beside_it(tmp_path):
    cfg = dict(layout="pytorch-gan", unet_downs=4, ngf=4, image_size=16)
    m = new_model("discogan", cfg)
    ab, ba = _fill(m.generator.state_dict(), 1), _fill(m.generator.state_dict(), 2)
    _save(tmp_path / "G_BA_9.pth", ba)
    conv = convert(_save(tmp_path / "G_AB_9.pth", ab))
    assert conv.preset == "pytorch-gan-discogan" and set(conv.model.modules) == {"generator", "generator_ba"}
    assert torch.equal(conv.model.modules["generator_ba"].state_dict()["up1.model.0.weight"], ba["up1.model.0.weight"])


def test_studiogan_generator_is_refused_with_the_reason(tmp_path):
    """StudioGAN's deep_conv generator (linear0, blocks.N.0.deconv0 / bn0, conv2d4): keys as its src/models."""
    sd = OrderedDict([("linear0.weight", torch.zeros(512 * 16, 128)), ("linear0.bias", torch.zeros(512 * 16)),
                      ("blocks.0.0.deconv0.weight", torch.zeros(512, 256, 4, 4)),
                      ("blocks.0.0.deconv0.bias", torch.zeros(256)), ("blocks.0.0.bn0.weight", torch.ones(256)),
                      ("blocks.0.0.bn0.bias", torch.zeros(256)), ("conv2d4.weight", torch.zeros(3, 64, 3, 3))])
    with pytest.raises(ConvertError, match="PyTorch-StudioGAN generator .*Closest supported layout: dcgan"):
        convert(_save(tmp_path / "model=G-best-weights-step=100.pth", {"state_dict": sd}))


def test_renamed_instance_affine_resnet_matches_by_structure(tmp_path):
    m = new_model("cyclegan", dict(ngf=4, n_blocks=2, image_size=32, norm="instance_affine"))
    w = _fill(m.generator.state_dict())
    renamed = OrderedDict((k.replace("model.", "layers.").replace("conv_block", "body"), v) for k, v in w.items())
    conv = convert(_save(tmp_path / "G.pth", renamed))
    assert conv.preset == "structural:cyclegan" and conv.model.config.norm == "instance_affine"
    assert any("activations" in n for n in conv.notes)
    x = torch.rand(1, 3, 32, 32)
    m.generator.load_state_dict(w)
    with torch.no_grad():
        assert torch.equal(conv.model.generator(x), m.generator.eval()(x))
