"""What every model family shares: a JSON-able config and a family descriptor.

A family module (``ganstudio/models/<family>.py``) defines, bottom-up:

* a ``Config`` dataclass subclassing :class:`GanConfig` -- every constructor argument, with defaults;
* its layers, the generator and the discriminator (or critic);
* ``FAMILY = Family(...)``: everything the rest of the code asks about the family -- the classes of each
  checkpoint component, the tasks it serves, its display label, what its generator is called with, which
  config fields the training data sets, how ``ganstudio eval`` measures it, and its trainer.

The registry (``ganstudio/registry.py``) lists the ``FAMILY`` objects explicitly.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

import torch
from torch import nn

from .. import options

from ..errors import GanStudioError


class ConfigError(GanStudioError):
    """A config dict does not describe a valid model of its family."""


@dataclass
class GanConfig:
    """Base class of family configs: plain JSON values only (int, float, str, bool, lists)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "GanConfig":
        """Rebuild a config, refusing keys the family does not know (a typo must not pass silently)."""
        bad = [k for k, v in values.items() if not _all_finite(v)]
        if bad:
            raise ConfigError(f"{cls.__qualname__}: {', '.join(bad)} must be finite numbers (not NaN or infinity)")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"{cls.__module__}.{cls.__qualname__}: unknown config keys {unknown}")
        fixed = {}
        for f in dataclasses.fields(cls):
            if f.name in values:
                v = values[f.name]
                # JSON has no tuples: give tuple-typed fields their tuples back.
                if isinstance(v, list) and "tuple" in str(f.type):
                    v = tuple(v)
                fixed[f.name] = v
        try:
            return cls(**fixed)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{cls.__qualname__}: {e}") from e


def _all_finite(value: Any) -> bool:
    """Whether every number in a JSON value is finite (``json.loads`` reads 1e400 as infinity and accepts NaN)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_all_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    return True


class Task(str, enum.Enum):
    """What a family's generator is called with, and hence which tab serves it."""

    RANDOM = "random"            # G(z)                      -> image
    CONDITIONAL = "conditional"  # G(z, labels[, codes])     -> image of the asked class
    TRANSLATE = "translate"      # G(x) / G(segmap)          -> image of the other domain
    EDIT = "edit"                # G(x, c)                   -> x with attributes c
    STYLE = "style"              # G(z or W/W+, noise...)    -> image, with style mixing
    POINTS = "points"            # G(z)                      -> 1-D / 2-D points (toy data; no app tab)


class GeneratorInput(str, enum.Enum):
    """One positional argument of a generator's ``forward``, in call order (``Family.inputs``)."""

    LATENT = "latent"          # z from ``generator.sample_latent(n, rng)``; [n, 0] (no latent) may be left out
    CLASSES = "classes"        # class ids, LongTensor [B] below ``config.num_classes``
    CODES = "codes"            # continuous codes [B, config.num_continuous] in [-1, 1]; left out when 0 of them
    IMAGE = "image"            # image [B, in_channels (or channels), H, W] in [-1, 1]
    LABEL_MAP = "label_map"    # one-hot label map [B, config.num_labels, H, W]
    ATTRIBUTES = "attributes"  # target attributes [B, config.c_dim] in {0, 1}


class Evaluation(str, enum.Enum):
    """How ``python -m ganstudio eval`` measures a family's models (``ganstudio/metrics/measure.py``)."""

    SAMPLES = "samples"          # FD / KID / precision / recall of samples; class accuracy when G takes classes
    TRANSLATION = "translation"  # L1 to paired ground truth, FD / KID of outputs; cycle metrics with generator_ba
    EDITS = "edits"              # every single-attribute edit of held-out images: FD / KID, attribute accuracy
    POINTS = "points"            # FD / KID / mode coverage on raw points (no classifier)


# Config fields a training dataset can decide (``Family.from_data``), and what decides each:
DATA_FIELDS: dict[str, str] = {
    "image_size": "the side of the dataset's images",
    "channels": "channels of its (target) images",
    "num_classes": "the number of its class names",
    "c_dim": "the number of its attribute names",
    "num_labels": "the number of entries in its label-map palette",
    "in_channels": "channels of its input images (translation pairs)",
    "dim": "the dimension of its points (toy data)",
}


