"""What every model family shares: a JSON-able config and a family descriptor.

A family module (``ganstudio/models/<family>.py``) defines, bottom-up:

* a ``Config`` dataclass subclassing :class:`GanConfig` -- every constructor argument, with defaults;
* its layers, the generator and the discriminator (or critic);
* ``FAMILY = Family(...)``: everything the rest of the code asks about the family -- the classes of each
  checkpoint component, the tasks it serves, its display label, what its generator is called with, which
  config fields the training data sets, how ``ganstudio eval`` measures it, and its trainer.

The registry (``ganstudio/registry.py``) lists the ``FAMILY`` objects explicitly. What a generator of each
task provides is a ``typing.Protocol`` below (:data:`TASK_CONTRACTS`, ``Task.protocol``); the tests check every
family against the contracts of its tasks with :func:`contract_gaps`.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import math
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping, Protocol, runtime_checkable

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

    @property
    def protocol(self) -> type:
        """The ``Protocol`` every generator of this task satisfies (e.g. :class:`ConditionalGenerator`)."""
        return TASK_CONTRACTS[self].generator

    @property
    def config_protocol(self) -> type:
        """The ``Protocol`` every config of a family with this task satisfies (e.g. :class:`ConditionalConfig`)."""
        return TASK_CONTRACTS[self].config


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


# ---------------------------------------------------------------------------------------------
# What each task's generator provides. A data tensor a caller passes by position (z, x) is positional-only
# here, since families name it differently (StyleGAN2's ``latent``, SPADE's ``segmap``); every other argument
# is called by its name, so the names are part of the contract. Generators output [B, channels, H, W] in
# [-1, 1] (the points family: [B, dim]); latents are drawn on the CPU so that a seed gives the same image on
# every device.


@runtime_checkable
class RandomGenerator(Protocol):
    """``Task.RANDOM``: z -> image."""

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` latents [n, ...] drawn on the CPU from ``generator``."""

    def forward(self, z: torch.Tensor, /) -> torch.Tensor:
        """z [B, ...] -> image [B, channels, H, W]."""


@runtime_checkable
class ConditionalGenerator(Protocol):
    """``Task.CONDITIONAL``: (z, class labels) -> image of the asked classes."""

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` latents [n, ...] drawn on the CPU from ``generator``."""

    def forward(self, z: torch.Tensor, /, labels: torch.Tensor) -> torch.Tensor:
        """(z [B, ...], labels LongTensor [B] in 0..num_classes-1) -> image [B, channels, H, W]."""


@runtime_checkable
class CodedGenerator(ConditionalGenerator, Protocol):
    """A conditional generator that also takes continuous codes (InfoGAN); its config has ``num_continuous``."""

    def sample_codes(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` continuous codes [n, num_continuous] drawn on the CPU."""

    def forward(self, z: torch.Tensor, /, labels: torch.Tensor, codes: torch.Tensor | None = None) -> torch.Tensor:
        """(z, labels [B], codes [B, num_continuous] or None = the middle of each range) -> image."""


@runtime_checkable
class TranslateGenerator(Protocol):
    """``Task.TRANSLATE``: image (or one-hot label map) of domain A -> image of domain B, same size.

    A reverse direction (CycleGAN, DiscoGAN) is the component ``generator_ba``, with the same contract.
    """

    size_multiple: int  # the input's sides must divide by it

    def forward(self, x: torch.Tensor, /) -> torch.Tensor:
        """x [B, in_channels, H, W] -> image [B, channels, H, W]."""


@runtime_checkable
class EditGenerator(Protocol):
    """``Task.EDIT``: (image, target attributes) -> the image with those attributes."""

    size_multiple: int  # the input's sides must divide by it

    def forward(self, x: torch.Tensor, /, c: torch.Tensor) -> torch.Tensor:
        """(x [B, channels, H, W], c [B, c_dim] in [0, 1]) -> image [B, channels, H, W]."""


@runtime_checkable
class StyleGenerator(RandomGenerator, Protocol):
    """``Task.STYLE``: z -> w (mapping) -> W+ [B, n_latent, style_dim] -> image (synthesis), with truncation,
    style mixing and per-layer noise."""

    size: int  # output side
    n_latent: int  # rows of W+
    style_dim: int
    num_noise_layers: int
    latent_avg: torch.Tensor  # mean w [style_dim], the centre of truncation

    def mapping(self, z: torch.Tensor, /) -> torch.Tensor:
        """z [B, style_dim] -> w [B, style_dim]."""

    def mean_latent(self, n: int = 4096, generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean of ``mapping`` over ``n`` random z -> [style_dim]."""

    def broadcast_w(self, w: torch.Tensor, /) -> torch.Tensor:
        """w [B, style_dim] -> W+ [B, n_latent, style_dim]."""

    def truncate(self, ws: torch.Tensor, psi: float, cutoff: int | None = None) -> torch.Tensor:
        """W+ pulled towards ``latent_avg`` by ``psi`` (rows below ``cutoff``; None: all)."""

    def layer_groups(self) -> dict[str, list[int]]:
        """W+ rows of the "coarse", "middle" and "fine" style-mixing presets."""

    def noise_resolution(self, i: int) -> int:
        """Side of noise input ``i``."""

    def random_noise(self, batch: int, generator: torch.Generator | None = None) -> list[torch.Tensor]:
        """One fresh noise map per noise input, drawn on the CPU."""

    def synthesis(self, ws: torch.Tensor, noise: Any = None, noise_mode: str = "const",
                  noise_strength: Any = 1.0) -> torch.Tensor:
        """W+ [B, n_latent, style_dim] and noise -> image [B, channels, size, size]."""

    def forward(self, z: torch.Tensor, /, *, psi: float = 1.0, cutoff: int | None = None) -> torch.Tensor:
        """z -> image, truncated by ``psi`` / ``cutoff``."""


