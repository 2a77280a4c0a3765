"""Tab 6, models: load any Hub repo (optionally @revision) or local folder in GAN Studio's format into this
session's catalog, convert published weights (``ganstudio.convert``) into a model of this session, and inspect
any model: card, config, size, licence, whether it is cached, and whether the app can reach the Hub. Also the
precision control every inference event takes as an input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import hub, options
from ..catalog import CatalogEntry
from ..checkpoint import GanModel
from ..convert import PRESETS, Conversion, convert_file, zip_folder
from ..errors import InputError, LimitError
from ..runtime import PRECISIONS, fast_supported, pick_device
from . import access
from .cards import card_markdown
from .handlers import bind
from .provenance import model_folder, weights_size
from .state import Session, Studio, family_label, session_entry
from .tabs import MODEL_TABS, AppWidgets, TabUI, tabs_showing

PRECISION_LABELS = {"exact": "Exact (fp32, reproducible)", "fast": "Fast (bf16 where the hardware has it)"}
AUTO_PRESET = "auto"  # the converter recognises the layout from the tensor names and shapes
HUB_LOADS = 4  # /load_model calls served at once (downloads wait on the network, not the CPU)


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
    tabs = [spec.title for spec in tabs_showing(entry.task)]
    facts = [
        ("Model", f"{entry.title} (`{entry.id}`)"),
        ("Family", f"{model.family.label}: {model.family.description}"),
        ("Shown in", ", ".join(tabs) or "no tab"),
        ("Source", f"{_where(entry)}: `{entry.source}`" if entry.id == entry.source else "converted upload"),
        ("Size", f"{sum(model.num_parameters(c) for c in model.modules) / 1e6:.2f} M parameters in "
                 f"{len(model.modules)} components ({', '.join(model.modules)}), "
                 f"{weights_size(model) / 2**20:.1f} MB of weights"),
        ("Licence", model.meta.license or "not stated"),
        ("Cached", "yes (no download needed)" if cached_before else "no: it was downloaded now"),
        ("Hub", hub.hub_status()),
    ]
    return "\n".join(f"- **{k}:** {v}" for k, v in facts)


def _describe(studio: Studio, model: GanModel, entry: CatalogEntry, cached_before: bool) -> tuple:
    folder = model_folder(model)
    card = _strip_front_matter(hub.read_card(folder)) if folder else ""
    return (_status(model, entry, cached_before), card or card_markdown(model, entry), model.config_json())


def load_model(studio: Studio, source: str, session: Session, request: gr.Request,
               progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load a model into this session's catalog: a Hub repo id or a local folder in GAN Studio's format.

    A Hub repo in another codebase's published layout (huggan / PyTorch-GAN, junyanz latest_net_G.pth, NVIDIA
    .pkl, ...) is converted on first load, without executing anything in its files, and cached.

    Args:
        source: "owner/name", "owner/name/subfolder" or "owner/name/<weights file>", either with "@revision"
            (branch, tag or commit), or a path to a local model folder. The model then appears in the model
            pickers of the tabs that can use it, under this source string as its id.
    Returns:
        Its status (family, tabs, size, licence, whether it was cached, Hub reachability), its card, its
        config.json, the session's model list, and the model pickers of every tab with the new model.
    """
    source = (source or "").strip()
    if hub.looks_like_path(source):  # policy and roots first: a refused path says nothing about what exists
        access.check_local_folder(Path(source).expanduser(), request)
    where = hub.parse_source(source)
    if isinstance(where, Path):
        where = access.check_local_folder(where, request)
    cached = _is_cached(source)
    progress(0, desc=f"{'Loading' if cached else 'Downloading'} {source}")
    model = studio.cache.get(str(where) if isinstance(where, Path) else source)
    return _add_to_session(studio, model, session, cached)


def _add_to_session(studio: Studio, model: GanModel, session: Session, cached: bool,
                    model_id: str | None = None) -> tuple:
    """Add ``model`` to the session's catalog (as ``model_id``, default its source); the outputs every "add a model"
    event shares."""
    entry = session_entry(model, model.source, model_id)
    session.models[entry.id] = entry
    gr.Info(f"{entry.title} added to this session's models")
    return (session, *_describe(studio, model, entry, cached), model_rows(studio, session),
            gr.update(choices=_inspect_choices(studio, session)),
            *[gr.update(choices=studio.choices(spec.key, session)) for spec in MODEL_TABS])


