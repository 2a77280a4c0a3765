"""Fit an uploaded image to a model's framing before projection, without face landmarks.

Steps (each reported in words by :class:`Framed`):

1. decode safely (size limits, EXIF orientation) with :func:`ganstudio.images.open_image`;
2. composite transparency over white (the emoji models were trained on glyphs drawn over white);
3. framing "subject": find the subject as the pixels that differ from the border colour (or, with an alpha
   channel, the opaque pixels), crop its bounding box and centre it on a square of the background colour
   with a 6 % margin on each side (the emoji data set's framing); when the border is not uniform (a photo),
   fall back to the centre square. Framing "center": the largest centred square;
4. resize (Lanczos) to the model's side and convert to its channels.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np
from PIL import Image

from .. import images as imgs
from ..errors import InputError
from ..options import FRAMINGS, Framing

MARGIN = 0.06  # the emoji data set's blank border, as a fraction of the subject's longer side
BORDER_TOLERANCE = 24  # max difference (0-255) from the border colour still counted as background
UNIFORM_BORDER = 0.9  # share of border pixels close to their median for the border to count as plain


@dataclass
class Framed:
    image: Image.Image  # [size x size] in the model's mode
    how: str  # what was done, in words


def _subject_box(rgb: np.ndarray, alpha: np.ndarray | None) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """(bounding box (left, top, right, bottom), background colour [3]) or None when no plain background."""
    if alpha is not None and (alpha < 128).any():
        mask = alpha >= 128
        bg = np.array([255, 255, 255], dtype=np.float32)
    else:
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)  # [P, 3]
        bg = np.median(border, axis=0)
        if (np.abs(border - bg).max(1) <= BORDER_TOLERANCE).mean() < UNIFORM_BORDER:
            return None
        mask = np.abs(rgb.astype(np.float32) - bg).max(2) > BORDER_TOLERANCE
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1), bg


def fit_to_model(src: Image.Image | bytes | str, *, size: int, channels: int,
                 framing: Framing = "subject") -> Framed:
    """``src`` -> a ``size`` x ``size`` image in the model's mode (RGB or L), framed as the module says."""
    if framing not in FRAMINGS:
        raise InputError(f"framing must be one of {FRAMINGS}, got {framing!r}")
    try:
        img = imgs.open_image(src)
    except imgs.ImageInputError as e:
        if "could not read" not in str(e):
            raise  # size limits: their message is already for people
        # the decoder's own message names the server's temporary file: say it plainly instead
        raise imgs.ImageInputError("could not read the image: the file is not a picture in a format this "
                                   "server decodes (PNG, JPEG, WebP, GIF, BMP, ...)") from None
    w, h = img.size
    has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
    alpha = np.asarray(img.convert("RGBA"))[:, :, 3] if has_alpha else None
    rgb_img = imgs.to_mode(img, 3)  # transparency over white
    steps = [f"{w}x{h}"] + (["transparency composited over white"] if has_alpha else [])
    found = _subject_box(np.asarray(rgb_img), alpha) if framing == "subject" else None
    if found is not None:
        (l, t, r, b), bg = found
        subject = rgb_img.crop((l, t, r, b))
        side = max(1, int(round(max(subject.size) * (1 + 2 * MARGIN))))
        square = Image.new("RGB", (side, side), tuple(int(round(c)) for c in bg))
        square.paste(subject, ((side - subject.width) // 2, (side - subject.height) // 2))
        steps.append(f"subject {r - l}x{b - t} at ({l}, {t}) centred on a plain square with a {MARGIN:.0%} margin")
    else:
        c = min(w, h)
        left, top = (w - c) // 2, (h - c) // 2
        square = rgb_img.crop((left, top, left + c, top + c))
        if framing == "subject":
            steps.append("no plain background found, so")
        steps.append(f"centre square {c}x{c}")
    out = square.resize((size, size), Image.Resampling.LANCZOS)
    steps.append(f"resized to {size}x{size}")
    return Framed(out.convert("RGB" if channels == 3 else "L"), ", ".join(steps))
