"""Generator speed in exact and fast precision, side by side with plain eager fp32: ``python -m ganstudio bench``.

Sections (no section flag: ``--generators --cyclegan``):

- ``--generators``: every registered family's generator at its default config and size, random weights;
  batch 1 for image-to-image families; for latent families a 4x4 grid's worth of latents (16), or one
  latent when the family's default image is larger than 128 px (StyleGAN2: 256 px).
- ``--cyclegan``: the CycleGAN ResNet-9 generator (ngf 64) on a 512x384 image, with its targets (the family
  whose descriptor sets ``bench_target``).
- ``--app`` / ``--playground``: the web-app and playground benchmarks (``ganstudio.bench.app``,
  ``ganstudio.bench.playground``), when those modules are installed.

Every row times three runners on the same input and the same module, interleaved (baseline, exact, fast,
baseline, ...) after one warm-up call each, and reports medians:

- baseline: ``module.eval()`` and ``torch.no_grad()``, fp32, contiguous -- what a plain PyTorch script does;
- exact / fast: the path the app and the API take (``ganstudio.inference``, which applies
  ``ganstudio.runtime.in_precision``).

The fast column's error is ||fast - exact|| / ||exact|| over the whole output. These are measurements, not
tests: on a shared machine the load moves every number, which is why runners are interleaved and each
row reports its own baseline. ``--clock cpu`` times process CPU seconds instead of wall seconds (steadier
under load with one thread; with several threads it also counts threads waiting for each other).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from .. import options, registry, runtime
from ..checkpoint import GanModel, new_model
from ..inference import inference_context  # the app's precision path
from ..models.base import Family, GeneratorInput
from ..runtime import cpu_name

TARGETS = {"fast_x": 0.30, "fast_error": 0.01, "exact_x": 1.0}
LATENT_BATCH = int(options.NUM_IMAGES.default)  # a sampling grid's worth of latents
MIN_SAMPLE_S = 0.05  # calls that take less are repeated within one timed sample


@dataclass
class Case:
    """One generator call to time: ``model.generator(*args, **kwargs)``."""

    name: str
    model: GanModel
    args: tuple
    kwargs: dict[str, Any] = field(default_factory=dict)
    input: str = ""  # the input, in words: "1x3x256x256 image", "16 x z[100]"


@dataclass
class Row:
    family: str
    input: str
    output: str
    baseline_ms: float
    exact_ms: float
    fast_ms: float
    exact_x: float
    fast_x: float
    fast_error: float
    exact_matches_baseline: bool
    fast_is_bf16: bool
    repeats: int
    calls_per_sample: int
    clock: str
    times_ms: dict[str, list[float]]
    # --compile: fast mode's bf16 generator through torch.compile (inductor, frozen weights)
    compiled_ms: float | None = None
    compiled_x: float | None = None
    compiled_error: float | None = None
    compile_s: float | None = None
    compile_failure: str = ""


# ---------------------------------------------------------------------------------------------
# inputs


def _shape(t: torch.Tensor) -> str:
    return "x".join(str(s) for s in t.shape)


_IMAGE_INPUTS = (GeneratorInput.IMAGE, GeneratorInput.LABEL_MAP)


def generator_case(family: str, *, config: dict[str, Any] | None = None, width: int | None = None,
                   height: int | None = None, batch: int | None = None, seed: int = 0) -> Case:
    """A freshly initialised generator of ``family`` (its default config, or ``config``) and an input for it.

    The input follows the family's ``inputs``. Image-to-image families get one image (or one-hot label map) of
    ``width`` x ``height`` (default: the config's training size); latent families get ``batch`` latents
    (default: 16 up to 128 px, else 1), with random labels / codes where they take them.
    """
    torch.manual_seed(seed)  # the random weights
    model = new_model(family, config, components=("generator",))
    g, cfg = model.generator, model.config
    rng = torch.Generator().manual_seed(seed)
    inputs = model.family.inputs
    if any(i in _IMAGE_INPUTS for i in inputs):
        n, w, h = 1, width or cfg.image_size, height or cfg.image_size
    else:
        n, w, h = batch or (LATENT_BATCH if getattr(cfg, "image_size", 0) <= 128 else 1), 0, 0
    args: list[torch.Tensor] = []
    words: list[str] = []
    for kind in inputs:  # drawn in call order from one stream
        x, what = _example_input(kind, g, cfg, rng, n, w, h)
        if x is None:  # an optional trailing input of width 0 (no codes, no latent)
            continue
        args.append(x)
        if what.startswith(","):
            words[-1] += what
        else:
            words.append(what)
    return Case(model.family.name, model, tuple(args), {}, " + ".join(words))


def _example_input(kind: GeneratorInput, g: torch.nn.Module, cfg: Any, rng: torch.Generator, n: int, w: int,
                   h: int) -> tuple[torch.Tensor | None, str]:
    """A random ``kind`` input for ``n`` calls (images: ``w`` x ``h``), and its words for the input column."""
    if kind is GeneratorInput.LATENT:
        z = g.sample_latent(n, rng)  # [n, latent_dim]
        return (None, "") if z.numel() == 0 else (z, f"{n} x z[{z.shape[1]}]")
    if kind is GeneratorInput.CLASSES:
        return torch.randint(0, cfg.num_classes, (n,), generator=rng), "labels"  # [n]
    if kind is GeneratorInput.CODES:
        if not getattr(cfg, "num_continuous", 0):
            return None, ""
        return torch.rand(n, cfg.num_continuous, generator=rng) * 2 - 1, ", codes"  # [n, num_continuous]
    if kind is GeneratorInput.IMAGE:
        x = torch.rand(n, getattr(cfg, "in_channels", cfg.channels), h, w, generator=rng) * 2 - 1  # [n, C, H, W]
        return x, f"{_shape(x)} image"
    if kind is GeneratorInput.LABEL_MAP:
        labels = torch.randint(0, cfg.num_labels, (n, h, w), generator=rng)
        x = torch.nn.functional.one_hot(labels, cfg.num_labels).permute(0, 3, 1, 2).float()  # [n, L, H, W]
        return x, f"{_shape(x)} label map"
    if kind is GeneratorInput.ATTRIBUTES:
        return torch.randint(0, 2, (n, cfg.c_dim), generator=rng).float(), f"{cfg.c_dim} attributes"  # [n, c_dim]
    raise ValueError(f"no example input for {kind!r}")


def target_family() -> Family:
    """The family whose descriptor sets ``bench_target``: the target row's generator."""
    found = [f for f in registry.families() if f.bench_target]
    if len(found) != 1:
        raise RuntimeError(f"exactly one family must set bench_target, found {[f.name for f in found]}")
    return found[0]


def cyclegan_case(width: int | None = None, height: int | None = None) -> Case:
    """The target row: the ``bench_target`` family's generator (CycleGAN ResNet-9, default config, ngf 64) on one
    image of its target size, or ``width`` x ``height``."""
    family = target_family()
    width, height = width or family.bench_target[0], height or family.bench_target[1]
    case = generator_case(family.name, width=width, height=height)
    case.name = f"{family.name} {width}x{height}"
    return case


# ---------------------------------------------------------------------------------------------
# timing


def _runners(case: Case) -> dict[str, Callable[[], torch.Tensor]]:
    model, g = case.model, case.model.generator
    args, kwargs = case.args, case.kwargs

    def baseline() -> torch.Tensor:
        g.eval()
        with torch.no_grad():
            return g(*args, **kwargs)

    def in_mode(precision: runtime.Precision) -> Callable[[], torch.Tensor]:
        def run() -> torch.Tensor:
            with inference_context(model, g, precision):
                return g(*args, **kwargs)
        return run

    return {"baseline": baseline, "exact": in_mode("exact"), "fast": in_mode("fast")}


def _compiled_fast(case: Case) -> tuple[Callable[[], torch.Tensor], float]:
    """A bf16 copy of the generator through ``torch.compile`` (inductor, weights frozen into the graph).

    Returns the runner and the seconds its first call took (compiling included). Only measured here: the
    app does not compile (see docs/BENCHMARKS.md).
    """
    import copy

    from torch._inductor import config as inductor_config

    g = copy.deepcopy(case.model.generator).eval().to(torch.bfloat16)
    args, kwargs = runtime.to_bf16(case.args), runtime.to_bf16(case.kwargs)
    compiled = torch.compile(g)

    def run() -> torch.Tensor:
        with torch.no_grad(), inductor_config.patch(freezing=True):
            return compiled(*args, **kwargs)

    t0 = time.perf_counter()
    run()
    return run, time.perf_counter() - t0


def time_case(case: Case, repeat: int = 5, clock: str = "wall", compile: bool = False) -> Row:
    """Time baseline, exact and fast on ``case``, interleaved, ``repeat`` times each after a warm-up.

    ``compile`` adds fast mode through ``torch.compile`` as a fourth runner (skipped, with the reason, when
    compiling fails).
    """
    tick = time.process_time if clock == "cpu" else time.perf_counter
    runners = _runners(case)
    compile_s, failure = None, ""
    if compile:
        try:
            runners["compiled"], compile_s = _compiled_fast(case)
        except Exception as e:  # no C++ compiler, unsupported op, ...: report it and go on
            failure = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
    outs = {k: f().float() for k, f in runners.items()}  # warm-up (and the outputs compared)
    t0 = time.perf_counter()
    runners["baseline"]()
    calls = max(1, math.ceil(MIN_SAMPLE_S / max(time.perf_counter() - t0, 1e-6)))  # per timed sample
    times: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(repeat):
        for k, f in runners.items():
            t0 = tick()
            for _ in range(calls):
                f()
            times[k].append((tick() - t0) * 1e3 / calls)
    med = {k: statistics.median(v) for k, v in times.items()}
    exact, fast = outs["exact"], outs["fast"]

    def error(y: torch.Tensor) -> float:
        return float((y - exact).norm() / exact.norm().clamp_min(1e-12))

    row = Row(
        family=case.name, input=case.input, output=_shape(exact),
        baseline_ms=med["baseline"], exact_ms=med["exact"], fast_ms=med["fast"],
        exact_x=med["exact"] / med["baseline"], fast_x=med["fast"] / med["baseline"],
        fast_error=error(fast),
        exact_matches_baseline=bool(torch.equal(exact, outs["baseline"])),
        fast_is_bf16=runtime.fast_supported(case.model.device),
        repeats=repeat, calls_per_sample=calls, clock=clock,
        times_ms={k: [round(t, 2) for t in v] for k, v in times.items()},
        compile_s=compile_s, compile_failure=failure,
    )
    if "compiled" in med:
        row.compiled_ms, row.compiled_x = med["compiled"], med["compiled"] / med["baseline"]
        row.compiled_error = error(outs["compiled"])
    return row


# ---------------------------------------------------------------------------------------------
# report


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = cpu_name()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu, "cpus": os.cpu_count(), "threads": torch.get_num_threads(),
        "native_bf16": runtime.cpu_has_bf16(), "torch": torch.__version__, "python": platform.python_version(),
        "load_average": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None,
    }


