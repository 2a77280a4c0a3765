"""Where models come from: a local folder, or a Hugging Face Hub repo, through ``huggingface_hub``.

A source string is either a path to a model folder, or ``owner/name[/sub/folder][@revision]``.
Hub downloads use the standard cache, honour ``HF_ENDPOINT`` / ``HF_HUB_OFFLINE`` and revision
pinning, fetch only ``config.json``, the ``*.safetensors`` files the config lists and the card,
and fall back to a cached copy when the Hub cannot be reached. Every failure becomes a
:class:`ModelSourceError` whose message says what went wrong and what to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from huggingface_hub import hf_hub_download, try_to_load_from_cache
from huggingface_hub import errors as hf_errors

from .checkpoint import CARD_NAME, CONFIG_NAME, CheckpointError, GanModel, component_files, load_folder, read_config
from .runtime import pick_device

_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ModelSourceError(RuntimeError):
    """A model could not be found, fetched or read; the message is meant for the user."""


@dataclass(frozen=True)
class HubSource:
    repo_id: str
    revision: str | None = None
    subfolder: str | None = None

    def __str__(self) -> str:
        s = self.repo_id + (f"/{self.subfolder}" if self.subfolder else "")
        return s + (f"@{self.revision}" if self.revision else "")


def parse_source(source: str) -> Path | HubSource:
    """A local folder path, or the Hub repo / subfolder / revision that ``source`` names."""
    s = source.strip()
    if not s:
        raise ModelSourceError("no model given: enter a local folder or a Hub repo id such as owner/name")
    p = Path(s).expanduser()
    if p.exists() or s.startswith(("/", "./", "../", "~", ".\\")) or "\\" in s:
        if not p.is_dir():
            raise ModelSourceError(f"local folder {s!r} does not exist")
        return p
    name, _, revision = s.partition("@") if "@" in s else (s, "", "")
    parts = name.strip("/").split("/")
    repo_id = "/".join(parts[:2])
    if len(parts) < 2 or not _REPO_RE.match(repo_id) or (revision == "" and "@" in s):
        raise ModelSourceError(
            f"{s!r} is neither an existing folder nor a Hub repo id (owner/name[/subfolder][@revision])"
        )
    return HubSource(repo_id, revision or None, "/".join(parts[2:]) or None)


def _download(src: HubSource, filename: str, *, local_files_only: bool | None, cache_dir: str | None,
              optional: bool = False) -> Path | None:
    try:
        return Path(hf_hub_download(
            src.repo_id, filename, subfolder=src.subfolder, revision=src.revision,
            cache_dir=cache_dir, local_files_only=bool(local_files_only),
        ))
    except hf_errors.GatedRepoError as e:
        raise ModelSourceError(f"{src.repo_id} is gated: accept its terms on the Hub and log in (hf auth login)") from e
    except hf_errors.RepositoryNotFoundError as e:
        raise ModelSourceError(
            f"Hub repo {src.repo_id!r} was not found (check the id; a private repo needs a token: hf auth login)"
        ) from e
    except hf_errors.RevisionNotFoundError as e:
        raise ModelSourceError(f"{src.repo_id} has no revision {src.revision!r}") from e
    except hf_errors.EntryNotFoundError as e:
        if optional:
            return None
        where = f"{src.repo_id}" + (f"/{src.subfolder}" if src.subfolder else "")
        if filename == CONFIG_NAME:
            raise ModelSourceError(f"{where} has no {CONFIG_NAME}: it is not a GAN Studio model") from e
        raise ModelSourceError(f"{where} lacks {filename}, which its {CONFIG_NAME} lists") from e
    except hf_errors.OfflineModeIsEnabled as e:
        raise ModelSourceError(f"offline mode (HF_HUB_OFFLINE) is on and {src} is not in the local cache") from e
    except hf_errors.LocalEntryNotFoundError as e:
        if optional:
            return None
        if local_files_only:
            raise ModelSourceError(f"{src} is not in the local cache and downloads are off") from e
        raise ModelSourceError(
            f"cannot reach the Hub to fetch {src}, and no cached copy exists (check the network or HF_ENDPOINT)"
        ) from e
    except hf_errors.HfHubHTTPError as e:
        raise ModelSourceError(f"the Hub refused {src}/{filename}: {e}") from e
    except OSError as e:  # size / checksum mismatch of an interrupted or truncated download, disk full ...
        raise ModelSourceError(f"download of {src}/{filename} failed: {e}") from e


def resolve_source(source: str, *, local_files_only: bool | None = None, cache_dir: str | None = None) -> Path:
    """The local folder holding the model ``source`` names, downloading (or reusing the cache) as needed."""
    where = parse_source(source)
    if isinstance(where, Path):
        return where
    config_path = _download(where, CONFIG_NAME, local_files_only=local_files_only, cache_dir=cache_dir)
    assert config_path is not None
    try:
        cfg = read_config(config_path.parent)
    except CheckpointError as e:
        raise ModelSourceError(str(e)) from e
    for name in component_files(cfg):
        _download(where, name, local_files_only=local_files_only, cache_dir=cache_dir,
                  optional=name != "model.safetensors")
    _download(where, CARD_NAME, local_files_only=local_files_only, cache_dir=cache_dir, optional=True)
    return config_path.parent


def is_cached(source: str, cache_dir: str | None = None) -> bool:
    """Whether ``source`` (a Hub id) has its config and generator weights in the local cache; folders: True."""
    where = parse_source(source)
    if isinstance(where, Path):
        return True
    prefix = f"{where.subfolder}/" if where.subfolder else ""
    return all(
        isinstance(try_to_load_from_cache(where.repo_id, prefix + f, cache_dir=cache_dir, revision=where.revision), str)
        for f in (CONFIG_NAME, "model.safetensors")
    )


def load_model(source: str, *, device: torch.device | str | None = None, components: tuple[str, ...] | None = None,
               local_files_only: bool | None = None, cache_dir: str | None = None) -> GanModel:
    """Load a model from a folder or the Hub onto ``device`` (default: CUDA, then MPS, then CPU)."""
    folder = resolve_source(source, local_files_only=local_files_only, cache_dir=cache_dir)
    try:
        model = load_folder(folder, components=components, device=device or pick_device(), source=source)
    except CheckpointError as e:
        raise ModelSourceError(f"{source}: {e}") from e
    return model


def read_card(folder: Path) -> str:
    path = folder / CARD_NAME
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def read_config_json(folder: Path) -> dict:
    return json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8"))
