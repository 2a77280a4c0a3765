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
from typing import Any, Literal, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from . import options
from .errors import GanStudioError

FitMode = Literal["pad", "resize"]
PNG_KEY = "ganstudio"  # PNG tEXt key holding the JSON parameters of a generated image


class ImageInputError(GanStudioError):
    """An uploaded image cannot be used; the message is meant for the user."""


def open_image(src: str | Path | bytes | Image.Image | np.ndarray, *,
               max_pixels: int = options.MAX_INPUT_PIXELS) -> Image.Image:
    """Decode ``src`` into an upright PIL image, refusing broken files and oversized images politely."""
    if isinstance(src, np.ndarray):
        img = Image.fromarray(src)
    elif isinstance(src, Image.Image):
        img = src
    else:
        size = len(src) if isinstance(src, bytes) else Path(src).stat().st_size if Path(src).is_file() else 0
        if size > options.MAX_UPLOAD_MB * 2**20:
            raise ImageInputError(f"image file is too large ({size / 2**20:.1f} MB; the limit is "
                                  f"{options.MAX_UPLOAD_MB} MB)")
        try:
            # Guard against decompression bombs before decoding pixels.
            img = Image.open(io.BytesIO(src) if isinstance(src, bytes) else src)
            if img.width * img.height > max_pixels:
                raise ImageInputError(
                    f"image is {img.width}x{img.height}; the limit is {max_pixels / 1e6:.0f} megapixels"
                )
            img.load()
        except ImageInputError:
            raise
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
            raise ImageInputError(f"could not read the image ({e.__class__.__name__}: {e})") from e
    if img.width * img.height > max_pixels:
        raise ImageInputError(f"image is {img.width}x{img.height}; the limit is {max_pixels / 1e6:.0f} megapixels")
    return ImageOps.exif_transpose(img)


def to_mode(img: Image.Image, channels: int, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB for 3 channels, L for 1; transparency is composited over ``background``."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, background + (255,))
        img = Image.alpha_composite(base, rgba)
    return img.convert("RGB" if channels == 3 else "L")


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
