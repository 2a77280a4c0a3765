"""What every tab shares: the app's model catalog and cache, per-user session state, model pickers,
error reporting, and PNG outputs that remember how they were made.

Two kinds of state, kept apart on purpose:

* :class:`Studio` -- one per app, shared by every user: the catalog read at start, the cache of loaded
  models (weights are read-only; every call takes its settings as arguments) and where outputs go.
* :class:`Session` -- one per browser session / API client, held in ``gr.State``: the models this user
  added in the Models tab and their settings. Nothing per-user lives in a module global.

Handlers are plain functions ``handler(studio, *inputs)`` in the tab modules; :func:`bind` turns one into
the callable Gradio sees (studio bound, core exceptions turned into short ``gr.Error`` messages, GPU lent
on Spaces), keeping its signature and docstring, which become the API and MCP descriptions.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import errno
import functools
import hashlib
import importlib.util
import inspect
import logging
import math
import os
import random
import re
import shutil
import socket
import tempfile
import time
from abc import ABCMeta
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlparse

import anyio.from_thread
import gradio as gr
import torch
from PIL import Image

from .. import hub, inference, options, registry
from .. import images as imgs
from ..catalog import CatalogEntry, ModelCache, catalog_path, load_catalog
from ..checkpoint import CONFIG_NAME, CheckpointError, GanModel
from ..errors import GanStudioError, InputError, LimitError
from ..models.base import ConfigError, Task
from . import access, budget, cards

log = logging.getLogger("ganstudio.ui")

try:  # Hugging Face Spaces: on ZeroGPU hardware a GPU is lent to each call decorated with spaces.GPU
    import spaces
except ImportError:  # not on Spaces: no-op
    spaces = None

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "checkpoints" / "examples"

# Which catalog tasks each tab offers. Any noise-to-image model can make a random grid.
TAB_TASKS: dict[str, tuple[str, ...]] = {
    "generate": (Task.RANDOM.value, Task.CONDITIONAL.value, Task.STYLE.value),
    "conditional": (Task.CONDITIONAL.value,),
    "translate": (Task.TRANSLATE.value,),
    "edit": (Task.EDIT.value,),
    "style": (Task.STYLE.value,),
    "latent": (Task.STYLE.value, Task.RANDOM.value),
}

# How family names are written for people (registry names are lower-case identifiers).
FAMILY_LABELS: dict[str, str] = {
    "mlp": "MLP GAN", "dcgan": "DCGAN", "cgan": "cGAN", "acgan": "AC-GAN", "sgan": "SGAN", "infogan": "InfoGAN",
    "progan": "ProGAN", "pix2pix": "pix2pix", "cyclegan": "CycleGAN", "discogan": "DiscoGAN", "spade": "SPADE",
    "stargan": "StarGAN", "stylegan2": "StyleGAN2",
}

# When a model serves several tasks, the most specific one decides its home tab.
_TASK_PREFERENCE = (Task.STYLE, Task.EDIT, Task.TRANSLATE, Task.CONDITIONAL, Task.RANDOM)


def family_label(name: str) -> str:
    return FAMILY_LABELS.get(name, name)


def family_problem(name: str) -> str | None:
    """Why models of family ``name`` cannot run in this build, or None when they can."""
    module = registry.FAMILY_MODULES.get(name)
    if module is None:
        return f"unknown model family {name!r}"
    try:
        found = importlib.util.find_spec(module) is not None
    except ImportError:
        found = False
    return None if found else f"the {family_label(name)} family ({module}) is not part of this build yet"


# ---------------------------------------------------------------------------------------------
# app-wide and per-user state


@dataclass
class Session:
    """Per-user state, kept in ``gr.State`` (each browser session or API client gets its own copy)."""

    models: dict[str, CatalogEntry] = field(default_factory=dict)  # added in the Models tab, by id
    precision: str = "exact"  # "exact" (fp32) or "fast" (bf16 where the hardware has it)
    folders: list[str] = field(default_factory=list)  # written for this session (conversions): go with it
    owner: tuple[str, str] | None = None  # the client that started it (access.claim)


def release_session(session: Session) -> None:
    """Delete the files ``session`` wrote; Gradio calls this when it drops the session's state
    (an hour after the browser disconnects), so a brief network drop loses nothing."""
    for folder in session.folders:
        shutil.rmtree(folder, ignore_errors=True)
        try:
            Path(folder).parent.rmdir()  # the session's own parent folder, once empty
        except OSError:
            pass
    session.folders.clear()


def sweep_stale(folder: Path, max_age_s: float) -> int:
    """Remove entries of ``folder`` untouched for ``max_age_s`` (left by a server that stopped before its
    sessions ended); returns how many."""
    removed, now = 0, time.time()
    for p in folder.iterdir() if folder.is_dir() else ():
        try:
            stale = now - p.stat().st_mtime > max_age_s
        except OSError:
            continue
        if stale:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            removed += 1
    return removed


@dataclass
class Studio:
    """What the app shares between users: the catalog, the model cache and the output folder."""

    entries: list[CatalogEntry]  # models the catalog offers and this build can run
    unavailable: list[tuple[CatalogEntry, str]]  # listed, but their family is missing: (entry, why)
    cache: ModelCache
    out_dir: Path  # generated files; inside Gradio's cache folder so they are served without a copy
    catalog_file: Path
    # (handler, model id) -> seconds its last result took: decides whether results follow the controls live
    costs: dict[tuple[str, str], float] = field(default_factory=dict)
    demo: Any = None  # the Blocks serving this studio (set by build_app), whose queue says which jobs are wanted

    # -- catalog ------------------------------------------------------------------------------

    def all_entries(self, session: Session | None) -> list[CatalogEntry]:
        return self.entries + (list(session.models.values()) if session else [])

    def entry(self, model_id: str | None, session: Session | None) -> CatalogEntry:
        """The catalog or session entry ``model_id`` names (a catalog id, or the source a user loaded)."""
        if not model_id:
            raise hub.ModelSourceError("choose a model first (or load one in the Models tab)")
        for e in self.all_entries(session):
            if e.id == model_id:
                return e
        for e, why in self.unavailable:
            if e.id == model_id:
                raise hub.ModelSourceError(f"{e.title} cannot run here: {why}")
        raise hub.ModelSourceError(f"unknown model {model_id!r}: pick one from the list, or load it in the Models tab")

    def choices(self, tab: str, session: Session | None) -> list[tuple[str, str]]:
        """(label, id) pairs for a tab's model picker, grouped by family in registry order."""
        order = list(registry.FAMILY_MODULES)
        wanted = TAB_TASKS[tab]
        items = [e for e in self.all_entries(session) if e.task in wanted]
        items.sort(key=lambda e: (order.index(e.family) if e.family in order else len(order), e.title.lower()))
        return [(f"{family_label(e.family)} · {e.makes or e.title}", e.id) for e in items]

    def default_model(self, tab: str) -> str | None:
        """The model ``tab`` opens on: the catalog's featured one for the tab's task, else the first listed."""
        ids = [model_id for _, model_id in self.choices(tab, None)]
        task = TAB_TASKS[tab][0]
        featured = [e.id for e in self.entries if task in e.featured and e.id in ids]
        return (featured or ids or [None])[0]

    def note(self, tab: str) -> str:
        """Markdown shown in a tab when it has no models, or some of its models cannot run in this build."""
        lines = []
        if not self.choices(tab, None):
            lines.append("**No model for this tab in the catalog yet.** Load one in the **Models** tab "
                         "(a Hugging Face Hub repo id or a local folder in GAN Studio's format).")
        missing = [(e, why) for e, why in self.unavailable if e.task in TAB_TASKS[tab]]
        if missing:
            lines.append("Not available in this build: " + "; ".join(f"{e.title} ({why})" for e, why in missing) + ".")
        return "\n\n".join(lines)

    # -- models -------------------------------------------------------------------------------

    def load(self, model_id: str | None, session: Session | None,
             progress: gr.Progress | None = None) -> tuple[GanModel, CatalogEntry]:
        """Load (or reuse from the cache) the model ``model_id`` names, on the best device."""
        entry = self.entry(model_id, session)
        if progress is not None and entry.source not in self.cache:
            progress(0, desc=f"Loading {entry.title}")
        return self.cache.get(entry.source), entry

    def waited_for(self, request: Any) -> Callable[[], bool]:
        """A check that turns true once nobody waits for ``request``'s result any more: the client cancelled (Gradio
        takes its job off the queue) or disconnected (Gradio marks the job dead). A worker thread cannot be
        interrupted, so downloads ask this on every chunk."""
        raw = getattr(request, "request", None)

        def gone() -> bool:
            try:  # the client cancelled: Gradio cancelled the task waiting for this worker thread
                anyio.from_thread.check_cancelled()
            except asyncio.CancelledError:
                return True
            except RuntimeError:  # not in one of anyio's worker threads
                pass
            jobs = getattr(getattr(self.demo, "_queue", None), "active_jobs", None)
            if raw is None or jobs is None:
                return False  # not called through Gradio's queue
            for job in jobs:
                for event in job or []:
                    if getattr(event, "request", None) is raw:
                        return not event.alive
            return True  # its job was cancelled and taken off the queue

        return gone

    # -- outputs ------------------------------------------------------------------------------

    def write(self, data: bytes, name: str) -> str:
        """Store ``data`` under a content-addressed folder (identical outputs share one file); returns its path.

        The file appears whole or not at all (written beside it, then renamed); one already there is reused only
        when it holds exactly ``data``, so a file torn by a full disk is never served.
        """
        folder = self.out_dir / hashlib.sha256(data).hexdigest()[:40]
        path = folder / _safe_name(name)
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return str(path)
        except OSError:
            pass
        budget.check_disk(self.out_dir.parent, len(data))
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
        budget.note_written(self.out_dir.parent, len(data))
        return str(path)

    def png(self, img: Image.Image, params: dict[str, Any], name: str) -> str:
        """A PNG file of ``img`` whose text metadata holds ``params`` (see :func:`ganstudio.images.png_bytes`)."""
        return self.write(imgs.png_bytes(img, params), name if name.endswith(".png") else name + ".png")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename: readers see the old
    file or the whole new one, never a part (a failed write leaves nothing behind)."""
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def new_studio(catalog: str | Path | None = None, *, max_models: int | None = None,
               out_dir: str | Path | None = None) -> Studio:
    """Read the catalog (``GANSTUDIO_CATALOG`` or ``checkpoints/catalog.json``) and set up the shared cache.

    Entries whose family module is missing are kept aside with the reason, so the app still starts.
    """
    path = Path(catalog) if catalog else catalog_path()
    try:
        listed = load_catalog(path)
    except (ValueError, KeyError, OSError) as e:  # a broken catalog must not stop the app
        log.error("cannot read the catalog %s: %s", path, e)
        listed = []
    entries, unavailable = [], []
    for e in listed:
        why = family_problem(e.family)
        if why:
            unavailable.append((e, why))
        else:
            entries.append(e)
    size = max_models or int(os.environ.get("GANSTUDIO_CACHE_MODELS", "16"))
    if out_dir is None:
        out_dir = Path(gr.utils.get_upload_folder()) / "ganstudio"
    # conversions of sessions a stopped server never released (a day: longer than any live session's idle hour)
    sweep_stale(Path(out_dir) / "converted", max_age_s=24 * 3600)
    return Studio(entries, unavailable, ModelCache(max_models=size), Path(out_dir), path)


def session_entry(model: GanModel, source: str, model_id: str | None = None) -> CatalogEntry:
    """A catalog entry for a model a user loaded by hand (its id is ``model_id``, default the source string)."""
    task = next((t for t in _TASK_PREFERENCE if t in model.tasks), None)
    if task is None:  # the toy family: points, not images
        raise InputError(f"{source} is a {model.family.name} model of {', '.join(t.value for t in model.tasks)}: "
                         "no tab shows it (train toy models with `python -m ganstudio train toy`, or live in the "
                         "Playground)")
    title = model.meta.name or source
    return CatalogEntry(model_id or source, title, model.family.name, task.value, source, model.meta.description)


# ---------------------------------------------------------------------------------------------
# what a model can do, read off the loaded model (feature detection, not family names)


def has_class_head(model: GanModel) -> bool:
    """Whether the checkpoint's discriminator can guess classes (ACGAN, SGAN, InfoGAN)."""
    d = model.modules.get("discriminator")
    return d is not None and hasattr(d, "classify")


