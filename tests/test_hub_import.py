"""Loading Hub repos in other codebases' layouts by repo id, through the fake Hub (tests/hub_server.py).

The repos are laid out as the real ones: huggan (``config.json`` of constructor arguments + ``pytorch_model.bin``
or ``model.safetensors``), junyanz (``latest_net_G.pth`` alone), NVIDIA (a ``.pkl`` network snapshot), and
repos with several weight files.
"""

from __future__ import annotations

import io
import json
from collections import OrderedDict

import pytest
import torch
from safetensors.torch import save as save_safetensors

from ganstudio.checkpoint import new_model
from ganstudio.hub import ModelSourceError, is_cached, load_model, resolve_source
from tests.convert.parity import (load_fixture, make_weights, max_abs_diff, source_was_executed,
                                  write_nvlabs_pickle)
from tests.convert.test_parity import run_ours


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def pth_bytes(sd: dict) -> bytes:
    buf = io.BytesIO()
    torch.save(OrderedDict(sd), buf)
    return buf.getvalue()


def fixture_weights(name: str) -> tuple[dict, dict]:
    fx = load_fixture(name)
    return fx, make_weights(fx["layout"], fx["seed"], fx["scheme"])


def tiny_weights(family: str, cfg: dict, seed: int = 0) -> dict:
    sd = new_model(family, cfg).generator.state_dict()
    layout = [[k, list(v.shape), str(v.dtype).replace("torch.", ""), None] for k, v in sd.items()]
    return make_weights(layout, seed, "fan_in")


CARD_MIT = b"---\nlicense: mit\ntags:\n- gan\n---\n# A GAN\n"
HUB_CASES = ["huggan_dcgan", "pytorch_gan_cyclegan", "pytorch_gan_infogan", "pytorch_gan_lsgan", "pytorch_gan_cgan",
             "pytorch_gan_wgan_gp", "junyanz_resnet6_affine", "junyanz_unet128_affine", "pytorch_gan_stargan",
             "pytorch_gan_dcgan", "pytorch_gan_acgan", "pytorch_gan_sgan", "studiogan_dcgan",
             # the reference's fixed widths: 54 M parameters
             pytest.param("pytorch_gan_pix2pix", marks=pytest.mark.slow),
             "pytorch_gan_discogan"]


@pytest.mark.parametrize("name", HUB_CASES)
def test_parity_by_hub_id(fake_hub, name):
    """The reference outputs, reached by repo id: files laid out as the fixture says, converted on load."""
    fx, w = fixture_weights(name)
    fmt = fx["format"]
    if fmt.get("hub", "").endswith(".safetensors"):
        files = {fmt["hub"]: save_safetensors({k: v.contiguous() for k, v in w.items()})}
    elif fmt.get("container"):
        files = {fmt["file"]: pth_bytes({fmt["container"]: w, "step": 100})}
    else:
        files = {fmt.get("hub") or fmt.get("file", "latest_net_G.pth"): pth_bytes(w)}
    if fmt.get("config"):
        files["config.json"] = json.dumps(fmt["config"]).encode()
    fake_hub.add_repo(f"someone/{name}", {**files, "README.md": CARD_MIT})
    # layouts the weights cannot tell apart are refused without a preset, as by file
    preset = fx["preset"] if fx.get("auto_preset") == "" and not fmt.get("config") else None
    model = load_model(f"someone/{name}", device="cpu", preset=preset)
    assert model.family.name == fx["family"]
    for run in fx["runs"]:
        diff = max_abs_diff(run_ours(model, fx, run), run["output"])
        print(f"{name} by Hub id, {run['name']}: max |ours - reference| = {diff:.2e}")
        assert diff <= 1e-5


