"""Where an output came from: the folder and revision of the weights that made it, stamped into every PNG."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from .. import hub
from ..catalog import CatalogEntry
from ..checkpoint import CONFIG_NAME, GanModel


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


def stamp(params: dict[str, Any], model: GanModel, entry: CatalogEntry, **extra: Any) -> dict[str, Any]:
    """Inference parameters plus what is needed to find the model again (id and revision)."""
    return {**params, "model_id": entry.id, "revision": revision_of(model), **extra}


def file_stem(entry: CatalogEntry, *parts: Any) -> str:
    """A file name stem: the model id's last part, then ``parts`` joined by dashes."""
    return "-".join([entry.id.rsplit("/", 1)[-1], *map(str, parts)])
