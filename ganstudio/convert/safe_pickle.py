"""Reading published checkpoints without executing anything they contain.

Two readers:

* :func:`load_torch_file` -- ``.pth`` / ``.pt`` / ``.ckpt`` files through ``torch.load(weights_only=True)``.
  rosinality's StyleGAN2 training checkpoints also hold ``args``, an ``argparse.Namespace``, which
  ``weights_only`` refuses; when the file's only unknown global is exactly that class, it is allowed
  for that one load (a Namespace is rebuilt by setting attributes: no code of the file runs).
* :func:`load_nvlabs_pickle` -- NVIDIA StyleGAN2-ADA / StyleGAN3 network pickles. Each network in them
  is a "persistent class" whose pickled state carries the source code of its Python module, and plain
  unpickling ``exec``\\ s that source. :class:`NVLabsUnpickler` resolves only an allowlist of globals
  (tensor and storage rebuilds, numpy scalars and arrays of plain dtypes, ``OrderedDict``, ``set``) and
  maps NVIDIA's reconstructor to :class:`PersistentObject`, an inert record of the class name and state.
  The embedded source is kept as a string (hashed for provenance) and never compiled.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from ..errors import GanStudioError


class UnsafeCheckpointError(GanStudioError):
    """A checkpoint needs something the safe readers will not do (run code, build unknown objects)."""


# ---------------------------------------------------------------------------------------------
# torch.load(weights_only=True), plus argparse.Namespace for rosinality training checkpoints

# The one class beyond torch's weights-only allowlist that published checkpoints need.
EXTRA_SAFE_GLOBALS = {"argparse.Namespace": argparse.Namespace}


def load_torch_file(path: str | Path) -> Any:
    """Load a ``.pth`` / ``.pt`` / ``.ckpt`` file with ``torch.load(weights_only=True)`` on the CPU.

    A file whose only global outside torch's allowlist is ``argparse.Namespace`` is loaded with exactly
    that class allowed. Anything else that needs code raises :class:`UnsafeCheckpointError` naming it.
    """
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as first:
        needed = _unsafe_globals(path, first)
        unknown = sorted(set(needed) - set(EXTRA_SAFE_GLOBALS))
        if needed and not unknown:
            with torch.serialization.safe_globals([EXTRA_SAFE_GLOBALS[n] for n in needed]):
                try:
                    return torch.load(path, map_location="cpu", weights_only=True)
                except pickle.UnpicklingError as second:
                    first = second
                    unknown = sorted(set(_unsafe_globals(path, second)) - set(EXTRA_SAFE_GLOBALS))
        what = ", ".join(unknown) if unknown else _first_line(first)
        raise UnsafeCheckpointError(
            f"{path.name} needs Python objects that a weights-only load refuses ({what}); GAN Studio will not "
            "execute code from a checkpoint. Re-save its tensors as a plain state dict "
            "(torch.save(model.state_dict(), ...)) and convert that."
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as e:
        raise UnsafeCheckpointError(f"{path.name} is not a readable PyTorch checkpoint ({_first_line(e)})") from None


def _unsafe_globals(path: Path, error: Exception) -> list[str]:
    """The globals outside torch's allowlist that ``path`` references (from its zip, or from the error)."""
    try:
        return list(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # legacy (non-zip) files: read the name off torch's message
        found = re.findall(r"Unsupported global: GLOBAL ([A-Za-z_][\w.]*)", str(error))
        return sorted(set(found))


def _first_line(e: Exception) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[0][:200] if lines else type(e).__name__


# ---------------------------------------------------------------------------------------------
# NVIDIA network pickles


@dataclass
class PersistentObject:
    """Inert stand-in for an NVIDIA persistent-class instance: its class name and unpickled state.

    ``state`` is the module's ``__dict__`` as pickled (``_parameters``, ``_buffers``, ``_modules``,
    ``_init_kwargs``, ...). ``source_sha256`` fingerprints the embedded module source, which is never run.
    """

    class_name: str
    state: dict[str, Any]
    source_sha256: str = ""
    version: int | None = None

    def init_kwargs(self) -> dict[str, Any]:
        kw = self.state.get("_init_kwargs") or {}
        return dict(kw) if isinstance(kw, dict) else {}


class _EasyDict(dict):
    """Stand-in for ``dnnlib.EasyDict``: a plain dict (attribute access is not needed)."""


def _reconstruct_persistent_obj(meta: Any) -> PersistentObject:
    """Replacement for ``torch_utils.persistence._reconstruct_persistent_obj``: records, never executes."""
    if not isinstance(meta, dict) or meta.get("type") != "class":
        raise UnsafeCheckpointError("unexpected persistent-object record in the pickle")
    src = meta.get("module_src")
    state = meta.get("state")
    return PersistentObject(
        class_name=str(meta.get("class_name", "")),
        state=dict(state) if isinstance(state, dict) else {},
        source_sha256=hashlib.sha256(src.encode("utf-8")).hexdigest() if isinstance(src, str) else "",
        version=meta.get("version") if isinstance(meta.get("version"), int) else None,
    )


def _storage_from_bytes(data: bytes) -> Any:
    """``torch.storage._load_from_bytes`` (which uses weights_only=False) done with weights_only=True."""
    if not isinstance(data, (bytes, bytearray)):
        raise UnsafeCheckpointError("tensor storage record is not bytes")
    storage = torch.load(io.BytesIO(bytes(data)), map_location="cpu", weights_only=True)
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise UnsafeCheckpointError("tensor storage record does not hold a storage")
    return storage


def _rebuild_tensor(storage: Any, offset: int, size: Any, stride: Any, *_ignored: Any) -> torch.Tensor:
    """``torch._utils._rebuild_tensor_v2`` without hooks or metadata: a strided view of ``storage``."""
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise UnsafeCheckpointError("tensor record without a storage")
    return torch._utils._rebuild_tensor(storage, int(offset), tuple(size), tuple(stride))


def _rebuild_parameter(data: Any, *_ignored: Any) -> torch.Tensor:
    """Parameters come back as plain tensors (hooks and extra state are dropped)."""
    if not isinstance(data, torch.Tensor):
        raise UnsafeCheckpointError("parameter record without a tensor")
    return data.detach()


def _numpy_dtype(name: Any, *args: Any) -> np.dtype:
    dt = np.dtype(name)
    if dt.hasobject:
        raise UnsafeCheckpointError("numpy object dtypes are not allowed")
    return dt


def _numpy_scalar(dtype: Any, data: Any = None) -> Any:
    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, (bytes, bytearray)):
        raise UnsafeCheckpointError("unexpected numpy scalar record")
    return np.frombuffer(bytes(data), dtype=dtype, count=1)[0]