_HEAD = (f"{'family':<18}{'input':<38}{'baseline ms':>12}{'exact ms':>11}{'(x)':>7}{'fast ms':>10}{'(x)':>7}"
         f"{'fast err':>10}")


def format_row(r: Row) -> str:
    mark = "" if r.exact_matches_baseline else "  exact != baseline"
    fast_note = "" if r.fast_is_bf16 else "  (fast = exact here)"
    return (f"{r.family:<18}{r.input:<38}{r.baseline_ms:>12.1f}{r.exact_ms:>11.1f}{r.exact_x:>6.2f}x"
            f"{r.fast_ms:>10.1f}{r.fast_x:>6.2f}x{r.fast_error:>9.2%}{mark}{fast_note}")


def format_table(rows: Sequence[Row], header: bool = True) -> str:
    """The rows as a fixed-width table (``header=False``: the rows only); compiled runs get a line each."""
    lines = [_HEAD, "-" * len(_HEAD)] if header else []
    for r in rows:
        lines.append(format_row(r))
        if r.compiled_ms is not None:
            lines.append(f"{'':<18}fast + torch.compile: {r.compiled_ms:.1f} ms ({r.compiled_x:.2f}x), "
                         f"error {r.compiled_error:.2%}, first call (compiling) {r.compile_s:.0f} s")
        elif r.compile_failure:
            lines.append(f"{'':<18}torch.compile failed: {r.compile_failure}")
    return "\n".join(lines)


