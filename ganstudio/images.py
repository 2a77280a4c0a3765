"""Images in and out: decoding uploads safely, fitting them to a network, tensors <-> PIL, PNG metadata.

Everything a tab or the CLI does to an input image before a generator sees it is defined here once:
EXIF orientation, RGBA / greyscale / palette to the model's channels, and fitting the size to what
the architecture accepts (resize, or pad and crop back).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from . import options
from .errors import GanStudioError
from .options import FitMode

PNG_KEY = "ganstudio"  # PNG tEXt key holding the JSON parameters of a generated image


class ImageInputError(GanStudioError):
    """An uploaded image cannot be used; the message is meant for the user."""


IMAGE_KINDS = "PNG, JPEG, WebP, GIF, BMP or TIFF"


def check_image_file(src: str | Path | bytes, *, max_pixels: int = options.MAX_INPUT_PIXELS,
                     why: str = "") -> tuple[int, int]:
    """(width, height) of an image file, read from its header only: refuses files over ``MAX_UPLOAD_MB``, images
    over ``max_pixels`` and files that are not pictures, with a sentence for the user (never the file's path).
    ``why`` ends the sentence about the pixel limit (e.g. why a task allows fewer pixels)."""
    data = src if isinstance(src, bytes) else None
    try:
        size = len(data) if data is not None else Path(src).stat().st_size
    except OSError:
        raise ImageInputError("the uploaded image could not be found on the server; upload it again") from None
    if size == 0:
        raise ImageInputError("could not read the image: the file is empty (0 bytes)")
    if size > options.MAX_UPLOAD_MB * 2**20:
        raise ImageInputError(f"image file is too large ({size / 2**20:.1f} MB; the limit is "
                              f"{options.MAX_UPLOAD_MB} MB)")
    try:
        with Image.open(io.BytesIO(data) if data is not None else src) as img:
            w, h = img.size
    except Image.DecompressionBombError:
        raise ImageInputError(f"the image is far too large to decode (the limit is {max_pixels / 1e6:.0f} "
                              "megapixels)") from None
    except UnidentifiedImageError:
        raise ImageInputError("could not read the image: the file is not a picture GAN Studio can read "
                              f"({IMAGE_KINDS})") from None
    except Exception as e:  # noqa: BLE001 - any decoder failure on a header is a broken file
        raise ImageInputError(f"could not read the image: the file is broken ({_decoder_problem(e)})") from None
    if w < 1 or h < 1:
        raise ImageInputError(f"the image has no pixels ({w}x{h})")
    if w * h > max_pixels:
        raise ImageInputError(_too_many_pixels(w, h, max_pixels, why))
    return w, h


def _too_many_pixels(w: int, h: int, max_pixels: int, why: str) -> str:
    return f"image is {w}x{h}; the limit is {max_pixels / 1e6:.3g} megapixels" + (f" {why}" if why else "")


def _decoder_problem(e: BaseException) -> str:
    """What a decoder's exception says about the file, in words (its own text may name a server path)."""
    text = str(e).lower()
    if "truncated" in text or isinstance(e, EOFError):
        return "it is truncated"
    if "crc" in text or "checksum" in text:
        return "a checksum does not match"
    return "it cannot be decoded"


def open_image(src: str | Path | bytes | Image.Image | np.ndarray, *,
               max_pixels: int = options.MAX_INPUT_PIXELS, why: str = "") -> Image.Image:
    """Decode ``src`` into an upright 8-bit PIL image, refusing broken files and oversized images politely.

    16-bit images (and 32-bit integer ones, read as 16-bit values) are scaled to 8 bits; float images must hold
    values in 0..1, which are scaled to 0..255 (anything else is refused rather than clipped). ``max_pixels`` and
    ``why``: see :func:`check_image_file`.
    """
    if isinstance(src, np.ndarray):
        img = Image.fromarray(src)
    elif isinstance(src, Image.Image):
        img = src
    else:
        check_image_file(src, max_pixels=max_pixels, why=why)
        try:
            img = Image.open(io.BytesIO(src) if isinstance(src, bytes) else src)
            img.load()
        except Image.DecompressionBombError:
            raise ImageInputError(f"the image is too large to decode (the limit is {max_pixels / 1e6:.0f} "
                                  "megapixels)") from None
        except Exception as e:  # noqa: BLE001 - any decoder failure is a broken file
            raise ImageInputError(f"could not read the image: the file is broken ({_decoder_problem(e)})") from None
    if img.width * img.height > max_pixels:
        raise ImageInputError(_too_many_pixels(img.width, img.height, max_pixels, why))
    if img.width < 1 or img.height < 1:
        raise ImageInputError(f"the image has no pixels ({img.width}x{img.height})")
    img = _to_8bit(img)
    try:
        return ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - a broken orientation tag: keep the pixels as stored
        return img


def _to_8bit(img: Image.Image) -> Image.Image:
    """Greyscale of more than 8 bits -> "L", scaled (PIL's own conversion clips them to 255: mostly white)."""
    if img.mode.startswith("I;16") or img.mode == "I":
        arr = np.asarray(img).astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() > 65535):
            raise ImageInputError("this integer image holds values outside 0..65535; save it as 8- or 16-bit")
        return Image.fromarray(np.round(arr / 257.0).astype(np.uint8), "L")
    if img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise ImageInputError("this floating-point image holds NaN or infinite values")
        if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
            raise ImageInputError(f"this floating-point image holds values from {arr.min():.4g} to {arr.max():.4g}; "
                                  "GAN Studio reads float images as 0..1 (save it as an 8-bit image instead)")
        return Image.fromarray(np.round(arr * 255.0).astype(np.uint8), "L")
    return img


