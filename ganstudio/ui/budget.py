"""Disk budgets: what one client may upload per hour, and what the app may keep on disk in all.

Uploads reach Gradio's ``/gradio_api/upload`` route with no session, so they are counted here, in an ASGI
middleware in front of the whole app (``launch_options`` installs it): a request whose declared size would take
its client over ``options.MAX_CLIENT_UPLOAD_MB`` in the last hour, or the app's folder over
``options.MAX_APP_DISK_MB``, is refused with HTTP 413 and a sentence before a byte is stored. Outputs and
conversions are written only while the same disk budget holds (:func:`check_disk`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from .. import options
from ..errors import LimitError

_USAGE: dict[str, tuple[float, int]] = {}  # folder -> (when measured, bytes)
_USAGE_TTL_S = 5.0
_LOCK = threading.Lock()


def folder_bytes(folder: str | Path) -> int:
    """Bytes of the files under ``folder`` (measured at most every few seconds; links not followed)."""
    key = str(folder)
    with _LOCK:
        known = _USAGE.get(key)
        if known and time.monotonic() - known[0] < _USAGE_TTL_S:
            return known[1]
    total, stack = 0, [key]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for e in entries:
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
                        elif e.is_file(follow_symlinks=False):
                            total += e.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    with _LOCK:
        _USAGE[key] = (time.monotonic(), total)
    return total


def note_written(folder: str | Path, nbytes: int) -> None:
    """Count ``nbytes`` just written under ``folder`` before its next measurement."""
    with _LOCK:
        if (known := _USAGE.get(str(folder))) is not None:
            _USAGE[str(folder)] = (known[0], known[1] + nbytes)


def check_disk(folder: str | Path, adding: int = 0) -> None:
    """Refuse (:class:`LimitError`) when ``folder`` plus ``adding`` bytes would exceed ``options.MAX_APP_DISK_MB``."""
    limit = options.MAX_APP_DISK_MB * 2**20
    if folder_bytes(folder) + adding > limit:
        raise LimitError(f"the server's disk space for this app is full (the limit is {options.MAX_APP_DISK_MB:,} MB "
                         "for uploads and results of all users); try again later")


def _client(scope: dict[str, Any]) -> str:
    headers = dict(scope.get("headers") or [])
    forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")[0].strip()
    return forwarded or (scope.get("client") or ("?", 0))[0]


class UploadBudget:
    """ASGI middleware: refuses uploads over the per-client hourly budget or the app's disk budget."""

    WINDOW_S = 3600.0

    def __init__(self, app: Any, folder: str | Path | None = None):
        self.app = app
        self.folder = folder
        self.recent: dict[str, deque[tuple[float, int]]] = {}
        self.lock = threading.Lock()

    def _folder(self) -> str:
        if self.folder is None:
            import gradio as gr

            self.folder = gr.utils.get_upload_folder()
        return str(self.folder)

    def admit(self, client: str, nbytes: int, now: float | None = None) -> str | None:
        """None when ``client`` may upload ``nbytes`` now (and counts them); otherwise why not."""
        now = time.monotonic() if now is None else now
        per_client = options.MAX_CLIENT_UPLOAD_MB * 2**20
        with self.lock:
            for key in [k for k, q in self.recent.items() if not q or now - q[-1][0] > self.WINDOW_S]:
                del self.recent[key]  # forget clients idle for the whole window: the table stays small
            q = self.recent.setdefault(client, deque())
            while q and now - q[0][0] > self.WINDOW_S:
                q.popleft()
            used = sum(n for _, n in q)
            if used + nbytes > per_client:
                return (f"upload refused: this client sent {used / 2**20:,.0f} MB in the last hour and the limit is "
                        f"{options.MAX_CLIENT_UPLOAD_MB:,} MB per hour")
            try:
                check_disk(self._folder(), nbytes)
            except LimitError as e:
                return f"upload refused: {e}"
            q.append((now, nbytes))
        note_written(self._folder(), nbytes)
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope.get("method") == "POST" and \
                scope.get("path", "").rstrip("/").endswith("/upload"):
            headers = dict(scope.get("headers") or [])
            try:
                length = int(headers.get(b"content-length", b"") or -1)
            except ValueError:
                length = -1
            problem = "upload refused: the request must say its size (Content-Length)" if length < 0 else \
                self.admit(_client(scope), length)
            if problem:
                body = json.dumps({"error": problem, "detail": problem}).encode()
                await send({"type": "http.response.start", "status": 413,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
