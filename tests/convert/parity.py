"""Parity fixtures: weights rebuilt from a seed, written in each published format, plus reference outputs.

A fixture (``tests/fixtures/parity/<name>.json``) stores the reference network's state-dict layout (key,
shape, dtype, and the values of fixed buffers such as FIR kernels), the weight seed and scheme, the inputs'
seeds and shapes, and slices of the reference implementation's outputs. ``make_weights`` rebuilds the same
tensors here without the reference code; the tests write them in the published format, convert them and
compare our generator's outputs with the stored slices.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import math
import pickle
import re
import sys
import types
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parity"
SLICE = 256  # output values stored per run, evenly spaced over the flattened output
TOLERANCE = 1e-5  # max |ours - reference| in fp32

# Embedded "module source" in the mimic NVIDIA pickles: running it would set this flag.
EXEC_FLAG = "_GANSTUDIO_PICKLE_SOURCE_EXECUTED"
SENTINEL_SOURCE = f"import builtins\nbuiltins.{EXEC_FLAG} = True\n"

_DTYPES = {"float32": torch.float32, "int64": torch.int64, "float64": torch.float64}


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def fixture_names(prefix: str = "") -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob(f"{prefix}*.json"))


# ---------------------------------------------------------------------------------------------
# weights and inputs


def _stylegan_tensor(key: str, shape: tuple[int, ...], g: torch.Generator) -> torch.Tensor:
    """Weights in the range trained StyleGAN2 nets have, for both rosinality and NVlabs names."""
    leaf = key.rsplit(".", 1)[-1]
    randn = lambda: torch.randn(shape, generator=g)  # noqa: E731
    if re.match(r"(style\.\d+|mapping\.fc\d+)\.", key):  # lr_mul 0.01: stored values are 100x the effective ones
        return randn() * (100.0 if leaf == "weight" else 10.0)
    if key.endswith(("modulation.bias", "affine.bias")):
        return 1.0 + 0.1 * randn()
    if leaf in ("noise_strength",) or key.endswith("noise.weight"):
        return 0.1 * randn()
    if leaf in ("latent_avg", "w_avg"):
        return 0.5 * randn()
    if leaf == "bias" or key.endswith("activate.bias"):
        return 0.1 * randn()
    return randn()  # equalised-lr weights, constant input, noise buffers


def _fan_in_tensor(key: str, shape: tuple[int, ...], g: torch.Generator) -> torch.Tensor:
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "running_var":
        return 0.75 + 0.5 * torch.rand(shape, generator=g)
    if leaf == "running_mean":
        return 0.1 * torch.randn(shape, generator=g)
    if len(shape) >= 2:
        fan_in = math.prod(shape[1:])
        return torch.randn(shape, generator=g) / math.sqrt(fan_in)
    if leaf == "weight":
        return 1.0 + 0.1 * torch.randn(shape, generator=g)
    return 0.1 * torch.randn(shape, generator=g)


def make_weights(layout: list[list[Any]], seed: int, scheme: str) -> "OrderedDict[str, torch.Tensor]":
    """The state dict a fixture describes: entries ``[key, shape, dtype, fixed values or None]`` in order."""
    g = torch.Generator().manual_seed(seed)
    out: OrderedDict[str, torch.Tensor] = OrderedDict()
    for key, shape, dtype, fixed in layout:
        shape = tuple(shape)
        if fixed is not None:
            out[key] = torch.tensor(fixed, dtype=_DTYPES[dtype]).reshape(shape)
        elif dtype == "int64":
            out[key] = torch.tensor(100, dtype=torch.int64).reshape(shape)
        elif scheme == "stylegan":
            out[key] = _stylegan_tensor(key, shape, g)
        elif scheme == "fan_in":
            out[key] = _fan_in_tensor(key, shape, g)
        else:
            raise ValueError(f"unknown weight scheme {scheme!r}")
    return out


def make_input(spec: dict[str, Any]) -> torch.Tensor:
    """An input tensor: ``{"values": ...[, "dtype": "int64"]}`` (labels), or ``{"shape", "seed", "kind": normal |
    uniform}``."""
    if "values" in spec:
        return torch.tensor(spec["values"], dtype=_DTYPES[spec.get("dtype", "float32")])
    g = torch.Generator().manual_seed(spec["seed"])
    shape = tuple(spec["shape"])
    if spec["kind"] == "normal":
        return torch.randn(shape, generator=g)
    if spec["kind"] == "uniform":  # an image in [-1, 1]
        return torch.rand(shape, generator=g) * 2 - 1
    raise ValueError(spec["kind"])


def take_slice(x: torch.Tensor, n: int = SLICE) -> list[float]:
    flat = x.detach().double().flatten()
    idx = torch.linspace(0, flat.numel() - 1, steps=min(n, flat.numel())).long()
    return flat[idx].tolist()


def describe_output(x: torch.Tensor) -> dict[str, Any]:
    return {"shape": list(x.shape), "values": take_slice(x), "mean": float(x.double().mean()),
            "abs_mean": float(x.double().abs().mean())}


def max_abs_diff(ours: torch.Tensor, expected: dict[str, Any]) -> float:
    ours = ours.detach()
    assert list(ours.shape) == expected["shape"], (list(ours.shape), expected["shape"])
    got = torch.tensor(take_slice(ours), dtype=torch.float64)
    want = torch.tensor(expected["values"], dtype=torch.float64)
    diff = float((got - want).abs().max())
    diff = max(diff, abs(float(ours.double().mean()) - expected["mean"]),
               abs(float(ours.double().abs().mean()) - expected["abs_mean"]))
    return diff


# ---------------------------------------------------------------------------------------------
# published formats


def write_state_dict(path: Path, tensors: dict[str, torch.Tensor], container: str | None = None,
                     prefix: str = "", extra: dict[str, Any] | None = None, legacy: bool = False) -> Path:
    """``torch.save`` of a state dict, optionally with a key prefix and inside a container dict."""
    sd = OrderedDict((prefix + k, v) for k, v in tensors.items())
    obj: Any = sd if container is None else {container: sd, **(extra or {})}
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    return path


class _Persistent:
    """Pickles the way an NVIDIA persistent-class instance does: its reconstructor, class name, source, state."""

    def __init__(self, class_name: str, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor],
                 modules: dict[str, "_Persistent"], init_kwargs: dict[str, Any] | None = None):
        self.class_name = class_name
        self.params, self.buffers, self.modules = params, buffers, modules
        self.init_kwargs = init_kwargs or {}

    def __reduce__(self):
        state = {
            "training": False,
            "_parameters": OrderedDict((k, torch.nn.Parameter(v, requires_grad=False)) for k, v in self.params.items()),
            "_buffers": OrderedDict(self.buffers),
            "_non_persistent_buffers_set": set(),
            "_backward_hooks": OrderedDict(),
            "_forward_hooks": OrderedDict(),
            "_forward_pre_hooks": OrderedDict(),
            "_state_dict_hooks": OrderedDict(),
            "_load_state_dict_pre_hooks": OrderedDict(),
            "_modules": OrderedDict(self.modules),
            "_init_args": (),
            "_init_kwargs": _EasyDict(self.init_kwargs),
            "weight_gain": np.float64(0.125),  # NVIDIA modules keep numpy scalars in their state
        }
        meta = dict(type="class", version=6, module_src=SENTINEL_SOURCE, class_name=self.class_name, state=state)
        return (_reconstruct_persistent_obj, (meta,))


def _reconstruct_persistent_obj(meta):  # pragma: no cover - only its name is pickled
    raise RuntimeError("never called")


class _EasyDict(dict):
    pass


@contextlib.contextmanager
def _nvidia_names() -> Iterator[None]:
    """Register stand-in modules so pickle writes NVIDIA's global names (torch_utils.persistence, dnnlib.util)."""
    mods = {name: types.ModuleType(name) for name in ("torch_utils", "torch_utils.persistence", "dnnlib", "dnnlib.util")}
    mods["torch_utils.persistence"]._reconstruct_persistent_obj = _reconstruct_persistent_obj
    mods["dnnlib.util"].EasyDict = _EasyDict
    saved = {}
    old = (_reconstruct_persistent_obj.__module__, _EasyDict.__module__, _EasyDict.__qualname__)
    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _EasyDict.__module__ = "dnnlib.util"
    _EasyDict.__qualname__ = "EasyDict"
    try:
        for name, m in mods.items():
            saved[name] = sys.modules.get(name)
            sys.modules[name] = m
        yield
    finally:
        _reconstruct_persistent_obj.__module__, _EasyDict.__module__, _EasyDict.__qualname__ = old
        for name, m in saved.items():
            if m is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = m


