"""What a tab puts in on arrival: the model's own kind of example (an image-to-image model that reads region maps
gets a region map, not a sketch), and a visitor's own picture is kept and translated."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from ganstudio.ui import edit, state, translate


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    from tests.ui.tiny import make_catalog

    folder = tmp_path_factory.mktemp("arrival")
    path = make_catalog(folder / "catalog", ["tiny-pix2pix", "tiny-spade", "tiny-stargan"])
    return state.new_studio(path, out_dir=folder / "out")


def test_translation_starts_from_the_models_own_kind_of_example(studio, tmp_path):
    session = state.Session()
    settings = ("AB", "pad", "deterministic", 0, "exact", session)
    image, *rest = translate.refresh(studio, "tiny-spade", None, *settings, progress=None)
    assert Path(image).name.startswith("labels_") and Path(image).is_file()
    assert all(r == gr.update() for r in rest)  # the image's change event translates it
    sketch = translate.refresh(studio, "tiny-pix2pix", None, *settings, progress=None)[0]
    assert Path(sketch).name.startswith("edges_")
    assert Path(translate.refresh(studio, "tiny-spade", sketch, *settings, progress=None)[0]).name.startswith("labels_")
    own = tmp_path / "mine.png"
    Image.fromarray(np.full((20, 30, 3), 200, dtype=np.uint8)).save(own)
    kept, read, output, info = translate.refresh(studio, "tiny-spade", str(own), *settings, progress=None)
    assert kept == gr.update() and Image.open(output).size == (30, 20) and "s on" in info


def test_editing_starts_from_an_example_face(studio):
    image, *rest = edit.refresh(studio, "tiny-stargan", None, "resize", "reference", "exact", state.Session(),
                                 progress=None)
    assert Path(image).name.startswith("face_") and len(rest) == 2 + edit.MAX_GROUPS + 2