def to_mode(img: Image.Image, channels: int, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB for 3 channels, L for 1; transparency is composited over ``background``."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, background + (255,))
        img = Image.alpha_composite(base, rgba)
    try:
        return img.convert("RGB" if channels == 3 else "L")
    except ValueError:  # e.g. LAB or HSV, which PIL cannot convert directly
        raise ImageInputError(f"images in PIL mode {img.mode} cannot be read; save it as an RGB image") from None


def pil_to_tensor(img: Image.Image, value_range: tuple[float, float] = (-1.0, 1.0)) -> torch.Tensor:
    """PIL -> float tensor [1, C, H, W] in ``value_range``."""
    arr = np.asarray(img, dtype=np.float32) / 255.0
    if arr.ndim == 2:
        arr = arr[:, :, None]
    lo, hi = value_range
    t = torch.from_numpy(arr).permute(2, 0, 1)[None]  # [1, C, H, W] in [0, 1]
    return t * (hi - lo) + lo


def tensor_to_pil(x: torch.Tensor, value_range: tuple[float, float] = (-1.0, 1.0), *,
                  truncate: bool = False) -> Image.Image:
    """[C, H, W] (or [1, C, H, W]) in ``value_range`` -> PIL.

    ``truncate`` reproduces the junyanz test pipeline (``(x+1)/2*255`` cast to uint8); the default rounds.
    """
    if x.dim() == 4:
        x = x[0]
    lo, hi = value_range
    arr = ((x.detach().float().cpu() - lo) / (hi - lo) * 255.0).clamp(0, 255)
    arr = arr.floor() if truncate else arr.round()
    a = arr.to(torch.uint8).permute(1, 2, 0).numpy()
    return Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a, "L" if a.shape[2] == 1 else "RGB")


@dataclass(frozen=True)
class Fit:
    """How an input was fitted to the network, so the output can be mapped back."""

    mode: FitMode
    original_size: tuple[int, int]  # (W, H) of the upright input
    net_size: tuple[int, int]  # (W, H) the network saw
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, right, top, bottom (pad mode)
    scale: float = 1.0  # pad mode: input shrunk by this factor first to respect the side limit

    def describe(self) -> str:
        w, h = self.original_size
        nw, nh = self.net_size
        if self.mode == "resize":
            return f"resized {w}x{h} to {nw}x{nh} (aspect ratio not kept), output resized back"
        s = f"padded {w}x{h} to {nw}x{nh} and cropped back"
        return (f"scaled by {self.scale:.2f} then " + s) if self.scale != 1.0 else s


def fit_image(img: Image.Image, *, mode: FitMode, image_size: int, size_multiple: int,
              max_side: int = options.MAX_NET_SIDE, resample: int = Image.BICUBIC) -> tuple[Image.Image, Fit]:
    """Fit ``img`` to a network: ``resize`` to ``image_size`` squared (the reference pipelines), or
    ``pad`` (reflect) to the next multiple of ``size_multiple``, after shrinking sides over ``max_side``."""
    w, h = img.size
    if mode == "resize":
        return img.resize((image_size, image_size), resample), Fit("resize", (w, h), (image_size, image_size))
    if mode != "pad":
        raise ImageInputError(f"fit mode must be one of {options.FIT_MODES}, got {mode!r}")
    scale = min(1.0, max_side / max(w, h))
    if scale < 1.0:
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), resample)
    sw, sh = img.size
    # Nets with many down-samplings (U-Net 256: multiple 256) need at least one full multiple.
    tw = max(size_multiple, math.ceil(sw / size_multiple) * size_multiple)
    th = max(size_multiple, math.ceil(sh / size_multiple) * size_multiple)
    left, top = (tw - sw) // 2, (th - sh) // 2
    pad = (left, tw - sw - left, top, th - sh - top)
    return img, Fit("pad", (w, h), (tw, th), pad, scale)


