"""Gradio components with checked inputs: uploads reach handlers undecoded, numbers must be finite, and
model-dependent choices are checked by the handler rather than against the choices last sent.

Each is its base component with ``preprocess`` (and the API description) replaced, drawn by the browser as the
plain base (``is_template``). The classes are made with ``ABCMeta.__new__`` because Gradio's component metaclass
writes a ``.pyi`` stub beside the module of every component subclass it creates, which must not happen inside an
installed package.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
from abc import ABCMeta
from typing import Any

import gradio as gr

from .. import images as imgs
from .. import options
from ..errors import InputError
from .handlers import user_error

log = logging.getLogger("ganstudio.ui")


def _pass_through(self: gr.components.Component, payload: Any) -> Any:
    return list(payload or []) if isinstance(self, gr.CheckboxGroup) else payload


def _model_choice_component(base: type, name: str, api_info: dict[str, Any]) -> type:
    """``base`` (a radio or checkbox group) whose submitted value is not checked against its choices.

    Its choices follow the chosen model (a StarGAN's hair colours, a StyleGAN's W layers). Gradio checks a value
    against the choices it last sent to *this* session, so an API call for another model (or with no select
    before it) would be refused; the handler checks the value against the model instead (the core raises a
    clear error).
    """
    attrs = {"__module__": __name__, "__qualname__": name, "__doc__": _model_choice_component.__doc__,
             "is_template": True, "preprocess": _pass_through, "api_info": lambda self: dict(api_info)}
    return ABCMeta.__new__(type(base), name, (base,), attrs)


ModelRadio = _model_choice_component(gr.Radio, "ModelRadio", {"type": "string", "title": "Radio"})
ModelCheckboxGroup = _model_choice_component(
    gr.CheckboxGroup, "ModelCheckboxGroup",
    {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "title": "Checkbox Group"})


def _undecoded_image(self: gr.Image, payload: Any) -> str | bytes | None:
    """The uploaded file's path (or a data URL's bytes), not decoded: ``ganstudio.images.open_image`` checks and
    decodes it inside the handler, so a broken or oversized file gets the app's own sentence."""
    if payload is None:
        return None
    url = getattr(payload, "url", None) or ""
    if url.startswith("data:"):
        if len(url) > options.MAX_UPLOAD_MB * 2**20 * 4 // 3 + 1024:
            raise user_error(imgs.ImageInputError(f"image data is larger than {options.MAX_UPLOAD_MB} MB"))
        try:
            return base64.b64decode(url.partition(",")[2], validate=True)
        except (binascii.Error, ValueError):
            raise user_error(imgs.ImageInputError("the image data is not valid base64")) from None
    if not getattr(payload, "path", None):
        raise user_error(imgs.ImageInputError("no image file arrived; upload it again"))
    return str(payload.path)


def _checked_drawing(self: gr.ImageEditor, payload: Any) -> Any:
    """The image editor's value, after every part's header passed the same checks as an uploaded image."""
    if payload is None:
        return None
    parts = [payload.background, payload.composite, *(payload.layers or [])]
    if getattr(payload, "id", None) is not None and (cached := self.blob_storage.get(payload.id)):
        parts = [cached.background, cached.composite, *(cached.layers or [])]
    try:
        for part in parts:
            src = part if isinstance(part, bytes) else getattr(part, "path", None)
            if src:
                imgs.check_image_file(src)
        return gr.ImageEditor.preprocess(self, payload)
    except imgs.ImageInputError as e:
        raise user_error(e) from None
    except Exception as e:  # noqa: BLE001 - a drawing that cannot be decoded is refused with a sentence
        log.warning("a drawing could not be decoded: %s", type(e).__name__)
        raise user_error(imgs.ImageInputError("the drawing could not be read; draw or upload it again")) from None


def _component(base: type, name: str, doc: str, **attrs: Any) -> type:
    """``base`` with some methods replaced, drawn by the browser as the plain ``base`` (see ModelRadio)."""
    body = {"__module__": __name__, "__qualname__": name, "__doc__": doc, "is_template": True, **attrs}
    return ABCMeta.__new__(type(base), name, (base,), body)


def _finite_number(self: gr.Number, payload: Any) -> Any:
    """A number box's value; NaN and infinity (raw JSON can carry them) are refused with the box's name."""
    if isinstance(payload, float) and not math.isfinite(payload):
        what = (self.label or "number").lower()
        raise user_error(InputError(f"{what} must be a finite number (not NaN or infinity)"))
    return gr.Number.preprocess(self, payload)


FiniteNumber = _component(gr.Number, "FiniteNumber", _finite_number.__doc__, preprocess=_finite_number)
UploadImage = _component(gr.Image, "UploadImage", _undecoded_image.__doc__, preprocess=_undecoded_image)
DrawingPad = _component(gr.ImageEditor, "DrawingPad", _checked_drawing.__doc__, preprocess=_checked_drawing)


def _norm_mode(self: gr.Radio, payload: Any) -> Any:
    """A normalisation mode (Translate, Edit); the old names "deterministic" and "reference" of "per-image" are
    still taken (``options.NORM_MODE_ALIASES``), so older API callers keep working."""
    if isinstance(payload, str):
        payload = options.NORM_MODE_ALIASES.get(payload, payload)
    return gr.Radio.preprocess(self, payload)


NormModeRadio = _component(gr.Radio, "NormModeRadio", _norm_mode.__doc__, preprocess=_norm_mode)
