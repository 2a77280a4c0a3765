import io

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio import images as imgs


def _png(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", **kw)
    return buf.getvalue()


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    out = imgs.open_image(buf.getvalue())
    assert out.size == (20, 40)


def test_broken_image_gives_clear_error():
    with pytest.raises(imgs.ImageInputError, match="could not read the image"):
        imgs.open_image(b"definitely not an image")
    truncated = _png(Image.new("RGB", (64, 64), (1, 2, 3)))[:100]
    with pytest.raises(imgs.ImageInputError):
        imgs.open_image(truncated)


def test_too_many_pixels_refused_before_decoding():
    big = _png(Image.new("L", (3000, 3000)))
    with pytest.raises(imgs.ImageInputError, match="megapixels"):
        imgs.open_image(big, max_pixels=1_000_000)


def test_modes_convert_to_model_channels():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))  # fully transparent -> white background
    assert imgs.to_mode(rgba, 3).getpixel((0, 0)) == (255, 255, 255)
    assert imgs.to_mode(rgba, 1).mode == "L"
    pal = Image.new("P", (4, 4))
    assert imgs.to_mode(pal, 3).mode == "RGB"
    grey = Image.new("L", (4, 4), 128)
    assert imgs.to_mode(grey, 3).getpixel((1, 1)) == (128, 128, 128)


def test_tensor_roundtrip_and_truncation():
    arr = np.random.default_rng(0).integers(0, 256, (8, 6, 3), dtype=np.uint8)
    img = Image.fromarray(arr)
    t = imgs.pil_to_tensor(img)
    assert t.shape == (1, 3, 8, 6) and t.min() >= -1 and t.max() <= 1
    assert np.array_equal(np.asarray(imgs.tensor_to_pil(t)), arr)
    x = torch.full((3, 1, 1), 0.999)  # (x+1)/2*255 = 254.87: truncation gives 254, rounding 255
    assert imgs.tensor_to_pil(x, truncate=True).getpixel((0, 0)) == (254, 254, 254)
    assert imgs.tensor_to_pil(x).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize("size,multiple", [((37, 23), 4), ((300, 200), 256), ((64, 64), 4)])
def test_pad_fit_and_crop_back(size, multiple):
    img = Image.new("RGB", size, (10, 20, 30))
    fitted, fit = imgs.fit_image(img, mode="pad", image_size=64, size_multiple=multiple)
    x = imgs.to_network(fitted, fit)
    assert x.shape[2] % multiple == 0 and x.shape[3] % multiple == 0
    assert x.shape[2] >= size[1] and x.shape[3] >= size[0]
    back = imgs.from_network(x, fit)
    assert back.shape[2:] == (size[1], size[0])
    assert torch.allclose(back, imgs.pil_to_tensor(img))
    assert "padded" in fit.describe() or fit.pad == (0, 0, 0, 0)


def test_resize_fit_and_large_inputs_are_shrunk():
    img = Image.new("RGB", (100, 50))
    fitted, fit = imgs.fit_image(img, mode="resize", image_size=32, size_multiple=4)
    assert fitted.size == (32, 32) and "resized" in fit.describe()
    assert imgs.restore_size(fitted, fit).size == (100, 50)
    big = Image.new("RGB", (2000, 1000))
    fitted, fit = imgs.fit_image(big, mode="pad", image_size=64, size_multiple=4, max_side=512)
    assert max(fit.net_size) <= 512 and fit.scale < 1


def test_png_parameters_roundtrip(tmp_path):
    img = Image.new("RGB", (8, 8), (1, 2, 3))
    params = {"model": "checkpoints/dcgan-mnist", "seed": 42, "n": 16, "psi": 0.7}
    data = imgs.png_bytes(img, params)
    assert imgs.read_png_params(data) == params
    path = imgs.save_png(img, tmp_path / "x.png", params)
    assert imgs.read_png_params(path) == params
    assert imgs.read_png_params(_png(img)) is None
    assert imgs.read_png_params(b"junk") is None


def test_grid_and_animation():
    tiles = [Image.new("RGB", (10, 10), (i * 20, 0, 0)) for i in range(5)]
    grid = imgs.make_grid(tiles, 3, pad=2)
    assert grid.size == (3 * 10 + 4 * 2, 2 * 10 + 3 * 2)
    gif = Image.open(io.BytesIO(imgs.animation_bytes(tiles, fps=10)))
    assert gif.n_frames == 5 + 3  # forth and back


def test_image_files_over_the_byte_limit_are_refused(tmp_path, monkeypatch):
    from ganstudio import options

    monkeypatch.setattr(options, "MAX_UPLOAD_MB", 1)
    blob = tmp_path / "big.png"
    blob.write_bytes(b"\0" * (2**20 + 1))
    with pytest.raises(imgs.ImageInputError, match="too large"):
        imgs.open_image(blob)
    with pytest.raises(imgs.ImageInputError, match="too large"):
        imgs.open_image(blob.read_bytes())


# ---------------------------------------------------------------------------------------------
# broken files, 16-bit and float images


@pytest.mark.parametrize("kind", sorted(__import__("ganstudio.bench.sweep", fromlist=["x"]).broken_images()))
def test_every_kind_of_broken_file_gets_a_sentence_without_its_path(kind, tmp_path):
    from ganstudio.bench.sweep import broken_images

    name, data = broken_images()[kind]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(imgs.ImageInputError) as info:
        imgs.open_image(str(path))
    assert str(tmp_path) not in str(info.value) and name not in str(info.value)
    with pytest.raises(imgs.ImageInputError):
        imgs.open_image(data)


def test_sixteen_bit_and_float_images_are_scaled_not_clipped(tmp_path):
    ramp16 = (np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)  # 0 .. 65520
    Image.fromarray(ramp16).save(tmp_path / "ramp16.png")
    got = np.asarray(imgs.open_image(str(tmp_path / "ramp16.png")))
    assert got.dtype == np.uint8 and got.min() == 0 and got.max() == 255
    assert abs(got.mean() - np.round(ramp16 / 257).mean()) < 0.5  # not 99 % white
    ramp = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    Image.fromarray(ramp).save(tmp_path / "ramp.tiff")
    got = np.asarray(imgs.open_image(str(tmp_path / "ramp.tiff")))
    assert len(np.unique(got)) == 256  # a ramp, not binarised
    Image.fromarray(ramp * 300).save(tmp_path / "wide.tiff")
    with pytest.raises(imgs.ImageInputError, match="0..1"):
        imgs.open_image(str(tmp_path / "wide.tiff"))
    nan = ramp.copy()
    nan[0, 0] = np.nan
    Image.fromarray(nan).save(tmp_path / "nan.tiff")
    with pytest.raises(imgs.ImageInputError, match="NaN"):
        imgs.open_image(str(tmp_path / "nan.tiff"))
