"""ganstudio.options: every choice is a Literal whose values are its tuple, checked once by choice()."""

import typing

import pytest

from ganstudio import losses, options, runtime
from ganstudio.errors import InputError
from ganstudio.models import stylegan2
from ganstudio.models.base import Task

CHOICES = {  # tuple -> its Literal type
    "PRECISIONS": "Precision", "TASKS": "TaskName", "LOSS_KINDS": "LossKind", "OPTIMIZERS": "OptimizerName",
    "FIT_MODES": "FitMode", "TRANSLATE_MODES": "TranslateMode", "EDIT_MODES": "EditMode",
    "DIRECTIONS": "Direction", "NOISE_MODES": "NoiseMode", "STYLE_PRESETS": "StylePreset",
    "INTERP_SPACES": "InterpSpace", "ANIMATION_FORMATS": "AnimationFormat", "FRAMINGS": "Framing",
    "WALK_MODES": "WalkMode", "VIDEO_FORMATS": "VideoFormat",
}


@pytest.mark.parametrize("values, alias", CHOICES.items())
def test_each_tuple_is_its_literal(values, alias):
    assert getattr(options, values) == typing.get_args(getattr(options, alias))
    assert len(set(getattr(options, values))) == len(getattr(options, values))


def test_defaults_are_among_their_choices():
    assert options.DEFAULT_FIT in options.FIT_MODES
    assert options.DEFAULT_TRANSLATE_MODE in options.TRANSLATE_MODES
    assert options.DEFAULT_NOISE_MODE in options.NOISE_MODES
    assert options.DEFAULT_ANIMATION_FORMAT in options.ANIMATION_FORMATS
    assert set(options.NORM_MODE_ALIASES.values()) <= set(options.EDIT_MODES) & set(options.TRANSLATE_MODES)
    assert not set(options.NORM_MODE_ALIASES) & set(options.TRANSLATE_MODES + options.EDIT_MODES)


def test_the_core_uses_the_same_choices():
    assert tuple(t.value for t in Task) == options.TASKS
    assert losses.LOSSES == options.LOSS_KINDS == tuple(losses.LOSS_SPECS)
    assert {s.optimizer for s in losses.LOSS_SPECS.values()} <= set(options.OPTIMIZERS)
    assert stylegan2.NOISE_MODES is options.NOISE_MODES
    assert runtime.PRECISIONS is options.PRECISIONS


def test_choice_checks_once_and_maps_old_names():
    assert options.choice("mode", "eval", options.EDIT_MODES) == "eval"
    assert options.choice("mode", "reference", options.EDIT_MODES, options.NORM_MODE_ALIASES) == "per-image"
    assert options.choice("mode", "deterministic", options.TRANSLATE_MODES, options.NORM_MODE_ALIASES) == "per-image"
    for bad in ("reference", "EVAL", None, 3, ["eval"]):  # no aliases given: an old name is refused too
        with pytest.raises(InputError, match="^mode must be one of per-image, eval; got "):
            options.choice("mode", bad, options.EDIT_MODES)
    with pytest.raises(InputError, match="precision must be one of exact, fast"):
        runtime.check_precision("half")

