"""Tab 6, models: load any Hub repo (optionally @revision) or local folder in GAN Studio's format into this
session's catalog, and inspect any model: card, config, size, licence, whether it is cached, and whether the
app can reach the Hub. Also the per-session settings (precision)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from .. import hub
from ..catalog import CatalogEntry
from ..checkpoint import GanModel
from ..runtime import PRECISIONS, fast_supported, pick_device
from .common import (TAB_TASKS, Session, Studio, bind, card_markdown, family_label, hub_status, model_folder,
                     session_entry, weights_size)

TAB_TITLES = {"generate": "Random generation", "conditional": "Class-conditional", "translate": "Image-to-image",
              "edit": "Attribute editing", "style": "Style mixing and noise"}
PRECISION_LABELS = {"exact": "Exact (fp32, reproducible)", "fast": "Fast (bf16 where the hardware has it)"}


def local_folders_allowed() -> bool:
    """Local folders can be loaded unless turned off (by default on Spaces, where the disk is the server's)."""
    default = "0" if os.environ.get("SPACE_ID") else "1"
    return os.environ.get("GANSTUDIO_ALLOW_LOCAL_MODELS", default).strip().lower() in ("1", "true", "yes", "on")


def _strip_front_matter(card: str) -> str:
    return re.sub(r"\A---\n.*?\n---\n", "", card, flags=re.S).strip()


def _where(entry: CatalogEntry) -> str:
    try:
        return "local folder" if isinstance(hub.parse_source(entry.source), Path) else "Hugging Face Hub"
    except hub.ModelSourceError:
        return "?"


def _is_cached(source: str) -> bool:
    try:
        return hub.is_cached(source)
    except (hub.ModelSourceError, OSError, ValueError):
        return False


def _status(model: GanModel, entry: CatalogEntry, cached_before: bool) -> str:
    tabs = [TAB_TITLES[t] for t, tasks in TAB_TASKS.items() if entry.task in tasks]
    facts = [
        ("Model", f"{entry.title} (`{entry.id}`)"),
        ("Family", f"{family_label(model.family.name)}: {model.family.description}"),
        ("Shown in", ", ".join(tabs) or "no tab"),
        ("Source", f"{_where(entry)}: `{entry.source}`"),
        ("Size", f"{sum(model.num_parameters(c) for c in model.modules) / 1e6:.2f} M parameters in "
                 f"{len(model.modules)} components ({', '.join(model.modules)}), "
                 f"{weights_size(model) / 2**20:.1f} MB of weights"),
        ("Licence", model.meta.license or "not stated"),
        ("Cached", "yes (no download needed)" if cached_before else "no: it was downloaded now"),
        ("Hub", hub_status()),
    ]
    return "\n".join(f"- **{k}:** {v}" for k, v in facts)


def _describe(studio: Studio, model: GanModel, entry: CatalogEntry, cached_before: bool) -> tuple:
    folder = model_folder(model)
    card = _strip_front_matter(hub.read_card(folder)) if folder else ""
    return (_status(model, entry, cached_before), card or card_markdown(model, entry), model.config_json())


def load_model(studio: Studio, source: str, session: Session,
               progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load a model into this session's catalog: a Hub repo id or a local folder in GAN Studio's format.

    Args:
        source: "owner/name", "owner/name/subfolder", either with "@revision" (branch, tag or commit), or a path
            to a local model folder. The model then appears in the model pickers of the tabs that can use it,
            under this source string as its id.
    Returns:
        Its status (family, tabs, size, licence, whether it was cached, Hub reachability), its card, its
        config.json, the session's model list, and the model pickers of every tab with the new model.
    """
    source = (source or "").strip()
    where = hub.parse_source(source)
    if isinstance(where, Path) and not local_folders_allowed():
        raise hub.ModelSourceError("loading local folders is turned off on this server; give a Hub repo id")
    cached = _is_cached(source)
    progress(0, desc=f"{'Loading' if cached else 'Downloading'} {source}")
    model = studio.cache.get(str(where.resolve()) if isinstance(where, Path) else source)
    entry = session_entry(model, model.source)
    session.models[entry.id] = entry
    gr.Info(f"{entry.title} added to this session's models")
    return (session, *_describe(studio, model, entry, cached), model_rows(studio, session),
            gr.update(choices=_inspect_choices(studio, session)),
            *[gr.update(choices=studio.choices(tab, session)) for tab in TAB_TITLES])


def _inspect_choices(studio: Studio, session: Session | None) -> list[tuple[str, str]]:
    return [(f"{family_label(e.family)} · {e.title}", e.id) for e in studio.all_entries(session)]


def model_info(studio: Studio, model_id: str, session: Session,
               progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Show a listed model's status (family, size, licence, cached or not), its card and its config.

    Args:
        model_id: id of a model in the catalog or in this session's models.
    Returns:
        The status, the card and the config.json.
    """
    entry = studio.entry(model_id, session)
    cached = _is_cached(entry.source)
    model, entry = studio.load(model_id, session, progress)
    return _describe(studio, model, entry, cached)


def model_rows(studio: Studio, session: Session) -> list[list[str]]:
    """The catalog plus this session's models as table rows: id, title, family, tab, where, cached."""
    rows = []
    for e in studio.all_entries(session):
        tab = next((TAB_TITLES[t] for t, tasks in TAB_TASKS.items() if e.task in tasks), e.task)
        rows.append([e.id, e.title, family_label(e.family), tab, _where(e), "yes" if _is_cached(e.source) else "no"])
    for e, why in studio.unavailable:
        rows.append([e.id, e.title, family_label(e.family), "unavailable", why, "-"])
    return rows


def list_models(studio: Studio, session: Session) -> list[list[str]]:
    """Every model this session can use: the catalog's and those loaded in the Models tab.

    Returns:
        Rows of id, title, family, tab, where it comes from, and whether its files are cached locally.
    """
    return model_rows(studio, session)


def set_precision(studio: Studio, precision: str, session: Session) -> tuple:
    """Choose this session's numeric precision for every tab.

    Args:
        precision: "exact" (fp32, the same image every time) or "fast" (bf16 on GPUs and CPUs with native bf16;
            elsewhere it behaves as exact).
    Returns:
        The updated session and a note on what "fast" means on this machine.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}")
    session.precision = precision
    device = pick_device()
    note = "" if precision == "exact" or fast_supported(device) else f" ({device} has no fast bf16: runs as exact)"
    return session, f"Precision for this session: **{precision}**{note}."


def app_status(studio: Studio) -> str:
    """Where the app runs: device, Hub reachability, catalog file and cached models.

    Returns:
        A short status in Markdown.
    """
    loaded = sum(e.source in studio.cache for e in studio.entries)
    return (f"- **Device:** {pick_device()}\n- **Hub:** {hub_status()}\n- **Catalog:** `{studio.catalog_file}` "
            f"({len(studio.entries)} models)\n- **Catalog models in memory:** {loaded} "
            f"(the cache keeps at most {studio.cache.max_models})")


def render(studio: Studio, session: gr.State, pickers: dict[str, gr.Dropdown]) -> SimpleNamespace:
    """Build the tab's widgets; ``pickers`` are the other tabs' model dropdowns, refreshed when a model is added."""
    ui = SimpleNamespace(pickers=pickers)
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            ui.source = gr.Textbox(label="Hub repo id or local folder", elem_id="models-source",
                                   placeholder="owner/name[/subfolder][@revision]  or  /path/to/model-folder")
            ui.load = gr.Button("Load into this session", variant="primary")
            ui.inspect_id = gr.Dropdown(_inspect_choices(studio, None), value=None, label="Or inspect a listed model",
                                        allow_custom_value=True)
            ui.inspect = gr.Button("Show")
            with gr.Accordion("Settings for this session", open=False):
                ui.precision = gr.Radio([(PRECISION_LABELS.get(p, p), p) for p in PRECISIONS], value="exact",
                                        label="Precision")
                ui.precision_note = gr.Markdown()
            with gr.Accordion("App status", open=False):
                ui.app_status = gr.Markdown()
                ui.refresh = gr.Button("Check", size="sm")
        with gr.Column(scale=2):
            ui.status = gr.Markdown(elem_id="models-status")
            with gr.Tabs():
                with gr.Tab("Card"):
                    ui.card = gr.Markdown()
                with gr.Tab("Config"):
                    ui.config = gr.JSON(label="config.json", open=True)
            ui.table = gr.Dataframe(model_rows(studio, None),
                                    headers=["id", "title", "family", "tab", "source", "cached"],
                                    label="Models in this session", interactive=False, wrap=True)
    listen(studio, session, ui)
    return ui


def listen(studio: Studio, session: gr.State, ui: SimpleNamespace) -> None:
    picker_list = [ui.pickers[t] for t in TAB_TITLES if t in ui.pickers]
    if len(picker_list) != len(TAB_TITLES):
        raise ValueError("the Models tab needs every other tab's model picker")
    loaded = [session, ui.status, ui.card, ui.config, ui.table, ui.inspect_id, *picker_list]
    ui.load.click(bind(studio, load_model), [ui.source, session], loaded, api_name="load_model",
                  concurrency_id="load")
    ui.source.submit(bind(studio, load_model), [ui.source, session], loaded, api_visibility="private",
                     concurrency_id="load")
    ui.inspect.click(bind(studio, model_info), [ui.inspect_id, session], [ui.status, ui.card, ui.config],
                     api_name="model_info", concurrency_id="load")
    ui.precision.change(bind(studio, set_precision), [ui.precision, session], [session, ui.precision_note],
                        api_name="set_precision", concurrency_limit=None)
    ui.refresh.click(bind(studio, app_status), None, ui.app_status, api_name="app_status", concurrency_limit=None)
