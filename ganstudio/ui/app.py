"""Assemble GAN Studio from the table of tabs (``ganstudio.ui.tabs.TABS``): every tab's ``render()``, then every
tab's ``listen()``; shared per-user session state, lazy model loading, queue limits."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Callable

import gradio as gr
from starlette.middleware import Middleware

from .. import options
from .budget import UploadBudget
from .live import LIVE
from .state import Session, Studio, new_studio, release_session
from .tabs import TABS, AppWidgets, Shown, TabUI

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


def _on_first_show(event: Callable[..., Any], shown: Shown) -> None:
    """Register ``shown`` on ``event`` (a tab's select, or the page's load): the tab's model loads and its controls
    adapt, then its first result appears (``live.on_arrival``: coming back keeps what the visitor made)."""
    step = event(*shown.select, api_visibility="private", concurrency_id="load") if shown.select else None
    if shown.arrive:
        (step.then if step else event)(*shown.arrive, **{**LIVE, **shown.arrive.options})


def build_app(catalog: str | Path | None = None, *, studio: Studio | None = None) -> gr.Blocks:
    """The GAN Studio app. ``catalog`` overrides ``GANSTUDIO_CATALOG`` / ``checkpoints/catalog.json``.

    Nothing is loaded here: each model loads the first time a tab shows it or a call uses it.
    """
    studio = studio or new_studio(catalog)
    with gr.Blocks(title="GAN Studio", delete_cache=(3600, 7200)) as demo:
        session = gr.State(Session(), delete_callback=release_session)
        gr.Markdown(INTRO, elem_classes=["intro"])
        rendered: dict[str, TabUI] = {}
        with gr.Tabs():
            for spec in TABS:
                with gr.Tab(spec.title, id=spec.key) as tab:
                    rendered[spec.key] = spec.load().render(studio, session)
                rendered[spec.key].tab = tab
        precision = next(ui.precision for ui in rendered.values() if ui.precision is not None)
        app = AppWidgets(session, precision, {key: ui.picker for key, ui in rendered.items() if ui.picker is not None})
        for spec in TABS:
            ui = rendered[spec.key]
            shown = spec.load().listen(studio, app, ui)
            # Lazy loading: a tab's default model loads (and its controls adapt) when the tab is first shown, and
            # its first result appears without a click; a tab with no model to show runs nothing.
            if shown is None or (spec.tasks and not studio.choices(spec.key, None)):
                continue
            _on_first_show(ui.tab.select, shown)
            if spec is TABS[0]:  # the first tab is shown when the page loads
                _on_first_show(demo.load, shown)

    # One job per concurrency group at a time (two CPU cores go further on one job than split over two),
    # and a bounded queue: requests beyond it are refused at once rather than waiting for minutes.
    demo.queue(default_concurrency_limit=_env_int("GANSTUDIO_CONCURRENCY", 1),
               max_size=_env_int("GANSTUDIO_QUEUE_SIZE", 32))
    demo.studio = studio  # type: ignore[attr-defined]  # for tests and benchmarks
    studio.demo = demo
    return demo
