import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.data import DataUnavailableError, get_dataset


def _save(path, color, size=(20, 10)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


def test_single_folder_with_labels(tmp_path):
    _save(tmp_path / "cats" / "a.png", (255, 0, 0))
    _save(tmp_path / "cats" / "b.jpg", (255, 0, 0))
    _save(tmp_path / "dogs" / "c.png", (0, 0, 255))
    (tmp_path / "notes.txt").write_text("not an image")
    ds = get_dataset("folder", root=str(tmp_path), size=16, labels_from_subfolders=True)
    assert len(ds) == 3 and ds.info.class_names == ["cats", "dogs"]
    x, y = ds[2]
    assert x.shape == (3, 16, 16) and int(y) == 1
    assert torch.allclose(x[2], torch.ones(16, 16)) and torch.allclose(x[0], -torch.ones(16, 16))
    grey = get_dataset("folder", root=str(tmp_path), size=8, channels=1)
    assert grey[0].shape == (1, 8, 8)


def test_paired_halves(tmp_path):
    im = Image.new("RGB", (32, 16), (0, 0, 0))
    im.paste((255, 255, 255), (16, 0, 32, 16))  # B half white
    im.save(tmp_path / "pair.png")
    a, b = get_dataset("paired-folder", root=str(tmp_path), size=8)[0]
    assert a.shape == b.shape == (3, 8, 8)
    assert float(a.max()) == -1.0 and float(b.min()) == 1.0
    b2, a2 = get_dataset("paired-folder", root=str(tmp_path), size=8, direction="BtoA")[0]
    assert torch.equal(b2, b) and torch.equal(a2, a)


def test_unpaired(tmp_path):
    for i in range(3):
        _save(tmp_path / "trainA" / f"{i}.png", (i * 50, 0, 0))
    for i in range(2):
        _save(tmp_path / "trainB" / f"{i}.png", (0, 0, 100 + i))
    ds = get_dataset("unpaired-folder", root=str(tmp_path), size=8)
    assert len(ds) == 3 and ds.info.domains == ["A", "B"]
    seen_b = {round(float(ds[i][1][2, 0, 0]), 3) for i in range(len(ds))}
    assert seen_b <= {round(100 / 127.5 - 1, 3), round(101 / 127.5 - 1, 3)}
    assert np.array_equal(ds.perm, get_dataset("unpaired-folder", root=str(tmp_path), size=8).perm)


def test_errors(tmp_path):
    with pytest.raises(DataUnavailableError, match="no images"):
        get_dataset("folder", root=str(tmp_path))
    with pytest.raises(DataUnavailableError, match="not a folder"):
        get_dataset("unpaired-folder", root=str(tmp_path / "missing"))


def test_split_subfolder_is_used_when_present(tmp_path):
    _save(tmp_path / "train" / "a.png", (255, 255, 255), size=(16, 8))
    _save(tmp_path / "test" / "b.png", (0, 0, 0), size=(16, 8))
    train = get_dataset("paired-folder", root=str(tmp_path), size=4)
    test = get_dataset("paired-folder", root=str(tmp_path), size=4, split="test")
    assert len(train) == len(test) == 1
    assert float(train[0][0].min()) == 1.0 and float(test[0][0].max()) == -1.0
    assert train.info.extra["in_channels"] == 3
