"""The family descriptor's own behaviour: the config a dataset decides."""

import dataclasses

from ganstudio import registry


def test_config_for_data_fills_the_declared_fields_the_user_left_open():
    family = registry.get_family("stargan")
    data = {"image_size": 32, "channels": 3, "c_dim": 5, "num_classes": 7, "num_labels": 0, "dim": None}
    assert family.config_for_data(data) == {"image_size": 32, "channels": 3, "c_dim": 5}  # num_classes: not its
    assert family.config_for_data(data, {"image_size": 64, "conv_dim": 8}) == {
        "image_size": 64, "conv_dim": 8, "channels": 3, "c_dim": 5}  # the user's values win


def test_a_value_the_dataset_does_not_know_decides_nothing():
    family = dataclasses.replace(registry.get_family("dcgan"), from_data=("image_size", "channels"))
    assert family.config_for_data({"image_size": 0, "channels": None}) == {}
    assert family.config_for_data({}) == {}
