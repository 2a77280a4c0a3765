"""The latent tools through gradio_client: projection (streamed, cancellable), directions, breeding and walks on
the tiny StyleGAN2 and on an imported rosinality checkpoint, and the refusals of bad input."""

from __future__ import annotations

import time

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from ganstudio import images as imgs
from ganstudio.latent import codes, projection

LATENT_ENDPOINTS = {"latent_select_model", "latent_add_seed", "latent_upload", "latent_project", "latent_directions",
                    "latent_apply_direction", "latent_breed", "latent_make_parent", "latent_walk",
                    "latent_style_mix"}


def call(client: Client, name: str, *args):
    return client.predict(*args, api_name=f"/{name}")


def value(out):
    """A component's value, whether the handler returned it plainly or as an update."""
    return out.get("value") if isinstance(out, dict) and out.get("__type__") == "update" else out


def pixels(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


@pytest.fixture(scope="module")
def client(served) -> Client:
    return Client(served.url, verbose=False)  # its own session: its own latent library


@pytest.fixture(scope="module")
def glyph(tmp_path_factory) -> str:
    """A red disc on transparency, off-centre."""
    img = Image.new("RGBA", (90, 70), (0, 0, 0, 0))
    from PIL import ImageDraw

    ImageDraw.Draw(img).ellipse((40, 10, 80, 50), fill=(220, 40, 40, 255))
    path = tmp_path_factory.mktemp("latent") / "glyph.png"
    img.save(path)
    return str(path)


def project_args(model: str, image: str, steps: int = 10, wplus: int = 10) -> tuple:
    return (model, handle_file(image), steps, wplus, False, 1.0, "subject", 0)


def test_latent_endpoints_are_named_and_documented(client):
    api = client.view_api(return_format="dict", print_info=False)
    named = {name.lstrip("/"): info for name, info in api["named_endpoints"].items()}
    assert LATENT_ENDPOINTS <= set(named), LATENT_ENDPOINTS - set(named)
    for name in LATENT_ENDPOINTS:
        assert named[name]["description"].strip(), name


def test_library_directions_breeding_and_walks(client):
    card, *_ = call(client, "latent_select_model", "tiny-stylegan2")
    assert "Tiny StyleGAN2" in card
    img1, npz1, current, parents, keys, status = call(client, "latent_add_seed", "tiny-stylegan2", 1)
    assert value(current) == "seed 1" and "added" in status
    params = imgs.read_png_params(img1)
    assert params["origin"] == {"op": "seed", "seed": 1} and params["model_id"] == "tiny-stylegan2"
    img2, *_ = call(client, "latent_add_seed", "tiny-stylegan2", 2)
    assert not np.array_equal(pixels(img1), pixels(img2))

    strips, choice, walk_choice, summary = call(client, "latent_directions", "tiny-stylegan2", "seed 1", 0, 5, 3)
    assert len(strips) == 3 and "W+ rows 0-5" in summary and value(choice) == 0
    strip = pixels(strips[0]["image"])
    assert strip.shape[1] > 6 * 16  # seven renders side by side
    assert not np.array_equal(strip[:, 2:18], strip[:, -18:-2])  # -3 sigma differs from +3 sigma
    still = call(client, "latent_apply_direction", "tiny-stylegan2", "seed 1", 0, 0.0, 0, 5, False)[0]
    moved = call(client, "latent_apply_direction", "tiny-stylegan2", "seed 1", 0, 4.0, 0, 5, True)
    assert np.array_equal(pixels(still), pixels(img1)) and not np.array_equal(pixels(moved[0]), pixels(img1))
    assert "edit 1" in moved[5]
    assert imgs.read_png_params(moved[0])["origin"]["alpha"] == 4.0

    children, current, parents, keys, summary = call(client, "latent_breed", "tiny-stylegan2", ["seed 1", "seed 2"],
                                                     4, 0.2, 3)
    assert len(children) == 4 and [c["caption"] for c in children] == ["child 1", "child 2", "child 3", "child 4"]
    lineage = imgs.read_png_params(children[0]["image"])["origin"]
    assert lineage["op"] == "breed" and lineage["parents"][1] == {"op": "seed", "seed": 2}
    parents = call(client, "latent_make_parent", "tiny-stylegan2", "child 2", ["seed 1", "seed 2"])
    parents = value(parents)
    assert parents == ["seed 2", "child 2"]
    grand, *_ = call(client, "latent_breed", "tiny-stylegan2", parents, 2, 0.0, 0)
    assert imgs.read_png_params(grand[0]["image"])["origin"]["parents"][1]["op"] == "breed"

    frame, status, video = call(client, "latent_walk", "tiny-stylegan2", "lerp-w", ["seed 1", "child 1", "seed 2"],
                                12, 12, "mp4", True, 0, 3.0, 0, 5)
    data = open(video, "rb").read()
    assert video.endswith(".mp4") and data[4:8] == b"ftyp" and "12 frames" in status
    _, status, gif = call(client, "latent_walk", "tiny-stylegan2", "direction", ["edit 1"], 6, 12, "gif", False,
                          1, 3.0, 0, 5)
    anim = Image.open(gif)
    assert anim.n_frames == 6
    first = np.asarray(anim.convert("RGB"))
    anim.seek(5)
    assert not np.array_equal(first, np.asarray(anim.convert("RGB")))


def test_projection_streams_and_its_latent_comes_back(client, glyph, tmp_path):
    call(client, "latent_select_model", "tiny-stylegan2")
    job = client.submit(*project_args("tiny-stylegan2", glyph), api_name="/latent_project")
    out = job.result(timeout=300)
    target, recon, status, recon2, npz, current, *_ = out
    assert "PSNR" in status and value(current) == "projection 1"
    # the projection mixes like a seed: its coarse styles onto seed 1's fine ones and back
    call(client, "latent_add_seed", "tiny-stylegan2", 1)
    grid = call(client, "latent_style_mix", "tiny-stylegan2", ["seed 1"], ["projection 1"], "coarse")
    assert Image.open(grid).size == (2 * 16 + 3 * 2, 2 * 16 + 3 * 2)
    assert imgs.read_png_params(grid)["columns"][0]["op"] == "projected"
    assert job.outputs()[0][2].startswith("W step 10 / 20")  # a progress report came before the result
    params = imgs.read_png_params(recon)
    assert params["kind"] == "projection" and params["steps"] == 10 and params["perceptual_network"]
    assert "subject" in params["framing_done"]
    t = pixels(target)
    assert t.shape == (16, 16, 3) and t[0].mean() > 240 and t[8, 8, 1] < 128  # the disc centred on white
    # the .npz loads back into the library and renders the reconstruction
    again = call(client, "latent_upload", "tiny-stylegan2", handle_file(npz))
    assert value(again[2]) == "file 1" and np.array_equal(pixels(again[0]), pixels(recon))


def test_cancelled_projection_leaves_no_work_running(client, glyph):
    call(client, "latent_select_model", "tiny-stylegan2")
    job = client.submit(*project_args("tiny-stylegan2", glyph, steps=2000, wplus=2000), api_name="/latent_project")
    deadline = time.time() + 120
    while not job.outputs() and time.time() < deadline:
        time.sleep(0.1)
    assert job.outputs(), "no progress report"
    job.cancel()
    time.sleep(3)  # the step in flight finishes
    before = projection.steps_run()
    time.sleep(3)
    assert projection.steps_run() == before, "projection steps kept running after the cancel"
    # and the queue is free for the next call
    assert value(call(client, "latent_add_seed", "tiny-stylegan2", 5)[2]) == "seed 5"


def test_bad_input_is_refused_clearly(client, glyph, tmp_path, served):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not an image")
    foreign = tmp_path / "foreign.npz"
    from tests.latent.conftest import tiny_style

    foreign.write_bytes(codes.save_npz(codes.from_seed(tiny_style(3), 1)))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"junk")
    cases = [
        (("latent_select_model", "tiny-pix2pix"), "no latent space"),
        (("latent_project", *project_args("tiny-dcgan", glyph)), "needs a StyleGAN2"),
        (("latent_project", *project_args("tiny-stylegan2", str(broken))), "could not read the image"),
        (("latent_project", *project_args("tiny-stylegan2", glyph, steps=10**6)),
         ("W steps must be between", "greater than maximum value 2000")),
        (("latent_upload", "tiny-stylegan2", handle_file(str(foreign))), "belongs to another model"),
        (("latent_upload", "tiny-stylegan2", handle_file(str(junk))), "could not read the latent file"),
        (("latent_breed", "tiny-stylegan2", ["nobody"], 4, 0.2, 0), "no latent named"),
        (("latent_walk", "tiny-stylegan2", "lerp-w", ["seed 1"], 10**6, 30, "mp4", True, 0, 3.0, 0, 5),
         ("frames must be between", "greater than maximum value 900")),
    ]
    call(client, "latent_add_seed", "tiny-stylegan2", 1)
    for args, message in cases:
        with pytest.raises(AppError) as info:
            call(client, *args)
        text = str(info.value)
        wanted = (message,) if isinstance(message, str) else message
        assert any(m in text for m in wanted) and "Traceback" not in text and "/tmp" not in text, (args[0], text)


