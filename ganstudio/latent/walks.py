"""Walks through latent space, rendered frame by frame and exported as MP4 (H.264), GIF or WebP.

Paths (``mode``):

* "lerp-w"    -- straight lines in W+ through the keyframes (seeds, projections, children, edits);
* "slerp-z"   -- great-circle arcs in z between seed keyframes (then mapped, for StyleGAN2); z keeps its
                 Gaussian norm along an arc, so every frame is a typical sample;
* "direction" -- one latent moved along a direction from ``-alpha`` to ``+alpha`` standard deviations.

``loop`` closes the path: back to the first keyframe (the frame equal to the first is left out, so a looping
player shows no stutter), or, along a direction, a sine from 0 out to +alpha, back through -alpha and home.

MP4 is written by the ffmpeg binary that the ``imageio-ffmpeg`` wheel ships (libx264, yuv420p, CRF 18); small
models are enlarged with nearest-neighbour scaling to at least ``MIN_VIDEO_SIDE`` pixels first, because
players and browsers show a 64-px video as a thumbnail.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np
import torch
from PIL import Image

from .. import images as imgs
from .. import options
from ..checkpoint import GanModel
from . import codes
from .codes import Latent, LatentError
from .directions import Directions, check_directions

MIN_VIDEO_SIDE = 256
RENDER_CHUNK = 16


@dataclass
class Walk:
    frames: list[Image.Image]
    video: bytes
    format: str  # "mp4" | "gif" | "webp"
    params: dict[str, Any]
    seconds: float


@dataclass
class WalkStep:
    done: int
    total: int
    preview: Image.Image | None = None
    result: Walk | None = None


def _slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation of two flat vectors [D] (falls back to lerp for parallel vectors)."""
    omega = torch.arccos(torch.clamp(torch.dot(a / a.norm(), b / b.norm()), -1.0, 1.0))
    so = torch.sin(omega)
    if float(so.abs()) < 1e-6:
        return (1 - t) * a + t * b
    return torch.sin((1 - t) * omega) / so * a + torch.sin(t * omega) / so * b


def _positions(n_keys: int, frames: int, loop: bool) -> list[tuple[int, int, float]]:
    """(key a, key b, t) for each frame along the keyframe path."""
    segments = n_keys if loop else n_keys - 1
    out = []
    for f in range(frames):
        s = f * segments / frames if loop else f * segments / max(1, frames - 1)
        i = min(int(s), segments - 1)
        out.append((i, (i + 1) % n_keys, s - i))
    return out


def path_codes(model: GanModel, mode: options.WalkMode, keyframes: Sequence[Latent], frames: int, *, loop: bool = False,
               directions: Directions | None = None, index: int = 0, alpha: float = 3.0,
               layers: Sequence[int] | None = None) -> torch.Tensor:
    """The codes of every frame [frames, ...] (W+ for StyleGAN2, z otherwise)."""
    if mode not in options.WALK_MODES:
        raise LatentError(f"walk mode must be one of {options.WALK_MODES}")
    options.WALK_FRAMES.check("frames", frames)
    if not keyframes:
        raise LatentError("pick at least one latent to walk from")
    if len(keyframes) > options.MAX_KEYFRAMES:
        raise LatentError(f"at most {options.MAX_KEYFRAMES} keyframes")
    for k in keyframes:
        codes.check_latent(model, k)
    space = codes.latent_space(model)
    if mode == "direction":
        if directions is None:
            raise LatentError("compute or load directions first to walk along one")
        check_directions(model, directions)
        options.DIRECTION_ALPHA.check("walk amplitude", alpha)
        if not 0 <= index < len(directions):
            raise LatentError(f"direction must be in 0..{len(directions) - 1}")
        ts = ([math.sin(2 * math.pi * f / frames) for f in range(frames)] if loop
              else np.linspace(-1.0, 1.0, frames).tolist())
        step = float(directions.sigma[index]) * directions.vectors[index]  # [D]
        rows = list(directions.layers if layers is None else layers)
        base = keyframes[0].code
        out = base[None].repeat(frames, *([1] * base.dim())).clone()
        for f, t in enumerate(ts):
            if space == "w+":
                out[f, rows] += alpha * t * step
            else:
                out[f] += (alpha * t * step).view(base.shape)
        return out
    if len(keyframes) < 2:
        raise LatentError("a walk through keyframes needs at least two latents")
    if mode == "lerp-w":
        ks = torch.stack([k.code for k in keyframes])  # [K, ...]
        return torch.stack([(1 - t) * ks[a] + t * ks[b] for a, b, t in _positions(len(ks), frames, loop)])
    # slerp in z: keyframes must have come from seeds
    seeds = [k.origin.get("seed") for k in keyframes]
    if any(k.origin.get("op") != "seed" for k in keyframes):
        raise LatentError("slerp in Z needs seed keyframes (projected, bred or edited latents exist only in W: "
                          "use lerp in W)")
    zs = torch.stack([codes.seed_z(model, int(s))[0].flatten() for s in seeds])  # [K, nz]
    z = torch.stack([_slerp(zs[a], zs[b], t) for a, b, t in _positions(len(zs), frames, loop)])  # [F, nz]
    if space == "z":
        return z.view(frames, *keyframes[0].code.shape)
    g = model.generator
    with codes.running(model):
        w = torch.cat([g.mapping(c.to(model.device)).float().cpu() for c in z.split(256)])  # [F, D]
    return w[:, None, :].repeat(1, g.n_latent, 1)


