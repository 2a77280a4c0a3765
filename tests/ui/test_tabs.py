"""The table of tabs is the only list of tabs: the app builds exactly its rows, in order, and every tab module
has the two functions the app calls."""

from __future__ import annotations

import inspect

import gradio as gr

from ganstudio.models.base import Task
from ganstudio.ui.tabs import MODEL_TABS, TABS, tab_spec, tabs_showing


def test_every_row_names_a_module_with_render_and_listen():
    assert len({spec.key for spec in TABS}) == len(TABS)
    for spec in TABS:
        module = spec.load()
        assert list(inspect.signature(module.render).parameters)[:2] == ["studio", "session"], spec.key
        assert list(inspect.signature(module.listen).parameters) == ["studio", "app", "tab"], spec.key
        assert all(t in {task.value for task in Task} for t in spec.tasks), spec.key
    assert tab_spec("translate").title == "Image-to-image"
    assert [spec.key for spec in tabs_showing(Task.STYLE.value)] == ["generate", "style", "latent"]


def test_the_app_builds_the_tables_tabs_in_order(tmp_path):
    from ganstudio.ui.app import build_app
    from tests.ui.tiny import make_catalog

    demo = build_app(make_catalog(tmp_path / "catalog", ["tiny-dcgan"]))
    tabs = [b for b in demo.blocks.values() if isinstance(b, gr.Tab) and b.id in {s.key for s in TABS}]
    assert [(t.id, t.label) for t in tabs] == [(s.key, s.title) for s in TABS]
    # one model picker per tab that offers models, each listing what the table says it shows
    pickers = {b.elem_id: b for b in demo.blocks.values() if isinstance(b, gr.Dropdown)}
    assert {f"{s.key}-model" for s in MODEL_TABS} <= set(pickers)
    assert [c[1] for c in pickers["generate-model"].choices] == ["tiny-dcgan"]
    assert pickers["translate-model"].choices == []
