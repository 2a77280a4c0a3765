"""``python -m ganstudio train``: options reach the run, --export-to copies the model, --push-to-hub uploads it."""

import json

import huggingface_hub
import pytest

from ganstudio.train import cli

TINY = ["--set", "ngf=4", "--set", "ndf=4", "--set", "latent_dim=8"]


def _train(tmp_path, *extra):
    return cli.main(["dcgan", "--data", "mnist", "--out", str(tmp_path / "run"), "--steps", "2", "--batch-size", "8",
                     "--threads", "1", "--quiet", *TINY, *extra])


def test_options_reach_the_card_and_export_to_copies(tmp_path, capsys):
    dest = tmp_path / "checkpoints" / "tiny"
    dest.mkdir(parents=True)
    (dest / "stale.txt").write_text("from an older export")
    assert _train(tmp_path, "--loss", "lsgan", "--lr-g", "3e-4", "--lr-decay-from", "1", "--name", "Tiny",
                  "--export-to", str(dest)) == 0
    cfg = json.loads((dest / "config.json").read_text())
    assert cfg["config"]["ngf"] == 4 and cfg["meta"]["name"] == "Tiny"
    training = cfg["meta"]["training"]
    assert (training["loss"], training["steps"], training["lr_g"], training["lr_decay_from"]) == ("lsgan", 2, 3e-4, 1)
    assert not (dest / "stale.txt").exists()  # the copy replaces the folder
    assert f"copied to {dest}" in capsys.readouterr().out


def test_push_to_hub_uploads_the_exported_folder(tmp_path, monkeypatch, capsys):
    calls = []

    class RecordingApi:
        def __init__(self, token=None):
            pass

        def create_repo(self, repo_id, **kw):
            calls.append(("create", repo_id, kw["repo_type"]))
            return f"https://hub.example/{repo_id}"

        def upload_folder(self, folder_path, repo_id, **kw):
            from pathlib import Path

            calls.append(("upload", repo_id, sorted(p.name for p in Path(folder_path).iterdir())))

    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    assert _train(tmp_path, "--push-to-hub", "me/tiny-dcgan") == 0
    assert calls[0] == ("create", "me/tiny-dcgan", "model")
    assert calls[1][:2] == ("upload", "me/tiny-dcgan")
    assert {"config.json", "model.safetensors", "README.md", "samples.png"} <= set(calls[1][2])
    assert "pushed to https://hub.example/me/tiny-dcgan" in capsys.readouterr().out


def test_push_to_an_unreachable_hub_keeps_the_model(tmp_path, hf_isolated, monkeypatch, capsys):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    assert _train(tmp_path, "--push-to-hub", "me/tiny-dcgan") == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "the model is still in" in err
    assert (tmp_path / "run" / "model" / "model.safetensors").is_file()


def test_unknown_family_is_refused(capsys):
    with pytest.raises(SystemExit):
        cli.main(["biggan", "--data", "mnist"])
    assert "invalid choice" in capsys.readouterr().err
