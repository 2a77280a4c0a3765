"""Hostile and careless inputs thrown at a served app: ``python -m ganstudio app-sweep [--json PATH]``.

Starts ``python app.py`` on the bundled catalog (or ``--url`` of a running app), sends every bad input below
through ``gradio_client`` and raw HTTP, and prints a table: inputs tried / clear error / unclear error / crash /
hang / trace leaked / wrong success. A *clear* error is the app's own sentence; *unclear* is Gradio's generic
text or the app's generic sentence; a *trace leaked* answer shows a traceback, a server path or raw library text.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` and whose pixel data is a few bytes (a decompression bomb
    stand-in: the size is read from the header, nothing is decoded)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        _chunk(b"IEND", b"")


def broken_images() -> dict[str, tuple[str, bytes]]:
    """Name -> (file name, bytes) of files that are not usable images, each broken in its own way."""
    good = _png(np.random.default_rng(0).integers(0, 255, (24, 24, 3), dtype=np.uint8))
    bad_crc = bytearray(good)
    bad_crc[29] ^= 0xFF  # inside the IHDR CRC
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(np.random.default_rng(1).integers(
        0, 255, 200, dtype=np.uint8))
    return {
        "zero-byte": ("empty.png", b""),
        "random bytes": ("noise.png", bytes(np.random.default_rng(2).integers(0, 255, 4096, dtype=np.uint8))),
        "text named .png": ("notes.png", b"this is not an image\n" * 20),
        "header 20000x20000": ("big.png", _png_header_only(20000, 20000)),
        "header 100000x100000": ("huge.png", _png_header_only(100000, 100000)),
        "svg named .png": ("vector.png", svg),
        "zero width": ("flat.png", _png_header_only(0, 16)),
        "bad CRC": ("crc.png", bytes(bad_crc)),
        "HEIC garbage": ("photo.heic", heic),
        "truncated PNG": ("cut.png", good[: len(good) // 2]),
        "PNG signature only": ("sig.png", b"\x89PNG\r\n\x1a\n"),
        "JPEG header only": ("cut.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    }