def convert_weights(studio: Studio, weights: str | None, preset: str | None, discriminator: str | None,
                    generator_ba: str | None, attributes: str | None, config_values: str | None, session: Session,
                    request: gr.Request, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Convert published GAN weights into a GAN Studio model of this session, downloadable as a zip.

    Nothing in the file is executed: .pth / .pt / .ckpt files are read as weights only, NVIDIA .pkl network
    pickles through an allowlist of plain data types. The converted model appears in the model pickers of the
    tabs that can use it, under the folder it was written to as its id.

    Args:
        weights: the checkpoint: a .pth / .pt / .ckpt / .bin state dict or .safetensors file (DCGAN example,
            pix2pix, CycleGAN, StarGAN, rosinality StyleGAN2, PyTorch-GAN / huggan) or an NVIDIA StyleGAN2-ADA .pkl.
        preset: the published layout (see the converter's presets), or "auto" to recognise it from the keys.
        discriminator: optional file with the matching discriminator (StarGAN's N-D.ckpt also gives the image size).
        generator_ba: optional CycleGAN B->A generator (latest_net_G_B.pth).
        attributes: StarGAN: attribute names in label order, separated by commas (optional).
        config_values: config values the weights do not determine, as key=value pairs separated by commas, e.g.
            "image_size=256, use_dropout=false" (optional).
    Returns:
        The model's status, card and config.json, the session's model list, the model pickers of every tab with
        the new model, the conversion report (family, preset, config, notes, key mapping) and the zipped model folder.
    """
    if len(session.folders) >= options.MAX_SESSION_CONVERSIONS:
        raise LimitError(f"this session holds {len(session.folders)} converted models, the limit; reload the page "
                         "to start a new session")
    try:
        return _convert(studio, weights, preset, discriminator, generator_ba, attributes, config_values, session,
                        progress)
    finally:  # uploads are deleted once used (weights files are large); what was made from them stays
        for upload in (weights, discriminator, generator_ba):
            _delete_upload(upload)


def _delete_upload(path: str | None) -> None:
    """Remove a file Gradio stored for an upload (only inside its upload folder)."""
    if not path:
        return
    p = Path(path)
    try:
        if Path(gr.utils.get_upload_folder()).resolve() in p.resolve().parents and p.is_file():
            p.unlink()
    except OSError:
        pass


def _convert(studio: Studio, weights: str | None, preset: str | None, discriminator: str | None,
             generator_ba: str | None, attributes: str | None, config_values: str | None, session: Session,
             progress: gr.Progress) -> tuple:
    src = _weights_file(weights, "the weights file")
    settings = dict(preset=None if preset in (None, "", AUTO_PRESET) else preset, attributes=_names(attributes),
                    overrides=_config_values(config_values),
                    discriminator=_weights_file(discriminator, "the discriminator file", optional=True),
                    generator_ba=_weights_file(generator_ba, "the B->A generator file", optional=True))
    progress(0, desc=f"Converting {src.name}")
    work = _conversion_folder(studio)
    session.folders.append(str(work))  # removed when the session ends (release_session)
    out = work / _folder_name(src.stem)
    try:
        conv = convert_file(src, out, **settings)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # a failed conversion leaves nothing behind
        session.folders.remove(str(work))
        raise
    model = studio.cache.get(str(out))  # read back from the folder, as loading it by hand would
    model_id = f"converted/{work.name[:12]}/{out.name}"  # what users see: no server path, no session secret
    return (*_add_to_session(studio, model, session, cached=True, model_id=model_id), conversion_report(conv),
            str(zip_folder(out)))


def preset_choices() -> list[tuple[str, str]]:
    """(label, name) of the converter's presets, after "auto"."""
    return [("auto: recognise the layout from the tensor names and shapes", AUTO_PRESET)] + [
        (f"{p.name}: {p.title}", p.name) for p in PRESETS.values()]


def weights_limit_mb() -> int:
    """The largest weights file an upload can bring: the converter's limit within the server-wide upload limit."""
    return options.MAX_WEIGHTS_MB


def conversion_report(conv: Conversion) -> str:
    """What ``python -m ganstudio convert --show-mapping`` prints: family, preset, config, notes, key mapping."""
    lines = conv.summary()
    if conv.mapping:
        lines += ["key mapping (file -> GAN Studio):", *(f"  {line}" for line in conv.mapping)]
    else:
        lines.append("key mapping: the file's keys are GAN Studio's")
    return "\n".join(lines)


def _weights_file(path: str | None, what: str, optional: bool = False) -> Path | None:
    if not path:
        if optional:
            return None
        raise InputError(f"upload {what} first ({', '.join(options.WEIGHT_FILE_TYPES)})")
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p.name} is no longer on the server (uploads are deleted once used): upload it again")
    if p.suffix.lower() not in options.WEIGHT_FILE_TYPES:
        raise InputError(f"{p.name}: {what} must be one of {', '.join(options.WEIGHT_FILE_TYPES)}")
    if p.stat().st_size > options.MAX_WEIGHTS_MB * 2**20:
        raise InputError(f"{p.name} is larger than {options.MAX_WEIGHTS_MB} MB")
    return p


def _conversion_folder(studio: Studio) -> Path:
    """A new folder for one conversion in the app's output folder, named by a random token (its files are served
    for download: their names carry no session secret and cannot be guessed)."""
    folder = studio.out_dir / "converted" / access.new_token()
    folder.mkdir(parents=True)
    return folder


def _folder_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:80] or "model"


def _names(text: str | None) -> list[str] | None:
    """'Black_Hair, Blond_Hair, Male' -> the list (None when empty)."""
    return [n.strip() for n in re.split(r"[,\n]", text or "") if n.strip()] or None


def _config_values(text: str | None) -> dict[str, Any]:
    """'image_size=256, use_dropout=false' -> {"image_size": 256, "use_dropout": False} (JSON values, else text).

    Pairs are split only before the next ``key=``, so JSON lists such as ``[1, 2]`` keep their commas.
    """
    values: dict[str, Any] = {}
    for part in re.split(r"[,;\n]\s*(?=[A-Za-z_]\w*\s*=)", (text or "").strip()):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip().rstrip(",;").strip()
        if not sep or not key.isidentifier() or not value:
            raise InputError(f"config values: {part.strip()!r} is not key=value (e.g. image_size=256)")
        try:
            values[key] = json.loads(value)
        except json.JSONDecodeError:
            values[key] = value
    return values


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
        tab = next((spec.title for spec in tabs_showing(e.task)), e.task)
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


def set_precision(studio: Studio, precision: str, session: Session) -> str:
    """Check a numeric precision and say what it means on this machine.

    Every inference endpoint takes ``precision`` as an input of its own (default "exact"); in the app, the
    precision control feeds them all, and this is what answers when it changes.

    Args:
        precision: "exact" (fp32, the same image every time) or "fast" (bf16 on GPUs and CPUs with native bf16;
            elsewhere it behaves as exact).
    Returns:
        A note on what the chosen precision means on this machine.
    """
    # ``session`` is not read: it is an input so that a call presenting another client's session is refused (bind)
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {PRECISIONS}")
    device = pick_device()
    note = "" if precision == "exact" or fast_supported(device) else f" ({device} has no fast bf16: runs as exact)"
    return f"Precision of every result in this window: **{precision}**{note}."


def app_status(studio: Studio) -> str:
    """Where the app runs: device, Hub reachability, catalog file and cached models.

    Returns:
        A short status in Markdown.
    """
    loaded = sum(e.source in studio.cache for e in studio.entries)
    return (f"- **Device:** {pick_device()}\n- **Hub:** {hub.hub_status()}\n- **Catalog:** `{studio.catalog_file}` "
            f"({len(studio.entries)} models)\n- **Catalog models in memory:** {loaded} "
            f"(the cache keeps at most {studio.cache.max_models})")


def render(studio: Studio, session: gr.State) -> TabUI:
    """Build the tab's widgets, among them the precision control every inference event reads."""
    ui = SimpleNamespace()
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            ui.source = gr.Textbox(label="Hub repo id or local folder", elem_id="models-source",
                                   placeholder="owner/name[/subfolder or /file][@revision]  or  /path/to/model-folder")
            ui.load = gr.Button("Load into this session", variant="primary")
            ui.inspect_id = gr.Dropdown(_inspect_choices(studio, None), value=None, label="Or inspect a listed model",
                                        allow_custom_value=True)
            ui.inspect = gr.Button("Show")
            with gr.Accordion("Convert published weights", open=False):
                types = ", ".join(options.WEIGHT_FILE_TYPES)
                ui.weights = gr.File(label=f"Weights file ({types}; at most {weights_limit_mb()} MB)",
                                     file_types=list(options.WEIGHT_FILE_TYPES), type="filepath",
                                     elem_id="models-weights")
                ui.preset = gr.Dropdown(preset_choices(), value=AUTO_PRESET, label="Published layout (preset)")
                with gr.Accordion("More files and settings (optional)", open=False):
                    ui.discriminator = gr.File(label="Discriminator (StarGAN's N-D.ckpt also gives the image size)",
                                               file_types=list(options.WEIGHT_FILE_TYPES), type="filepath")
                    ui.generator_ba = gr.File(label="CycleGAN B→A generator (latest_net_G_B.pth)",
                                              file_types=list(options.WEIGHT_FILE_TYPES), type="filepath")
                    ui.attributes = gr.Textbox(label="StarGAN attribute names, in label order",
                                               placeholder="Black_Hair, Blond_Hair, Brown_Hair, Male, Young")
                    ui.config_values = gr.Textbox(label="Config values the weights do not determine",
                                                  placeholder="image_size=256, use_dropout=false")
                ui.convert = gr.Button("Convert into this session", variant="primary")
                ui.report = gr.Code(label="Conversion report", language=None, interactive=False, lines=6,
                                    max_lines=24, wrap_lines=True, show_line_numbers=False)
                ui.download = gr.File(label="Converted model folder (.zip)", interactive=False)
            with gr.Accordion("Settings", open=False):
                # an input of every inference event (API callers pass it, default "exact")
                ui.precision = gr.Radio([(PRECISION_LABELS.get(p, p), p) for p in PRECISIONS], value="exact",
                                        label="Precision", info="used by every tab's results",
                                        elem_id="models-precision")
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
    return TabUI(ui, precision=ui.precision)


def listen(studio: Studio, app: AppWidgets, tab: TabUI) -> None:
    """Wire the tab's events; a model added here reaches the model picker of every tab that can show it."""
    ui, session = tab.widgets, app.session
    picker_list = [app.pickers[spec.key] for spec in MODEL_TABS]
    loaded = [session, ui.status, ui.card, ui.config, ui.table, ui.inspect_id, *picker_list]
    # Loads that may download from the Hub have their own group, several at a time (each bounded by the
    # download deadline), so a slow Hub never holds up the pickers, model info or a conversion ("load").
    ui.load.click(bind(studio, load_model), [ui.source, session], loaded, api_name="load_model",
                  concurrency_id="hub", concurrency_limit=HUB_LOADS)
    ui.source.submit(bind(studio, load_model), [ui.source, session], loaded, api_visibility="private",
                     concurrency_id="hub", concurrency_limit=HUB_LOADS)
    ui.convert.click(bind(studio, convert_weights),
                     [ui.weights, ui.preset, ui.discriminator, ui.generator_ba, ui.attributes, ui.config_values,
                      session], [*loaded, ui.report, ui.download], api_name="convert_weights", concurrency_id="load")
    ui.inspect.click(bind(studio, model_info), [ui.inspect_id, session], [ui.status, ui.card, ui.config],
                     api_name="model_info", concurrency_id="load")
    ui.precision.change(bind(studio, set_precision), [ui.precision, session], ui.precision_note,
                        api_name="set_precision", concurrency_limit=None)
    ui.refresh.click(bind(studio, app_status), None, ui.app_status, api_name="app_status", concurrency_limit=None)
    tab.tab.select(bind(studio, list_models), [session], ui.table, api_name="list_models", concurrency_limit=None)
    tab.tab.select(bind(studio, app_status), None, ui.app_status, api_visibility="private", concurrency_limit=None)
