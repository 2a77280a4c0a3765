"""The pure inference API on tiny random models of every task (no gradio)."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio import inference as inf
from ganstudio.checkpoint import ModelMeta, new_model
from ganstudio.errors import InputError

TINY = {
    "dcgan": dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=28),
    "cgan": dict(latent_dim=8, ngf=4, ndf=4, embed_dim=4, num_classes=3),
    "infogan": dict(latent_dim=8, ngf=4, ndf=4, fc_dim=16, q_dim=8, num_classes=3, num_continuous=2),
    "acgan": dict(latent_dim=8, ngf=4, ndf=4, embed_dim=4, num_classes=3),
    "sgan": dict(latent_dim=8, ngf=4, ndf=4, num_classes=3),
    "pix2pix": dict(num_downs=6, ngf=2, ndf=4, image_size=64, n_layers_D=2),  # 6: one dropout block
    "cyclegan": dict(n_blocks=1, ngf=4, ndf=4, image_size=16, n_layers_D=2),
    "stargan": dict(c_dim=3, conv_dim=4, repeat_num=1, d_conv_dim=4, d_repeat_num=3, image_size=16),
    "stylegan2": dict(image_size=16, style_dim=8, n_mlp=2, channel_base=64, channel_max=16),
    "spade": dict(num_labels=3, image_size=16, num_upsampling=2, ngf=4, ndf=4, spade_hidden=4, num_D=1, n_layers_D=2),
}


def tiny(family, meta=None):
    torch.manual_seed(0)
    m = new_model(family, TINY[family], meta or ModelMeta())
    m.source = f"tiny-{family}"
    return m


def arr(img):
    return np.asarray(img, dtype=np.int16)


def test_sample_grid_is_deterministic_per_seed():
    m = tiny("dcgan")
    a, b, c = (inf.sample_grid(m, seed=s, n=6) for s in (5, 5, 6))
    assert len(a.images) == 6 and a.images[0].size == (28, 28)
    assert np.array_equal(arr(a.grid), arr(b.grid))
    assert not np.array_equal(arr(a.grid), arr(c.grid))
    assert a.params == {"kind": "sample_grid", "model": "tiny-dcgan", "family": "dcgan", "precision": "exact",
                        "seed": 5, "n": 6}


def test_bad_options_are_refused():
    m = tiny("dcgan")
    with pytest.raises(ValueError, match="number of images"):
        inf.sample_grid(m, n=0)
    with pytest.raises(ValueError, match="seed"):
        inf.sample_grid(m, seed=-1)
    with pytest.raises(ValueError, match="precision"):
        inf.sample_grid(m, precision="half")
    with pytest.raises(inf.InferenceError, match="do not support conditional"):
        inf.sample_per_class(m)


def test_fast_precision_is_close_to_exact():
    m = tiny("dcgan")
    exact = arr(inf.sample_grid(m, seed=1, n=4).grid).astype(float)
    fast = arr(inf.sample_grid(m, seed=1, n=4, precision="fast").grid).astype(float)
    assert np.abs(exact - fast).mean() < 3.0  # in 0..255 grey levels
    again = arr(inf.sample_grid(m, seed=1, n=4).grid)
    assert np.array_equal(again, exact.astype(np.int16))  # exact mode unaffected by an earlier fast call


def test_per_class_rows_share_z():
    m = tiny("cgan", ModelMeta(class_names=["a", "b", "c"]))
    r = inf.sample_per_class(m, seed=0, per_class=4)
    assert len(r.images) == 12 and r.captions[:4] == ["a"] * 4 and r.captions[4] == "b"
    # same z, different class -> different image; same call again -> same grid
    assert not np.array_equal(arr(r.images[0]), arr(r.images[4]))
    assert np.array_equal(arr(r.grid), arr(inf.sample_per_class(m, seed=0, per_class=4).grid))
    one = inf.sample_per_class(m, seed=0, classes=[1], per_class=4)
    assert np.array_equal(arr(one.images[0]), arr(r.images[4]))
    with pytest.raises(inf.InferenceError, match="classes must be in"):
        inf.sample_per_class(m, classes=[3])


def test_infogan_codes_change_the_image():
    m = tiny("infogan")
    a = inf.sample_per_class(m, seed=0, classes=[0], per_class=2, codes=[0.0, 0.0])
    b = inf.sample_per_class(m, seed=0, classes=[0], per_class=2, codes=[1.5, -1.0])
    assert not np.array_equal(arr(a.grid), arr(b.grid)) and b.params["codes"] == [1.5, -1.0]
    with pytest.raises(inf.InferenceError, match="2 continuous codes"):
        inf.sample_per_class(m, codes=[0.0])


@pytest.mark.parametrize("family", ["acgan", "sgan", "infogan"])
def test_discriminator_class_guesses(family):
    m = tiny(family, ModelMeta(class_names=["zero", "one", "two"]))
    r = inf.sample_grid(m, seed=0, n=3, with_guesses=True)
    assert len(r.captions) == 3 and all(c.startswith("D: ") and c.endswith("%)") for c in r.captions)


def test_interpolation_starts_and_ends_at_the_seeds():
    m = tiny("dcgan")
    anim = inf.interpolate(m, seed_a=3, seed_b=4, frames=5)
    assert len(anim.frames) == 5
    assert np.array_equal(arr(anim.frames[0]), arr(inf.sample_grid(m, seed=3, n=1).images[0]))
    assert np.array_equal(arr(anim.frames[-1]), arr(inf.sample_grid(m, seed=4, n=1).images[0]))
    assert Image.open(io.BytesIO(anim.animation)).n_frames == 5 + 3


def _photo(w, h, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8))


@pytest.mark.parametrize("fit", ["pad", "resize"])
def test_translate_any_size_comes_back_same_size(fit):
    m = tiny("cyclegan")
    r = inf.translate(m, _photo(37, 22), fit=fit)
    assert r.output.size == (37, 22) and r.input.size == (37, 22)
    assert ("padded" if fit == "pad" else "resized") in r.fit
    back = inf.translate(m, _photo(37, 22), direction="BA", fit=fit)
    assert not np.array_equal(arr(back.output), arr(r.output))


def test_translate_needs_the_reverse_generator():
    m = tiny("pix2pix")
    with pytest.raises(inf.InferenceError, match="generator_ba"):
        inf.translate(m, _photo(16, 16), direction="BA")


def test_pix2pix_modes_and_buffers_never_change():
    m = tiny("pix2pix")
    before = {k: v.clone() for k, v in m.generator.state_dict().items()}
    img = _photo(20, 20)
    det = [arr(inf.translate(m, img, mode="per-image", seed=s).output) for s in (0, 1)]
    paper = [arr(inf.translate(m, img, mode="paper", seed=s).output) for s in (0, 0, 1)]
    evald = arr(inf.translate(m, img, mode="eval").output)
    assert np.array_equal(det[0], det[1])  # no noise
    assert np.array_equal(paper[0], paper[1]) and not np.array_equal(paper[0], paper[2])  # seeded dropout
    assert not np.array_equal(det[0], evald)  # running statistics differ from the input's own
    for k, v in m.generator.state_dict().items():
        assert torch.equal(v, before[k]), f"{k} changed during inference"


def test_each_model_offers_the_modes_that_differ_and_its_own_default():
    assert inf.translate_modes(tiny("pix2pix")) == ("per-image", "paper", "eval")  # dropout, batch norm
    assert inf.translate_modes(tiny("cyclegan")) == ("per-image",)  # instance norm, no dropout
    m = tiny("pix2pix")
    img = _photo(20, 20)
    assert inf.default_translate_mode(m) == "per-image"
    assert inf.translate(m, img).params["mode"] == "per-image"
    m.meta.translate_mode = "eval"  # e.g. trained at batch 16: its stored statistics suit it
    r = inf.translate(m, img)
    assert r.params["mode"] == "eval" and np.array_equal(arr(r.output), arr(inf.translate(m, img, mode="eval").output))
    assert inf.translate(m, img, mode="per-image").params["mode"] == "per-image"  # asked: obeyed
    c = tiny("cyclegan")
    c.meta.translate_mode = "eval"  # nothing stored to use: the default stays per-image
    assert inf.default_translate_mode(c) == "per-image"


def test_the_old_names_of_per_image_normalisation_are_still_taken():
    """"deterministic" (Translate) and "reference" (Edit) were two names of one behaviour, now "per-image"."""
    m = tiny("pix2pix")
    img = _photo(20, 20)
    r = inf.translate(m, img, mode="deterministic")
    assert r.params["mode"] == "per-image"
    assert np.array_equal(arr(r.output), arr(inf.translate(m, img, mode="per-image").output))
    assert not np.array_equal(arr(r.output), arr(inf.translate(m, img, mode="eval").output))
    s = tiny("stargan", ModelMeta(attribute_names=["black", "blond"]))
    old = inf.edit_attributes(s, _photo(16, 16), target={"blond": True}, mode="reference")
    new = inf.edit_attributes(s, _photo(16, 16), target={"blond": True}, mode="per-image")
    assert np.array_equal(arr(old.images[0]), arr(new.images[0]))
    with pytest.raises(InputError, match="mode must be one of per-image, paper, eval"):
        inf.translate(m, img, mode="train")
    with pytest.raises(InputError, match="mode must be one of per-image, eval"):
        inf.edit_attributes(s, img, mode="paper")  # no dropout mode in an edit


def test_spade_reads_palette_maps():
    palette = [{"name": "bg", "color": [255, 255, 255]}, {"name": "a", "color": [255, 0, 0]},
               {"name": "b", "color": [0, 0, 255]}]
    m = tiny("spade", ModelMeta(palette=palette))
    lab = Image.new("RGB", (16, 16), (250, 250, 250))
    lab.paste((240, 10, 10), (0, 0, 8, 16))
    r = inf.translate(m, lab)
    assert r.output.size == (16, 16)
    onehot = inf._palette_to_onehot(lab, palette)
    assert onehot.shape == (1, 3, 16, 16) and onehot[0, 1, :, :8].all() and onehot[0, 0, :, 8:].all()


def test_stargan_edits():
    meta = ModelMeta(attribute_names=["black", "blond", "young"], attribute_groups=[["black", "blond"]])
    m = tiny("stargan", meta)
    before = {k: v.clone() for k, v in m.generator.state_dict().items()}
    img = _photo(24, 16)
    row = inf.edit_attributes(m, img, all_single_edits=True)
    assert row.names[:2] == ["black", "blond"] and len(row.images) == 3
    assert row.labels[0][:2] == [1.0, 0.0] and row.labels[1][:2] == [0.0, 1.0]  # exclusive group
    assert row.images[0].size == (24, 16)
    zero = inf.edit_attributes(m, img, target={"blond": True}, intensity=0.0)
    assert zero.labels[0] == pytest.approx(zero.source_labels)
    full = inf.edit_attributes(m, img, target={"blond": True}, intensity=1.0)
    assert full.labels[0][:2] == [0.0, 1.0]
    with pytest.raises(inf.InferenceError, match="unknown attribute"):
        inf.edit_attributes(m, img, target={"red": True})
    for k, v in m.generator.state_dict().items():
        assert torch.equal(v, before[k])


def test_style_mixing_grid_and_noise_controls():
    m = tiny("stylegan2")
    g = m.generator
    mix = inf.style_mix(m, row_seeds=[1, 2], col_seeds=[3, 4, 5], layers="coarse")
    assert len(mix.images) == 6 and mix.grid.size[0] > mix.grid.size[1]
    # every layer from the columns: each mixed image equals its column source
    full = inf.style_mix(m, row_seeds=[1], col_seeds=[3], layers=list(range(g.n_latent)))
    col = inf.render_style(m, seed=3)
    assert np.array_equal(arr(full.images[0]), arr(col.images[0]))
    none_ = inf.render_style(m, seed=3, noise_mode="none")
    zero = inf.render_style(m, seed=3, noise_mode="random", noise_strength=[0.0] * g.num_noise_layers)
    assert np.array_equal(arr(none_.images[0]), arr(zero.images[0]))
    var = inf.noise_variation(m, seed=0, noise_seeds=3)
    assert len(var.images) == 4
    with pytest.raises(inf.InferenceError, match="one noise strength per layer"):
        inf.render_style(m, noise_strength=[1.0])
    with pytest.raises(inf.InferenceError, match="preset"):
        inf.style_mix(m, row_seeds=[1], col_seeds=[2], layers="medium")


def test_what_a_model_offers_follows_its_contracts():
    names = ("dcgan", "cgan", "infogan", "acgan", "sgan", "stylegan2", "pix2pix", "stargan")
    ms = {f: tiny(f) for f in names}
    assert {f for f, m in ms.items() if inf.has_class_head(m)} == {"infogan", "acgan", "sgan"}
    assert {f for f, m in ms.items() if inf.has_truncation(m)} == {"stylegan2"}
    assert {f: inf.num_classes(m) for f, m in ms.items() if inf.num_classes(m)} == \
        {"cgan": 3, "infogan": 3, "acgan": 3, "sgan": 3}
    assert {f: inf.num_continuous_codes(m) for f, m in ms.items() if inf.num_continuous_codes(m)} == {"infogan": 2}
    no_d = new_model("acgan", TINY["acgan"], components=("generator",))
    assert not inf.has_class_head(no_d)
    with pytest.raises(inf.InferenceError, match="has no discriminator"):
        inf.class_guesses(no_d, torch.zeros(1, 1, 28, 28))
    with pytest.raises(inf.InferenceError, match="no class head"):
        inf.class_guesses(ms["dcgan"], torch.zeros(1, 1, 28, 28))
