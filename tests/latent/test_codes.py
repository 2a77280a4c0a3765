"""Latents tied to their model: seeds, rendering, fingerprints, .npz files."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from ganstudio import inference
from ganstudio.checkpoint import new_model
from ganstudio.latent import codes
from ganstudio.latent.codes import LatentError


def test_seed_latent_renders_what_the_style_tab_renders(style):
    lat = codes.from_seed(style, 7)
    assert lat.space == "w+" and lat.code.shape == (style.generator.n_latent, 8)
    assert lat.origin == {"op": "seed", "seed": 7}
    ours = codes.render(style, [lat])
    theirs = inference.render_style(style, seed=7, psi=1.0, noise_mode="const")
    assert np.array_equal(np.asarray(codes.to_images(style, ours)[0]), np.asarray(theirs.images[0]))
    assert torch.equal(codes.from_seed(style, 7).code, lat.code)
    assert not torch.equal(codes.from_seed(style, 8).code, lat.code)


def test_z_space_models_get_z_latents(dcgan):
    lat = codes.from_seed(dcgan, 3)
    assert lat.space == "z" and lat.code.shape == (8, 1, 1)
    x = codes.render(dcgan, [lat, codes.from_seed(dcgan, 4)])
    assert x.shape == (2, 3, 16, 16) and not torch.equal(x[0], x[1])


def test_models_without_a_latent_space_are_refused():
    pix = new_model("pix2pix", dict(num_downs=5, ngf=4, ndf=4, image_size=32), components=("generator",))
    with pytest.raises(LatentError, match="no latent space"):
        codes.from_seed(pix, 0)


def test_fingerprint_follows_the_weights(style, other_style):
    assert codes.model_fingerprint(style) != codes.model_fingerprint(other_style)
    assert codes.model_fingerprint(style) == codes.model_fingerprint(style)


def test_npz_round_trip_and_refusal_of_another_models_latent(style, other_style):
    lat = codes.from_seed(style, 2)
    lat.noise = [torch.randn(1, 1, style.generator.noise_resolution(i), style.generator.noise_resolution(i))
                 for i in range(style.generator.num_noise_layers)]
    data = codes.save_npz(lat)
    back = codes.load_npz(data, style)
    assert torch.equal(back.code, lat.code) and back.origin == lat.origin and back.digest() == lat.digest()
    assert all(torch.equal(a, b) for a, b in zip(back.noise, lat.noise))
    with pytest.raises(LatentError, match="another model"):
        codes.load_npz(data, other_style)
    with pytest.raises(LatentError, match="another model"):
        codes.render(other_style, [back])


def test_unreadable_and_foreign_files_are_refused(style):
    with pytest.raises(LatentError, match="could not read"):
        codes.load_npz(b"not a zip file", style)
    buf = io.BytesIO()
    np.savez(buf, something=np.zeros(3))
    with pytest.raises(LatentError, match="no GAN Studio latent"):
        codes.load_npz(buf.getvalue(), style)
    buf = io.BytesIO()
    np.savez(buf, w=np.zeros((1, 3, 8), dtype=np.float32))  # an NVlabs file of the wrong size
    with pytest.raises(LatentError, match="is w\\+"):
        codes.load_npz(buf.getvalue(), style)


def test_nvlabs_projected_w_files_are_read(style):
    w = codes.from_seed(style, 1).code.numpy()[None]
    buf = io.BytesIO()
    np.savez(buf, w=w)
    lat = codes.load_npz(buf.getvalue(), style)
    assert np.array_equal(lat.code.numpy(), w[0])


def test_the_latent_core_never_imports_gradio():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, ganstudio.latent.bench, ganstudio.latent.walks, ganstudio.latent.mixing, "
            "ganstudio.latent.breeding; assert 'gradio' not in sys.modules, 'gradio imported by the latent core'")
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], check=True, timeout=120)