def test_dcgan_directions_and_walks_in_z(client):
    call(client, "latent_select_model", "tiny-dcgan")
    call(client, "latent_add_seed", "tiny-dcgan", 1)
    call(client, "latent_add_seed", "tiny-dcgan", 2)
    strips, _, _, summary = call(client, "latent_directions", "tiny-dcgan", "seed 1", 0, 0, 2)
    assert len(strips) == 2 and "first layer" in summary
    _, status, video = call(client, "latent_walk", "tiny-dcgan", "slerp-z", ["seed 1", "seed 2"], 8, 8, "webp",
                            False, 0, 3.0, 0, 0)
    assert Image.open(video).n_frames == 8


def test_an_imported_rosinality_checkpoint_works_in_every_tool(client, glyph, tmp_path):
    import argparse

    import torch

    from ganstudio.convert import convert, save_conversion
    from tests.convert.parity import load_fixture, make_weights

    fx = load_fixture("stylegan2_rosinality")
    w = make_weights(fx["layout"], fx["seed"], fx["scheme"])
    torch.save({"g_ema": w, "args": argparse.Namespace(size=8)}, tmp_path / "rosinality.pt")
    folder = save_conversion(convert(tmp_path / "rosinality.pt"), tmp_path / "imported")
    source = str(folder)
    call(client, "load_model", source)
    call(client, "latent_select_model", source)
    call(client, "latent_add_seed", source, 1)
    call(client, "latent_add_seed", source, 2)
    strips, *_ = call(client, "latent_directions", source, "seed 1", 0, 3, 2)
    assert len(strips) == 2
    children, *_ = call(client, "latent_breed", source, ["seed 1", "seed 2"], 2, 0.2, 0)
    assert len(children) == 2
    out = call(client, "latent_project", *project_args(source, glyph, steps=10, wplus=0))
    assert "PSNR" in out[2]
    _, _, video = call(client, "latent_walk", source, "slerp-z", ["seed 1", "seed 2"], 6, 6, "mp4", True, 0, 3.0, 0, 3)
    assert open(video, "rb").read()[4:8] == b"ftyp"
