"""Files the app writes: atomic writes, safe file names, and sweeping folders a stopped server left behind."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path


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


def safe_name(name: str) -> str:
    """``name`` with anything but letters, digits, dots, dashes and underscores replaced (at most 120 characters)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-120:] or "image"