def has_mean_latent(model: GanModel) -> bool:
    """Whether truncation applies (a generator with a mean latent, i.e. StyleGAN)."""
    return Task.STYLE in model.tasks and hasattr(model.generator, "truncate")


def class_names(model: GanModel) -> list[str]:
    k = int(getattr(model.config, "num_classes", 0) or 0)
    names = list(model.meta.class_names or [])
    return names[:k] + [str(i) for i in range(len(names), k)]


def model_folder(model: GanModel) -> Path | None:
    """The folder the model was read from (a Hub model's snapshot folder in the local cache)."""
    try:
        where = hub.parse_source(model.source)
        if isinstance(where, Path):
            return where
        return hub.resolve_source(model.source, local_files_only=True)
    except (hub.ModelSourceError, OSError, ValueError):
        return None


@functools.lru_cache(maxsize=64)
def _content_revision(folder: str, stamp: tuple) -> str:
    h = hashlib.sha256()
    for name in (CONFIG_NAME, "model.safetensors"):
        p = Path(folder) / name
        if p.is_file():
            with p.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
    return "sha256:" + h.hexdigest()[:16]


def revision_of(model: GanModel) -> str:
    """What version of the weights made an image: the Hub commit, or a content hash of a local folder."""
    folder = model_folder(model)
    if folder is None:
        return "unknown"
    if "snapshots" in folder.parts[:-1]:  # Hub cache layout: .../snapshots/<commit>/[subfolder]
        return folder.parts[folder.parts.index("snapshots") + 1]
    files = [folder / CONFIG_NAME, folder / "model.safetensors"]
    stamp = tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file())
    return _content_revision(str(folder), stamp)


