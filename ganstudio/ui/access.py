"""Who may do what: whether the app can be reached by others, which server folders models may be loaded from,
and which client a session belongs to.

* **Exposure.** The app is *public* on Hugging Face Spaces (``SPACE_ID``), behind a share link (``GRADIO_SHARE``,
  set by ``app.py --share``), when bound to anything but loopback (``GRADIO_SERVER_NAME``), or when a request
  arrives from another machine.
* **Server folders.** Loading a model from a server path is off when the app is public, unless the operator names
  allowed roots (``GANSTUDIO_MODEL_ROOTS``, folders separated by ``os.pathsep``, or ``app.py --model-roots``).
  Inside the roots, a path is resolved first (``..`` and symlinks), so nothing outside them is read; ``/proc``,
  ``/sys`` and ``/dev`` are never read. ``GANSTUDIO_ALLOW_LOCAL_MODELS=0`` turns server folders off everywhere.
* **Sessions.** Gradio keys per-user state by a session hash the client chooses. A session remembers the client
  that started it (address and user agent); another client presenting the same hash is refused, so a hash that
  leaks grants nothing. Nothing a user sees or downloads carries the hash: per-session ids and file names are
  random tokens (:func:`new_token`).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

from .. import hub
from ..errors import InputError

NEVER_READ = (Path("/proc"), Path("/sys"), Path("/dev"))
ROOTS_ENV = "GANSTUDIO_MODEL_ROOTS"


def new_token() -> str:
    """A random, unguessable name part (128 bits) for per-session ids and files."""
    return secrets.token_hex(16)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _is_loopback(host: str | None) -> bool:
    host = (host or "").strip().strip("[]")
    if host in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def deployment_public() -> bool:
    """Whether this server can be reached by others: Spaces, a share link, or a non-loopback bind."""
    if os.environ.get("SPACE_ID") or _truthy(os.environ.get("GRADIO_SHARE")):
        return True
    return not _is_loopback(os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))


def request_public(request: Any) -> bool:
    """Whether ``request`` (a ``gr.Request``) came from another machine, or through a proxy (share link)."""
    client = getattr(request, "client", None)
    headers = getattr(request, "headers", None) or {}
    forwarded = headers.get("x-forwarded-for") if hasattr(headers, "get") else None
    return not _is_loopback(getattr(client, "host", None)) or bool(forwarded)


def model_roots() -> list[Path]:
    """The folders the operator allowed models to be loaded from (resolved), or [] when none are named."""
    raw = os.environ.get(ROOTS_ENV, "")
    return [Path(p).expanduser().resolve() for p in raw.split(os.pathsep) if p.strip()]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_local_folder(folder: Path, request: Any = None) -> Path:
    """The resolved ``folder`` when models may be loaded from it here; otherwise an :class:`InputError` saying why.

    Every file a load reads (config, weights, card) must resolve inside the allowed root too.
    """
    if os.environ.get("GANSTUDIO_ALLOW_LOCAL_MODELS", "").strip().lower() in ("0", "false", "no", "off"):
        raise hub.ModelSourceError("loading server folders is turned off on this server; give a Hub repo id")
    roots = model_roots()
    if not roots and (deployment_public() or request_public(request)):
        raise hub.ModelSourceError("loading server folders is off because this app can be reached by others (a "
                                   f"share link, Spaces or a public address); give a Hub repo id (the operator "
                                   f"can allow folders with {ROOTS_ENV})")
    real = Path(os.path.realpath(folder))
    if any(_inside(real, p) for p in NEVER_READ):
        raise InputError("that folder cannot be read")
    if roots and not any(_inside(real, r) for r in roots):
        raise InputError("that folder is outside the folders this server allows models to be loaded from")
    allowed = [r for r in roots if _inside(real, r)] or [real]
    try:
        files = list(real.iterdir()) if real.is_dir() else []
    except OSError:
        files = []
    for f in files:
        if f.is_symlink() and not any(_inside(Path(os.path.realpath(f)), r) for r in allowed):
            raise InputError(f"{f.name} in that folder links outside it; it is not read")
    return real


# ---------------------------------------------------------------------------------------------
# sessions


def client_of(request: Any) -> tuple[str, str] | None:
    """What identifies the client behind ``request``: its address (first forwarded hop, if any) and user agent."""
    if request is None:
        return None
    headers = getattr(request, "headers", None) or {}
    get = headers.get if hasattr(headers, "get") else (lambda k, d=None: d)
    forwarded = (get("x-forwarded-for") or "").split(",")[0].strip()
    host = forwarded or getattr(getattr(request, "client", None), "host", "") or ""
    return host, get("user-agent") or ""


def claim(session: Any, request: Any) -> None:
    """Bind ``session`` to the client of its first request; refuse any other client presenting its hash."""
    who = client_of(request)
    if who is None or session is None:
        return
    if session.owner is None:
        session.owner = who
    elif session.owner != who:
        raise InputError("this session belongs to another client; reload the page to start your own")
