import pytest

from ganstudio.data import DATASETS, UnknownDatasetError, get_builder, get_dataset


def test_every_builder_resolves():
    for name in DATASETS:
        assert callable(get_builder(name))


def test_unknown_name_lists_known():
    with pytest.raises(UnknownDatasetError, match="mnist"):
        get_dataset("cifar10")
