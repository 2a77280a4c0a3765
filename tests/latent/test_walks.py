"""Walks: paths through keyframes and along directions; MP4 / GIF / WebP export."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.latent import codes, directions, walks
from ganstudio.latent.codes import LatentError


def test_lerp_passes_through_every_keyframe(style):
    keys = [codes.from_seed(style, s) for s in (1, 2, 3)]
    path = walks.path_codes(style, "lerp-w", keys, 5)
    assert torch.allclose(path[0], keys[0].code) and torch.allclose(path[2], keys[1].code)
    assert torch.allclose(path[4], keys[2].code)
    assert torch.allclose(path[1], (keys[0].code + keys[1].code) / 2)
    loop = walks.path_codes(style, "lerp-w", keys, 6, loop=True)  # 2 frames per segment, back to the start
    assert torch.allclose(loop[0], keys[0].code) and torch.allclose(loop[4], keys[2].code)
    assert torch.allclose(loop[5], (keys[2].code + keys[0].code) / 2)


def test_slerp_in_z_keeps_the_norm_and_needs_seeds(style):
    keys = [codes.from_seed(style, s) for s in (1, 2)]
    path = walks.path_codes(style, "slerp-z", keys, 5)
    assert torch.allclose(path[0], keys[0].code, atol=1e-5) and torch.allclose(path[-1], keys[1].code, atol=1e-5)
    za, zb = codes.seed_z(style, 1)[0], codes.seed_z(style, 2)[0]
    mid = walks._slerp(za, zb, 0.5)
    assert float(mid.norm()) == pytest.approx((float(za.norm()) + float(zb.norm())) / 2, rel=0.1)
    edited = keys[0].with_code(keys[0].code + 1, {"op": "edit"})
    with pytest.raises(LatentError, match="slerp in Z needs seed keyframes"):
        walks.path_codes(style, "slerp-z", [edited, keys[1]], 5)


def test_direction_walk_is_symmetric(style):
    lat = codes.from_seed(style, 1)
    d = directions.sefa(style, k=2)
    path = walks.path_codes(style, "direction", [lat], 5, directions=d, index=0, alpha=2.0)
    assert torch.allclose(path[2], lat.code, atol=1e-6)
    assert torch.allclose(path[0] - lat.code, lat.code - path[4], atol=1e-5)


def test_mp4_is_h264_and_gif_webp_have_every_frame(style):
    keys = [codes.from_seed(style, s) for s in (1, 2)]
    steps = list(walks.walk(style, "lerp-w", keys, frames=20, fps=10, fmt="mp4", loop=False))
    assert [s.done for s in steps[:-1]] == [16, 20] and steps[-1].result is not None
    video = steps[-1].result.video
    assert video[4:8] == b"ftyp" and b"avc1" in video
    import imageio_ffmpeg

    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", "-"], input=video,
                           capture_output=True)
    info = probe.stderr.decode()
    assert "h264" in info and "256x256" in info, info  # 16 px frames enlarged for players
    for fmt in ("gif", "webp"):
        w = walks.walk_to_end(style, "lerp-w", keys, frames=7, fps=10, fmt=fmt, loop=False)
        img = Image.open(io.BytesIO(w.video))
        assert img.n_frames == 7 and img.size == (256, 256)
    first = np.asarray(w.frames[0])
    assert not np.array_equal(first, np.asarray(w.frames[-1]))


def test_absurd_walks_are_refused(style):
    keys = [codes.from_seed(style, s) for s in (1, 2)]
    with pytest.raises(ValueError, match="frames must be between"):
        walks.path_codes(style, "lerp-w", keys, 10**6)
    with pytest.raises(LatentError, match="walk mode"):
        walks.path_codes(style, "teleport", keys, 10)
    with pytest.raises(LatentError, match="at least two"):
        walks.path_codes(style, "lerp-w", keys[:1], 10)
    with pytest.raises(LatentError, match="video format"):
        walks.walk_to_end(style, "lerp-w", keys, frames=4, fmt="avi")