def encode(frames: Sequence[Image.Image], fmt: options.VideoFormat, fps: float) -> bytes:
    """Frames -> MP4 (H.264 via imageio-ffmpeg), GIF or WebP bytes (looping, played once through)."""
    if fmt not in options.VIDEO_FORMATS:
        raise LatentError(f"video format must be one of {options.VIDEO_FORMATS}")
    side = frames[0].width
    scale = max(1, math.ceil(MIN_VIDEO_SIDE / side))
    if scale > 1:
        frames = [f.resize((f.width * scale, f.height * scale), Image.NEAREST) for f in frames]
    frames = [f.convert("RGB") for f in frames]
    if fmt in ("gif", "webp"):
        return imgs.animation_bytes(frames, fps=fps, fmt=fmt.upper(), boomerang=False)
    import imageio_ffmpeg

    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        w, h = frames[0].size
        writer = imageio_ffmpeg.write_frames(path, (w, h), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                             macro_block_size=2, ffmpeg_log_level="error",
                                             output_params=["-crf", "18", "-movflags", "+faststart"])
        writer.send(None)
        for f in frames:
            writer.send(np.ascontiguousarray(np.asarray(f, dtype=np.uint8)))
        writer.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def walk(model: GanModel, mode: options.WalkMode, keyframes: Sequence[Latent], *, frames: int = int(options.WALK_FRAMES.default),
         fps: float = options.WALK_FPS.default, fmt: options.VideoFormat = "mp4", loop: bool = True,
         directions: Directions | None = None, index: int = 0, alpha: float = 3.0,
         layers: Sequence[int] | None = None) -> Iterator[WalkStep]:
    """Render a walk chunk by chunk (yielding progress and a preview frame), then encode it; the last step
    carries the :class:`Walk`. Stops when the caller stops iterating."""
    options.WALK_FPS.check("frames per second", fps)
    if fmt not in options.VIDEO_FORMATS:
        raise LatentError(f"video format must be one of {options.VIDEO_FORMATS}")
    t0 = time.perf_counter()
    path = path_codes(model, mode, keyframes, frames, loop=loop, directions=directions, index=index, alpha=alpha,
                      layers=layers)
    noise = keyframes[0].noise if mode == "direction" else None  # a projection's noise stays with it
    pictures: list[Image.Image] = []
    for chunk in path.split(RENDER_CHUNK):
        pictures += codes.to_images(model, codes.render_codes(model, chunk, noise))
        yield WalkStep(len(pictures), frames + 1, pictures[-1])
    video = encode(pictures, fmt, fps)
    params = {"kind": "walk", "model": model.source, "family": model.family.name,
              "model_fingerprint": codes.model_fingerprint(model), "mode": mode, "frames": frames, "fps": fps,
              "format": fmt, "loop": loop, "keyframes": [k.origin for k in keyframes],
              "keyframe_digests": [k.digest() for k in keyframes]}
    if mode == "direction" and directions is not None:
        params.update(direction=directions.origin, index=index, alpha=alpha,
                      layers=list(directions.layers if layers is None else layers))
    yield WalkStep(frames + 1, frames + 1, pictures[0], Walk(pictures, video, fmt, params, time.perf_counter() - t0))


def walk_to_end(model: GanModel, mode: options.WalkMode, keyframes: Sequence[Latent], **kw: Any) -> Walk:
    """Run :func:`walk` to the end and return the :class:`Walk`."""
    last = None
    for last in walk(model, mode, keyframes, **kw):
        pass
    assert last is not None and last.result is not None
    return last.result
