"""Results without a click: a tab's first result when it is first shown, and results that follow the controls.

Both wrap an ordinary handler ``fn(studio, model_id, ...)`` of a tab module, keeping its signature (plus one
argument for :func:`on_arrival`) so that :func:`ganstudio.ui.handlers.bind` and Gradio see the usual inputs:

* :func:`on_arrival` -- computes the result only while the tab's main output is still empty, so coming back to a
  tab never replaces what a visitor made there;
* :func:`live` -- recomputes when a control changes, unless this model's last result took longer than
  :data:`LIVE_MAX_S`: then the tab's buttons do it (a slow model would lag behind a dragged slider).

These events are private (no API name): every result they make has a named endpoint behind its button.
"""

from __future__ import annotations

import functools
import inspect
import time
from typing import Any, Callable

import gradio as gr

LIVE_MAX_S = 1.0  # results that took longer than this (per model and handler) stop following the controls
LIVE = dict(trigger_mode="always_last", api_visibility="private", concurrency_id="inference",
            show_progress="minimal")  # keyword arguments of every live event: only the latest change counts


def _unchanged(n_out: int) -> Any:
    return tuple(gr.update() for _ in range(n_out)) if n_out > 1 else gr.update()


def on_arrival(fn: Callable[..., Any], n_out: int) -> Callable[..., Any]:
    """``fn(studio, *inputs)`` as ``handler(studio, shown, *inputs)``: no change (``n_out`` outputs) when ``shown``,
    the tab's main output, already holds something."""
    sig = inspect.signature(fn)
    first, *rest = sig.parameters.values()

    @functools.wraps(fn)
    def handler(studio: Any, shown: Any, *args: Any, **kwargs: Any) -> Any:
        if shown:
            return _unchanged(n_out)
        return timed(fn)(studio, *args, **kwargs)

    shown = inspect.Parameter("shown", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    handler.__signature__ = sig.replace(parameters=[first, shown, *rest])  # type: ignore[attr-defined]
    return handler


def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(studio, model_id, ...)`` that records how long it took for this model in ``studio.costs``."""

    @functools.wraps(fn)
    def handler(studio: Any, model_id: str, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        out = fn(studio, model_id, *args, **kwargs)
        studio.costs[(fn.__name__, model_id)] = time.perf_counter() - t0
        return out

    return handler


def live(fn: Callable[..., Any], n_out: int, note: int | None = None) -> Callable[..., Any]:
    """``fn(studio, model_id, ...)`` for controls that update the result as they change.

    When the model's last result from ``fn`` took more than :data:`LIVE_MAX_S`, nothing is recomputed and output
    number ``note`` (a text output, if given) says to press the button instead.
    """
    run = timed(fn)

    @functools.wraps(fn)
    def handler(studio: Any, model_id: str, *args: Any, **kwargs: Any) -> Any:
        cost = studio.costs.get((fn.__name__, model_id))
        if cost is not None and cost > LIVE_MAX_S:
            out = list(_unchanged(max(n_out, 2)))[:n_out]
            if note is not None:
                out[note] = f"This model takes {cost:.1f} s per result here: press the button to update it."
            return tuple(out) if n_out > 1 else out[0]
        return run(studio, model_id, *args, **kwargs)

    return handler