def test_huggan_bin_repo_downloads_only_what_it_needs_and_is_cached(fake_hub):
    cfg = dict(in_channels=3, channels=3, num_downs=5, ngf=4, layout="pytorch-gan", norm="instance", image_size=32)
    w = tiny_weights("pix2pix", cfg)
    fake_hub.add_repo("huggan/tiny-pix2pix", {
        "config.json": json.dumps({"in_channels": 3, "out_channels": 3}).encode(),
        "pytorch_model.bin": pth_bytes(w), "README.md": CARD_MIT,
        "samples/result.png": b"\x89PNG not really", "discriminator/pytorch_model.bin": b"never fetched"})
    model = load_model("huggan/tiny-pix2pix", device="cpu")
    assert model.family.name == "pix2pix" and model.config.layout == "pytorch-gan" and model.config.num_downs == 5
    assert model.meta.license == "mit"
    assert fake_hub.requested_files("GET") == {"config.json", "pytorch_model.bin", "README.md"}
    folder = resolve_source("huggan/tiny-pix2pix")
    card = (folder / "README.md").read_text()
    assert "huggan/tiny-pix2pix" in card
    assert "Licence: mit" in card and "Assumed:" in card and "pytorch_model.bin" in card
    prov = json.loads((folder / "config.json").read_text())["meta"]["provenance"]
    assert prov["hub_repo"] == "huggan/tiny-pix2pix" and len(prov["hub_commit"]) == 40
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        first = model.generator.eval()(x)

    # second load: no download, no conversion; then offline (Hub gone), from the converted cache
    downloads = len(fake_hub.requests_of("GET", "resolve"))
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    again = load_model("huggan/tiny-pix2pix", device="cpu")
    assert len(fake_hub.requests_of("GET", "resolve")) == downloads  # nothing downloaded again
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # nor converted again
    fake_hub.stop()
    offline = load_model("huggan/tiny-pix2pix", device="cpu")
    assert is_cached("huggan/tiny-pix2pix")
    with torch.no_grad():
        assert torch.equal(again.generator.eval()(x), first) and torch.equal(offline.generator.eval()(x), first)


def test_safetensors_repo_and_mixin_duplicates(fake_hub):
    cfg = dict(ngf=4, n_blocks=2, upsample="resize", image_size=32)
    w = tiny_weights("cyclegan", cfg)
    theirs = {k.replace(".conv_block.", ".block."): v.contiguous() for k, v in w.items()}
    fake_hub.add_repo("huggan/tiny-cyclegan", {
        "config.json": json.dumps({"input_shape": [3, 32, 32], "num_residual_blocks": 2}).encode(),
        "model.safetensors": save_safetensors(theirs), "pytorch_model.bin": b"an older pickle, not fetched"})
    model = load_model("huggan/tiny-cyclegan", device="cpu")
    assert model.config.upsample == "resize" and model.config.image_size == 32 and model.meta.license == ""
    assert "pytorch_model.bin" not in fake_hub.requested_files()
    card = (resolve_source("huggan/tiny-cyclegan") / "README.md").read_text()
    assert "states none" in card


def test_junyanz_latest_net_g_only_repo(fake_hub):
    w = tiny_weights("pix2pix", dict(num_downs=5, ngf=4, image_size=32))
    fake_hub.add_repo("someone/facades", {"latest_net_G.pth": pth_bytes(w)})
    model = load_model("someone/facades", device="cpu")
    assert model.family.name == "pix2pix" and model.config.norm == "batch"
    assert fake_hub.requested_files("GET") == {"latest_net_G.pth"}


def test_junyanz_cyclegan_pair_is_both_directions(fake_hub):
    cfg = dict(ngf=4, n_blocks=2, image_size=32)
    a, b = tiny_weights("cyclegan", cfg, 1), tiny_weights("cyclegan", cfg, 2)
    d = new_model("cyclegan", cfg, components=("generator", "discriminator")).modules["discriminator"].state_dict()
    fake_hub.add_repo("someone/horse2zebra", {"latest_net_G_A.pth": pth_bytes(a), "latest_net_G_B.pth": pth_bytes(b),
                                              "latest_net_D_A.pth": pth_bytes(d), "latest_net_D_B.pth": pth_bytes(d)})
    model = load_model("someone/horse2zebra", device="cpu")
    assert set(model.modules) == {"generator", "generator_ba"}
    assert torch.equal(model.modules["generator_ba"].state_dict()["model.1.weight"], b["model.1.weight"])
    assert not {"latest_net_D_A.pth", "latest_net_D_B.pth"} & fake_hub.requested_files()


