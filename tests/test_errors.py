"""Every error GAN Studio raises on purpose derives from one root, and keeps the built-in base callers catch."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import ganstudio
from ganstudio.errors import GanStudioError, InputError


def _package_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(ganstudio.__path__, "ganstudio."):
        if info.name.startswith("ganstudio.ui"):  # gradio; its errors are checked in tests/ui
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                found.append(obj)
    return found


def test_every_error_class_of_the_package_derives_from_the_root():
    classes = _package_exceptions()
    names = {c.__name__ for c in classes}
    assert {"ConfigError", "CheckpointError", "ModelSourceError", "InferenceError", "ImageInputError",
            "ConvertError", "UnsafeCheckpointError", "UnknownFamilyError", "GanStudioError"} <= names
    assert [c.__name__ for c in classes if not issubclass(c, GanStudioError)] == []


def test_the_root_is_a_value_error_and_subclasses_keep_their_builtin_base():
    from ganstudio.hub import ModelSourceError
    from ganstudio.registry import UnknownFamilyError, get_family

    assert issubclass(GanStudioError, ValueError)
    assert issubclass(ModelSourceError, RuntimeError)
    with pytest.raises(KeyError) as info:
        get_family("no-such-family")
    assert str(info.value).startswith("unknown model family 'no-such-family'")  # not repr-quoted


def test_option_ranges_refuse_nan_infinity_and_non_numbers():
    from ganstudio import options

    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(InputError, match="psi must be a finite number"):
            options.PSI.check("psi", bad)
    with pytest.raises(InputError, match="must be a number"):
        options.PSI.check("psi", "0.5")
    with pytest.raises(InputError, match="between"):
        options.PSI.check("psi", 2.0)
    assert options.PSI.check("psi", 0.5) == 0.5
