"""Devices and numeric precision.

Device: CUDA, then Apple MPS, then the CPU. Precision is chosen per call:

* ``exact``: plain fp32, deterministic across runs on one machine.
* ``fast``: bf16 autocast with channels_last memory, on GPUs and on CPUs with native bf16 units
  (AMX or AVX512-BF16; elsewhere bf16 is emulated and slower than fp32, so ``fast`` falls back
  to ``exact``).
"""

from __future__ import annotations

import contextlib
import functools
from typing import Iterator, Literal

import torch

Precision = Literal["exact", "fast"]
PRECISIONS: tuple[str, ...] = ("exact", "fast")


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
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_bf16())


def check_precision(precision: str) -> Precision:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    return precision  # type: ignore[return-value]


@contextlib.contextmanager
def precision_scope(device: torch.device, precision: Precision) -> Iterator[bool]:
    """Context for a forward pass in ``precision``; yields whether bf16 autocast is on."""
    check_precision(precision)
    if precision == "fast" and fast_supported(device):
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
            yield True
    else:
        yield False


def memory_format(device: torch.device, precision: Precision) -> torch.memory_format:
    """channels_last for fast mode (oneDNN / cuDNN bf16 kernels prefer NHWC), contiguous otherwise."""
    return torch.channels_last if precision == "fast" and fast_supported(device) else torch.contiguous_format
