"""The app's state: the catalog and model cache every user shares, and each user's session.

Two kinds of state, kept apart on purpose:

* :class:`Studio` -- one per app, shared by every user: the catalog read at start, the cache of loaded
  models (weights are read-only; every call takes its settings as arguments) and where outputs go.
* :class:`Session` -- one per browser session / API client, held in ``gr.State``: the models this user
  added in the Models tab and the files written for them. Nothing per-user lives in a module global;
  settings such as precision are inputs of each call, not session state.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import anyio.from_thread
import gradio as gr
from PIL import Image

from .. import hub, registry
from .. import images as imgs
from ..catalog import CatalogEntry, ModelCache, catalog_path, load_catalog
from ..checkpoint import GanModel
from ..errors import InputError
from ..models.base import Task
from . import budget
from .files import atomic_write, safe_name, sweep_stale
from .tabs import tab_spec

log = logging.getLogger("ganstudio.ui")


# When a model serves several tasks, the most specific one decides its home tab.
_TASK_PREFERENCE = (Task.STYLE, Task.EDIT, Task.TRANSLATE, Task.CONDITIONAL, Task.RANDOM)


def family_label(name: str) -> str:
    """How family ``name`` is written for people (its descriptor's ``label``); the name itself when this build
    cannot load the family."""
    try:
        return registry.get_family(name).label
    except (registry.UnknownFamilyError, ImportError):
        return name


def family_problem(name: str) -> str | None:
    """Why models of family ``name`` cannot run here (a family the registry does not know), or None."""
    return None if name in registry.FAMILY_MODULES else f"unknown model family {name!r}"


# ---------------------------------------------------------------------------------------------
# app-wide and per-user state


@dataclass
class Session:
    """Per-user state, kept in ``gr.State`` (each browser session or API client gets its own copy)."""

    models: dict[str, CatalogEntry] = field(default_factory=dict)  # added in the Models tab, by id
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


@dataclass
class Studio:
    """What the app shares between users: the catalog, the model cache and the output folder."""

    entries: list[CatalogEntry]  # models the catalog offers
    unavailable: list[tuple[CatalogEntry, str]]  # listed, but of a family the registry does not know: (entry, why)
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
        wanted = tab_spec(tab).tasks
        items = [e for e in self.all_entries(session) if e.task in wanted]
        items.sort(key=lambda e: (order.index(e.family) if e.family in order else len(order), e.title.lower()))
        return [(f"{family_label(e.family)} · {e.makes or e.title}", e.id) for e in items]

    def default_model(self, tab: str) -> str | None:
        """The model ``tab`` opens on: the catalog's featured one for the tab's task, else the first listed."""
        ids = [model_id for _, model_id in self.choices(tab, None)]
        task = tab_spec(tab).tasks[0]
        featured = [e.id for e in self.entries if task in e.featured and e.id in ids]
        return (featured or ids or [None])[0]

    def note(self, tab: str) -> str:
        """Markdown shown in a tab when it has no models, or some of its listed models cannot run here."""
        lines = []
        if not self.choices(tab, None):
            lines.append("**No model for this tab in the catalog yet.** Load one in the **Models** tab "
                         "(a Hugging Face Hub repo id or a local folder in GAN Studio's format).")
        missing = [(e, why) for e, why in self.unavailable if e.task in tab_spec(tab).tasks]
        if missing:
            lines.append("Not available here: " + "; ".join(f"{e.title} ({why})" for e, why in missing) + ".")
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
        path = folder / safe_name(name)
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
