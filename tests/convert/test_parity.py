"""Parity with the reference implementations: published-format weights -> convert -> same outputs (fp32).

Each fixture in tests/fixtures/parity/ was produced by running the reference implementation named in it
(see tests/fixtures/parity/README.md) on weights rebuilt here from the stored seed. Modes:

* ``eval``: ``module.eval()`` (running statistics, dropout off) on both sides;
* ``input_stats``: the reference in train mode (norms on the input's statistics; dropout off); ours in train
  mode too, on copies of its buffers, so that no stored buffer changes;
* ``paper``: pix2pix with dropout on, both after ``torch.manual_seed(seed)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from torch.func import functional_call

from ganstudio.checkpoint import GanModel, load_folder
from ganstudio.convert import ConvertError, convert, save_conversion
from tests.convert.parity import (TOLERANCE, fixture_names, load_fixture, make_input, make_weights, max_abs_diff,
                                  write_nvlabs_pickle, write_state_dict)

CASES = fixture_names()


def write_source(fx: dict, folder: Path, seed: int | None = None) -> Path:
    """The fixture's weights in their published format."""
    w = make_weights(fx["layout"], fx["seed"] if seed is None else seed, fx["scheme"])
    fmt = fx["format"]
    if fmt.get("hub"):  # a Hub mixin's repo: config.json of constructor arguments beside the weights
        (folder / "config.json").write_text(json.dumps(fmt["config"]))
        if fmt["hub"].endswith(".safetensors"):
            save_file({k: v.contiguous() for k, v in w.items()}, str(folder / fmt["hub"]))
            return folder / fmt["hub"]
        return write_state_dict(folder / fmt["hub"], w)
    if fmt.get("pickle"):
        g = make_weights(fx["layout"], fmt["g_seed"], fx["scheme"])
        return write_nvlabs_pickle(folder / "network-snapshot-000100.pkl", w, g, fx["classes"], fx["init_kwargs"])
    if fmt.get("latent_avg"):
        latent = w.pop("latent_avg")
        return write_state_dict(folder / "550000.pt", w, container=fmt["container"], extra={"latent_avg": latent})
    if fx["family"] == "stargan" and "discriminator" in fx:  # yunjey saves N-G.ckpt beside N-D.ckpt; D's class head gives the image size
        d = fx["discriminator"]
        write_state_dict(folder / "200000-D.ckpt", make_weights(d["layout"], d["seed"], fx["scheme"]))
        return write_state_dict(folder / "200000-G.ckpt", w)
    return write_state_dict(folder / fmt.get("file", "latest_net_G.pth"), w, container=fmt["container"],
                            prefix=fmt["prefix"])


def run_in_train_mode(g: torch.nn.Module, args: list, kwargs: dict, dropout: bool) -> torch.Tensor:
    """Norms on the input's statistics as the reference's train mode, updating copies of the buffers only."""
    tensors = {**dict(g.named_parameters()), **{k: v.clone() for k, v in g.named_buffers()}}
    g.train()
    for m in g.modules():
        if isinstance(m, torch.nn.Dropout):
            m.train(dropout)
    try:
        return functional_call(g, tensors, tuple(args), kwargs)
    finally:
        g.eval()


def run_ours(model: GanModel, fx: dict, run: dict) -> torch.Tensor:
    g = model.generator
    g.eval()
    args = [make_input(fx["inputs"][name]) for name in fx["call"]]
    before = {k: v.clone() for k, v in g.state_dict().items()}
    with torch.no_grad(), torch.random.fork_rng():
        torch.manual_seed(run.get("seed", 0))
        if run["mode"] == "eval":
            out = g(*args, **run["kwargs"])
        else:
            out = run_in_train_mode(g, args, run["kwargs"], dropout=run["mode"] == "paper")
    after = g.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), "a stored buffer changed"
    return out


@pytest.mark.parametrize("case", CASES)
def test_parity_with_reference(case, tmp_path):
    fx = load_fixture(case)
    src = write_source(fx, tmp_path)
    conv = convert(src, preset=fx["preset"])
    assert conv.model.family.name == fx["family"]
    cfg = json.loads(json.dumps(conv.model.config.to_dict()))
    assert {k: cfg[k] for k in fx["expect"]} == fx["expect"]
    # what is written is what runs: reload the folder
    model = load_folder(save_conversion(conv, tmp_path / "model"))
    for run in fx["runs"]:
        diff = max_abs_diff(run_ours(model, fx, run), run["output"])
        print(f"{case} {run['name']}: max |ours - reference| = {diff:.2e}")
        assert diff <= TOLERANCE, f"{case} {run['name']}: max diff {diff:.3g}"


@pytest.mark.parametrize("case", CASES)
def test_layout_is_recognised_without_preset(case, tmp_path):
    """Recognised from keys and shapes alone, or, where the weights cannot tell two layouts apart (``auto_preset``
    empty), refused with a message naming the preset to choose."""
    fx = load_fixture(case)
    src = write_source(fx, tmp_path)
    auto = fx.get("auto_preset", fx["preset"].split("-unet")[0].split("-resnet")[0])
    if not auto:
        (tmp_path / "config.json").unlink(missing_ok=True)
        with pytest.raises(ConvertError, match="cannot be told apart") as e:
            convert(src)
        assert fx["preset"] in str(e.value)
        return
    conv = convert(src)
    assert conv.preset == auto
    cfg = json.loads(json.dumps(conv.model.config.to_dict()))
    assert {k: cfg[k] for k in fx["expect"]} == fx["expect"]


def cheap_weights(layout: list) -> dict[str, torch.Tensor]:
    """Published-size tensors that cost nothing to store: one zero broadcast to each shape (fixed buffers kept)."""
    out = {}
    for key, shape, dtype, fixed in layout:
        if fixed is not None:
            out[key] = torch.tensor(fixed).reshape(shape)
        elif dtype == "int64":
            out[key] = torch.zeros(shape, dtype=torch.int64)
        else:
            out[key] = torch.zeros(()).expand(shape)
    return out


@pytest.mark.parametrize("case,which", [(c, "default") for c in CASES] + [("stylegan2_ada", "default_auto")])
def test_published_default_size_converts(case, which, tmp_path):
    """Key and shape inference at the published size (no forward pass)."""
    fx = load_fixture(case)
    spec = fx[which]
    w = cheap_weights(spec["layout"])
    if fx["format"].get("pickle"):
        src = write_nvlabs_pickle(tmp_path / "network.pkl", w, w, fx["classes"], {})
    elif fx["format"].get("latent_avg"):
        src = write_state_dict(tmp_path / "g.pt", w, container="g_ema", extra={"latent_avg": torch.zeros(512)})
    else:
        src = write_state_dict(tmp_path / "g.pth", w)
    conv = convert(src, preset=spec.get("preset", fx["preset"]))
    cfg = json.loads(json.dumps(conv.model.config.to_dict()))
    assert {k: cfg[k] for k in spec["expect"]} == spec["expect"]


@pytest.mark.parametrize("case", ["dcgan", "stylegan2_ada"])
def test_fixtures_tell_weights_apart(case, tmp_path):
    """Other weights must fail the comparison (the stored slices are not trivially matched)."""
    fx = load_fixture(case)
    model = convert(write_source(fx, tmp_path, seed=fx["seed"] + 1000), preset=fx["preset"]).model
    run = fx["runs"][0]
    assert max_abs_diff(run_ours(model, fx, run), run["output"]) > 100 * TOLERANCE