def test_nvidia_pkl_repo_executes_nothing(fake_hub, tmp_path):
    fx = load_fixture("stylegan2_ada")
    w = make_weights(fx["layout"], fx["seed"], fx["scheme"])
    g = make_weights(fx["layout"], fx["format"]["g_seed"], fx["scheme"])
    pkl = write_nvlabs_pickle(tmp_path / "net.pkl", w, g, fx["classes"], fx["init_kwargs"])
    fake_hub.add_repo("someone/stylegan2-ada-tiny", {"network-snapshot-000100.pkl": pkl.read_bytes(),
                                                     "README.md": b"---\nlicense: other\n---\n"})
    model = load_model("someone/stylegan2-ada-tiny", device="cpu")
    assert not source_was_executed()
    assert model.family.name == "stylegan2" and model.meta.license == "other"
    run = fx["runs"][0]
    assert max_abs_diff(run_ours(model, fx, run), run["output"]) <= 1e-5


def test_several_weight_files_ask_and_a_named_file_answers(fake_hub):
    cfg = dict(latent_dim=8, ngf=4, channels=1, image_size=16)
    w10, w20 = tiny_weights("dcgan", cfg, 10), tiny_weights("dcgan", cfg, 20)
    fake_hub.add_repo("someone/dcgan-runs", {"netG_epoch_10.pth": pth_bytes(w10), "netG_epoch_20.pth": pth_bytes(w20),
                                             "netD_epoch_20.pth": b"x"})
    with pytest.raises(ModelSourceError, match=r"several weight files .*netG_epoch_10\.pth, netG_epoch_20\.pth.*"
                                               r"someone/dcgan-runs/<file>") as e:
        load_model("someone/dcgan-runs", device="cpu")
    assert "netD" not in str(e.value).split("(")[1]
    model = load_model("someone/dcgan-runs/netG_epoch_20.pth", device="cpu")
    assert torch.equal(model.generator.state_dict()["main.0.weight"], w20["main.0.weight"])
    assert fake_hub.requested_files("GET") == {"netG_epoch_20.pth"}


def test_latest_is_chosen_among_epochs(fake_hub):
    w = tiny_weights("pix2pix", dict(num_downs=5, ngf=4, image_size=32))
    fake_hub.add_repo("someone/p2p", {"latest_net_G.pth": pth_bytes(w), "5_net_G.pth": pth_bytes(w),
                                      "latest_net_D.pth": b"x"})
    load_model("someone/p2p", device="cpu")
    assert fake_hub.requested_files("GET") == {"latest_net_G.pth"}


def test_undecidable_layout_asks_for_a_preset(fake_hub):
    w = tiny_weights("acgan", dict(num_classes=4, latent_dim=8, ngf=4, channels=1, image_size=16, layout="pytorch-gan"))
    fake_hub.add_repo("someone/acgan", {"generator.pth": pth_bytes(w)})
    with pytest.raises(ModelSourceError, match=r"cannot be converted: .*pytorch-gan-acgan.*pytorch-gan-sgan.*--preset"):
        load_model("someone/acgan", device="cpu")
    model = load_model("someone/acgan", device="cpu", preset="pytorch-gan-acgan")
    assert model.family.name == "acgan"
    fake_hub.stop()  # the chosen preset's conversion is cached under its own key
    assert load_model("someone/acgan", device="cpu", preset="pytorch-gan-acgan").family.name == "acgan"
    with pytest.raises(ModelSourceError, match="not in the local cache|cannot reach"):
        load_model("someone/acgan", device="cpu", preset="pytorch-gan-sgan")


def test_new_commit_is_converted_again(fake_hub):
    cfg = dict(latent_dim=8, ngf=4, channels=1, image_size=16)
    fake_hub.add_repo("someone/dcgan", {"netG.pth": pth_bytes(tiny_weights("dcgan", cfg, 1))})
    first = resolve_source("someone/dcgan")
    fake_hub.commit("someone/dcgan", {"netG.pth": pth_bytes(tiny_weights("dcgan", cfg, 2))})
    second = resolve_source("someone/dcgan")
    assert first != second and first.parent.name != second.parent.name  # keyed by commit


def test_unreadable_weights_say_so(fake_hub):
    fake_hub.add_repo("tester/other", {"pytorch_model.bin": b"x", "README.md": b"# hi"})
    with pytest.raises(ModelSourceError, match=r"tester/other \(pytorch_model\.bin\) cannot be converted"):
        load_model("tester/other", device="cpu")


