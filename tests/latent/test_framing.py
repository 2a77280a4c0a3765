"""Fitting uploads to a model's framing."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ganstudio.images import ImageInputError
from ganstudio.latent.framing import fit_to_model


def test_a_glyph_on_transparency_is_centred_on_white_with_a_margin():
    img = Image.new("RGBA", (200, 120), (0, 0, 0, 0))
    img.paste(Image.new("RGBA", (40, 60), (200, 30, 30, 255)), (150, 10))  # off-centre subject
    out = fit_to_model(img, size=32, channels=3)
    a = np.asarray(out.image)
    assert out.image.size == (32, 32) and "transparency composited over white" in out.how
    assert "subject 40x60" in out.how
    assert (a[0] > 250).all() and (a[:, 0] > 250).all()  # white border (the margin)
    assert a[16, 16, 0] > 150 and a[16, 16, 1] < 80  # the subject sits in the centre
    cols = np.nonzero((a[..., 1] < 128).any(0))[0]
    assert abs((cols.min() + cols.max()) / 2 - 15.5) <= 1.5


def test_a_photo_without_plain_background_gets_the_centre_square():
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (50, 90, 3), dtype=np.uint8))
    out = fit_to_model(img, size=16, channels=1)
    assert out.image.size == (16, 16) and out.image.mode == "L"
    assert "centre square 50x50" in out.how and "no plain background" in out.how


def test_unreadable_images_are_refused():
    with pytest.raises(ImageInputError, match="could not read"):
        fit_to_model(b"\x89PNG not really", size=16, channels=3)
    with pytest.raises(ValueError, match="framing"):
        buf = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buf, "PNG")
        fit_to_model(buf.getvalue(), size=16, channels=3, framing="sideways")
