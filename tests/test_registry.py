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


# ---------------------------------------------------------------------------------------------
# what every family's descriptor says about it


@pytest.mark.parametrize("name", list(registry.FAMILY_MODULES))
def test_registered_family_describes_itself(name):
    import dataclasses

    from ganstudio.models.base import DATA_FIELDS, Evaluation, GeneratorInput
    from ganstudio.train import Trainer, trainer_for

    family = registry.get_family(name)
    assert isinstance(family.label, str) and family.label.strip() == family.label != ""
    assert family.trainer and trainer_for(name) is trainer_for(family)
    assert issubclass(trainer_for(name), Trainer)
    assert family.inputs and all(isinstance(i, GeneratorInput) for i in family.inputs)
    assert len(set(family.inputs)) == len(family.inputs)
    assert isinstance(family.evaluation, Evaluation)
    fields = {f.name for f in dataclasses.fields(family.config_class)}
    assert set(family.from_data) <= set(DATA_FIELDS) and set(family.from_data) <= fields
    # the evaluation matches the task the app serves the family in
    expected = (Evaluation.POINTS if Task.POINTS in family.tasks else Evaluation.TRANSLATION
                if Task.TRANSLATE in family.tasks else Evaluation.EDITS if Task.EDIT in family.tasks
                else Evaluation.SAMPLES)
    assert family.evaluation is expected
    # the config field an input reads is a field of the family's config (SGAN's num_classes is D's alone)
    reads = {GeneratorInput.CLASSES: "num_classes", GeneratorInput.LABEL_MAP: "num_labels",
             GeneratorInput.ATTRIBUTES: "c_dim", GeneratorInput.CODES: "num_continuous"}
    for kind, key in reads.items():
        assert kind not in family.inputs or key in fields, f"{name}: {kind} needs config field {key}"


def test_labels_are_distinct_and_one_family_sets_the_benchmark_target():
    families = registry.families()
    assert [f.name for f in families] == registry.family_names()
    labels = [f.label for f in families]
    assert len(set(labels)) == len(labels)
    targets = [f for f in families if f.bench_target]
    assert len(targets) == 1 and all(isinstance(v, int) and v > 0 for v in targets[0].bench_target)


def test_unknown_and_untrainable_families_have_no_trainer():
    import dataclasses

    from ganstudio.train import NoTrainerError, trainable_families, trainer_for

    assert trainable_families() == registry.family_names()  # every registered family trains today
    with pytest.raises(NoTrainerError, match="no trainer for family 'nopegan'"):
        trainer_for("nopegan")
    frozen = dataclasses.replace(registry.get_family("dcgan"), trainer=None)
    with pytest.raises(NoTrainerError, match="has no trainer"):
        trainer_for(frozen)
    broken = dataclasses.replace(registry.get_family("dcgan"), trainer="ganstudio.train.common:TrainOptions")
    with pytest.raises(TypeError, match="not a Trainer subclass"):
        trainer_for(broken)