def to_network(img: Image.Image, fit: Fit, value_range: tuple[float, float] = (-1.0, 1.0)) -> torch.Tensor:
    """Fitted PIL image -> [1, C, H, W] tensor the network accepts (padding applied here, by reflection)."""
    x = pil_to_tensor(img, value_range)
    if fit.mode == "pad" and any(fit.pad):
        l, r, t, b = fit.pad
        # reflect needs pad < side; fall back to edge replication for tiny inputs
        mode = "reflect" if max(l, r) < x.shape[3] and max(t, b) < x.shape[2] else "replicate"
        x = F.pad(x, (l, r, t, b), mode=mode)
    return x


def from_network(y: torch.Tensor, fit: Fit) -> torch.Tensor:
    """Undo :func:`fit_image` on an output [B, C, H, W]: crop the padding (sizes go back via PIL)."""
    if fit.mode == "pad" and any(fit.pad):
        l, r, t, b = fit.pad
        y = y[:, :, t: y.shape[2] - b, l: y.shape[3] - r]
    return y


def restore_size(img: Image.Image, fit: Fit) -> Image.Image:
    """Bring an output image back to the input's size."""
    return img if img.size == fit.original_size else img.resize(fit.original_size, Image.BICUBIC)


def make_grid(images: Sequence[Image.Image], ncols: int, pad: int = 2, background: int = 255) -> Image.Image:
    """Tile equally sized images row by row."""
    if not images:
        raise ValueError("no images to tile")
    w, h = images[0].size
    nrows = math.ceil(len(images) / ncols)
    mode = "RGB" if any(i.mode != "L" for i in images) else "L"
    grid = Image.new(mode, (ncols * w + (ncols + 1) * pad, nrows * h + (nrows + 1) * pad),
                     (background,) * 3 if mode == "RGB" else background)
    for i, im in enumerate(images):
        r, c = divmod(i, ncols)
        grid.paste(im.convert(mode), (pad + c * (w + pad), pad + r * (h + pad)))
    return grid


def upscale_for_display(img: Image.Image, min_side: int = 256) -> Image.Image:
    """Nearest-neighbour enlargement of small outputs (28-px digits) so they are visible in a browser."""
    f = max(1, math.ceil(min_side / max(img.size)))
    return img if f == 1 else img.resize((img.width * f, img.height * f), Image.NEAREST)


# ---------------------------------------------------------------------------------------------
# PNG parameters: every saved image says how to make it again


def png_bytes(img: Image.Image, params: dict[str, Any] | None = None) -> bytes:
    """Encode ``img`` as PNG with ``params`` (JSON) in a tEXt chunk."""
    info = PngImagePlugin.PngInfo()
    if params:
        info.add_text(PNG_KEY, json.dumps(params, sort_keys=True))
    buf = io.BytesIO()
    img.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def save_png(img: Image.Image, path: str | Path, params: dict[str, Any] | None = None) -> Path:
    path = Path(path)
    path.write_bytes(png_bytes(img, params))
    return path


def read_png_params(src: str | Path | bytes | Image.Image) -> dict[str, Any] | None:
    """The parameters stored by :func:`png_bytes`, or None when the image carries none."""
    try:
        img = src if isinstance(src, Image.Image) else Image.open(io.BytesIO(src) if isinstance(src, bytes) else src)
    except (UnidentifiedImageError, OSError):
        return None
    text = getattr(img, "text", None) or img.info
    raw = text.get(PNG_KEY) if isinstance(text, dict) else None
    if not raw:
        return None
    try:
        params = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return params if isinstance(params, dict) else None


def animation_bytes(frames: Sequence[Image.Image], *, fps: float = 12.0, fmt: str = "GIF",
                    boomerang: bool = True) -> bytes:
    """Encode frames as a looping GIF or WebP (played forth and back when ``boomerang``)."""
    seq = list(frames) + (list(frames[-2:0:-1]) if boomerang and len(frames) > 2 else [])
    buf = io.BytesIO()
    seq[0].save(buf, format=fmt, save_all=True, append_images=seq[1:], duration=int(1000 / fps), loop=0,
                **({"lossless": True} if fmt.upper() == "WEBP" else {}))
    return buf.getvalue()
