"""``python -m ganstudio convert``: output, errors that write nothing, --dry-run, --set, --push-to-hub."""

from __future__ import annotations

import json

import huggingface_hub
import pytest

from ganstudio.__main__ import main as ganstudio_main
from ganstudio.convert.cli import main
from tests.convert.parity import load_fixture, make_weights, write_state_dict
from tests.convert.test_convert import renamed_dcgan


@pytest.fixture
def dcgan_file(tmp_path):
    fx = load_fixture("dcgan")
    return write_state_dict(tmp_path / "netG_epoch_24.pth", make_weights(fx["layout"], fx["seed"], fx["scheme"]),
                            container="netG_state_dict", prefix="module.")


def test_convert_writes_a_model_folder(dcgan_file, tmp_path, capsys):
    out = tmp_path / "dcgan-converted"
    assert ganstudio_main(["convert", str(dcgan_file), "--out", str(out), "--set", "ndf=8"]) == 0
    text = capsys.readouterr().out
    assert "preset:  dcgan (published keys)" in text and f"wrote {out}" in text
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["family"] == "dcgan" and cfg["config"]["ndf"] == 8 and cfg["config"]["latent_dim"] == 8


def test_structural_mapping_is_printed(tmp_path, capsys):
    fx = load_fixture("dcgan")
    src = write_state_dict(tmp_path / "other.pth", renamed_dcgan(make_weights(fx["layout"], fx["seed"], fx["scheme"])))
    assert main([str(src), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "key mapping (file -> GAN Studio):" in text
    assert "net.block0.deconv.w" in text and "dry run: nothing written" in text


def test_errors_write_nothing(dcgan_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(dcgan_file), "--preset", "stargan", "--out", str(out)]) == 1
    assert "error:" in capsys.readouterr().err
    assert not out.exists()
    assert main([str(tmp_path / "missing.pth"), "--out", str(out)]) == 1
    assert main([str(dcgan_file), "--set", "image_size=48", "--out", str(out)]) == 1
    assert not out.exists()
    assert main([str(dcgan_file)]) == 2  # no --out


def test_push_to_hub(dcgan_file, tmp_path, monkeypatch, capsys):
    calls = []

    class FakeApi:
        def __init__(self, token=None):
            calls.append(("init", token))

        def create_repo(self, repo_id, **kw):
            calls.append(("create", repo_id, kw))
            return f"https://huggingface.co/{repo_id}"

        def upload_folder(self, folder_path, repo_id, **kw):
            calls.append(("upload", repo_id, sorted(p.name for p in __import__("pathlib").Path(folder_path).iterdir())))

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    out = tmp_path / "out"
    assert main([str(dcgan_file), "--out", str(out), "--push-to-hub", "me/dcgan-test", "--private"]) == 0
    assert ("create", "me/dcgan-test", {"repo_type": "model", "private": True, "exist_ok": True}) in calls
    assert ("upload", "me/dcgan-test", ["README.md", "config.json", "model.safetensors"]) in calls
    assert "pushed to https://huggingface.co/me/dcgan-test" in capsys.readouterr().out


def test_convert_a_hub_repo_by_id(fake_hub, tmp_path, capsys):
    from tests.test_hub_import import pth_bytes, tiny_weights

    w = tiny_weights("acgan", dict(num_classes=4, latent_dim=8, ngf=4, channels=1, image_size=16, layout="pytorch-gan"))
    fake_hub.add_repo("someone/acgan", {"generator_200.pth": pth_bytes(w)})
    out = tmp_path / "acgan"
    assert main(["someone/acgan", "--out", str(out)]) == 1
    assert "--preset" in capsys.readouterr().err and not out.exists()
    assert main(["someone/acgan", "--preset", "pytorch-gan-acgan", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "family:  acgan" in text and "someone/acgan @ " in text and f"wrote {out}" in text
    assert json.loads((out / "config.json").read_text())["config"]["layout"] == "pytorch-gan"
