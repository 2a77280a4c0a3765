"""Where models come from: a local folder, or a Hugging Face Hub repo, through ``huggingface_hub``.

A source string is either a path to a model folder, or ``owner/name[/sub/folder][@revision]``; on the Hub the
last part may also name one weights file (``owner/name/G_AB_199.pth``). A repo (or folder) without a GAN
Studio ``config.json`` is imported from its published layout (``hub_import.py``): its generator weights are
picked, downloaded alone, converted without executing anything, and the converted folder is cached.
Hub downloads use the standard cache, honour ``HF_ENDPOINT`` / ``HF_HUB_OFFLINE`` / ``HF_HUB_CACHE``
(read when called, so setting them after ``huggingface_hub`` was imported works too) and revision
pinning, fetch only ``config.json``, the ``*.safetensors`` files the config lists and the card,
and fall back to a cached copy when the Hub cannot be reached. Every file of one load comes from the
commit the config came from, and each downloaded file is checked against the checksum the Hub gave
for it. Every failure becomes a :class:`ModelSourceError` whose message says what went wrong and
what to do. "Offline" has one meaning here (:func:`offline_mode`), shared by loads and by the status line the
app shows (:func:`hub_status`).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlparse

import torch
from huggingface_hub import constants as hf_constants
from huggingface_hub import errors as hf_errors
from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url, try_to_load_from_cache
from huggingface_hub.utils import tqdm as hf_tqdm

from . import hub_import, options, registry
from .checkpoint import (CARD_NAME, CONFIG_NAME, FORMAT, CheckpointError, GanModel, component_files, load_folder,
                         read_config)
from .errors import GanStudioError
from .runtime import pick_device

try:  # the HTTP client huggingface_hub uses; transport errors can escape hf_hub_download mid-download
    import httpx2 as _httpx
except ImportError:  # pragma: no cover - other huggingface_hub versions
    try:
        import httpx as _httpx
    except ImportError:
        _httpx = None

_NAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_REPO_RE = re.compile(rf"^{_NAME}/{_NAME}$")
_SUBFOLDER_PART_RE = re.compile(r"^[^\\:*?\"<>|]+$")
_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (_httpx.HTTPError,) if _httpx is not None else ()
_UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    (_httpx.ConnectError, _httpx.TimeoutException) if _httpx is not None else ()
) + (ConnectionError, TimeoutError)


class ModelSourceError(GanStudioError, RuntimeError):
    """A model could not be found, fetched or read; the message is meant for the user."""


@dataclass(frozen=True)
class HubSource:
    repo_id: str
    revision: str | None = None
    subfolder: str | None = None

    def __str__(self) -> str:
        s = self.repo_id + (f"/{self.subfolder}" if self.subfolder else "")
        return s + (f"@{self.revision}" if self.revision else "")


def looks_like_path(source: str) -> bool:
    """Whether ``source`` is written as a path (absolute, relative to ".", "..", "~", or with backslashes)."""
    s = str(source).strip()
    return s.startswith(("/", "./", "../", "~", ".\\")) or "\\" in s or s in (".", "..")


def parse_source(source: str) -> Path | HubSource:
    """A local folder path, or the Hub repo / subfolder / revision that ``source`` names."""
    s = str(source).strip()
    if not s:
        raise ModelSourceError("no model given: enter a local folder or a Hub repo id such as owner/name")
    if len(s) > 1024 or "\x00" in s:
        raise ModelSourceError("that model source is too long or holds a NUL character: give a folder or owner/name")
    p = Path(s).expanduser()
    try:
        exists = p.exists()
    except OSError:  # a name longer than the file system allows (e.g. a 300-character "repo id")
        exists = False
    if exists or looks_like_path(s):
        if not exists:
            raise ModelSourceError(f"local folder {s!r} does not exist")
        if not p.is_dir():
            raise ModelSourceError(f"{s!r} is a file, not a model folder (give the folder holding {CONFIG_NAME})")
        return p
    name, at, revision = s.partition("@")
    parts = name.strip("/").split("/")
    repo_id = "/".join(parts[:2])
    sub = parts[2:]
    bad = (
        len(parts) < 2
        or not _REPO_RE.match(repo_id)
        or "--" in repo_id
        or ".." in repo_id
        or repo_id.endswith(".git")
        or (at and not revision.strip())
        or any(part in ("", ".", "..") or not _SUBFOLDER_PART_RE.match(part) for part in sub)
    )
    if bad:
        raise ModelSourceError(
            f"{s!r} is neither an existing folder nor a Hub repo id (owner/name[/subfolder][@revision])"
        )
    return HubSource(repo_id, revision.strip() or None, "/".join(sub) or None)


# ---------------------------------------------------------------------------------------------
# settings read at call time


def offline_mode() -> bool:
    """Whether the Hub is off by choice: HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE), as huggingface_hub read it at
    import or as the environment says now. Loads then use the local cache only; :func:`hub_status` says so too."""
    env = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return bool(hf_constants.is_offline_mode() or env.strip().upper() in hf_constants.ENV_VARS_TRUE_VALUES)


def _endpoint() -> str | None:
    env = os.environ.get("HF_ENDPOINT", "").strip().rstrip("/")
    return env or None


_HUB_PROBE: dict[str, tuple[float, str]] = {}  # endpoint -> (time, answer): a probe result, shared by everyone
HUB_PROBE_TTL_S = 60.0


def hub_status() -> str:
    """Whether the Hub can be used right now, in words: offline by choice (:func:`offline_mode`), else whether its
    endpoint accepts a TCP connection (a quick probe, remembered for a minute)."""
    if offline_mode():
        return "offline (HF_HUB_OFFLINE is on): only models in the local cache can be loaded"
    endpoint = _endpoint() or hf_constants.ENDPOINT
    known = _HUB_PROBE.get(endpoint)
    if known and time.monotonic() - known[0] < HUB_PROBE_TTL_S:
        return known[1]
    url = urlparse(endpoint)
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=1.5):
            answer = f"online ({host} reachable)"
    except OSError:
        answer = f"unreachable ({host} cannot be reached): only models in the local cache can be loaded"
    _HUB_PROBE[endpoint] = (time.monotonic(), answer)
    return answer


def _cache_dir(cache_dir: str | os.PathLike | None) -> str | None:
    if cache_dir is not None:
        return str(cache_dir)
    env = os.environ.get("HF_HUB_CACHE", "").strip()
    return os.path.expanduser(os.path.expandvars(env)) if env else None


@dataclass
class _Fetch:
    """How one ``resolve_source`` call downloads."""

    src: HubSource
    local_files_only: bool
    offline: bool  # local_files_only because HF_HUB_OFFLINE is on
    cache_dir: str | None
    endpoint: str | None
    reachable: bool | None = None  # known once a file came over the network, or after one probe
    deadline: float = float("inf")  # time.monotonic() by which every download of this resolve must be done
    should_stop: Callable[[], bool] | None = None  # True once nobody waits for the result (the client left)

    def check(self, filename: str) -> None:
        """Stop a download that ran past the deadline, or that nobody waits for any more."""
        if time.monotonic() > self.deadline:
            raise _Stopped(f"downloading {self.src} took longer than {options.HUB_DEADLINE_S:g} s, the limit: the Hub "
                           f"is slow or stalled ({filename}); try again later")
        if self.should_stop is not None and self.should_stop():
            raise _Stopped(f"the download of {self.src} was stopped: nobody is waiting for it any more")

    @property
    def where(self) -> str:
        return self.src.repo_id + (f"/{self.src.subfolder}" if self.src.subfolder else "")

    @property
    def endpoint_text(self) -> str:
        return self.endpoint or hf_constants.ENDPOINT


def _make_fetch(src: HubSource, local_files_only: bool | None, cache_dir) -> _Fetch:
    offline = offline_mode()
    return _Fetch(src, bool(local_files_only) or offline, offline and not local_files_only, _cache_dir(cache_dir),
                  _endpoint(), deadline=time.monotonic() + options.HUB_DEADLINE_S, should_stop=_SHOULD_STOP.get())


# huggingface_hub reports progress once per chunk read (10 MB by default); smaller chunks let a download's
# deadline and stop signal be checked every 16 KB, so a Hub trickling 1 KB/s is given up on within seconds.
hf_constants.DOWNLOAD_CHUNK_SIZE = min(hf_constants.DOWNLOAD_CHUNK_SIZE, 16 * 1024)


class _Stopped(GanStudioError):
    """A download stopped on purpose (deadline, or nobody waiting); its message is for the user."""


_SHOULD_STOP: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("should_stop", default=None)


@contextlib.contextmanager
def stop_when(should_stop: Callable[[], bool]) -> Iterator[None]:
    """Downloads started inside stop as soon as ``should_stop()`` is true (e.g. the client who asked went away)."""
    token = _SHOULD_STOP.set(should_stop)
    try:
        yield
    finally:
        _SHOULD_STOP.reset(token)


def _guarded_progress(f: _Fetch, filename: str) -> type:
    """A progress-bar class for ``hf_hub_download`` that checks ``f``'s deadline and stop signal on every chunk."""

    class Guarded(hf_tqdm):
        def update(self, n: float | None = 1) -> bool | None:
            f.check(filename)
            return super().update(n)

    return Guarded


