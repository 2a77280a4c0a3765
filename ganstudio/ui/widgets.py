"""Widgets every tab uses: the model picker, output images and galleries, sliders from ``ganstudio.options``,
the seed box and its dice, and the example inputs."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any, Sequence

import gradio as gr
from PIL import Image

from .. import options
from ..errors import InputError
from .components import FiniteNumber
from .state import Studio

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "checkpoints" / "examples"


def picker(studio: Studio, tab: str, label: str = "Model") -> gr.Dropdown:
    """A model dropdown for ``tab``, grouped by family. Session models are added by the Models tab."""
    choices = studio.choices(tab, None)
    return gr.Dropdown(choices=choices, value=studio.default_model(tab), label=label,
                       info="grouped by family; add more in the Models tab", allow_custom_value=True,
                       key=f"{tab}-model", elem_id=f"{tab}-model")


def model_header(studio: Studio, tab: str) -> tuple[gr.Dropdown, gr.Markdown]:
    """The top of a tab's controls: its model picker, the catalog's note for the tab (when it has one) and the
    picked model's card. Returns the picker and the card."""
    dropdown = picker(studio, tab)
    gr.Markdown(studio.note(tab), visible=bool(studio.note(tab)))
    card = gr.Markdown("Pick a model to see its card.", elem_classes=["card"])
    return dropdown, card


def output_image(label: str, elem_id: str | None = None, height: int | str = 400, **kw: Any) -> gr.Image:
    """An output image shown as the PNG file the handler wrote (so downloads keep its metadata), enlarged with
    hard pixel edges (generated images are often 28-64 px)."""
    return gr.Image(label=label, elem_id=elem_id, format="png", type="filepath", interactive=False, height=height,
                    elem_classes=["pixelated", "enlarge"], **kw)


def output_gallery(label: str, columns: int = 6, **kw: Any) -> gr.Gallery:
    """A gallery of PNG files with captions; each keeps its metadata on download."""
    return gr.Gallery(label=label, format="png", columns=columns, height="auto", elem_classes=["pixelated"],
                      interactive=False, **kw)


def slider(rng: options.Range, label: str, **kw: Any) -> gr.Slider:
    """A slider whose range, step and default come from ``ganstudio.options``."""
    return gr.Slider(rng.minimum, rng.maximum, value=kw.pop("value", rng.default), step=rng.step, label=label, **kw)


def seed_box(label: str = "Seed", value: int | None = None, **kw: Any) -> gr.Number:
    """A whole-number box for a seed, in the allowed range."""
    return FiniteNumber(value=int(options.SEED.default if value is None else value), label=label, precision=0,
                     minimum=options.SEED.minimum, maximum=options.SEED.maximum, **kw)


def dice() -> gr.Button:
    """The "surprise me" button: a new random seed (the result follows it)."""
    return gr.Button("🎲 Surprise me", size="sm", scale=0, min_width=120)


def random_seed() -> int:
    """A new random seed in the allowed range (the dice button)."""
    return random.SystemRandom().randint(int(options.SEED.minimum), int(options.SEED.maximum))


def seed_value(seed: float | int | None) -> int:
    """Number boxes send floats (or None when cleared); the core wants an int in range."""
    if seed is None:
        raise InputError("enter a seed")
    return int(options.SEED.check("seed", int(seed)))


def parse_seeds(text: str | Sequence[int], what: str) -> list[int]:
    """'1, 2, 5-7' -> [1, 2, 5, 6, 7] (also accepts a list)."""
    if not isinstance(text, str):
        return [seed_value(s) for s in text]
    seeds: list[int] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)-(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a or b - a >= options.MIX_SEEDS:
                raise InputError(f"{what}: range {part} is empty or too long")
            seeds.extend(range(a, b + 1))
        elif part.isdigit():
            seeds.append(int(part))
        else:
            raise InputError(f"{what}: {part!r} is not a seed (use numbers such as 1, 2, 5-7)")
    if not seeds:
        raise InputError(f"{what}: give at least one seed")
    return [seed_value(s) for s in seeds]


def gallery(studio: Studio, pictures: Sequence[Image.Image], params: dict[str, Any], captions: Sequence[str],
            stem: str) -> list[tuple[str, str]]:
    """Gallery items (PNG path, caption); each PNG carries ``params`` plus its index in the batch."""
    caps = list(captions) + [""] * (len(pictures) - len(captions))
    return [(studio.png(p, {**params, "index": i}, f"{stem}-{i}"), caps[i]) for i, p in enumerate(pictures)]


def example_files(kind: str) -> list[str]:
    """Example inputs in ``checkpoints/examples/`` whose name starts with ``kind`` (edges, labels, photo, face)."""
    if not EXAMPLES_DIR.is_dir():
        return []
    return [str(p) for p in sorted(EXAMPLES_DIR.glob(f"{kind}*.png"))]