def weights_size(model: GanModel) -> int:
    """Bytes of the model's weight files on disk (0 when unknown)."""
    folder = model_folder(model)
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) if folder else 0


def card_markdown(model: GanModel, entry: CatalogEntry) -> str:
    """A short model card for a tab: what it makes and one plain sentence on its quality, then (folded) what it
    is, data, size, licence and every measured number under a readable name."""
    m = model.meta
    cfg = model.config
    head = f"**{entry.title}**"
    quality = cards.quality_sentence(m.metrics)
    lines = [f"{family_label(model.family.name)}: {model.family.description}"]
    if m.description or entry.description:
        lines.append(m.description or entry.description)
    size = f"{model.num_parameters() / 1e6:.2f} M generator parameters"
    if (nbytes := weights_size(model)):
        size += f", {nbytes / 2**20:.1f} MB of weights"
    if getattr(cfg, "image_size", None):
        size += f", {cfg.image_size} px"
    facts = [("Data", m.dataset or "not stated"), ("Size", size), ("Licence", m.license or "not stated"),
             ("Revision", f"`{revision_of(model)}`"), ("Device", str(model.device))]
    if (names := class_names(model)):
        facts.append(("Classes", ", ".join(names)))
    if m.attribute_names:
        facts.append(("Attributes", ", ".join(m.attribute_names)))
    if m.domains:
        facts.append(("Domains", " ↔ ".join(m.domains)))
    lines.append("\n".join(f"- **{k}:** {v}" for k, v in facts))
    if (samples := cards.samples_markdown(model_folder(model))):
        lines.insert(0, samples)
    if m.metrics:
        lines.append(cards.metric_table(m.metrics))
    return "\n\n".join([head, *([quality] if quality else []),
                         "<details><summary>Model card: data, size, licence, every measured number</summary>",
                         *lines, "</details>"])