def _check_size(f: _Fetch, filename: str, revision: str | None) -> None:
    """Refuse a file larger than ``options.MAX_WEIGHTS_MB`` before downloading it (the Hub says its size)."""
    rel = f"{f.src.subfolder}/{filename}" if f.src.subfolder else filename
    try:
        meta = get_hf_file_metadata(hf_hub_url(f.src.repo_id, rel, revision=revision, endpoint=f.endpoint),
                                    timeout=10, endpoint=f.endpoint)
    except Exception:  # noqa: BLE001 - hf_hub_download reports the error properly
        return
    if meta.size is not None and meta.size > options.MAX_WEIGHTS_MB * 2**20:
        raise ModelSourceError(f"{filename} of {f.src} is {meta.size / 2**20:,.0f} MB; the limit is "
                               f"{options.MAX_WEIGHTS_MB} MB per file, so it was not downloaded")


# ---------------------------------------------------------------------------------------------
# one file


def _download(f: _Fetch, filename: str, *, revision: str | None, optional: bool = False,
              absent_ok: bool = False) -> Path | None:
    """The cached path of ``filename`` (relative to the subfolder) at ``revision``; None if optional and absent
    (or not obtainable now), or if ``absent_ok`` and the Hub says the repo has no such file."""
    src = f.src
    was_cached = _cached(f, filename, revision) is True
    # Not cached and no way to fetch it: say so now (huggingface_hub would retry for ~23 s first).
    if not was_cached and (f.local_files_only or not _hub_reachable(f)):
        if optional:
            return None
        raise _not_cached(f, None)
    try:
        if not was_cached:
            f.check(filename)
            if filename.endswith(".safetensors"):  # weights: the large files
                _check_size(f, filename, revision)
        path = Path(hf_hub_download(
            src.repo_id, filename, subfolder=src.subfolder, revision=revision,
            cache_dir=f.cache_dir, local_files_only=f.local_files_only, endpoint=f.endpoint,
            tqdm_class=_guarded_progress(f, filename),
        ))
    except _Stopped as e:
        raise ModelSourceError(str(e)) from None
    except hf_errors.GatedRepoError as e:
        raise ModelSourceError(
            f"{src.repo_id} is gated: accept its terms on the Hub and log in (hf auth login, or set HF_TOKEN)"
        ) from e
    except hf_errors.RepositoryNotFoundError as e:
        raise ModelSourceError(
            f"Hub repo {src.repo_id!r} was not found (check the id; a private repo needs a token: hf auth login)"
        ) from e
    except hf_errors.RevisionNotFoundError as e:
        raise ModelSourceError(
            f"{src.repo_id} has no revision {src.revision!r} (give a branch, tag or full commit sha)"
        ) from e
    except hf_errors.RemoteEntryNotFoundError as e:
        if optional or absent_ok:
            return None
        if filename == CONFIG_NAME:
            raise ModelSourceError(f"{f.where} has no {CONFIG_NAME}: it is not a GAN Studio model") from e
        raise ModelSourceError(f"{f.where} lacks {filename}, which its {CONFIG_NAME} lists") from e
    except hf_errors.LocalEntryNotFoundError as e:  # (a subclass of EntryNotFoundError: must come first)
        if optional:
            return None
        raise _not_cached(f, e) from e
    except hf_errors.OfflineModeIsEnabled as e:
        if optional:
            return None
        raise _not_cached(f, e) from e
    except hf_errors.HfHubHTTPError as e:
        raise ModelSourceError(f"the Hub refused {src} ({filename}): {_first_line(e)}") from e
    except _TRANSPORT_ERRORS as e:  # the connection broke mid-download and resuming failed
        raise ModelSourceError(
            f"download of {src} ({filename}) was interrupted: {e}; check the network and try again"
        ) from e
    except OSError as e:  # size mismatch of a truncated download, disk full ...
        if "consistency check" in str(e).lower():
            raise ModelSourceError(
                f"download of {src} ({filename}) was truncated (fewer bytes arrived than the Hub announced); "
                "try again"
            ) from e
        raise ModelSourceError(f"download of {src} ({filename}) failed: {e}") from e
    except ValueError as e:  # invalid repo id / filename / revision rejected by huggingface_hub
        raise ModelSourceError(f"cannot fetch {src} ({filename}): {e}") from e
    if not was_cached and not f.local_files_only:
        f.reachable = True  # it came over the network
    _verify_checksum(f, filename, path)
    return path


