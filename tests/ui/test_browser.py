"""Headless Chromium (Debian's ``chromium`` driven by playwright) opens the app, visits every tab, makes
something in each, and saves a screenshot per tab (``screenshots/ui/``, or ``GANSTUDIO_SCREENSHOTS``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000  # a 2-core CI machine shared with other jobs can be slow


@pytest.fixture(scope="module")
def shots() -> Path:
    root = Path(__file__).resolve().parents[2]
    folder = Path(os.environ.get("GANSTUDIO_SCREENSHOTS") or root / "screenshots" / "ui")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def page(served, chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(served.url)
    yield page
    page.close()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def no_errors(page) -> None:
    errors = page.locator('[data-testid="toast-body"].error')
    assert errors.count() == 0, errors.first.inner_text()


def test_every_tab_makes_something(page, served, shots, tmp_path):
    try:
        visit_every_tab(page, served, shots, tmp_path)
    except Exception:
        page.screenshot(path=shots / "failure.png", full_page=True)
        raise


def visit_every_tab(page, served, shots, tmp_path) -> None:
    # 1. Random generation: the default model's card appears on load; generate a grid.
    page.locator(".card").get_by_text("Tiny DCGAN").first.wait_for()
    page.locator("#generate-run").click()
    page.locator("#generate-grid img").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "1-random.png", full_page=True)

    # 2. Class-conditional: showing the tab loads its model and fills the class picker.
    open_tab(page, "Class-conditional")
    page.get_by_label("zero").wait_for()
    page.locator("#conditional-run").click()
    page.locator("#conditional-grid img").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "2-conditional.png", full_page=True)

    # 3. Image-to-image: click an example, translate it; then paint on the palette pad of a label-map model.
    open_tab(page, "Image-to-image")
    page.get_by_text("Inference mode").wait_for()
    page.locator("#translate-examples button").first.click()
    page.locator("#translate-input img").wait_for()
    page.locator("#translate-run").click()
    page.locator("#translate-output img").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "3-translate.png", full_page=True)
    page.get_by_role("tab", name="Draw", exact=True).click()
    page.locator("#translate-model input").click()
    page.get_by_role("option", name="SPADE · Tiny SPADE").click()
    page.get_by_text("Paint with the model's label colours").wait_for()
    page.wait_for_timeout(1000)  # the pad redraws its background after the model switch
    box = page.locator("#translate-pad canvas").first.bounding_box()
    page.mouse.move(box["x"] + 80, box["y"] + 80)
    page.mouse.down()
    page.mouse.move(box["x"] + 220, box["y"] + 180, steps=8)
    page.mouse.up()
    page.wait_for_timeout(500)
    page.locator("#translate-run-draw").click()
    page.locator("#translate-draw-output img").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "3-translate-draw.png", full_page=True)

    # 4. Attribute editing: an example face shows every single edit and presets the toggles; then edit.
    open_tab(page, "Attribute editing")
    page.get_by_text("One of: Black Hair, Blond Hair").wait_for()
    page.locator("#edit-examples button").first.click()
    page.locator("#edit-row img").wait_for()
    page.get_by_label("Blond Hair").check()
    page.get_by_role("button", name="Edit", exact=True).click()
    page.locator("#edit-output img").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "4-edit.png", full_page=True)

    # 5. Style mixing: the mixing grid, then the noise-only view.
    open_tab(page, "Style mixing and noise")
    page.get_by_text("W layers one by one").click()
    page.get_by_text("0 coarse").wait_for()  # the model's W layers, once the tab has loaded it
    page.locator("#style-run").click()
    page.locator("#style-grid img").wait_for()
    page.locator("#style-run-noise").click()
    page.locator("#style-noise img").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "5-style.png", full_page=True)

    # Playground: its first frame shows before any click; Step trains and the frame and log follow.
    open_tab(page, "Playground")
    frame = page.locator("#playground-frame img")
    frame.wait_for()
    first = frame.get_attribute("src")
    page.get_by_role("button", name="Step", exact=True).click()
    log = page.locator("#playground-log textarea")
    page.wait_for_function("() => /^Step [1-9]/.test(document.querySelector('#playground-log textarea').value)")
    assert "Fake Dist" in log.input_value()  # the log line reports where the generated points are
    page.wait_for_function("(src) => document.querySelector('#playground-frame img').getAttribute('src') !== src",
                           arg=first)
    no_errors(page)
    page.screenshot(path=shots / "6-playground.png", full_page=True)

    # 6. Models: load a local folder into this session; the status shows it.
    open_tab(page, "Models")
    page.locator("#models-source input, #models-source textarea").first.fill(str(served.catalog.parent / "tiny-sgan"))
    page.get_by_role("button", name="Load into this session").click()
    page.locator("#models-status").get_by_text("Tiny SGAN").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "7-models.png", full_page=True)

    # 7. Models: upload published weights (pytorch/examples DCGAN) and convert them into this session.
    from tests.convert.parity import load_fixture, make_weights, write_state_dict

    fx = load_fixture("dcgan")
    weights = write_state_dict(tmp_path / "netG_epoch_24.pth", make_weights(fx["layout"], fx["seed"], fx["scheme"]),
                               container="netG_state_dict", prefix="module.")
    page.get_by_text("Convert published weights").click()
    page.locator("#models-weights input[type=file]").set_input_files(str(weights))
    page.locator("#models-weights").get_by_text("netG_epoch_24.pth").wait_for()
    # the size link appears once the upload has finished; converting earlier would send no file
    page.locator("#models-weights a").get_by_text("KB").wait_for()
    page.get_by_role("button", name="Convert into this session").click()
    page.locator("#models-status").get_by_text("netG_epoch_24 (dcgan)").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "8-convert.png", full_page=True)
    assert len(list(shots.glob("*.png"))) >= 8


def test_latent_tools_in_the_browser(page, served, shots, tmp_path):
    try:
        visit_latent_tools(page, shots, tmp_path)
    except Exception:
        page.screenshot(path=shots / "failure-latent.png", full_page=True)
        raise


def image_src(page, elem_id: str) -> str:
    img = page.locator(f"#{elem_id} img").first
    img.wait_for()
    return img.get_attribute("src")


def pick(page, elem_id: str, option: str) -> None:
    """Add ``option`` to a multiselect dropdown: type it, then Enter (as a user filtering the list would)."""
    box = page.locator(f"#{elem_id} input").first
    box.fill(option)
    box.press("Enter")
    page.locator(f"#{elem_id}").get_by_text(option, exact=True).first.wait_for()


def visit_latent_tools(page, shots, tmp_path) -> None:
    from PIL import Image, ImageDraw

    glyph = tmp_path / "glyph.png"
    img = Image.new("RGBA", (90, 70), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((40, 10, 80, 50), fill=(220, 40, 40, 255))
    img.save(glyph)

    page.goto(page.url)
    open_tab(page, "Latent tools")
    # the StyleGAN2 is picked first; showing the tab loads it
    assert page.locator("#latent-model input").first.input_value() == "StyleGAN2 · Tiny StyleGAN2"
    page.wait_for_timeout(1000)
    # library: a seed's image appears
    page.locator("#latent-add-seed").click()
    seed_src = image_src(page, "latent-current-image")
    # 1. projection: the framed target shows on upload; progress, then the reconstruction and its PSNR
    page.locator("#latent-image input[type=file]").set_input_files(str(glyph))
    image_src(page, "latent-target")
    page.locator("#latent-project-run").click()
    page.locator("#latent-project-status").get_by_text("PSNR").wait_for()
    recon = image_src(page, "latent-reconstruction")
    assert recon != seed_src
    no_errors(page)
    page.screenshot(path=shots / "9-latent-project.png", full_page=True)

    # 2. directions: strips appear; a step changes the edited image
    page.get_by_role("tab", name="Directions", exact=True).click()
    page.locator("#latent-find").click()
    page.locator("#latent-strips img").first.wait_for()
    assert page.locator("#latent-strips img").count() >= 2
    page.locator("#latent-apply").click()
    still = image_src(page, "latent-edited")
    page.locator("#latent-alpha input[type=number]").fill("4")
    page.locator("#latent-alpha input[type=number]").press("Enter")
    page.locator("#latent-apply").click()
    page.wait_for_function(f"() => document.querySelector('#latent-edited img')?.src !== {still!r}")
    no_errors(page)
    page.screenshot(path=shots / "9-latent-directions.png", full_page=True)

    # 3. breeding: two parents, children appear; clicking a child makes it a parent
    page.get_by_role("tab", name="Breed", exact=True).click()
    pick(page, "latent-parents", "seed 0")
    pick(page, "latent-parents", "projection 1")
    page.locator("#latent-breed-run").click()
    page.locator("#latent-children img").first.wait_for()
    srcs = {page.locator("#latent-children img").nth(i).get_attribute("src") for i in range(4)}
    assert len(srcs) > 1  # the children differ
    page.locator("#latent-children img").first.click()
    page.locator("#latent-parents").get_by_text("child 1").wait_for()
    no_errors(page)
    page.screenshot(path=shots / "9-latent-breed.png", full_page=True)

    # 4. style mixing with a projected latent as the column
    page.get_by_role("tab", name="Style mixing", exact=True).click()
    pick(page, "latent-mix-rows", "seed 0")
    pick(page, "latent-mix-cols", "projection 1")
    page.locator("#latent-mix-run").click()
    image_src(page, "latent-mix-grid")
    no_errors(page)
    page.screenshot(path=shots / "9-latent-mix.png", full_page=True)

    # 5. walk: an MP4 through three keyframes, frames previewed while rendering
    page.get_by_role("tab", name="Walk", exact=True).click()
    for name in ("seed 0", "projection 1", "child 1"):
        pick(page, "latent-keyframes", name)
    page.locator("#latent-walk-run").click()
    page.locator("#latent-walk-status").get_by_text("mp4").wait_for()
    image_src(page, "latent-walk-frame")
    assert page.locator("#latent-video").get_by_text(".mp4").count() >= 1
    no_errors(page)
    page.screenshot(path=shots / "9-latent-walk.png", full_page=True)
