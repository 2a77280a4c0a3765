"""Conversion pipeline: containers, fixes old files need, refusals, structural matching, output folders."""

from __future__ import annotations

import argparse
import json
from collections import OrderedDict

import pytest
import torch

from ganstudio.checkpoint import load_folder
from ganstudio.convert import ConvertError, convert, file_sha256, read_checkpoint, save_conversion, zip_folder
from tests.convert.parity import (TOLERANCE, load_fixture, make_input, make_weights, max_abs_diff, write_state_dict)
from tests.convert.test_parity import run_ours


def weights(case: str) -> tuple[dict, "OrderedDict[str, torch.Tensor]"]:
    fx = load_fixture(case)
    return fx, make_weights(fx["layout"], fx["seed"], fx["scheme"])


def assert_parity(model, fx: dict) -> None:
    for run in fx["runs"]:
        assert max_abs_diff(run_ours(model, fx, run), run["output"]) <= TOLERANCE, run["name"]


# --- containers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("container,prefix", [(None, ""), ("state_dict", "module."), ("netG", ""),
                                              ("netG_state_dict", "module.module.")])
def test_containers_and_prefixes_are_unwrapped(tmp_path, container, prefix):
    fx, w = weights("dcgan")
    src = write_state_dict(tmp_path / "netG_epoch_24.pth", w, container=container, prefix=prefix)
    conv = convert(src)
    assert conv.preset == "dcgan" and conv.source.container == (container or "")
    assert_parity(conv.model, fx)


def test_lightning_style_prefixed_generator_and_discriminator(tmp_path):
    fx, w = weights("dcgan")
    from ganstudio.checkpoint import new_model
    d = new_model("dcgan", {"latent_dim": 8, "ngf": 4, "ndf": 4, "image_size": 64}).modules["discriminator"]
    sd = {**{f"generator.{k}": v for k, v in w.items()}, **{f"discriminator.{k}": v for k, v in d.state_dict().items()}}
    torch.save({"state_dict": sd, "epoch": 3}, tmp_path / "last.ckpt")
    conv = convert(tmp_path / "last.ckpt")
    assert set(conv.model.modules) == {"generator", "discriminator"}
    assert_parity(conv.model, fx)


def test_dcgan_discriminator_in_the_same_container(tmp_path):
    fx, w = weights("dcgan")
    from ganstudio.checkpoint import new_model
    d = new_model("dcgan", {"latent_dim": 8, "ngf": 4, "ndf": 4, "image_size": 64}).modules["discriminator"]
    torch.save({"netG_state_dict": w, "netD_state_dict": d.state_dict()}, tmp_path / "ckpt.pth")
    conv = convert(tmp_path / "ckpt.pth")
    x = torch.randn(2, 3, 64, 64)
    d.eval()
    assert torch.equal(conv.model.modules["discriminator"](x), d(x))


def test_no_generator_entry_is_a_clear_error(tmp_path):
    torch.save({"optimizer": {"lr": 1.0}, "epoch": 3}, tmp_path / "opt.pth")
    with pytest.raises(ConvertError, match="no generator state dict"):
        convert(tmp_path / "opt.pth")


# --- what old files need ------------------------------------------------------------------------


@pytest.mark.parametrize("legacy", [False, True])
def test_stale_instance_norm_statistics_are_removed(tmp_path, legacy):
    fx, w = weights("cyclegan_resnet9")
    old = OrderedDict()
    for k, v in w.items():  # PyTorch 0.3-era InstanceNorm kept running stats after each conv
        old[k] = v
        prefix, leaf = k.rsplit(".", 1)
        if k.endswith(".weight") and v.dim() == 4 and prefix not in ("model.26",):
            norm = prefix.rsplit(".", 1)
            norm = f"{norm[0]}.{int(norm[1]) + 1}"
            old[f"{norm}.running_mean"] = torch.randn(v.shape[1 if "model.19" in prefix or "model.22" in prefix else 0])
            old[f"{norm}.running_var"] = torch.rand(old[f"{norm}.running_mean"].shape) + 0.5
            old[f"{norm}.num_batches_tracked"] = torch.tensor(7)
    src = write_state_dict(tmp_path / "latest_net_G_A.pth", old, legacy=legacy)
    conv = convert(src, preset="cyclegan-resnet9")
    assert any("stale InstanceNorm" in n for n in conv.notes)
    assert_parity(conv.model, fx)


