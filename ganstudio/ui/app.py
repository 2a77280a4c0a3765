"""Assemble GAN Studio: one tab per module, shared per-user session state, lazy model loading, queue limits."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from .. import options
from . import conditional, edit, generate, latent, models, style, translate
from .budget import UploadBudget
from .common import Session, Studio, bind, new_studio, release_session
from .live import LIVE

log = logging.getLogger("ganstudio.ui")

# Generated images are often 28-64 px: show them enlarged, with hard pixel edges rather than blur.
CSS = """
.pixelated img { image-rendering: pixelated; }
.enlarge img { width: 100%; height: 100%; object-fit: contain; }
.intro h1 { margin: 0; font-size: 1.35em; }
.intro p, .guide p { margin: 0; }
.intro, .guide { font-size: 0.9em; }
.card p { margin: 0 0 4px 0; }
.card details summary { cursor: pointer; }
/* phones: wide tables scroll inside their box, never the page */
.card table, .prose table { display: block; max-width: 100%; overflow-x: auto; border: 0 !important; }
.card img { max-width: 100%; image-rendering: pixelated; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  .intro h1 { font-size: 1.25em; }
}
"""

INTRO = ("# GAN Studio\nPlay with, compare and serve generative adversarial networks: every tab starts with a "
         "result, and every image is a PNG that remembers how it was made (drop it back on the first tab).")


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def mcp_available() -> bool:
    """Whether Gradio's MCP server can start (the ``gradio[mcp]`` extra is installed) and is not turned off."""
    off = os.environ.get("GRADIO_MCP_SERVER", "").strip().lower() in ("0", "false", "no", "off")
    return not off and importlib.util.find_spec("mcp") is not None


def launch_options() -> dict[str, Any]:
    """Keyword arguments for ``demo.launch`` shared by ``app.py``, the tests and the benchmarks."""
    return {
        # Server-wide cap, sized for published weights (Models tab); images are held to MAX_UPLOAD_MB and
        # MAX_INPUT_PIXELS by ganstudio.images.open_image before any pixel is decoded.
        "max_file_size": f"{options.MAX_WEIGHTS_MB}mb",
        "css": CSS,
        "mcp_server": mcp_available(),
        "footer_links": ["api"],
        # Gradio keeps about 1 MB of state per session (a copy of every component's config) for an hour after
        # its client leaves: at most this many sessions are kept, the least recently used dropped first.
        "state_session_capacity": options.MAX_SESSIONS,
        # per-client and app-wide disk budgets, checked before an upload is stored (ganstudio.ui.budget)
        "app_kwargs": {"middleware": [Middleware(UploadBudget)]},
    }


def _playground() -> None:
    """Mount the playground tab when its module exists (it is optional; imported only now)."""
    try:
        module = importlib.import_module("ganstudio.ui.playground")
    except ModuleNotFoundError as e:
        if e.name == "ganstudio.ui.playground":
            return  # not part of this build: no tab
        module, problem = None, e
    except Exception as e:  # noqa: BLE001 - a broken optional tab must not take the app down
        module, problem = None, e
    with gr.Tab("Playground", id="playground") as tab:
        if module is not None:
            try:
                ui = module.render()
                if getattr(ui, "arrive", None):  # a first frame without a click
                    tab.select(**ui.arrive)
                return
            except Exception as e:  # noqa: BLE001
                problem = e
        log.exception("the playground tab could not be built", exc_info=problem)
        gr.Markdown(f"The playground is not available in this build ({type(problem).__name__}: {problem}).")


def build_app(catalog: str | Path | None = None, *, studio: Studio | None = None) -> gr.Blocks:
    """The GAN Studio app. ``catalog`` overrides ``GANSTUDIO_CATALOG`` / ``checkpoints/catalog.json``.

    Nothing is loaded here: each model loads the first time a tab shows it or a call uses it.
    """
    studio = studio or new_studio(catalog)
    with gr.Blocks(title="GAN Studio", delete_cache=(3600, 7200)) as demo:
        session = gr.State(Session(), delete_callback=release_session)
        gr.Markdown(INTRO, elem_classes=["intro"])
        with gr.Tabs():
            tabs: dict[str, tuple[gr.Tab, Any]] = {}
            for key, title, module in (("generate", "Random generation", generate),
                                       ("conditional", "Class-conditional", conditional),
                                       ("translate", "Image-to-image", translate),
                                       ("edit", "Attribute editing", edit),
                                       ("style", "Style mixing and noise", style),
                                       ("latent", "Latent tools", latent)):
                with gr.Tab(title, id=key) as tab:
                    tabs[key] = (tab, module.render(studio, session))
            _playground()
            with gr.Tab("Models", id="models") as models_tab:
                models_ui = models.render(studio, session, {k: ui.picker for k, (_, ui) in tabs.items()})

        # Lazy loading: a tab's default model loads (and its controls adapt) when the tab is first shown, and its
        # first result appears without a click (once: coming back keeps what the visitor made).
        for key, (tab, ui) in tabs.items():
            if studio.choices(key, None):
                shown = tab.select(*ui.select, api_visibility="private", concurrency_id="load")
                if getattr(ui, "arrive", None):  # a tab without a first result only loads its model
                    shown.then(*ui.arrive, **LIVE)
        if studio.choices("generate", None):
            demo.load(*tabs["generate"][1].select, api_visibility="private", concurrency_id="load").then(
                *tabs["generate"][1].arrive, **LIVE)
        models_tab.select(bind(studio, models.list_models), [session], models_ui.table, api_name="list_models",
                          concurrency_limit=None)
        models_tab.select(bind(studio, models.app_status), None, models_ui.app_status, api_visibility="private",
                          concurrency_limit=None)

    # One job per concurrency group at a time (two CPU cores go further on one job than split over two),
    # and a bounded queue: requests beyond it are refused at once rather than waiting for minutes.
    demo.queue(default_concurrency_limit=_env_int("GANSTUDIO_CONCURRENCY", 1),
               max_size=_env_int("GANSTUDIO_QUEUE_SIZE", 32))
    demo.studio = studio  # type: ignore[attr-defined]  # for tests and benchmarks
    studio.demo = demo
    return demo