def _not_cached(f: _Fetch, e: BaseException | None) -> ModelSourceError:
    src = f.src
    if f.offline or (isinstance(e, hf_errors.OfflineModeIsEnabled) and not f.local_files_only):
        return ModelSourceError(
            f"offline mode (HF_HUB_OFFLINE) is on and {src} is not in the local cache: "
            "load it once online, or give a local folder"
        )
    if f.local_files_only:
        return ModelSourceError(f"{src} is not in the local cache and downloads are off (local_files_only)")
    cause = e.__cause__ if e is not None else None
    if isinstance(cause, hf_errors.FileMetadataError):
        return ModelSourceError(
            f"the server at {f.endpoint_text} does not answer like the Hugging Face Hub ({cause}); "
            "check HF_ENDPOINT"
        )
    if isinstance(cause, hf_errors.HfHubHTTPError) and cause.response is not None:
        return ModelSourceError(
            f"the Hub at {f.endpoint_text} answered HTTP {cause.response.status_code} for {src}, "
            "and no cached copy exists; try again later"
        )
    return ModelSourceError(
        f"cannot reach the Hub at {f.endpoint_text} to fetch {src}, and no cached copy exists "
        "(check the network or HF_ENDPOINT)"
    )


def _first_line(e: BaseException) -> str:
    return next((line for line in str(e).splitlines() if line.strip()), type(e).__name__)