NVLABS_BUFFERS = ("resample_filter", "noise_const", "w_avg")


def _tree(tensors: dict[str, torch.Tensor], classes: dict[str, str], init_kwargs: dict[str, Any]) -> _Persistent:
    nodes: dict[str, _Persistent] = {}

    def node(path: str) -> _Persistent:
        if path not in nodes:
            nodes[path] = _Persistent(classes.get(path, "Module"), OrderedDict(), OrderedDict(), OrderedDict(),
                                      init_kwargs if path == "" else None)
            if path:
                parent, _, name = path.rpartition(".")
                node(parent).modules[name] = nodes[path]
        return nodes[path]

    node("")
    for key, value in tensors.items():
        path, _, leaf = key.rpartition(".")
        target = node(path)
        (target.buffers if leaf in NVLABS_BUFFERS else target.params)[leaf] = value
    return nodes[""]


def write_nvlabs_pickle(path: Path, g_ema: dict[str, torch.Tensor], g: dict[str, torch.Tensor],
                        classes: dict[str, str], init_kwargs: dict[str, Any]) -> Path:
    """A ``network-snapshot.pkl`` shaped like NVIDIA's: persistent G, D, G_ema objects whose source is a sentinel."""
    snapshot = {
        "training_set_kwargs": {"class_name": "training.dataset.ImageFolderDataset", "path": "data.zip",
                                "use_labels": False, "resolution": init_kwargs.get("img_resolution")},
        "G": _tree(g, classes, init_kwargs),
        "D": _Persistent("Discriminator", OrderedDict(), OrderedDict(), OrderedDict()),
        "G_ema": _tree(g_ema, classes, init_kwargs),
        "augment_pipe": None,
    }
    with _nvidia_names(), open(path, "wb") as f:
        pickle.dump(snapshot, f, protocol=4)
    return path


def source_was_executed() -> bool:
    return bool(getattr(builtins, EXEC_FLAG, False))