def stamp(params: dict[str, Any], model: GanModel, entry: CatalogEntry, **extra: Any) -> dict[str, Any]:
    """Inference parameters plus what is needed to find the model again (id and revision)."""
    return {**params, "model_id": entry.id, "revision": revision_of(model), **extra}


def file_stem(entry: CatalogEntry, *parts: Any) -> str:
    return "-".join([entry.id.rsplit("/", 1)[-1], *map(str, parts)])


def gallery(studio: Studio, pictures: Sequence[Image.Image], params: dict[str, Any], captions: Sequence[str],
            stem: str) -> list[tuple[str, str]]:
    """Gallery items (PNG path, caption); each PNG carries ``params`` plus its index in the batch."""
    caps = list(captions) + [""] * (len(pictures) - len(captions))
    return [(studio.png(p, {**params, "index": i}, f"{stem}-{i}"), caps[i]) for i, p in enumerate(pictures)]


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-120:] or "image"


# ---------------------------------------------------------------------------------------------
# errors and handlers

_PATH_RE = re.compile(r"(?<![\w.~:/-])(?:[A-Za-z]:)?[/\\](?:[^\s'\"`/\\]+[/\\])+([^\s'\"`/\\]*)")
GENERIC_ERROR = "something went wrong on the server; the details are in the server log"


