"""How handlers reach Gradio: :func:`bind` checks inputs and the session's owner, and :func:`user_error` turns any
failure into one short sentence (never a traceback, a server path or raw library text)."""

from __future__ import annotations

import errno
import functools
import inspect
import logging
import math
import re
from typing import Any, Callable, Sequence

import gradio as gr
import torch

from .. import hub, options
from ..errors import GanStudioError, InputError, LimitError
from . import access
from .state import Session, Studio

log = logging.getLogger("ganstudio.ui")

try:  # Hugging Face Spaces: on ZeroGPU hardware a GPU is lent to each call decorated with spaces.GPU
    import spaces
except ImportError:  # not on Spaces: no-op
    spaces = None

_PATH_RE = re.compile(r"(?<![\w.~:/-])(?:[A-Za-z]:)?[/\\](?:[^\s'\"`/\\]+[/\\])+([^\s'\"`/\\]*)")
GENERIC_ERROR = "something went wrong on the server; the details are in the server log"


def scrub_paths(text: str) -> str:
    """``text`` with every absolute path cut to its last part: messages never show where files live."""
    return _PATH_RE.sub(lambda m: m.group(1) or "(folder)", text)


def _is_alloc_failure(e: BaseException) -> bool:
    """torch's CPU allocator reports a failed allocation as a RuntimeError ("[enforce fail at alloc_cpu.cpp]")."""
    text = str(e)
    return isinstance(e, RuntimeError) and ("alloc_cpu" in text or "DefaultCPUAllocator" in text)


def user_error(e: BaseException) -> gr.Error:
    """A short message for the user in place of a traceback.

    Errors raised on purpose (:class:`ganstudio.errors.GanStudioError`) show their own sentence; anything else
    (a bug, raw torch / PIL / C++ text) is logged in full and answered with one generic sentence.
    """
    if isinstance(e, gr.Error):
        return e
    if isinstance(e, GanStudioError):
        msg = str(e) or type(e).__name__
    elif isinstance(e, OSError) and e.errno == errno.ENOSPC:
        log.error("disk full: %s", e)
        msg = "the server's disk is full; try again later"
    elif isinstance(e, (MemoryError, torch.OutOfMemoryError)) or _is_alloc_failure(e):
        log.warning("out of memory in a handler: %s", e)
        msg = "out of memory: ask for fewer or smaller images"
    else:
        log.exception("unexpected error in a handler", exc_info=e)
        msg = GENERIC_ERROR
    msg = " ".join(scrub_paths(msg).split())
    return gr.Error(msg if len(msg) <= 400 else msg[:397] + "...", print_exception=False)


def _not_finite(value: Any) -> bool:
    """Whether ``value`` (or a number inside a list / dict) is NaN or infinite."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return any(_not_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_not_finite(v) for v in value.values())
    return False


def check_inputs(sig: inspect.Signature, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    """Refuse NaN and infinite numbers (raw JSON can carry them), lists longer than ``options.MAX_LIST_ITEMS`` and
    texts longer than ``options.MAX_TEXT_CHARS`` in a handler's inputs, naming the input."""
    names = [p for p in sig.parameters][1:]
    for name, value in [*zip(names, args), *kwargs.items()]:
        what = name.replace("_", " ")
        if _not_finite(value):
            raise InputError(f"{what} must be a finite number (not NaN or infinity)")
        if isinstance(value, (list, tuple)) and len(value) > options.MAX_LIST_ITEMS:
            raise LimitError(f"{what}: {len(value)} items; the limit is {options.MAX_LIST_ITEMS}")
        if isinstance(value, str) and len(value) > options.MAX_TEXT_CHARS:
            raise LimitError(f"{what}: {len(value)} characters; the limit is {options.MAX_TEXT_CHARS}")


def bind(studio: Studio, fn: Callable[..., Any], *, gpu: bool = False) -> Callable[..., Any]:
    """``fn(studio, *inputs)`` as a Gradio handler ``(*inputs)`` with the same docstring and signature.

    Inputs are checked first (:func:`check_inputs`); a :class:`Session` among them must belong to the client
    calling (:func:`ganstudio.ui.access.claim`: Gradio passes the request to a hidden last parameter). Core
    exceptions become ``gr.Error``; ``gpu`` lends a Spaces GPU to the call (a no-op elsewhere).
    """
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())[1:]
    takes_session = any(p.annotation in ("Session", Session) for p in params)
    hidden = inspect.Parameter("_request", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                               annotation=gr.Request)

    @functools.wraps(fn)
    def handler(*args: Any, **kwargs: Any) -> Any:
        request = kwargs.pop("_request", None)
        if takes_session and len(args) > len(params):  # the hidden request parameter, filled in by Gradio
            request, args = args[-1], args[:-1]
        try:
            check_inputs(sig, args, kwargs)
            if takes_session and request is not None:
                for value in [*args, *kwargs.values()]:
                    if isinstance(value, Session):
                        access.claim(value, request)
            if request is None:
                return fn(studio, *args, **kwargs)
            with hub.stop_when(studio.waited_for(request)):  # a download stops when its client has gone
                return fn(studio, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - every failure must reach the user as a message
            raise user_error(e) from None

    shown = params + ([hidden] if takes_session else [])
    handler.__signature__ = sig.replace(parameters=shown)  # type: ignore[attr-defined]
    if takes_session:
        handler.__annotations__ = {**fn.__annotations__, "_request": gr.Request}
    return spaces.GPU(handler) if gpu and spaces is not None else handler