def test_stargan_without_counters_and_without_discriminator(tmp_path):
    fx, w = weights("stargan")
    old = OrderedDict((k, v) for k, v in w.items() if not k.endswith("num_batches_tracked"))
    src = write_state_dict(tmp_path / "200000-G.ckpt", old)  # no 200000-D.ckpt beside it
    conv = convert(src, overrides={"image_size": 32, "d_conv_dim": 8, "d_repeat_num": 3})
    assert any("num_batches_tracked" in n for n in conv.notes)
    assert conv.model.meta.attribute_names[:3] == ["Black_Hair", "Blond_Hair", "Brown_Hair"]
    assert conv.model.meta.preprocess["center_crop"] == 178
    assert_parity(conv.model, fx)
    assert "discriminator" not in conv.model.modules


def test_stargan_discriminator_gives_the_image_size(tmp_path):
    fx, w = weights("stargan")
    d = fx["discriminator"]
    dw = make_weights(d["layout"], d["seed"], fx["scheme"])
    write_state_dict(tmp_path / "d.ckpt", dw)
    src = write_state_dict(tmp_path / "g.ckpt", w)
    conv = convert(src, discriminator=tmp_path / "d.ckpt", attributes=["a", "b", "c", "d", "e"])
    assert conv.model.config.image_size == 32 and conv.model.config.d_repeat_num == 3
    assert conv.model.meta.attribute_names == ["a", "b", "c", "d", "e"]
    with torch.no_grad():
        src_out, cls_out = conv.model.modules["discriminator"](make_input(fx["inputs"]["x"]))
    assert max_abs_diff(src_out, d["src"]) <= TOLERANCE
    assert max_abs_diff(cls_out, d["cls"]) <= TOLERANCE


def test_rosinality_training_checkpoint_with_args(tmp_path):
    fx, w = weights("stylegan2_rosinality")
    w.pop("latent_avg")
    args = argparse.Namespace(size=8, latent=16, n_mlp=2, channel_multiplier=2, path="ffhq.lmdb", r1=10.0)
    torch.save({"g": w, "d": {}, "g_ema": w, "g_optim": {"state": {}, "param_groups": []}, "args": args,
                "ada_aug_p": 0.0}, tmp_path / "020000.pt")
    conv = convert(tmp_path / "020000.pt")
    assert conv.preset == "stylegan2-rosinality" and conv.source.container == "g_ema"
    assert any("latent_avg" in n for n in conv.notes)
    assert conv.model.generator.latent_avg.abs().sum() > 0  # computed, not left at zero
    run = fx["runs"][0]  # psi = 1 does not use latent_avg
    assert max_abs_diff(run_ours(conv.model, fx, run), run["output"]) <= TOLERANCE


# --- refusals -----------------------------------------------------------------------------------


def test_stylegan3_is_refused(tmp_path):
    sd = {"mapping.fc0.weight": torch.zeros(4, 4), "mapping.w_avg": torch.zeros(4),
          "synthesis.input.affine.weight": torch.zeros(4, 4), "synthesis.L0_36_512.weight": torch.zeros(4, 4, 3, 3)}
    torch.save(sd, tmp_path / "sg3.pt")
    with pytest.raises(ConvertError, match="StyleGAN3"):
        convert(tmp_path / "sg3.pt")


def test_conditional_stylegan2_ada_is_refused(tmp_path):
    fx, w = weights("stylegan2_ada")
    w["mapping.embed.weight"] = torch.zeros(32, 10)
    w["mapping.embed.bias"] = torch.zeros(32)
    torch.save(w, tmp_path / "cifar.pt")
    with pytest.raises(ConvertError, match="class-conditional"):
        convert(tmp_path / "cifar.pt")


def test_wrong_preset_is_an_error(tmp_path):
    fx, w = weights("pix2pix_unet256")
    src = write_state_dict(tmp_path / "latest_net_G.pth", w)
    with pytest.raises(ConvertError, match="num_downs=7"):
        convert(src, preset="pix2pix-unet128")
    with pytest.raises(ConvertError, match="converts to family pix2pix, not cyclegan"):
        convert(src, preset="pix2pix", family="cyclegan")


# --- structural matching ------------------------------------------------------------------------


def renamed_dcgan(w: dict) -> "OrderedDict[str, torch.Tensor]":
    """The DCGAN generator as another repository might name it (same module order)."""
    names = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_var"}
    out: OrderedDict[str, torch.Tensor] = OrderedDict()
    layer = {}
    for k, v in w.items():
        idx, leaf = k.split(".")[1], k.split(".")[2]
        layer.setdefault(idx, len(layer))
        if v.dim() == 4:
            out[f"net.block{layer[idx]}.deconv.w"] = v
        elif leaf == "num_batches_tracked":
            continue  # this repository never saved counters
        else:
            out[f"net.block{layer[idx]}.bn.{names[leaf]}"] = v
    return out


