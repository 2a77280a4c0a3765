"""End to end: the app served on a local port, every endpoint called through gradio_client, and the images
that come back checked (size, not blank, same seed -> same image, PNG metadata round trip)."""

from __future__ import annotations

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from ganstudio import images as imgs

ENDPOINTS = {
    "generate_select_model", "random_seed", "generate_grid", "compare_models", "interpolate", "restore_png",
    "conditional_select_model", "conditional_random_seed", "generate_per_class",
    "translate_select_model", "translate", "translate_drawing", "compare_translations",
    "edit_select_model", "all_single_edits", "edit_attributes",
    "style_select_model", "style_preset_layers", "style_mix", "render_style", "noise_only",
    "load_model", "convert_weights", "model_info", "list_models", "set_precision", "app_status",
}


def call(client: Client, name: str, *args, **kwargs):
    return client.predict(*args, api_name=f"/{name}", **kwargs)


def picture(path: str) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img


def pixels(path: str) -> np.ndarray:
    return np.asarray(picture(path).convert("RGB"), dtype=np.int16)


def assert_not_blank(path: str) -> None:
    assert pixels(path).std() > 1.0, f"{path} is blank"


def grid_side(n_cols: int, cell: int, pad: int = 2) -> int:
    return n_cols * cell + (n_cols + 1) * pad