def scrub_paths(text: str) -> str:
    """``text`` with every absolute path cut to its last part: messages never show where files live."""
    return _PATH_RE.sub(lambda m: m.group(1) or "(folder)", text)


def _is_alloc_failure(e: BaseException) -> bool:
    """torch's CPU allocator reports a failed allocation as a RuntimeError ("[enforce fail at alloc_cpu.cpp]")."""
    text = str(e)
    return isinstance(e, RuntimeError) and ("alloc_cpu" in text or "DefaultCPUAllocator" in text)


def user_error(e: BaseException) -> gr.Error:
    """A short message for the user in place of a traceback.

    Errors raised on purpose (:class:`ganstudio.errors.GanStudioError`) show their own sentence; anything else
    (a bug, raw torch / PIL / C++ text) is logged in full and answered with one generic sentence.
    """
    if isinstance(e, gr.Error):
        return e
    if isinstance(e, ModuleNotFoundError) and (e.name or "").startswith("ganstudio."):
        msg = f"this model needs {e.name}, which is not part of this build of GAN Studio"
    elif isinstance(e, GanStudioError):
        msg = str(e) or type(e).__name__
    elif isinstance(e, OSError) and e.errno == errno.ENOSPC:
        log.error("disk full: %s", e)
        msg = "the server's disk is full; try again later"
    elif isinstance(e, (MemoryError, torch.OutOfMemoryError)) or _is_alloc_failure(e):
        log.warning("out of memory in a handler: %s", e)
        msg = "out of memory: ask for fewer or smaller images"
    else:
        log.exception("unexpected error in a handler", exc_info=e)
        msg = GENERIC_ERROR
    msg = " ".join(scrub_paths(msg).split())
    return gr.Error(msg if len(msg) <= 400 else msg[:397] + "...", print_exception=False)