def test_pytorch_gan_discogan_pair_by_repo_and_by_file(fake_hub):
    cfg = dict(layout="pytorch-gan", unet_downs=4, ngf=4, image_size=16)
    ab, ba = tiny_weights("discogan", cfg, 1), tiny_weights("discogan", cfg, 2)
    fake_hub.add_repo("someone/edges2shoes", {"G_AB_9.pth": pth_bytes(ab), "G_BA_9.pth": pth_bytes(ba),
                                              "D_A_9.pth": b"x", "D_B_9.pth": b"x"})
    for source in ("someone/edges2shoes", "someone/edges2shoes/G_AB_9.pth"):
        model = load_model(source, device="cpu")
        assert model.family.name == "discogan" and set(model.modules) == {"generator", "generator_ba"}
        assert torch.equal(model.modules["generator_ba"].state_dict()["down1.model.0.weight"],
                           ba["down1.model.0.weight"])
    assert fake_hub.requested_files("GET") == {"G_AB_9.pth", "G_BA_9.pth"}


def test_offline_mode_pinned_revisions_and_hub_errors(fake_hub, monkeypatch):
    cfg = dict(latent_dim=8, ngf=4, channels=1, image_size=16)
    w1, w2 = tiny_weights("dcgan", cfg, 1), tiny_weights("dcgan", cfg, 2)
    first = fake_hub.add_repo("someone/dcgan", {"netG.pth": pth_bytes(w1)})
    fake_hub.commit("someone/dcgan", {"netG.pth": pth_bytes(w2)})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelSourceError, match=r"offline mode \(HF_HUB_OFFLINE\) is on and someone/dcgan is not in"):
        load_model("someone/dcgan", device="cpu")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    pinned = load_model(f"someone/dcgan@{first}", device="cpu")
    latest = load_model("someone/dcgan", device="cpu")
    assert torch.equal(pinned.generator.state_dict()["main.0.weight"], w1["main.0.weight"])
    assert torch.equal(latest.generator.state_dict()["main.0.weight"], w2["main.0.weight"])
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    requests = len(fake_hub.requests)
    assert torch.equal(load_model(f"someone/dcgan@{first}", device="cpu").generator.state_dict()["main.0.weight"],
                       w1["main.0.weight"])
    assert load_model("someone/dcgan", device="cpu").family.name == "dcgan"
    assert len(fake_hub.requests) == requests  # offline: not one request
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(ModelSourceError, match="has no revision 'nope'"):
        load_model("someone/dcgan@nope", device="cpu")
    with pytest.raises(ModelSourceError, match="was not found"):
        load_model("someone/missing", device="cpu")
    fake_hub.set_gated("someone/dcgan")
    with pytest.raises(ModelSourceError, match="gated"):
        load_model("someone/dcgan@main", device="cpu", preset="dcgan")


def test_studiogan_style_run_folder_takes_the_ema_generator(fake_hub):
    fx, w = fixture_weights("studiogan_dcgan")
    run = "studiogan_official_ckpt/CIFAR10-DCGAN-train-2021_01_01"
    fake_hub.add_repo("someone/studiogan", {
        f"{run}/model=G-best-weights-step=100.pth": pth_bytes({"state_dict": tiny_weights("dcgan", dict(
            layout="studiogan", latent_dim=16, image_size=32), 9)}),
        f"{run}/model=G_ema-best-weights-step=100.pth": pth_bytes({"state_dict": w, "step": 100}),
        f"{run}/model=D-best-weights-step=100.pth": b"not fetched"})
    model = load_model(f"someone/studiogan/{run}", device="cpu")
    assert model.config.layout == "studiogan"
    assert fake_hub.requested_files("GET") == {f"{run}/model=G_ema-best-weights-step=100.pth"}
    run0 = fx["runs"][0]
    assert max_abs_diff(run_ours(model, fx, run0), run0["output"]) <= 1e-5


def test_hub_outage_uses_the_converted_copy_or_says_so(fake_hub):
    w = tiny_weights("dcgan", dict(latent_dim=8, ngf=4, channels=1, image_size=16))
    fake_hub.add_repo("someone/dcgan", {"netG.pth": pth_bytes(w)})
    fake_hub.outage = 503
    with pytest.raises(ModelSourceError, match=r"answered HTTP 503 for someone/dcgan, and no cached copy exists"):
        load_model("someone/dcgan", device="cpu")
    fake_hub.outage = None
    load_model("someone/dcgan", device="cpu")
    fake_hub.outage = 503
    assert torch.equal(load_model("someone/dcgan", device="cpu").generator.state_dict()["main.0.weight"],
                       w["main.0.weight"])