@dataclass(frozen=True, kw_only=True)
class Family:
    """Descriptor of one model family: everything the code outside the family's module asks about it.

    ``components`` maps a checkpoint component name to a callable ``(config) -> nn.Module``.
    ``generator`` is always present and is stored as ``model.safetensors``; any other component
    ``name`` is stored as ``name.safetensors`` (e.g. ``discriminator``, ``generator_ba``).
    """

    name: str
    label: str  # how people write the name ("AC-GAN"); the registry name is a lower-case identifier
    config_class: type[GanConfig]
    components: Mapping[str, Callable[[Any], nn.Module]]
    tasks: tuple[Task, ...]
    # what ``generator(*args)`` takes, in order (the benchmark and ``eval`` build their calls from it)
    inputs: tuple[GeneratorInput, ...]
    evaluation: Evaluation
    # the trainer class as "module:Class", imported on use by ``ganstudio.train.trainer_for``; None: not trainable
    trainer: str | None = None
    # config fields (keys of DATA_FIELDS) the training dataset sets unless the user overrides them
    from_data: tuple[str, ...] = ()
    description: str = ""
    # Components a checkpoint may omit (the discriminator is only needed for training / D's guesses).
    optional: tuple[str, ...] = ("discriminator",)
    # (width, height) of the image on which ``python -m ganstudio bench`` checks the app's speed targets with
    # this family's generator; None for every family but the one that row measures
    bench_target: tuple[int, int] | None = None

    FILE_OF_GENERATOR: ClassVar[str] = "model.safetensors"

    @staticmethod
    def file_of(component: str) -> str:
        return Family.FILE_OF_GENERATOR if component == "generator" else f"{component}.safetensors"

    def build(self, component: str, config: GanConfig) -> nn.Module:
        if component not in self.components:
            raise ConfigError(
                f"family {self.name!r} has no component {component!r} (it has {sorted(self.components)})"
            )
        try:
            with _AllocationBudget(f"{self.name} {component}", options.MAX_COMPONENT_PARAMS):
                return self.components[component](config)
        except ConfigError:
            raise
        except (RuntimeError, ValueError, TypeError, ZeroDivisionError) as e:
            # a value the config's own checks let through (e.g. a negative width): torch refuses to build it
            raise ConfigError(f"{self.name} config {config.to_dict()} does not build: {e}") from e

    def config_for_data(self, data: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Config values for training on a dataset: ``overrides``, plus each ``from_data`` field the dataset
        decides (``data``: DATA_FIELDS name -> value; a missing, None or 0 value decides nothing)."""
        values = dict(overrides or {})
        for key in self.from_data:
            if key not in values and data.get(key):
                values[key] = data[key]
        return values


_FACTORIES = (torch.empty, torch.zeros, torch.ones, torch.full, torch.randn, torch.rand, torch.empty_strided)


class _AllocationBudget(torch.overrides.TorchFunctionMode):
    """Counts the numbers the tensor factories are asked for while a network is built, and refuses the request
    that would take the total over ``limit`` *before* it is allocated, with a sentence that says the limit."""

    def __init__(self, what: str, limit: int):
        super().__init__()
        self.what, self.limit, self.total = what, limit, 0

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001 - torch's protocol
        if func in _FACTORIES and args:
            size = args[0] if isinstance(args[0], (tuple, list, torch.Size)) else args
            if func is torch.full:
                size = args[0]
            try:
                self.total += math.prod(int(s) for s in size)
            except (TypeError, ValueError):
                pass
            if self.total > self.limit:
                raise ConfigError(f"this config makes a {self.what} of more than {self.limit / 1e6:,.0f} M numbers "
                                  f"({self.limit * 4 / 2**30:.1f} GB in fp32), the limit per network; it was refused "
                                  "before that memory was taken")
        return func(*args, **(kwargs or {}))


def init_normal_(module: nn.Module, std: float = 0.02) -> None:
    """DCGAN-style init: conv/linear weights N(0, std), norm weights N(1, std), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, std)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d, nn.InstanceNorm2d)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def latent_normal(n: int, shape: tuple[int, ...], generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal latents drawn on the CPU from ``generator`` (so a seed gives the same z anywhere)."""
    return torch.randn((n, *shape), generator=generator)


__all__ = [
    "ConfigError",
    "GanConfig",
    "Task",
    "GeneratorInput",
    "Evaluation",
    "DATA_FIELDS",
    "Family",
    "init_normal_",
    "count_params",
    "latent_normal",
    "field",
]