@runtime_checkable
class PointsGenerator(Protocol):
    """``Task.POINTS``: z -> points [B, dim] (toy data)."""

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` latents [n, latent_dim] drawn on the CPU from ``generator``."""

    def forward(self, z: torch.Tensor, /) -> torch.Tensor:
        """z [B, latent_dim] -> points [B, dim]."""


@runtime_checkable
class ClassifyingDiscriminator(Protocol):
    """A discriminator with a class head (ACGAN, SGAN, InfoGAN's Q): what the app's "D's guess" reads."""

    def classify(self, x: torch.Tensor, /) -> torch.Tensor:
        """image [B, channels, H, W] -> class logits [B, num_classes]."""


# What each task's config provides (besides what its family adds).


@runtime_checkable
class ImageConfig(Protocol):
    """Every image family's config: the output side and channels."""

    image_size: int
    channels: int


@runtime_checkable
class ConditionalConfig(ImageConfig, Protocol):
    num_classes: int


@runtime_checkable
class CodedConfig(ConditionalConfig, Protocol):
    num_continuous: int


@runtime_checkable
class TranslateConfig(ImageConfig, Protocol):
    in_channels: int  # domain A's channels (SPADE: the labels of the one-hot map)


@runtime_checkable
class EditConfig(ImageConfig, Protocol):
    c_dim: int  # attributes


@runtime_checkable
class PointsConfig(Protocol):
    dim: int  # 1 or 2


@dataclass(frozen=True)
class Contract:
    """What a family serving one task provides: its generator components' protocol and its config's."""

    generator: type
    config: type


TASK_CONTRACTS: dict[Task, Contract] = {
    Task.RANDOM: Contract(RandomGenerator, ImageConfig),
    Task.CONDITIONAL: Contract(ConditionalGenerator, ConditionalConfig),
    Task.TRANSLATE: Contract(TranslateGenerator, TranslateConfig),
    Task.EDIT: Contract(EditGenerator, EditConfig),
    Task.STYLE: Contract(StyleGenerator, ImageConfig),
    Task.POINTS: Contract(PointsGenerator, PointsConfig),
}


def _protocol_members(protocol: type) -> tuple[dict[str, Any], dict[str, Callable[..., Any]]]:
    """(data members with their types, methods) a protocol declares, its bases' included."""
    hints = typing.get_type_hints(protocol)
    data: dict[str, Any] = {}
    methods: dict[str, Callable[..., Any]] = {}
    for klass in reversed(protocol.__mro__):
        if klass in (object, Protocol, typing.Generic):
            continue
        for name in klass.__dict__.get("__annotations__", {}):
            data[name] = hints[name]
        methods.update({name: v for name, v in klass.__dict__.items() if inspect.isfunction(v)
                        and not name.startswith("_")})
    return data, methods


def _signature_gaps(name: str, want: inspect.Signature, have: inspect.Signature) -> list[str]:
    """Why a method with signature ``have`` cannot be called as ``want`` says (empty: it can)."""
    P = inspect.Parameter
    params = list(have.parameters.values())
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    by_name = {p.name: p for p in params if p.kind in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY)}
    var_pos = any(p.kind == P.VAR_POSITIONAL for p in params)
    var_kw = any(p.kind == P.VAR_KEYWORD for p in params)
    gaps, used = [], set()
    for i, p in enumerate(want.parameters.values()):
        if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
            if i >= len(positional):
                if not var_pos:
                    gaps.append(f"{name}() takes no argument {i + 1} ({p.name!r})")
                continue
            q = positional[i]
            if p.kind == P.POSITIONAL_OR_KEYWORD and (q.name != p.name or q.kind != p.kind):
                gaps.append(f"{name}() calls argument {i + 1} {q.name!r}; the contract calls it {p.name!r}")
        elif p.kind == P.KEYWORD_ONLY:
            q = by_name.get(p.name)
            if q is None:
                if not var_kw:
                    gaps.append(f"{name}() takes no keyword argument {p.name!r}")
                continue
        else:
            continue
        used.add(q.name)
        if p.default is not P.empty and q.default is P.empty:
            gaps.append(f"{name}() requires {q.name!r}, which the contract lets callers leave out")
    for q in params:
        if q.name not in used and q.default is P.empty and q.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            gaps.append(f"{name}() requires {q.name!r}, which the contract does not pass")
    return gaps


def contract_gaps(obj: Any, protocol: type) -> list[str]:
    """What ``obj`` lacks to satisfy ``protocol`` (empty: nothing).

    Stricter than ``isinstance`` against a runtime-checkable protocol, which only asks whether the names exist:
    data members must have their declared type, and each method must accept the protocol's call -- the same
    positional arguments, the same argument names, defaults where the protocol has them, and no other
    required argument.
    """
    data, methods = _protocol_members(protocol)
    gaps = []
    for name, kind in data.items():
        if not hasattr(obj, name):
            gaps.append(f"no attribute {name!r}")
        elif isinstance(kind, type) and (not isinstance(getattr(obj, name), kind)
                                         or (kind is int and isinstance(getattr(obj, name), bool))):
            gaps.append(f"{name} is a {type(getattr(obj, name)).__name__}, not {kind.__name__}")
    for name, method in methods.items():
        impl = getattr(obj, name, None)
        if not callable(impl):
            gaps.append(f"no method {name}()")
            continue
        want = inspect.signature(method)
        want = want.replace(parameters=list(want.parameters.values())[1:])  # without self
        gaps += _signature_gaps(name, want, inspect.signature(impl))
    return [f"{type(obj).__name__} ({protocol.__name__}): {g}" for g in gaps]


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
    "RandomGenerator",
    "ConditionalGenerator",
    "CodedGenerator",
    "TranslateGenerator",
    "EditGenerator",
    "StyleGenerator",
    "PointsGenerator",
    "ClassifyingDiscriminator",
    "ImageConfig",
    "ConditionalConfig",
    "CodedConfig",
    "TranslateConfig",
    "EditConfig",
    "PointsConfig",
    "Contract",
    "TASK_CONTRACTS",
    "contract_gaps",
    "init_normal_",
    "count_params",
    "latent_normal",
    "field",
]