# blob path -> (size, mtime_ns) of blobs whose content matched their name in this process
_VERIFIED: dict[str, tuple[int, int]] = {}


def _verify_checksum(f: _Fetch, filename: str, path: Path) -> None:
    """Check an LFS file (weights) against the name of its cached blob: the Hub's ETag, i.e. its sha256.

    huggingface_hub checks only the size; a download garbled on the way (full length, wrong bytes) would
    otherwise load as silently wrong weights. A bad blob is removed so that the next attempt downloads it again.
    Files whose blob is not named by a sha256 (small git files, caches without symlinks) are not checked.
    Each blob is hashed once per process.
    """
    blob = Path(os.path.realpath(path))
    name = blob.name
    if not re.fullmatch(r"[0-9a-f]{64}", name):
        return
    h = hashlib.sha256()
    try:
        st = blob.stat()
        if _VERIFIED.get(str(blob)) == (st.st_size, st.st_mtime_ns):
            return
        with open(blob, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
    except OSError as e:
        raise ModelSourceError(f"cannot read the cached {filename} of {f.src}: {e}") from e
    if h.hexdigest() == name:
        _VERIFIED[str(blob)] = (st.st_size, st.st_mtime_ns)
        return
    for p in (Path(path), blob):
        try:
            p.unlink()
        except OSError:
            pass
    raise ModelSourceError(
        f"{filename} of {f.src} is corrupt: its checksum does not match the Hub's ({name[:12]}...), so the "
        "download was damaged; the bad copy was removed, try again"
    )


def _hub_reachable(f: _Fetch) -> bool:
    """One quick HEAD (no retries) per resolve, made only when a file is not cached: False when the Hub cannot be
    reached at all (refused, unresolvable, timed out), True when it answers anything."""
    if f.local_files_only:
        return False
    if f.reachable is None:
        filename = f"{f.src.subfolder}/{CONFIG_NAME}" if f.src.subfolder else CONFIG_NAME
        url = hf_hub_url(f.src.repo_id, filename, revision=f.src.revision, endpoint=f.endpoint)
        try:
            get_hf_file_metadata(url, timeout=10, endpoint=f.endpoint)
            f.reachable = True
        except _UNREACHABLE_ERRORS:
            f.reachable = False
        except Exception:  # it answered, even if with an error
            f.reachable = True
    return f.reachable


def _commit_of(path: Path) -> str | None:
    """The commit sha of a file inside the cache's ``snapshots/<sha>/`` folder."""
    parts = path.parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "snapshots" and re.fullmatch(r"[0-9a-f]{40}", parts[i + 1]):
            return parts[i + 1]
    return None


def _family_optional(cfg: dict) -> tuple[str, ...]:
    return registry.get_family(cfg["family"]).optional


# ---------------------------------------------------------------------------------------------
# public API


def resolve_source(source: str, *, local_files_only: bool | None = None, cache_dir: str | None = None,
                   components: tuple[str, ...] | None = None, preset: str | None = None,
                   overrides: dict | None = None) -> Path:
    """The local folder holding the model ``source`` names, downloading (or reusing the cache) as needed.

    ``local_files_only``: None follows ``HF_HUB_OFFLINE``; True never touches the network.
    ``components``: the components to fetch (default: all the config lists; the generator always).
    ``preset`` / ``overrides``: for a repo in another codebase's layout, the converter's preset and the config
    values the weights do not hold (as ``ganstudio convert --preset / --set``).
    """
    where = parse_source(source)
    if isinstance(where, Path):
        return where
    f = _make_fetch(where, local_files_only, cache_dir)
    if where.subfolder and hub_import.is_weight_file(where.subfolder):  # one named weights file
        return _import_repo(f, None, preset=preset, overrides=overrides)
    try:
        config_path = _download(f, CONFIG_NAME, revision=where.revision, absent_ok=True)
    except ModelSourceError:
        # offline, or the Hub cannot answer now: a repo imported from another layout has its converted copy
        folder = hub_import.recall(hub_import.converted_root(f.cache_dir), where.repo_id, where.revision,
                                   where.subfolder, hub_import.variant_tag(preset, overrides))
        if folder is not None:
            return folder
        raise
    if config_path is None or not _is_ganstudio_config(config_path):
        return _import_repo(f, config_path, preset=preset, overrides=overrides)
    if preset or overrides:
        raise ModelSourceError(f"{where} is a GAN Studio model: it needs no preset or config values")
    try:
        cfg = read_config(config_path.parent)
    except CheckpointError as e:
        raise ModelSourceError(f"{where}: {e}") from e
    try:
        optional = _family_optional(cfg)
    except registry.UnknownFamilyError as e:
        raise ModelSourceError(f"{where}: {e}") from e
    # Pin every other file to the commit the config came from: a branch moving in between cannot mix
    # versions, and files already cached at that commit need no request at all.
    commit = _commit_of(config_path) or where.revision
    for name, filename in zip(cfg["components"], component_files(cfg)):
        if components is not None and name != "generator" and name not in components:
            continue
        is_optional = name in optional and name != "generator"
        if is_optional and _cached(f, filename, commit) is False:
            continue  # known to be absent at this commit
        _download(f, filename, revision=commit, optional=is_optional)
    if _cached(f, CARD_NAME, commit) is not False:
        _download(f, CARD_NAME, revision=commit, optional=True)
    return config_path.parent


def _is_ganstudio_config(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # let read_config say what is wrong with it
    return not isinstance(data, dict) or data.get("format") == FORMAT or "family" in data


def _import_repo(f: _Fetch, config_path: Path | None, *, preset: str | None, overrides: dict | None) -> Path:
    """A repo in another codebase's layout: its converted folder (see ``hub_import.py``)."""
    from .convert import ConvertError, convert

    src = f.src
    root = hub_import.converted_root(f.cache_dir)
    variant = hub_import.variant_tag(preset, overrides)
    if f.local_files_only or not _hub_reachable(f):
        folder = hub_import.recall(root, src.repo_id, src.revision, src.subfolder, variant)
        if folder is not None:
            return folder
        raise _not_cached(f, None)
    try:
        commit, files = hub_import.list_files(src.repo_id, src.revision, endpoint=f.endpoint)
    except Exception as e:  # noqa: BLE001 - worded by _hub_error, re-raised when it is not a Hub error
        error = _hub_error(f, e, "the file list")
        if _answers_later(e):  # an outage or a dropped connection: the converted copy, if there is one
            folder = hub_import.recall(root, src.repo_id, src.revision, src.subfolder, variant)
            if folder is not None:
                return folder
        raise error from e
    scope, _ = hub_import.in_folder(files, src.subfolder)
    if not scope:
        raise ModelSourceError(f"{f.where} has no {CONFIG_NAME}: {src.subfolder} is neither a folder nor a file of "
                               f"{src.repo_id} at {src.revision or 'main'}")
    try:
        choice = hub_import.choose_weights(scope, str(src))
    except hub_import.ImportNotPossible as e:
        if config_path is not None and not any(hub_import.is_weight_file(x.path) for x in scope):
            raise ModelSourceError(f"{src}: its {CONFIG_NAME} is not a GAN Studio config, and it holds no weight files "
                                   f"({', '.join(hub_import.WEIGHT_SUFFIXES)})") from None
        raise ModelSourceError(str(e)) from None
    folder = hub_import.converted_folder(root, src.repo_id, commit, choice, variant)
    if not (folder / CONFIG_NAME).is_file():
        raw = _Fetch(HubSource(src.repo_id, commit), False, False, f.cache_dir, f.endpoint, True)
        gen_path = _download(raw, choice.generator.path, revision=commit)
        ba_path = _download(raw, choice.generator_ba.path, revision=commit) if choice.generator_ba else None
        beside = choice.generator.path.rpartition("/")[0]
        hub_cfg = None
        cfg_name = f"{beside}/{CONFIG_NAME}" if beside else CONFIG_NAME
        if any(x.path == cfg_name for x in files):
            hub_cfg = hub_import.hub_config_of(_download(raw, cfg_name, revision=commit, optional=True))
        elif config_path is not None:
            hub_cfg = hub_import.hub_config_of(config_path)
        licence = ""
        if any(x.path == CARD_NAME for x in files):
            card = _download(raw, CARD_NAME, revision=commit, optional=True)
            licence = hub_import.read_licence(card.read_text(encoding="utf-8", errors="replace")) if card else ""
        try:
            conv = convert(gen_path, preset=preset, overrides=overrides, generator_ba=ba_path,
                           hub_config=hub_cfg or {}, name=f"{src.repo_id}" + (f"/{src.subfolder}" if src.subfolder else ""))
        except ConvertError as e:
            raise ModelSourceError(f"{src} ({choice.generator.path}) cannot be converted: {e}") from None
        conv.source.filename = choice.generator.path
        hub_import.write_converted(conv, folder, repo_id=src.repo_id, commit=commit, choice=choice, licence=licence,
                                   hub_config=hub_cfg)
    hub_import.remember(root, src.repo_id, src.revision, src.subfolder, variant, folder)
    return folder


def _answers_later(e: BaseException) -> bool:
    """A failure that says nothing about the repo (server error, no connection): a cached copy may stand in."""
    if isinstance(e, (*_TRANSPORT_ERRORS, *_UNREACHABLE_ERRORS)):
        return True
    response = getattr(e, "response", None)
    return isinstance(e, hf_errors.HfHubHTTPError) and response is not None and response.status_code >= 500


def _hub_error(f: _Fetch, e: BaseException, what: str) -> BaseException:
    """A ModelSourceError for a failed Hub API call (as ``_download`` words them); other errors unchanged."""
    src = f.src
    if isinstance(e, hf_errors.GatedRepoError):
        return ModelSourceError(f"{src.repo_id} is gated: accept its terms on the Hub and log in (hf auth login, "
                                "or set HF_TOKEN)")
    if isinstance(e, hf_errors.RepositoryNotFoundError):
        return ModelSourceError(f"Hub repo {src.repo_id!r} was not found (check the id; a private repo needs a token: "
                                "hf auth login)")
    if isinstance(e, hf_errors.RevisionNotFoundError):
        return ModelSourceError(f"{src.repo_id} has no revision {src.revision!r} (give a branch, tag or full commit sha)")
    if _answers_later(e) and isinstance(e, hf_errors.HfHubHTTPError):
        return ModelSourceError(f"the Hub at {f.endpoint_text} answered HTTP {e.response.status_code} for {src}, "
                                "and no cached copy exists; try again later")
    if isinstance(e, hf_errors.HfHubHTTPError):
        return ModelSourceError(f"the Hub refused {src} ({what}): {_first_line(e)}")
    if isinstance(e, (*_TRANSPORT_ERRORS, *_UNREACHABLE_ERRORS)):
        return ModelSourceError(f"cannot reach the Hub at {f.endpoint_text} to list {src} ({_first_line(e)})")
    return e


def _cached(f: _Fetch, filename: str, commit: str | None) -> bool | None:
    """True: cached at ``commit``; False: cached as absent; None: unknown."""
    rel = f"{f.src.subfolder}/{filename}" if f.src.subfolder else filename
    hit = try_to_load_from_cache(f.src.repo_id, rel, cache_dir=f.cache_dir, revision=commit)
    if isinstance(hit, str):
        return True
    return None if hit is None else False


def is_cached(source: str, cache_dir: str | None = None) -> bool:
    """Whether ``source`` (a Hub id) has its config and the weights it needs in the local cache; folders: True."""
    where = parse_source(source)
    if isinstance(where, Path):
        return True
    f = _make_fetch(where, True, cache_dir)
    if hub_import.recall(hub_import.converted_root(f.cache_dir), where.repo_id, where.revision, where.subfolder,
                         "") is not None:
        return True
    prefix = f"{where.subfolder}/" if where.subfolder else ""
    config_path = try_to_load_from_cache(where.repo_id, prefix + CONFIG_NAME, cache_dir=f.cache_dir,
                                         revision=where.revision)
    if not isinstance(config_path, str):
        return False
    try:
        cfg = read_config(Path(config_path).parent)
        optional = _family_optional(cfg)
    except (CheckpointError, registry.UnknownFamilyError):
        return False
    commit = _commit_of(Path(config_path)) or where.revision
    return all(
        _cached(f, filename, commit) is True
        for name, filename in zip(cfg["components"], component_files(cfg))
        if name == "generator" or name not in optional
    )


def load_model(source: str, *, device: torch.device | str | None = None, components: tuple[str, ...] | None = None,
               local_files_only: bool | None = None, cache_dir: str | None = None, preset: str | None = None,
               overrides: dict | None = None) -> GanModel:
    """Load a model from a folder or the Hub onto ``device`` (default: CUDA, then MPS, then CPU).

    A Hub repo in another codebase's published layout (huggan, PyTorch-GAN, junyanz, NVIDIA .pkl, ...) is
    converted on first load and cached; ``preset`` / ``overrides`` settle what its weights cannot tell.
    """
    folder = resolve_source(source, local_files_only=local_files_only, cache_dir=cache_dir, components=components,
                            preset=preset, overrides=overrides)
    try:
        model = load_folder(folder, components=components, device=device or pick_device(), source=source)
    except CheckpointError as e:
        raise ModelSourceError(f"{source}: {e}") from e
    return model


MAX_CARD_BYTES = 256 * 1024


def read_card(folder: Path) -> str:
    """The model card (README.md) of ``folder``, or "" when there is none or it links outside the model: a local
    folder's card must resolve inside the folder, a Hub snapshot's inside the repo's cache folder (its blobs)."""
    path = Path(folder) / CARD_NAME
    if not path.is_file():
        return ""
    parts = Path(folder).parts
    root = Path(*parts[:parts.index("snapshots")]) if "snapshots" in parts[:-1] else Path(folder)
    real, base = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    if base not in real.parents:
        return ""
    with open(real, "rb") as f:
        return f.read(MAX_CARD_BYTES).decode("utf-8", errors="replace")


def push_folder(folder: str | Path, repo_id: str, *, private: bool = False, token: str | None = None,
                commit_message: str = "Add GAN Studio model", api_factory=None) -> str:
    """Create (if needed) the Hub model repo ``repo_id`` and upload ``folder``; returns the repo URL.

    Raises :class:`ModelSourceError` with a readable reason (refused, unreachable); nothing local changes.
    """
    from huggingface_hub import HfApi

    api = (api_factory or HfApi)(token=token)
    try:
        url = api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="model", commit_message=commit_message)
    except hf_errors.HfHubHTTPError as e:
        raise ModelSourceError(f"the Hub refused the upload to {repo_id}: {_first_line(e)} "
                               "(log in with `hf auth login`)") from None
    except _UNREACHABLE_ERRORS as e:
        raise ModelSourceError(f"the Hub at {_endpoint() or hf_constants.ENDPOINT} cannot be reached, so nothing "
                               f"was uploaded to {repo_id} ({_first_line(e)})") from None
    except (*_TRANSPORT_ERRORS, OSError, ValueError) as e:
        raise ModelSourceError(f"upload to {repo_id} failed: {_first_line(e)}") from None
    return str(url)

