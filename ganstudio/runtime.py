"""Devices and numeric precision.

Device: CUDA, then Apple MPS, then the CPU. Precision is chosen per call:

* ``exact``: plain fp32, contiguous memory, deterministic across runs on one machine.
* ``fast``: bfloat16, where the hardware computes it natively; elsewhere ``fast`` falls back to
  ``exact`` (emulated bf16 is slower than fp32).

  - CPU (AVX512-BF16 or AMX): the module's floating parameters and buffers are swapped for bf16
    copies for the duration of the call (:func:`bf16_weights`; parameter copies are made once and
    reused until the fp32 parameter changes), and every layer casts its floating inputs to bf16. The whole forward
    pass (convolutions, norms, padding, activations, residual sums) then runs in bf16 on contiguous
    tensors. Autocast is not used on the CPU: its policy runs reflection/replication padding and
    upsampling in fp32, so each of those costs two extra copies, and channels_last makes padding
    copy again (``docs/BENCHMARKS.md`` has the measurements).
  - CUDA: bf16 autocast with channels_last memory.

Use :func:`in_precision` around a forward pass; outputs of ``fast`` calls may be bf16 (call ``.float()``).
"""

from __future__ import annotations

import contextlib
import functools
import platform
import weakref
from typing import Any, Iterator

import torch
from torch import nn
from torch.nn.utils import parametrize

from . import options
from .options import PRECISIONS, Precision


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """``prefer`` if given, else CUDA, then MPS, then CPU."""
    if prefer is not None:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when the CPU advertises native bf16 arithmetic (AMX tiles or AVX512-BF16; Linux /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split())
                    return bool(flags & {"amx_bf16", "avx512_bf16"})
    except OSError:
        pass
    return False


def fast_supported(device: torch.device) -> bool:
    """Whether ``fast`` really runs in bf16 on ``device`` (CUDA, or a CPU with native bf16 units)."""
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_bf16())


def check_precision(precision: str) -> Precision:
    """``precision`` checked against ``options.PRECISIONS`` (an ``InputError`` otherwise)."""
    return options.choice("precision", precision, PRECISIONS)


def memory_format(device: torch.device, precision: Precision) -> torch.memory_format:
    """channels_last for ``fast`` on CUDA (cuDNN's bf16 kernels prefer NHWC), contiguous otherwise.

    On the CPU channels_last is slower here: reflection padding has no NHWC kernel and copies.
    """
    return torch.channels_last if precision == "fast" and device.type == "cuda" else torch.contiguous_format


@contextlib.contextmanager
def in_precision(module: nn.Module, device: torch.device, precision: Precision) -> Iterator[bool]:
    """Run ``module`` (and anything called inside) in ``precision``; yields whether bf16 is on.

    The caller sets eval mode, ``torch.no_grad()`` and the memory format (:func:`memory_format`).
    Holding a lock on ``module`` for the duration is the caller's job too: on the CPU, ``fast``
    swaps the module's tensors in place until the block ends.
    """
    check_precision(precision)
    if precision != "fast" or not fast_supported(device):
        yield False
    elif device.type == "cpu":
        with bf16_weights(module):
            yield True
    else:
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
            yield True


# ---------------------------------------------------------------------------------------------
# bf16 copies of a module's tensors

# module -> {(submodule path, parameter name): (fingerprint of the fp32 parameter, its bf16 copy)}
_BF16_COPIES: "weakref.WeakKeyDictionary[nn.Module, dict[tuple[str, str], tuple[tuple, torch.Tensor]]]" = (
    weakref.WeakKeyDictionary()
)


def _fingerprint(t: torch.Tensor) -> tuple:
    # In-place updates (optimizer steps, EMA lerp_, load_state_dict's copy_) bump _version; .to(device)
    # and re-assignment change the storage. Writes through ``param.data`` bump neither: after such a
    # write, call clear_bf16_copies(module).
    return (t._version, t.data_ptr(), t.dtype, t.device, tuple(t.shape), t.stride())


def to_bf16(value: Any) -> Any:
    """Floating tensors (also inside lists, tuples and dicts) as bf16; anything else unchanged."""
    if isinstance(value, torch.Tensor):
        return value.to(torch.bfloat16) if value.is_floating_point() and value.dtype != torch.bfloat16 else value
    if isinstance(value, (list, tuple)):
        return type(value)(to_bf16(v) for v in value)
    if isinstance(value, dict):
        return {k: to_bf16(v) for k, v in value.items()}
    return value


def _cast_inputs(_module: nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    return to_bf16(args), to_bf16(kwargs)


@contextlib.contextmanager
def bf16_weights(module: nn.Module) -> Iterator[nn.Module]:
    """Run ``module`` in bf16 for the duration of the block, leaving its fp32 tensors untouched.

    Every floating parameter is swapped for a bf16 copy (cached, and made again only when the fp32
    parameter has changed), every floating buffer for a fresh bf16 copy, and each submodule that holds
    tensors (or computes its weight through a parametrization, such as spectral norm), plus ``module``
    itself, casts the floating tensors it is called with to bf16 -- so methods other than ``forward``,
    such as a StyleGAN mapping network, work too. On exit the original tensors are back, bit for bit.
    """
    cache = _BF16_COPIES.setdefault(module, {})
    live: set[tuple[str, str]] = set()
    params: list[tuple[nn.Parameter, torch.Tensor]] = []
    buffers: list[tuple[dict, str, torch.Tensor]] = []
    hooks = [module.register_forward_pre_hook(_cast_inputs, with_kwargs=True)]
    try:
        for path, sub in module.named_modules():
            owns = False
            for kind, table in (("param", sub._parameters), ("buffer", sub._buffers)):
                for name, t in table.items():
                    if t is None or not t.is_floating_point():
                        continue  # absent, or integer (num_batches_tracked)
                    owns = True
                    if t.dtype == torch.bfloat16:
                        continue  # already bf16 (or a tied tensor swapped under another name)
                    if kind == "buffer":
                        # Cast on every call: buffers are small, and batch norm updates its running
                        # statistics inside the kernel without bumping their version counters.
                        buffers.append((table, name, t))
                        table[name] = t.detach().to(torch.bfloat16)
                        continue
                    key, fp = (path, name), _fingerprint(t)
                    hit = cache.get(key)
                    if hit is None or hit[0] != fp:
                        hit = cache[key] = (fp, t.detach().to(torch.bfloat16))
                    live.add(key)
                    params.append((t, t.data))
                    t.data = hit[1]
            if (owns or parametrize.is_parametrized(sub)) and sub is not module:
                hooks.append(sub.register_forward_pre_hook(_cast_inputs, with_kwargs=True))
        if params:  # (none when nested inside another bf16_weights block of the same module)
            for stale in set(cache) - live:  # parameters the module no longer has
                del cache[stale]
        yield module
    finally:
        for h in hooks:
            h.remove()
        for p, original in reversed(params):
            p.data = original
        for table, name, original in reversed(buffers):
            table[name] = original


def clear_bf16_copies(module: nn.Module | None = None) -> None:
    """Forget the cached bf16 copies of ``module``'s tensors (of every module when None)."""
    if module is None:
        _BF16_COPIES.clear()
    else:
        _BF16_COPIES.pop(module, None)


@functools.lru_cache(maxsize=1)
def cpu_name() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what the platform module knows."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return cpu
