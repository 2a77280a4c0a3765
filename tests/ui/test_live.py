"""Results without a click: the arrival wrapper leaves a shown result alone, and live controls stop following a
model whose last result was slow (its button still works)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import gradio as gr

from ganstudio.ui import live


def handler(studio, model_id: str, seed: int, session=None, progress: gr.Progress = gr.Progress()) -> tuple:
    """Doc of the handler."""
    studio.calls.append((model_id, seed))
    return f"{model_id}-{seed}.png", f"seed {seed}"


def fake_studio() -> SimpleNamespace:
    return SimpleNamespace(costs={}, calls=[])


def test_on_arrival_computes_only_while_nothing_is_shown():
    studio = fake_studio()
    first = live.on_arrival(handler, 2)
    params = list(inspect.signature(first).parameters)
    assert params[:3] == ["studio", "shown", "model_id"] and "progress" in params  # gradio still sees progress
    assert first(studio, None, "m", 3) == ("m-3.png", "seed 3")
    assert ("handler", "m") in studio.costs
    unchanged = first(studio, "already.png", "m", 4)
    assert len(unchanged) == 2 and all(u == gr.update() for u in unchanged)
    assert studio.calls == [("m", 3)]


def test_live_follows_fast_models_and_points_slow_ones_to_the_button():
    studio = fake_studio()
    follow = live.live(handler, 2, note=1)
    assert inspect.signature(follow).parameters.keys() == inspect.signature(handler).parameters.keys()
    assert follow(studio, "fast", 1) == ("fast-1.png", "seed 1")
    assert follow(studio, "fast", 2) == ("fast-2.png", "seed 2")
    studio.costs[("handler", "slow")] = live.LIVE_MAX_S + 1.0
    image, note = follow(studio, "slow", 5)
    assert image == gr.update() and "press the button" in note
    assert ("slow", 5) not in studio.calls
    live.timed(handler)(studio, "slow", 6)  # the button's call is quick this time: live again
    assert follow(studio, "slow", 7) == ("slow-7.png", "seed 7")
