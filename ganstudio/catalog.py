"""What the app offers: bundled models in ``checkpoints/`` and configured Hub repos, each with its task.

The catalog is one JSON file (``checkpoints/catalog.json``; ``GANSTUDIO_CATALOG`` overrides)::

    {"models": [{"id": "dcgan-mnist", "title": "DCGAN - MNIST digits", "family": "dcgan",
                 "task": "random", "folder": "dcgan-mnist", "makes": "handwritten digits, 28 px",
                 "featured": ["random"]},
                {"id": "my-hub-model", "title": "...", "family": "stylegan2", "task": "style",
                 "repo": "owner/name/subfolder@revision"}]}

``folder`` is relative to the catalog file (a bundled model not trained yet is skipped); ``repo`` is a
Hub id. Optional: ``makes``, what the model makes in plain words (the model pickers show it), and
``featured``, the tasks whose tab opens on this model (its most convincing one; otherwise the tab opens on
the first model it lists). Loaded models are kept in a small process-wide LRU cache: weights are read-only
and shared, settings are per call.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from .checkpoint import GanModel
from .hub import ModelSourceError, load_model
from .models.base import Task
from .options import TaskName

DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "checkpoints" / "catalog.json"


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    title: str
    family: str
    task: TaskName  # the tab that serves it (a models.base.Task value)
    source: str  # resolved: absolute folder path or Hub id
    description: str = ""
    makes: str = ""  # what it makes, in plain words ("emoji faces, 64 px")
    featured: tuple[TaskName, ...] = ()  # the tasks whose tab opens on this model

    def to_dict(self) -> dict:
        return asdict(self)


def catalog_path() -> Path:
    return Path(os.environ.get("GANSTUDIO_CATALOG", DEFAULT_CATALOG))


def load_catalog(path: str | Path | None = None) -> list[CatalogEntry]:
    """Read the catalog; relative local sources are resolved against the catalog's folder."""
    path = Path(path) if path else catalog_path()
    if not path.is_file():
        return []
    raw = json.loads(path.read_text(encoding="utf-8"))
    entries = []
    for e in raw.get("models", []):
        task = Task(e["task"]).value  # validates
        if "folder" in e:
            local = path.parent / e["folder"]
            if not (local / "config.json").is_file():
                continue
            source = str(local)
        elif "repo" in e:
            source = e["repo"]
        else:
            raise ValueError(f"{path}: catalog entry {e.get('id')!r} needs a 'folder' or a 'repo'")
        featured = tuple(Task(t).value for t in e.get("featured", ()))  # validates
        entries.append(CatalogEntry(e["id"], e.get("title", e["id"]), e["family"], task, source,
                                    e.get("description", ""), e.get("makes", ""), featured))
    return entries


def entries_for(task: Task | str, entries: list[CatalogEntry]) -> list[CatalogEntry]:
    t = Task(task).value
    return [e for e in entries if e.task == t]


class ModelCache:
    """A thread-safe LRU of loaded models keyed by (source, device)."""

    def __init__(self, max_models: int = 16):
        self.max_models = max_models
        self._models: OrderedDict[tuple[str, str], GanModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: str, device: torch.device | str | None = None) -> GanModel:
        key = (source, str(device))
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        model = load_model(source, device=device)  # outside the lock: downloads can be slow
        with self._lock:
            self._models[key] = model
            while len(self._models) > self.max_models:
                self._models.popitem(last=False)
        return model

    def __contains__(self, source: str) -> bool:
        return any(k[0] == source for k in self._models)

    def clear(self) -> None:
        with self._lock:
            self._models.clear()


__all__ = ["CatalogEntry", "ModelCache", "ModelSourceError", "entries_for", "load_catalog", "catalog_path"]
