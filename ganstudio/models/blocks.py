"""Small helpers that several model families share and that carry no state-dict keys.

Anything here computes sizes or wires components; it never creates a module whose keys a published layout
fixes (such code stays in the family's file, and a family that needs the same layers keeps a copy marked
``# Copied from ganstudio.models.<module>.<name>``, which ``ganstudio/models/copies.py`` keeps identical).
"""

from __future__ import annotations

import math
from typing import Any, Callable, TypeVar

from torch import nn

from .base import ConfigError

M = TypeVar("M", bound=nn.Module)


def start_and_ups(image_size: int, family: str = "DCGAN") -> tuple[int, int]:
    """(side of the first feature map, number of stride-2 up-sampling layers) for a DCGAN-style stack.

    28 px starts from 7x7 (MNIST), a power of two >= 16 from 4x4: 28 -> (7, 2), 64 -> (4, 4). Any other side
    raises :class:`ConfigError` naming ``family``.
    """
    for start in (4, 7):
        ups = math.log2(image_size / start)
        if image_size >= 16 and ups == int(ups) and ups >= 1:
            return start, int(ups)
    raise ConfigError(f"{family} image_size must be 28 or a power of two >= 16, got {image_size}")


def b_to_a(build: Callable[..., M]) -> Callable[[Any], M]:
    """The builder of a two-direction family's B -> A component: ``build(config, reverse=True)``.

    ``build`` is the A -> B builder (a generator or discriminator class, or a function) taking ``reverse``.
    """

    def build_reverse(config: Any) -> M:
        return build(config, reverse=True)

    name = build.__name__
    build_reverse.__name__ = build_reverse.__qualname__ = f"{name}_ba"
    build_reverse.__doc__ = f"The B -> A {name}: ``{name}(config, reverse=True)``."
    return build_reverse


__all__ = ["b_to_a", "start_and_ups"]
