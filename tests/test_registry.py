"""The family registry: lookup errors, and every registered family module that exists is consistent."""

from __future__ import annotations

import importlib.util

import pytest
from torch import nn

from ganstudio import registry
from ganstudio.models.base import Family, GanConfig, Task


def test_unknown_family_lists_the_known_ones():
    with pytest.raises(registry.UnknownFamilyError) as info:
        registry.get_family("nopegan")
    msg = str(info.value)
    assert msg.startswith("unknown model family 'nopegan'; known: ")
    for name in registry.FAMILY_MODULES:
        assert name in msg
    assert isinstance(info.value, KeyError)  # and str() is the plain message, not a quoted repr
    assert not msg.startswith('"')


def test_family_names_are_the_table():
    assert registry.family_names() == list(registry.FAMILY_MODULES)
    assert "dcgan" in registry.family_names()


def test_module_paths_follow_the_layout():
    for name, path in registry.FAMILY_MODULES.items():
        assert path == f"ganstudio.models.{name}"


@pytest.mark.parametrize("name", list(registry.FAMILY_MODULES))
def test_registered_family_imports_and_matches(name):
    path = registry.FAMILY_MODULES[name]
    if importlib.util.find_spec(path) is None:
        pytest.skip(f"{path} is not written yet")
    family = registry.get_family(name)
    assert isinstance(family, Family)
    assert family.name == name
    assert issubclass(family.config_class, GanConfig)
    assert "generator" in family.components
    assert family.tasks and all(isinstance(t, Task) for t in family.tasks)
    assert set(family.optional) <= set(family.components) | {"discriminator"}
    # the default config builds a config that round-trips through JSON-able dicts
    cfg = family.config_class()
    assert family.config_class.from_dict(cfg.to_dict()) == cfg
    assert registry.get_family(name) is family  # imported once


def test_dcgan_components_build():
    family = registry.get_family("dcgan")
    cfg = family.config_class(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16)
    for component in family.components:
        assert isinstance(family.build(component, cfg), nn.Module)
