"""The Models tab's "Convert published weights": an upload becomes a model of the session (offered by every tab
that can use it) and a downloadable zip; bad files are refused with short messages and nothing in them runs."""

from __future__ import annotations

import os
import pickle
import time
import zipfile
from pathlib import Path

import gradio as gr
import pytest
import torch
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from ganstudio import images as imgs
from tests.convert.parity import load_fixture, make_weights, write_state_dict
from tests.ui.test_app_e2e import assert_not_blank, call, grid_side, picture


class RunsShell:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


@pytest.fixture(scope="module")
def client(served) -> Client:
    return Client(served.url, verbose=False)  # its own session: the converted models stay out of other tests


@pytest.fixture(scope="module")
def dcgan_file(tmp_path_factory) -> Path:
    """pytorch/examples DCGAN weights (nz=8, ngf=4, 64 px) rebuilt from a seed, saved the way its main.py saves them."""
    fx = load_fixture("dcgan")
    folder = tmp_path_factory.mktemp("published")
    return write_state_dict(folder / "netG_epoch_24.pth", make_weights(fx["layout"], fx["seed"], fx["scheme"]),
                            container="netG_state_dict", prefix="module.")


def convert(client: Client, path: Path | str, preset: str = "auto", attributes: str = "", config_values: str = ""):
    return call(client, "convert_weights", handle_file(str(path)), preset, None, None, attributes, config_values)


def test_an_upload_becomes_a_model_of_the_session_and_a_zip(served, client, dcgan_file):
    status, card, config, table, _inspect, *pickers, report, download = convert(client, dcgan_file,
                                                                                config_values="ndf=8")
    from ganstudio.ui.tabs import MODEL_TABS

    assert len(pickers) == len(MODEL_TABS)  # every tab's model picker learns the new model
    assert "preset:  dcgan (published keys)" in report and "key mapping" in report
    assert "Random generation" in status and config["family"] == "dcgan" and config["config"]["ndf"] == 8
    assert "## Conversion" in card and "netG_epoch_24.pth" in card
    model_id = next(row[0] for row in table["data"] if row[1] == "netG_epoch_24 (dcgan)")
    assert any(row[0] == model_id and row[3] == "Random generation" for row in call(client, "list_models")["data"])

    grid = call(client, "generate_grid", model_id, 5, 4, 1.0, False)[0]
    assert picture(grid).size == (grid_side(2, 64), grid_side(2, 64))
    assert_not_blank(grid)
    assert imgs.read_png_params(grid)["model_id"] == model_id

    with zipfile.ZipFile(download) as z:
        names = {Path(n).name for n in z.namelist()}
    assert {"config.json", "model.safetensors", "README.md"} <= names
    # another session does not see it
    assert not any(row[0] == model_id for row in call(Client(served.url, verbose=False), "list_models")["data"])


@pytest.mark.parametrize("name,content,message", [
    ("junk.pth", b"this is not a checkpoint", "junk.pth is not a readable"),
    ("notes.txt", b"weights?", "Invalid file type"),
])
def test_junk_files_get_a_clear_error(client, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AppError) as info:
        convert(client, path)
    text = str(info.value)
    assert message in text and "Traceback" not in text and len(text) < 500, text


def test_layouts_it_cannot_convert_are_explained(client, tmp_path, dcgan_file):
    with pytest.raises(AppError, match="no known layout matches"):
        convert(client, dcgan_file, preset="pix2pix")
    stylegan3 = tmp_path / "stylegan3.pth"
    torch.save({"synthesis.input.affine.weight": torch.zeros(4, 8), "mapping.fc0.weight": torch.zeros(8, 8)},
               stylegan3)
    with pytest.raises(AppError, match="StyleGAN3"):
        convert(client, stylegan3)
    with pytest.raises(AppError, match="is not key=value"):
        convert(client, dcgan_file, config_values="ndf")


@pytest.mark.parametrize("suffix", [".pth", ".pkl"])
def test_a_pickle_that_runs_code_is_refused_and_never_runs(client, tmp_path, suffix):
    marker = tmp_path / "it-ran"
    evil = tmp_path / f"evil{suffix}"
    if suffix == ".pth":
        torch.save({"weight": torch.ones(2), "payload": RunsShell(marker)}, evil)
    else:
        evil.write_bytes(pickle.dumps({"G_ema": RunsShell(marker)}))
    with pytest.raises(AppError) as info:
        convert(client, evil)
    assert "system" in str(info.value) and "Traceback" not in str(info.value)
    assert not marker.exists()
    # the payload is live: what unpickling would call (its __reduce__) does create the marker
    call, args = RunsShell(marker).__reduce__()
    call(*args)
    assert marker.exists()


def test_config_values_and_attribute_names_are_parsed():
    from ganstudio.ui.models import _config_values, _names

    assert _config_values("image_size=256, use_dropout=false, name=x, taps=[1, 3, 3, 1]") == {
        "image_size": 256, "use_dropout": False, "name": "x", "taps": [1, 3, 3, 1]}
    assert _config_values("  ") == {} and _names("") is None
    assert _names("Black_Hair, Blond_Hair,\nMale") == ["Black_Hair", "Blond_Hair", "Male"]
    with pytest.raises(ValueError, match="not key=value"):
        _config_values("image_size 256")


def test_a_sessions_conversions_are_deleted_with_its_state(served, dcgan_file, tmp_path):
    from ganstudio.ui import models, state

    studio = state.new_studio(served.catalog, out_dir=tmp_path / "out")
    session, other = state.Session(), state.Session()
    *_, zipped = models.convert_weights(studio, str(dcgan_file), "auto", None, None, "", "ndf=8", session, None)
    models.convert_weights(studio, str(dcgan_file), "auto", None, None, "", "ndf=8", other, None)
    assert len(session.folders) == 1 and Path(zipped).is_file() and Path(zipped).parent == Path(session.folders[0])
    state.release_session(session)
    assert not Path(zipped).exists() and session.folders == []
    assert all(Path(f).is_dir() for f in other.folders)  # another session's conversion stays
    # the app hands every session's state to release_session when Gradio drops it
    states = [b for b in served.demo.blocks.values() if isinstance(b, gr.State)]
    assert states and all(s.delete_callback is state.release_session for s in states
                          if isinstance(s.value, state.Session))


def test_conversions_a_stopped_server_left_are_swept_at_start(tmp_path):
    from ganstudio.ui import state

    converted = tmp_path / "out" / "converted"
    old, recent = converted / "old-session", converted / "recent-session"
    for folder in (old, recent):
        (folder / "conversion-x").mkdir(parents=True)
        (folder / "conversion-x" / "model.zip").write_bytes(b"zip")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    state.new_studio(out_dir=tmp_path / "out")
    assert not old.exists() and (recent / "conversion-x" / "model.zip").is_file()