def _not_finite(value: Any) -> bool:
    """Whether ``value`` (or a number inside a list / dict) is NaN or infinite."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return any(_not_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_not_finite(v) for v in value.values())
    return False


def check_inputs(sig: inspect.Signature, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    """Refuse NaN and infinite numbers (raw JSON can carry them), lists longer than ``options.MAX_LIST_ITEMS`` and
    texts longer than ``options.MAX_TEXT_CHARS`` in a handler's inputs, naming the input."""
    names = [p for p in sig.parameters][1:]
    for name, value in [*zip(names, args), *kwargs.items()]:
        what = name.replace("_", " ")
        if _not_finite(value):
            raise InputError(f"{what} must be a finite number (not NaN or infinity)")
        if isinstance(value, (list, tuple)) and len(value) > options.MAX_LIST_ITEMS:
            raise LimitError(f"{what}: {len(value)} items; the limit is {options.MAX_LIST_ITEMS}")
        if isinstance(value, str) and len(value) > options.MAX_TEXT_CHARS:
            raise LimitError(f"{what}: {len(value)} characters; the limit is {options.MAX_TEXT_CHARS}")


def bind(studio: Studio, fn: Callable[..., Any], *, gpu: bool = False) -> Callable[..., Any]:
    """``fn(studio, *inputs)`` as a Gradio handler ``(*inputs)`` with the same docstring and signature.

    Inputs are checked first (:func:`check_inputs`); a :class:`Session` among them must belong to the client
    calling (:func:`ganstudio.ui.access.claim`: Gradio passes the request to a hidden last parameter). Core
    exceptions become ``gr.Error``; ``gpu`` lends a Spaces GPU to the call (a no-op elsewhere).
    """
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())[1:]
    takes_session = any(p.annotation in ("Session", Session) for p in params)
    hidden = inspect.Parameter("_request", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                               annotation=gr.Request)

    @functools.wraps(fn)
    def handler(*args: Any, **kwargs: Any) -> Any:
        request = kwargs.pop("_request", None)
        if takes_session and len(args) > len(params):  # the hidden request parameter, filled in by Gradio
            request, args = args[-1], args[:-1]
        try:
            check_inputs(sig, args, kwargs)
            if takes_session and request is not None:
                for value in [*args, *kwargs.values()]:
                    if isinstance(value, Session):
                        access.claim(value, request)
            if request is None:
                return fn(studio, *args, **kwargs)
            with hub.stop_when(studio.waited_for(request)):  # a download stops when its client has gone
                return fn(studio, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - every failure must reach the user as a message
            raise user_error(e) from None

    shown = params + ([hidden] if takes_session else [])
    handler.__signature__ = sig.replace(parameters=shown)  # type: ignore[attr-defined]
    if takes_session:
        handler.__annotations__ = {**fn.__annotations__, "_request": gr.Request}
    return spaces.GPU(handler) if gpu and spaces is not None else handler


# ---------------------------------------------------------------------------------------------
# widgets


def _pass_through(self: gr.components.Component, payload: Any) -> Any:
    return list(payload or []) if isinstance(self, gr.CheckboxGroup) else payload


def _model_choice_component(base: type, name: str, api_info: dict[str, Any]) -> type:
    """``base`` (a radio or checkbox group) whose submitted value is not checked against its choices.

    Its choices follow the chosen model (a StarGAN's hair colours, a StyleGAN's W layers). Gradio checks a value
    against the choices it last sent to *this* session, so an API call for another model (or with no select
    before it) would be refused; the handler checks the value against the model instead (the core raises a
    clear error). The browser draws it as the plain ``base`` (``is_template``). The class is made with
    ``ABCMeta.__new__`` because Gradio's component metaclass writes a ``.pyi`` stub beside the module of every
    component subclass it creates, which must not happen inside an installed package.
    """
    attrs = {"__module__": __name__, "__qualname__": name, "__doc__": _model_choice_component.__doc__,
             "is_template": True, "preprocess": _pass_through, "api_info": lambda self: dict(api_info)}
    return ABCMeta.__new__(type(base), name, (base,), attrs)


ModelRadio = _model_choice_component(gr.Radio, "ModelRadio", {"type": "string", "title": "Radio"})
ModelCheckboxGroup = _model_choice_component(
    gr.CheckboxGroup, "ModelCheckboxGroup",
    {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "title": "Checkbox Group"})


def _undecoded_image(self: gr.Image, payload: Any) -> str | bytes | None:
    """The uploaded file's path (or a data URL's bytes), not decoded: ``ganstudio.images.open_image`` checks and
    decodes it inside the handler, so a broken or oversized file gets the app's own sentence."""
    if payload is None:
        return None
    url = getattr(payload, "url", None) or ""
    if url.startswith("data:"):
        if len(url) > options.MAX_UPLOAD_MB * 2**20 * 4 // 3 + 1024:
            raise user_error(imgs.ImageInputError(f"image data is larger than {options.MAX_UPLOAD_MB} MB"))
        try:
            return base64.b64decode(url.partition(",")[2], validate=True)
        except (binascii.Error, ValueError):
            raise user_error(imgs.ImageInputError("the image data is not valid base64")) from None
    if not getattr(payload, "path", None):
        raise user_error(imgs.ImageInputError("no image file arrived; upload it again"))
    return str(payload.path)


def _checked_drawing(self: gr.ImageEditor, payload: Any) -> Any:
    """The image editor's value, after every part's header passed the same checks as an uploaded image."""
    if payload is None:
        return None
    parts = [payload.background, payload.composite, *(payload.layers or [])]
    if getattr(payload, "id", None) is not None and (cached := self.blob_storage.get(payload.id)):
        parts = [cached.background, cached.composite, *(cached.layers or [])]
    try:
        for part in parts:
            src = part if isinstance(part, bytes) else getattr(part, "path", None)
            if src:
                imgs.check_image_file(src)
        return gr.ImageEditor.preprocess(self, payload)
    except imgs.ImageInputError as e:
        raise user_error(e) from None
    except Exception as e:  # noqa: BLE001 - a drawing that cannot be decoded is refused with a sentence
        log.warning("a drawing could not be decoded: %s", type(e).__name__)
        raise user_error(imgs.ImageInputError("the drawing could not be read; draw or upload it again")) from None


def _component(base: type, name: str, doc: str, **attrs: Any) -> type:
    """``base`` with some methods replaced, drawn by the browser as the plain ``base`` (see ModelRadio)."""
    body = {"__module__": __name__, "__qualname__": name, "__doc__": doc, "is_template": True, **attrs}
    return ABCMeta.__new__(type(base), name, (base,), body)


def _finite_number(self: gr.Number, payload: Any) -> Any:
    """A number box's value; NaN and infinity (raw JSON can carry them) are refused with the box's name."""
    if isinstance(payload, float) and not math.isfinite(payload):
        what = (self.label or "number").lower()
        raise user_error(InputError(f"{what} must be a finite number (not NaN or infinity)"))
    return gr.Number.preprocess(self, payload)


FiniteNumber = _component(gr.Number, "FiniteNumber", _finite_number.__doc__, preprocess=_finite_number)
UploadImage = _component(gr.Image, "UploadImage", _undecoded_image.__doc__, preprocess=_undecoded_image)
DrawingPad = _component(gr.ImageEditor, "DrawingPad", _checked_drawing.__doc__, preprocess=_checked_drawing)


def _norm_mode(self: gr.Radio, payload: Any) -> Any:
    """A normalisation mode (Translate, Edit); the old names "deterministic" and "reference" of "per-image" are
    still taken (``options.NORM_MODE_ALIASES``), so older API callers keep working."""
    if isinstance(payload, str):
        payload = options.NORM_MODE_ALIASES.get(payload, payload)
    return gr.Radio.preprocess(self, payload)


NormModeRadio = _component(gr.Radio, "NormModeRadio", _norm_mode.__doc__, preprocess=_norm_mode)


def picker(studio: Studio, tab: str, label: str = "Model") -> gr.Dropdown:
    """A model dropdown for ``tab``, grouped by family. Session models are added by the Models tab."""
    choices = studio.choices(tab, None)
    return gr.Dropdown(choices=choices, value=studio.default_model(tab), label=label,
                       info="grouped by family; add more in the Models tab", allow_custom_value=True,
                       key=f"{tab}-model", elem_id=f"{tab}-model")


def output_image(label: str, elem_id: str | None = None, height: int | str = 400, **kw: Any) -> gr.Image:
    """An output image shown as the PNG file the handler wrote (so downloads keep its metadata), enlarged with
    hard pixel edges (generated images are often 28-64 px)."""
    return gr.Image(label=label, elem_id=elem_id, format="png", type="filepath", interactive=False, height=height,
                    elem_classes=["pixelated", "enlarge"], **kw)


def output_gallery(label: str, columns: int = 6, **kw: Any) -> gr.Gallery:
    """A gallery of PNG files with captions; each keeps its metadata on download."""
    return gr.Gallery(label=label, format="png", columns=columns, height="auto", elem_classes=["pixelated"],
                      interactive=False, **kw)


def slider(rng: options.Range, label: str, **kw: Any) -> gr.Slider:
    """A slider whose range, step and default come from ``ganstudio.options``."""
    return gr.Slider(rng.minimum, rng.maximum, value=kw.pop("value", rng.default), step=rng.step, label=label, **kw)


def seed_box(label: str = "Seed", value: int | None = None, **kw: Any) -> gr.Number:
    return FiniteNumber(value=int(options.SEED.default if value is None else value), label=label, precision=0,
                     minimum=options.SEED.minimum, maximum=options.SEED.maximum, **kw)


def dice() -> gr.Button:
    """The "surprise me" button: a new random seed (the result follows it)."""
    return gr.Button("🎲 Surprise me", size="sm", scale=0, min_width=120)


def random_seed() -> int:
    """A new random seed in the allowed range (the dice button)."""
    return random.SystemRandom().randint(int(options.SEED.minimum), int(options.SEED.maximum))


def seed_value(seed: float | int | None) -> int:
    """Number boxes send floats (or None when cleared); the core wants an int in range."""
    if seed is None:
        raise InputError("enter a seed")
    return int(options.SEED.check("seed", int(seed)))


def parse_seeds(text: str | Sequence[int], what: str) -> list[int]:
    """'1, 2, 5-7' -> [1, 2, 5, 6, 7] (also accepts a list)."""
    if not isinstance(text, str):
        return [seed_value(s) for s in text]
    seeds: list[int] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)-(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a or b - a >= options.MIX_SEEDS:
                raise InputError(f"{what}: range {part} is empty or too long")
            seeds.extend(range(a, b + 1))
        elif part.isdigit():
            seeds.append(int(part))
        else:
            raise InputError(f"{what}: {part!r} is not a seed (use numbers such as 1, 2, 5-7)")
    if not seeds:
        raise InputError(f"{what}: give at least one seed")
    return [seed_value(s) for s in seeds]


_HUB_PROBE: dict[str, tuple[float, str]] = {}  # endpoint -> (time, answer): a probe result, shared by everyone
HUB_PROBE_TTL_S = 60.0


def hub_status() -> str:
    """Whether the Hugging Face Hub can be used right now, in words (a quick TCP probe, remembered for a minute)."""
    if (os.environ.get("HF_HUB_OFFLINE") or "").strip().upper() in ("1", "ON", "YES", "TRUE"):
        return "offline (HF_HUB_OFFLINE is set): only models in the local cache can be loaded"
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    known = _HUB_PROBE.get(endpoint)
    if known and time.monotonic() - known[0] < HUB_PROBE_TTL_S:
        return known[1]
    url = urlparse(endpoint)
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=1.5):
            answer = f"online ({host} reachable)"
    except OSError:
        answer = f"offline ({host} cannot be reached): only models in the local cache can be loaded"
    _HUB_PROBE[endpoint] = (time.monotonic(), answer)
    return answer


def example_files(kind: str) -> list[str]:
    """Example inputs in ``checkpoints/examples/`` whose name starts with ``kind`` (edges, labels, photo, face)."""
    if not EXAMPLES_DIR.is_dir():
        return []
    return [str(p) for p in sorted(EXAMPLES_DIR.glob(f"{kind}*.png"))]