@pytest.fixture(scope="module")
def client(served) -> Client:
    return served.client


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> str:
    """An odd-sized RGB input (not a multiple of anything the nets need)."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("inputs") / "photo.png"
    Image.fromarray(rng.integers(0, 255, (37, 50, 3), dtype=np.uint8)).save(path)
    return str(path)


def test_every_action_has_a_named_documented_endpoint(client):
    api = client.view_api(return_format="dict", print_info=False)
    named = {name.lstrip("/"): info for name, info in api["named_endpoints"].items()}
    assert ENDPOINTS <= set(named), f"missing: {ENDPOINTS - set(named)}"
    for name in ENDPOINTS:
        assert named[name]["description"].strip(), f"/{name} has no description"
    assert not any(name.rstrip("0123456789").endswith("_") for name in named), "an api_name was auto-suffixed"


def test_random_grid_is_deterministic_sized_and_carries_its_settings(client):
    grid, items, summary = call(client, "generate_grid", "tiny-dcgan", 7, 4, 1.0, False)
    assert picture(grid).size == (grid_side(2, 16), grid_side(2, 16))
    assert picture(grid).format == "PNG"
    assert len(items) == 4 and all(picture(i["image"]).size == (16, 16) for i in items)
    assert_not_blank(grid)
    again = call(client, "generate_grid", "tiny-dcgan", 7, 4, 1.0, False)[0]
    other = call(client, "generate_grid", "tiny-dcgan", 8, 4, 1.0, False)[0]
    assert np.array_equal(pixels(grid), pixels(again))
    assert not np.array_equal(pixels(grid), pixels(other))
    params = imgs.read_png_params(grid)
    assert params["model_id"] == "tiny-dcgan" and params["seed"] == 7 and params["n"] == 4
    assert params["kind"] == "sample_grid" and params["revision"].startswith("sha256:")
    assert imgs.read_png_params(items[1]["image"])["index"] == 1
    assert "4 images" in summary


INFERENCE = {"generate_grid", "compare_models", "interpolate", "generate_per_class", "translate", "translate_drawing",
             "compare_translations", "all_single_edits", "edit_attributes", "style_mix", "render_style", "noise_only"}


def test_precision_is_an_input_of_every_inference_endpoint(served, client):
    from ganstudio.runtime import cpu_has_bf16

    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name in INFERENCE:
        params = {p["parameter_name"]: p for p in api[f"/{name}"]["parameters"]}
        assert params["precision"]["parameter_default"] == "exact", name
    # a fresh client, no /set_precision call: each call says its precision, and nothing carries over
    fresh = Client(served.url, verbose=False)
    fast = call(fresh, "generate_grid", "tiny-dcgan", 7, 4, 1.0, False, "fast")[0]
    exact = call(fresh, "generate_grid", "tiny-dcgan", 7, 4, 1.0, False, "exact")[0]
    default = call(fresh, "generate_grid", "tiny-dcgan", 7, 4, 1.0, False)[0]
    assert imgs.read_png_params(fast)["precision"] == "fast"
    assert imgs.read_png_params(exact)["precision"] == imgs.read_png_params(default)["precision"] == "exact"
    assert np.array_equal(pixels(exact), pixels(default))
    if cpu_has_bf16():  # bf16 really runs here: the same seed gives (slightly) different pixels
        assert not np.array_equal(pixels(fast), pixels(exact))
    translated = call(fresh, "translate", "tiny-pix2pix", handle_file(str(_plain_png(exact))), "AB", "pad",
                      "deterministic", 0, "fast")[1]
    assert imgs.read_png_params(translated)["precision"] == "fast"


def test_dropping_a_png_back_restores_its_settings(client):
    grid = call(client, "generate_grid", "tiny-sgan", 123, 9, 1.0, False)[0]
    model, seed, n, *_rest, params = call(client, "restore_png", handle_file(grid))
    assert (model, seed, n) == ("tiny-sgan", 123, 9)
    assert params["model_id"] == "tiny-sgan"
    with pytest.raises(AppError, match="holds no GAN Studio settings"):
        call(client, "restore_png", handle_file(str(_plain_png(grid))))


def _plain_png(path: str):
    out = path + ".plain.png"
    picture(path).save(out)  # re-saved without our metadata
    return out


def test_interpolation_renders_an_animation_and_frames(client):
    animation, frames = call(client, "interpolate", "tiny-acgan", 1, 2, 4, 12, "slerp", "gif", 2, 1.0)
    gif = Image.open(animation)
    assert gif.format == "GIF" and gif.n_frames == 6  # played forth and back: 4 + 2
    assert min(gif.size) >= 256  # small models are enlarged for display
    assert len(frames) == 4 and picture(frames[0]["image"]).size == (28, 28)
    assert imgs.read_png_params(frames[0]["image"])["label"] == 2
    webp, _ = call(client, "interpolate", "tiny-dcgan", 1, 2, 3, 12, "lerp", "webp", None, 1.0)
    assert Image.open(webp).format == "WEBP"


def test_discriminator_guesses_and_model_cards(client):
    _, items, _ = call(client, "generate_grid", "tiny-sgan", 1, 3, 1.0, True)
    assert all(i["caption"].startswith("D: ") for i in items)
    card, *_ = call(client, "generate_select_model", "tiny-dcgan")
    assert "Tiny DCGAN" in card and "mit" in card and "fid" in card  # data, licence, metrics
    card, *_ = call(client, "style_select_model", "tiny-stylegan2")
    assert "StyleGAN2" in card


def test_one_row_per_class_and_infogan_codes(client):
    grid, items, _ = call(client, "generate_per_class", "tiny-acgan", ["zero", "two"], 3, 5, True, 0, 0, 0, 0)
    assert picture(grid).size == (grid_side(3, 28), grid_side(2, 28))
    assert len(items) == 6  # captions: the class asked for, then D's guess
    assert items[0]["caption"].startswith("zero · D: ") and items[3]["caption"].startswith("two · D: ")
    rows = pixels(grid)
    assert not np.array_equal(rows[2:30, 2:30], rows[32:60, 2:30])  # same z, another class
    a = call(client, "generate_per_class", "tiny-infogan", ["1"], 2, 5, False, -1.5, 0, 0, 0)[0]
    b = call(client, "generate_per_class", "tiny-infogan", [1], 2, 5, False, 1.5, 0, 0, 0)[0]
    assert not np.array_equal(pixels(a), pixels(b))
    assert imgs.read_png_params(b)["codes"] == [1.5, 0.0]
    with pytest.raises(AppError, match="unknown class"):
        call(client, "generate_per_class", "tiny-acgan", ["seven"], 3, 5, False, 0, 0, 0, 0)


def test_translation_keeps_any_input_size_and_says_how(client, photo):
    read, out, how = call(client, "translate", "tiny-pix2pix", handle_file(photo), "AB", "pad", "deterministic", 0)
    assert picture(out).size == (50, 37) and picture(read).size == (50, 37)
    assert "padded 50x37" in how.lower()
    assert_not_blank(out)
    assert np.array_equal(pixels(out), pixels(call(client, "translate", "tiny-pix2pix", handle_file(photo), "AB",
                                                   "pad", "deterministic", 0)[1]))
    # "per-image" is the mode's name on every tab; "deterministic" (used above) is its old name, still taken
    assert np.array_equal(pixels(out), pixels(call(client, "translate", "tiny-pix2pix", handle_file(photo), "AB",
                                                   "pad", "per-image", 0)[1]))
    paper = [call(client, "translate", "tiny-pix2pix", handle_file(photo), "AB", "pad", "paper", s)[1]
             for s in (1, 1, 2)]
    assert np.array_equal(pixels(paper[0]), pixels(paper[1])) and not np.array_equal(pixels(paper[0]),
                                                                                       pixels(paper[2]))
    _, back, how = call(client, "translate", "tiny-cyclegan", handle_file(photo), "BA", "resize", "deterministic", 0)
    assert picture(back).size == (50, 37) and "resized" in how.lower()
    assert imgs.read_png_params(back)["direction"] == "BA"
    _, labels_out, _ = call(client, "translate", "tiny-spade", handle_file(photo), "AB", "pad", "deterministic", 0)
    assert picture(labels_out).size == (50, 37)


def test_translating_a_drawing(client, tmp_path):
    sketch = Image.new("RGB", (64, 64), (255, 255, 255))
    sketch.paste((0, 0, 0), (10, 10, 50, 14))
    path = tmp_path / "sketch.png"
    sketch.save(path)
    drawing = {"background": handle_file(str(path)), "layers": [], "composite": handle_file(str(path))}
    _, out, _ = call(client, "translate_drawing", "tiny-pix2pix", drawing, "AB", "pad", "deterministic", 0)
    assert picture(out).size == (64, 64)
    with pytest.raises(AppError, match="draw something first"):
        call(client, "translate_drawing", "tiny-pix2pix", None, "AB", "pad", "deterministic", 0)


def test_attribute_editing(client, photo):
    row, items, group_1, _g2, _g3, toggles, read = call(client, "all_single_edits", "tiny-stargan",
                                                        handle_file(photo), "resize", "reference")
    assert [i["caption"] for i in items][:2] == ["Black Hair", "Blond Hair"] and len(items) == 3
    assert picture(row).size == (grid_side(4, 50), grid_side(1, 37))
    assert "Attributes read from the input" in read
    edited, label = call(client, "edit_attributes", "tiny-stargan", handle_file(photo), "Blond_Hair", None, None,
                         ["Male"], 1.0, "resize", "reference")
    assert picture(edited).size == (50, 37)
    assert "Blond Hair 1.00" in label and "Black Hair 0.00" in label and "Male 1.00" in label
    half = call(client, "edit_attributes", "tiny-stargan", handle_file(photo), "Blond_Hair", None, None, [], 0.0,
                "resize", "reference")[1]
    assert "intensity 0.00" in half
    renamed = call(client, "edit_attributes", "tiny-stargan", handle_file(photo), "Blond_Hair", None, None, ["Male"],
                   1.0, "resize", "per-image")[0]  # "reference" (above) is the old name of "per-image"
    assert np.array_equal(pixels(renamed), pixels(edited))


def test_style_mixing_grid_and_noise(client):
    grid, summary = call(client, "style_mix", "tiny-stylegan2", "1, 2", "3-5", "coarse", [], 0.7, 0, "const", 1.0, 0,
                         "")
    assert picture(grid).size == (grid_side(4, 16), grid_side(3, 16))
    assert_not_blank(grid)
    again = call(client, "style_mix", "tiny-stylegan2", "1, 2", "3-5", "coarse", [], 0.7, 0, "const", 1.0, 0, "")[0]
    assert np.array_equal(pixels(grid), pixels(again))
    custom = call(client, "style_mix", "tiny-stylegan2", "1, 2", "3-5", "custom", [0, "5"], 0.7, 2, "random", 0.5, 3,
                  "1, 0, 2")[0]
    params = imgs.read_png_params(custom)
    assert params["layers"] == [0, 5] and params["noise_strength"][:3] == [0.5, 0.0, 1.0]
    assert call(client, "style_preset_layers", "tiny-stylegan2", "coarse") == [0, 1, 2, 3]
    one = call(client, "render_style", "tiny-stylegan2", 4, 1.0, 0, "none", 1.0, 0, "")
    assert picture(one).size == (16, 16)
    noise_grid, draws = call(client, "noise_only", "tiny-stylegan2", 4, 1.0, 1.0, "")
    assert len(draws) == 5 and draws[-1]["caption"].startswith("std")
    with pytest.raises(AppError, match="column seeds"):
        call(client, "style_mix", "tiny-stylegan2", "1", "1-9", "coarse", [], 0.7, 0, "const", 1.0, 0, "")


def test_models_tab_adds_models_to_one_session_only(served, client):
    folder = str(served.catalog.parent / "tiny-dcgan")
    status, card, config, table, *pickers = call(client, "load_model", folder)
    assert "Random generation" in status and "Cached:** yes" in status
    assert config["family"] == "dcgan" and "Tiny DCGAN" in card
    assert any(row[0] == folder for row in table["data"])
    grid = call(client, "generate_grid", folder, 3, 4, 1.0, False)[0]
    assert imgs.read_png_params(grid)["model_id"] == folder
    other = Client(served.url, verbose=False)  # another user: its own session state
    assert not any(row[0] == folder for row in call(other, "list_models")["data"])
    with pytest.raises(AppError, match="unknown model"):
        call(other, "generate_grid", folder, 3, 4, 1.0, False)
    status, _card, _config = call(client, "model_info", "tiny-spade")
    assert "SPADE" in status and "Licence" in status
    assert "fast" in call(client, "set_precision", "fast")
    call(client, "set_precision", "exact")
    assert "Device" in call(client, "app_status")


def test_errors_reach_the_user_as_short_messages(client, tmp_path):
    cases = [
        (("generate_grid", "no-such-model", 1, 4, 1.0, False), "unknown model"),
        (("generate_grid", "tiny-dcgan", 1, 99, 1.0, False), "99"),
        (("load_model", "not a repo id"), "neither an existing folder nor a Hub repo id"),
        (("translate", "tiny-pix2pix", None, "AB", "pad", "deterministic", 0), "upload an image first"),
        (("generate_per_class", "tiny-dcgan", ["0"], 2, 1, False, 0, 0, 0, 0), "do not support conditional"),
    ]
    for args, message in cases:
        with pytest.raises(AppError) as info:
            call(client, *args)
        text = str(info.value)
        assert message in text and "Traceback" not in text and len(text) < 500, text
    big = tmp_path / "huge.png"
    Image.new("1", (8000, 5100)).save(big)  # 40.8 megapixels: over the limit, yet a tiny file
    with pytest.raises(AppError, match="megapixels"):
        call(client, "translate", "tiny-pix2pix", handle_file(str(big)), "AB", "pad", "deterministic", 0)


def test_uploads_over_the_size_limit_are_refused(client, tmp_path, monkeypatch):
    """Images are held to MAX_UPLOAD_MB (the server-wide cap is larger, for weights files)."""
    import numpy as np

    from ganstudio import options

    monkeypatch.setattr(options, "MAX_UPLOAD_MB", 1)  # the app runs in this process
    big = tmp_path / "big.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (700, 800, 3), dtype=np.uint8)).save(big)
    assert big.stat().st_size > 2**20
    with pytest.raises(AppError, match="too large"):
        call(client, "translate", "tiny-pix2pix", handle_file(str(big)), "AB", "pad", "deterministic", 0)


def test_app_starts_without_models_or_with_missing_families(tmp_path):
    import json

    from ganstudio.ui.app import build_app
    from ganstudio.ui.state import new_studio

    empty = tmp_path / "empty.json"
    empty.write_text('{"models": []}')
    demo = build_app(empty)
    assert "No model for this tab" in demo.studio.note("generate")
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"models": [
        {"id": "x", "title": "Future model", "family": "no-such-family", "task": "random", "repo": "someone/x"}]}))
    demo = build_app(missing)
    assert not demo.studio.entries and "Future model" in demo.studio.note("generate")
    assert new_studio(tmp_path / "absent.json").entries == []


def test_models_tab_loads_a_hub_repo_at_a_revision(served, fake_hub):
    """A Hub repo (a local stand-in for the Hub) loads at a pinned revision; its PNGs name that commit."""
    sha = fake_hub.publish_folder("tester/tiny-style", served.catalog.parent / "tiny-stylegan2")
    source = f"tester/tiny-style@{sha}"
    client = Client(served.url, verbose=False)
    status, card, config, *_ = call(client, "load_model", source)
    assert "Hugging Face Hub" in status and "downloaded now" in status and "Style mixing" in status
    assert config["family"] == "stylegan2" and "Tiny StyleGAN2" in card
    grid = call(client, "style_mix", source, "1", "2", "coarse", [], 1.0, 0, "const", 1.0, 0, "")[0]
    params = imgs.read_png_params(grid)
    assert params["model_id"] == source and params["revision"] == sha
    assert "Cached:** yes" in call(client, "load_model", source)[0]


def test_models_side_by_side_on_the_same_seed(client):
    items, summary = call(client, "compare_models", ["tiny-dcgan", "tiny-sgan"], 3, 4)
    assert len(items) == 2 and "2 models" in summary
    assert [imgs.read_png_params(i["image"])["model_id"] for i in items] == ["tiny-dcgan", "tiny-sgan"]
    assert all(imgs.read_png_params(i["image"])["seed"] == 3 for i in items)
    assert items[0]["caption"].startswith("Tiny DCGAN")
    again, _ = call(client, "compare_models", ["tiny-dcgan", "tiny-sgan"], 3, 4)
    assert np.array_equal(pixels(items[0]["image"]), pixels(again[0]["image"]))
    with pytest.raises(AppError, match="at least one model"):
        call(client, "compare_models", [], 3, 4)


def test_every_translation_model_on_the_same_emoji(client):
    items, summary = call(client, "compare_translations", "smiley")
    captions = [i["caption"] for i in items]
    assert "pix2pix reads: edges" in captions and "SPADE reads: labels" in captions
    assert "CycleGAN reads: photo" in captions and len(items) == 6  # input and output of three models
    outputs = [i["image"] for i in items if i["caption"].endswith("makes")]
    assert {imgs.read_png_params(p)["model_id"] for p in outputs} == {"tiny-pix2pix", "tiny-cyclegan", "tiny-spade"}
    with pytest.raises(AppError, match="not in the list of choices"):
        call(client, "compare_translations", "sunset")
