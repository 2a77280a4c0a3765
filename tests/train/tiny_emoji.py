"""A tiny synthetic emoji cache (32 px, no fonts needed) for training tests of the emoji datasets.

Each "sequence" is a coloured disc on white; its Noto design is plain, its OpenMoji design has a black
outline, so the two designs differ the way the real ones do. Edge and region maps come from the real
``ganstudio.data.emoji`` functions. Items 0-7 are training items, 8-10 test items; all are "people" with
a skin tone (cycling through the five) and a gender, so ``emoji-people`` is non-empty in both splits; items
0, 3 and 8 have category ``face``, the others ``person``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ganstudio.data import emoji

SIZE = 32
N_TRAIN, N_TEST = 8, 3
FACES = (0, 3, 8)  # category "face" (two training items, one test item); the others are "person"
COLORS = [(252, 200, 45), (215, 40, 50), (60, 130, 220), (80, 170, 70), (150, 80, 190), (240, 130, 40)]


def _disc(i: int, outline: bool) -> tuple[np.ndarray, np.ndarray]:
    """RGBA [S, S, 4] uint8: a disc of colour i (radius varies with i), outlined for the OpenMoji design."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    r = 8 + (i % 4) * 1.5
    d = np.sqrt((yy - SIZE / 2 + 0.5) ** 2 + (xx - SIZE / 2 + 0.5) ** 2)
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    inside = d <= r
    rgba[inside, :3] = COLORS[i % len(COLORS)]
    rgba[inside, 3] = 255
    if outline:
        rgba[(d <= r) & (d > r - 1.5), :3] = 30
    return rgba, rgba[..., 3]


def write_tiny_emoji(root: Path) -> Path:
    """Write ``emoji-32.npz`` + ``emoji-32.json`` under ``root`` (use it as ``GANSTUDIO_DATA``)."""
    images, alphas, edges, regions, items = [], [], [], [], []
    for i in range(N_TRAIN + N_TEST):
        rgba = [_disc(i, outline=False)[0], _disc(i, outline=True)[0]]
        rgb = [emoji.on_white(a) for a in rgba]
        images.append(np.stack(rgb))
        alphas.append(np.stack([a[..., 3] for a in rgba]))
        edges.append(np.stack([emoji.edge_map(c, a[..., 3]) for c, a in zip(rgb, rgba)]))
        regions.append(np.stack([emoji.region_map(c, a[..., 3]) for c, a in zip(rgb, rgba)]))
        items.append({"key": f"F{i:03X}", "text": "", "name": f"DISC {i}", "category": 0 if i in FACES else 1, "skin_tone": 1 + i % 5,
                      "mixed_tones": False, "hair": 0, "gender": 1 + i % 2,
                      "split": "train" if i < N_TRAIN else "test", "people": True})
    meta = {"format": emoji.FORMAT, "size": SIZE, "count": len(items), "labels": emoji.LABELS,
            "people_attributes": emoji.PEOPLE_ATTRIBUTES, "people_groups": emoji.PEOPLE_GROUPS,
            "palette": emoji.PALETTE, "license": emoji.LICENSE}
    data = emoji.EmojiData(np.stack(images), np.stack(alphas), np.stack(edges), np.stack(regions), items, meta)
    emoji.save(data, root)
    return root


_NUMBER = re.compile(r":\s*(-?(?:\d+\.\d+|nan|inf))", re.IGNORECASE)


def log_values(path: Path) -> list[list[float]]:
    """Every number of every line of a training log (``[3/5] Loss_D(real): 0.5 | ...``)."""
    return [[float(v) for v in _NUMBER.findall(line)] for line in path.read_text().splitlines() if line.startswith("[")]


@pytest.fixture(scope="session")
def tiny_emoji_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_emoji(tmp_path_factory.mktemp("tiny-emoji"))


@pytest.fixture
def tiny_emoji(tiny_emoji_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The emoji datasets read the tiny cache for this test (``emoji-edges`` etc. with ``image_size=32``)."""
    monkeypatch.setenv("GANSTUDIO_DATA", str(tiny_emoji_root))
    return tiny_emoji_root