def test_structural_match_of_an_equivalent_network(tmp_path):
    fx, w = weights("dcgan")
    src = write_state_dict(tmp_path / "other.pth", renamed_dcgan(w))
    conv = convert(src)
    assert conv.preset == "structural:dcgan" and conv.method == "structural match"
    pairs = [line.split()[:3] for line in conv.mapping]
    assert ["net.block0.deconv.w", "->", "main.0.weight"] in pairs
    assert ["net.block1.bn.moving_var", "->", "main.1.running_var"] in pairs
    assert_parity(conv.model, fx)


def test_structural_match_refuses_a_different_module_order(tmp_path):
    fx, w = weights("dcgan")
    r = renamed_dcgan(w)
    keys = list(r)
    # another repository registering its layers in a different order: no safe pairing
    shuffled = OrderedDict((k, r[k]) for k in keys[4:] + keys[:4])
    src = write_state_dict(tmp_path / "other.pth", shuffled)
    with pytest.raises(ConvertError, match="no known layout matches"):
        convert(src)
    assert not (tmp_path / "out").exists()


def test_structural_match_refuses_ambiguous_tensors(tmp_path):
    fx, w = weights("dcgan")
    r = renamed_dcgan(w)
    # four [C] tensors per norm with meaningless names cannot be told apart
    fuzzy = OrderedDict((k.replace("gamma", "p0").replace("beta", "p1").replace("moving_mean", "p2")
                         .replace("moving_var", "p3"), v) for k, v in r.items())
    src = write_state_dict(tmp_path / "fuzzy.pth", fuzzy)
    with pytest.raises(ConvertError, match="unambiguously"):
        convert(src, family="dcgan")


# --- output folder ------------------------------------------------------------------------------


def test_output_folder_has_provenance_and_card(tmp_path):
    fx, w = weights("cyclegan_resnet9")
    src = write_state_dict(tmp_path / "latest_net_G.pth", w)
    conv = convert(src, name="horse2zebra (test weights)")
    folder = save_conversion(conv, tmp_path / "out")
    cfg = json.loads((folder / "config.json").read_text())
    prov = cfg["meta"]["provenance"]
    assert prov["source_sha256"] == file_sha256(src)
    assert prov["original_format"].startswith("PyTorch checkpoint")
    assert prov["preset"] == "cyclegan" and "BSD" in prov["licence_note"]
    card = (folder / "README.md").read_text()
    assert "## Conversion" in card and "horse2zebra (test weights)" in card
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    loaded = load_folder(folder)
    assert_parity(loaded, fx)
    z = zip_folder(folder)
    assert z.is_file() and z.stat().st_size > 0


def test_generator_ba_component(tmp_path):
    fx, w = weights("cyclegan_resnet9")
    a = write_state_dict(tmp_path / "latest_net_G_A.pth", w)
    b = write_state_dict(tmp_path / "latest_net_G_B.pth", make_weights(fx["layout"], 5, "fan_in"))
    conv = convert(a, generator_ba=b)
    assert set(conv.model.modules) == {"generator", "generator_ba"}
    folder = save_conversion(conv, tmp_path / "out")
    assert set(load_folder(folder).modules) == {"generator", "generator_ba"}


def test_existing_folder_is_not_overwritten_without_force(tmp_path):
    fx, w = weights("dcgan")
    src = write_state_dict(tmp_path / "g.pth", w)
    conv = convert(src)
    out = save_conversion(conv, tmp_path / "out")
    with pytest.raises(ConvertError, match="not empty"):
        save_conversion(conv, out)
    save_conversion(conv, out, overwrite=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ConvertError, match="not a model folder"):
        save_conversion(conv, tmp_path / "other", overwrite=True)
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_read_checkpoint_reports_latent_avg_and_args(tmp_path):
    fx, w = weights("stylegan2_rosinality")
    latent = w.pop("latent_avg")
    torch.save({"g_ema": w, "latent_avg": latent, "args": argparse.Namespace(size=8)}, tmp_path / "x.pt")
    tensors, source = read_checkpoint(tmp_path / "x.pt")
    assert torch.equal(tensors["latent_avg"], latent)
    assert source.extras["args"] == {"size": 8}
