"""The shared training loop's view of a dataset: which config values the data decides."""

from ganstudio import registry
from ganstudio.data import DatasetInfo
from ganstudio.models.base import DATA_FIELDS
from ganstudio.train.common import data_facts


def test_data_facts_name_every_data_field():
    assert set(data_facts(DatasetInfo("x"))) == set(DATA_FIELDS)


def test_each_family_takes_what_the_dataset_says_about_its_own_fields():
    people = DatasetInfo("people", image_size=32, channels=3, attribute_names=["a", "b", "c"])
    digits = DatasetInfo("digits", image_size=28, channels=1, class_names=[str(i) for i in range(10)])
    labels = DatasetInfo("maps", image_size=64, palette=[{"name": "sky", "color": [0, 0, 255]}] * 4,
                         extra={"in_channels": 4})
    points = DatasetInfo("points", extra={"dim": 2})
    assert registry.get_family("stargan").config_for_data(data_facts(people)) == {
        "image_size": 32, "channels": 3, "c_dim": 3}
    assert registry.get_family("acgan").config_for_data(data_facts(digits), {"num_classes": 3}) == {
        "image_size": 28, "channels": 1, "num_classes": 3}
    assert registry.get_family("dcgan").config_for_data(data_facts(digits)) == {"image_size": 28, "channels": 1}
    assert registry.get_family("spade").config_for_data(data_facts(labels)) == {
        "image_size": 64, "channels": 3, "num_labels": 4}
    assert registry.get_family("pix2pix").config_for_data(data_facts(labels)) == {
        "image_size": 64, "channels": 3, "in_channels": 4}
    assert registry.get_family("toy").config_for_data(data_facts(points)) == {"dim": 2}
