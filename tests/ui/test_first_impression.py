"""A first visit in headless Chromium at a laptop's size (1366x768) and a phone's (390x844): every tab shows a
result before any click, its main controls and result fit on the first screen (laptop), nothing scrolls sideways
(phone), and changing a live control changes the result. Screenshots go to ``screenshots/first-impression/`` (or
``GANSTUDIO_SCREENSHOTS``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
# tab -> (the result shown on arrival, a control that must be on the first screen at laptop size)
TABS = {
    "Random generation": ("#generate-grid img", "#generate-run"),
    "Class-conditional": ("#conditional-grid img", "#conditional-run"),
    "Image-to-image": ("#translate-output img", "#translate-model"),
    "Attribute editing": ("#edit-row img", "#edit-model"),
    "Style mixing and noise": ("#style-grid img", "#style-run"),
}


@pytest.fixture(scope="module")
def shots() -> Path:
    root = Path(__file__).resolve().parents[2]
    base = os.environ.get("GANSTUDIO_SCREENSHOTS")
    folder = Path(base) / "first-impression" if base else root / "screenshots" / "first-impression"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


def open_tab(page, name: str) -> None:
    """Click a tab; on a phone the tabs that do not fit sit behind Gradio's "More tabs" menu."""
    tab = page.get_by_role("tab", name=name, exact=True)
    if tab.count() and tab.is_visible():
        tab.click()
        return
    page.get_by_role("button", name="More tabs").click()
    page.locator(".overflow-dropdown button", has_text=name).first.click()


def src(page, selector: str) -> str:
    return page.locator(selector).first.get_attribute("src") or ""


def changes(page, selector: str, before: str) -> None:
    """Wait until the image at ``selector`` shows another file than ``before``."""
    page.wait_for_function("([sel, old]) => { const i = document.querySelector(sel); return i && i.src && "
                           "i.getAttribute('src') !== old; }", arg=[selector, before], timeout=TIMEOUT_MS)


def no_sideways_scroll(page) -> None:
    width, client = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client, f"the page scrolls sideways: {width} px wide in a {client} px window"


def on_first_screen(page, selector: str, height: int) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["y"] + min(box["height"], 40) <= height, f"{selector} starts below the first screen ({box['y']:.0f} px)"


def no_errors(page) -> None:
    errors = page.locator('[data-testid="toast-body"].error')
    assert errors.count() == 0, errors.first.inner_text()


@pytest.mark.parametrize("size", list(SIZES))
def test_every_tab_shows_a_result_on_arrival_and_follows_its_controls(browser, served, shots, size):
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        visit(page, served, shots, size, height)
    except Exception:
        page.screenshot(path=shots / f"{size}-failure.png", full_page=True)
        raise
    finally:
        page.close()


def visit(page, served, shots, size: str, height: int) -> None:
    page.goto(served.url)
    for i, (tab, (result, control)) in enumerate(TABS.items(), start=1):
        if i > 1:
            open_tab(page, tab)
        page.locator(result).first.wait_for()  # no click on anything but the tab
        no_errors(page)
        page.mouse.wheel(0, 0)
        page.evaluate("() => window.scrollTo(0, 0)")
        if size == "phone":
            no_sideways_scroll(page)
        else:
            on_first_screen(page, result, height)
            on_first_screen(page, control, height)
        page.screenshot(path=shots / f"{size}-{i}-{tab.split()[0].lower()}.png", full_page=size == "phone")
        follow = LIVE_CHECKS.get(tab)
        if follow:
            follow(page)
            no_errors(page)
    if page.get_by_role("tab", name="Playground", exact=True).count() or size == "phone":
        open_tab(page, "Playground")
        page.locator("#playground-frame img").wait_for()  # its first frame, before any click
        if size == "phone":
            no_sideways_scroll(page)
        else:
            on_first_screen(page, "#playground-frame", height)
            on_first_screen(page, "button:text-is('Start')", height)
        page.screenshot(path=shots / f"{size}-6-playground.png", full_page=size == "phone")


def live_seed(page) -> None:
    before = src(page, "#generate-grid img")
    box = page.get_by_label("Seed", exact=True).first
    box.fill("7")
    box.press("Tab")
    changes(page, "#generate-grid img", before)
    before = src(page, "#generate-grid img")
    page.get_by_role("button", name="🎲 Surprise me").first.click()
    changes(page, "#generate-grid img", before)


def live_classes(page) -> None:
    before = src(page, "#conditional-grid img")
    page.get_by_label("zero").uncheck()
    changes(page, "#conditional-grid img", before)


def live_preset(page) -> None:
    before = src(page, "#style-grid img")
    page.get_by_label("fine", exact=True).check()
    changes(page, "#style-grid img", before)


def live_edit(page) -> None:
    page.get_by_label("Blond Hair").check()
    page.locator("#edit-output img").wait_for()
    page.locator("#edit-slider img").first.wait_for()  # before / after


LIVE_CHECKS = {"Random generation": live_seed, "Class-conditional": live_classes, "Style mixing and noise": live_preset,
               "Attribute editing": live_edit}