def _numpy_reconstruct(cls: Any, shape: Any, dtype_code: Any) -> np.ndarray:
    if cls is not np.ndarray:
        raise UnsafeCheckpointError("only plain numpy arrays are allowed")
    return np.ndarray.__new__(np.ndarray, shape, dtype_code)

# (module, name) -> object the pickle may use. Nothing else resolves.
NVLABS_ALLOWED: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
    ("torch", "Size"): torch.Size,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("dnnlib", "EasyDict"): _EasyDict,
    ("dnnlib.util", "EasyDict"): _EasyDict,
}


class NVLabsUnpickler(pickle.Unpickler):
    """Unpickler for NVIDIA network pickles that resolves only :data:`NVLABS_ALLOWED` (and torch dtypes)."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = NVLABS_ALLOWED.get((module, name))
        if allowed is not None:
            return allowed
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        hint = ""
        if module.startswith("dnnlib.tflib"):
            hint = (" This is a TensorFlow-era pickle; convert it to a PyTorch pickle with NVlabs' "
                    "stylegan2-ada-pytorch legacy.py first, or use a state dict.")
        raise UnsafeCheckpointError(f"the pickle asks for {module}.{name}, which is not on the allowlist of "
                                    f"plain data types; it was not loaded.{hint}")

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeCheckpointError("the pickle uses persistent ids, which NVIDIA network pickles do not")


def load_nvlabs_pickle(source: str | Path | BinaryIO) -> Any:
    """Unpickle an NVIDIA ``.pkl`` without executing any of it; networks come back as :class:`PersistentObject`."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as f:
            return load_nvlabs_pickle(f)
    try:
        return NVLabsUnpickler(source).load()
    except UnsafeCheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError, IndexError, KeyError) as e:
        raise UnsafeCheckpointError(f"not a readable network pickle ({_first_line(e)})") from None


@dataclass
class NVLabsNetwork:
    """One network pulled out of an NVIDIA pickle: flat state dict plus what its constructor was given."""

    name: str  # "G_ema", "G", ...
    class_name: str
    tensors: dict[str, torch.Tensor]
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # module path -> class name
    source_sha256: str = ""


def state_dict_of(obj: PersistentObject) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Flatten a persistent module tree the way ``nn.Module.state_dict`` does (parameters, persistent buffers)."""
    tensors: dict[str, torch.Tensor] = {}
    classes: dict[str, str] = {}

    def walk(node: PersistentObject, prefix: str) -> None:
        classes[prefix.rstrip(".")] = node.class_name
        st = node.state
        skip = set(st.get("_non_persistent_buffers_set") or ())
        for group in ("_parameters", "_buffers"):
            for name, value in (st.get(group) or {}).items():
                if value is None or (group == "_buffers" and name in skip):
                    continue
                if not isinstance(value, torch.Tensor):
                    raise UnsafeCheckpointError(f"{prefix}{name} is not a tensor")
                tensors[prefix + name] = value.detach().clone()
        for name, child in (st.get("_modules") or {}).items():
            if child is None:
                continue
            if not isinstance(child, PersistentObject):
                raise UnsafeCheckpointError(f"{prefix}{name} is a module the pickle does not describe as data")
            walk(child, f"{prefix}{name}.")

    walk(obj, "")
    return tensors, classes


def extract_network(data: Any, prefer: tuple[str, ...] = ("G_ema", "G")) -> NVLabsNetwork:
    """The first of ``prefer`` found in an unpickled NVIDIA snapshot (or the object itself), flattened."""
    if isinstance(data, PersistentObject):
        name, net = data.class_name, data
    elif isinstance(data, dict):
        found = [(k, data[k]) for k in prefer if isinstance(data.get(k), PersistentObject)]
        if not found:
            have = ", ".join(sorted(str(k) for k in data)) or "nothing"
            raise UnsafeCheckpointError(f"the pickle holds no {' or '.join(prefer)} network (it has {have})")
        name, net = found[0]
    else:
        raise UnsafeCheckpointError(f"the pickle holds a {type(data).__name__}, not NVIDIA networks")
    tensors, classes = state_dict_of(net)
    return NVLabsNetwork(name=name, class_name=net.class_name, tensors=tensors,
                         init_kwargs=_plain(net.init_kwargs()), classes=classes, source_sha256=net.source_sha256)


def _plain(value: Any) -> Any:
    """JSON-able copy of constructor arguments (numpy scalars -> Python numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


__all__ = [
    "EXTRA_SAFE_GLOBALS",
    "NVLABS_ALLOWED",
    "NVLabsNetwork",
    "NVLabsUnpickler",
    "PersistentObject",
    "UnsafeCheckpointError",
    "extract_network",
    "load_nvlabs_pickle",
    "load_torch_file",
    "state_dict_of",
]
