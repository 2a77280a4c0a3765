"""The explicit registry of model families: family name -> module that defines ``FAMILY``.

Modules are imported on first use, so starting the app does not import every architecture.
An unknown name is an error that lists the known ones.
"""

from __future__ import annotations

import importlib

from .errors import GanStudioError
from .models.base import Family

# name -> module path. To add a family: write ganstudio/models/<name>.py with FAMILY (its trainer in
# ganstudio/train/), add one line here.
FAMILY_MODULES: dict[str, str] = {
    "mlp": "ganstudio.models.mlp",
    "dcgan": "ganstudio.models.dcgan",
    "cgan": "ganstudio.models.cgan",
    "acgan": "ganstudio.models.acgan",
    "sgan": "ganstudio.models.sgan",
    "infogan": "ganstudio.models.infogan",
    "progan": "ganstudio.models.progan",
    "pix2pix": "ganstudio.models.pix2pix",
    "cyclegan": "ganstudio.models.cyclegan",
    "discogan": "ganstudio.models.discogan",
    "spade": "ganstudio.models.spade",
    "stargan": "ganstudio.models.stargan",
    "stylegan2": "ganstudio.models.stylegan2",
    "toy": "ganstudio.models.toy",
}


class UnknownFamilyError(GanStudioError, KeyError):
    """No family of that name is registered."""

    def __str__(self) -> str:  # KeyError's default repr-quotes the message
        return self.args[0]


def family_names() -> list[str]:
    """The registered family names, in registry order."""
    return list(FAMILY_MODULES)


def get_family(name: str) -> Family:
    """The :class:`Family` registered as ``name``; raises :class:`UnknownFamilyError` otherwise."""
    try:
        path = FAMILY_MODULES[name]
    except KeyError:
        raise UnknownFamilyError(f"unknown model family {name!r}; known: {', '.join(FAMILY_MODULES)}") from None
    family = importlib.import_module(path).FAMILY
    if family.name != name:
        raise RuntimeError(f"{path} defines family {family.name!r}, registered as {name!r}")
    return family


def families() -> list[Family]:
    """Every registered :class:`Family`, in registry order (imports every family module)."""
    return [get_family(name) for name in FAMILY_MODULES]