def check_targets(row: Row) -> list[str]:
    """The CycleGAN row against its targets, one line each."""
    ok = {True: "met", False: "NOT met"}
    fast_x, fast_err = TARGETS["fast_x"], TARGETS["fast_error"]
    return [
        f"fast <= {fast_x:.2f}x baseline: {row.fast_x:.2f}x, {ok[row.fast_x <= fast_x]}",
        f"fast error <= {fast_err:.0%}: {row.fast_error:.2%}, {ok[row.fast_error <= fast_err]}",
        f"exact <= {TARGETS['exact_x']:.1f}x baseline: {row.exact_x:.2f}x, {_exact_verdict(row.exact_x)}",
    ]


def _exact_verdict(x: float) -> str:
    if x <= TARGETS["exact_x"]:
        return "met"
    if x <= TARGETS["exact_x"] * 1.03 and x > 0:
        # exact makes the very same module call as the baseline, plus eval() and a lock
        return "within 3 % of the baseline (measurement noise)"
    return "NOT met"



def _run_module(module: str, argv: list[str]) -> int | None:
    """``module.main(argv)`` if the module exists, else None."""
    if importlib.util.find_spec(module) is None:
        print(f"({module} is not installed: skipped)")
        return None
    return int(importlib.import_module(module).main(argv) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--generators", action="store_true", help="every family's generator at its default size")
    target = target_family()
    p.add_argument("--cyclegan", action="store_true", help=f"{target.label} at {target.bench_target[0]}x"
                   f"{target.bench_target[1]} against its targets")
    p.add_argument("--app", action="store_true", help="the web-app benchmarks (ganstudio.bench.app)")
    p.add_argument("--playground", action="store_true", help="the playground benchmarks (ganstudio.bench.playground)")
    p.add_argument("--families", nargs="+", choices=registry.family_names(), metavar="FAMILY",
                   help="limit --generators to these families")
    p.add_argument("--repeat", type=int, default=5, help="timed calls per runner, after one warm-up (default 5)")
    p.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's, usually one per core)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="wall seconds or process CPU seconds")
    p.add_argument("--compile", action="store_true",
                   help="also time fast mode through torch.compile (inductor, frozen weights; compiles per row)")
    p.add_argument("--json", help="also write the rows and the machine description to this JSON file")
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.families:
        args.generators = True
    if not (args.generators or args.cyclegan or args.app or args.playground):
        args.generators = args.cyclegan = True
    if args.threads:
        torch.set_num_threads(args.threads)

    info = machine()
    print(f"{info['date']}  {info['cpu']}, {info['cpus']} CPUs, {info['threads']} torch threads, "
          f"native bf16: {info['native_bf16']}, torch {info['torch']}, load average {info['load_average']}")
    if args.generators or args.cyclegan:
        print(f"medians of {args.repeat} interleaved calls ({args.clock} clock); (x) = time / baseline time\n")
    result: dict[str, Any] = {"machine": info, "repeat": args.repeat, "clock": args.clock}
    status = 0
    if args.generators:
        rows = []
        for name in args.families or registry.family_names():
            rows.append(time_case(generator_case(name), args.repeat, args.clock, args.compile))
            print(format_table(rows[-1:], header=len(rows) == 1), flush=True)
        result["generators"] = [asdict(r) for r in rows]
        print()
    if args.cyclegan:
        row = time_case(cyclegan_case(), args.repeat, args.clock, args.compile)
        print(format_table([row]))
        for line in check_targets(row):
            print("  " + line)
        name = target_family().name  # the JSON keys name the family: "<family>", "<family>_targets"
        result[name] = asdict(row)
        result[f"{name}_targets"] = check_targets(row)
        print()
    if args.app:
        rc = _run_module("ganstudio.bench.app", [])
        status = status or (rc or 0)
    if args.playground:
        rc = _run_module("ganstudio.bench.playground", [])
        status = status or (rc or 0)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
