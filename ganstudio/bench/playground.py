"""Playground speed: training steps/s of the 2-D MLPs and frames/s of the live view while training.

``python -m ganstudio.bench.playground [--losses nonsaturating wgan-gp] [--seconds 3] [--threads 1]``

For each loss (on the 8-Gaussian ring, batch 256, the default MLPs):

* *train*: steps/s of ``PlaygroundRun.step`` alone (a step = n_critic D updates + one G update), the
  D updates/s that makes, and steps per second of this process's CPU time (what a dedicated core
  gives; on a machine shared with other jobs wall-clock rates fall, CPU-time rates much less);
* *live*: ``PlaygroundRun.live`` as the UI runs it, each frame also PNG-encoded as Gradio sends it:
  frames/s, steps/s while drawing, and milliseconds per frame (render + PNG).
"""

from __future__ import annotations

import argparse
import io
import os
import time
from typing import Any, Sequence

import torch

from .. import losses
from .. import playground as pg

# What the playground promises on a 2-core CPU: training speed of the 2-D MLPs at batch 256, and the
# live view's refresh rate while training.
TARGETS = {"steps_s": 200.0, "fps": 2.0}


def bench_loss(loss: str, seconds: float = 3.0, data: str = "ring", batch_size: int = 256) -> dict[str, Any]:
    """Measure one loss; returns the numbers of one table row."""
    cfg = pg.PlaygroundConfig.for_loss(loss, data=data, batch_size=batch_size)
    run = pg.PlaygroundRun(cfg)
    run.step(20)  # warm-up: first-call allocations and lazy imports
    # 1. training alone
    t0, c0, s0 = time.perf_counter(), time.process_time(), run.steps
    while time.perf_counter() - t0 < seconds:
        run.step(10)
    train = (run.steps - s0) / (time.perf_counter() - t0)
    # per second of this process's CPU time: what one dedicated core gives, however busy the machine is
    train_cpu = (run.steps - s0) / max(time.process_time() - c0, 1e-9)
    # 2. live view: frames as the UI gets them, PNG-encoded like Gradio's postprocessing
    frames, draw = 0, 0.0
    t0, s0 = time.perf_counter(), run.steps
    for frame in run.live(stop_at=pg.MAX_STEPS):
        t = time.perf_counter()
        frame.image.save(io.BytesIO(), format="PNG")
        draw += time.perf_counter() - t
        frames += 1
        if time.perf_counter() - t0 >= seconds:
            break
    elapsed = time.perf_counter() - t0
    # the live loop's own drawing time is inside its period; measure one frame for the ms column
    t = time.perf_counter()
    run.frame().image.save(io.BytesIO(), format="PNG")
    frame_ms = (time.perf_counter() - t) * 1000
    return {
        "loss": loss,
        "batch": batch_size,
        "hidden": "-".join(map(str, cfg.g_hidden)),
        "n_critic": cfg.n_critic,
        "train_steps_s": train,
        "train_steps_cpu_s": train_cpu,
        "d_updates_s": train * cfg.n_critic,
        "live_steps_s": (run.steps - s0) / elapsed,
        "fps": frames / elapsed,
        "frame_ms": frame_ms,
    }


def bench_gradio(seconds: float = 6.0, loss: str = "nonsaturating") -> dict[str, float]:
    """End to end: the app served by ``python app.py`` (its own process: this module imports no UI code),
    ``playground_train`` streamed through ``gradio_client``; frames received per second and training steps
    per second as a browser would see them."""
    from gradio_client import Client

    from .app import BUNDLED, _free_port, start_app

    proc, url, _ = start_app(BUNDLED, _free_port())
    try:
        client = Client(url, verbose=False)
        client.predict(data="ring", loss=loss, api_name="/playground_reset")  # warm-up, new run
        job = client.submit(data="ring", loss=loss, stop_at=pg.MAX_STEPS, api_name="/playground_train")
        times, steps = [], []
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            time.sleep(0.05)
            outputs = job.outputs()
            if len(outputs) > len(times):
                times.append(time.perf_counter())
                steps.append(outputs[-1][2]["step"])
        job.cancel()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # rates between the first and last frame received (the first includes the start-up)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {"frames": len(times), "fps": (len(times) - 1) / span, "steps_s": (steps[-1] - steps[0]) / span}


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    head = (f"{'loss':<14}{'MLP':<10}{'batch':>6}{'n_crit':>7}{'steps/s':>9}{'D upd/s':>9}{'steps/cpu-s':>12}"
            f"{'live st/s':>10}{'fps':>6}{'ms/frame':>9}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['loss']:<14}{r['hidden']:<10}{r['batch']:>6}{r['n_critic']:>7}{r['train_steps_s']:>9.0f}"
            f"{r['d_updates_s']:>9.0f}{r['train_steps_cpu_s']:>12.0f}{r['live_steps_s']:>10.0f}"
            f"{r['fps']:>6.1f}{r['frame_ms']:>9.0f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio.bench.playground", description=__doc__.splitlines()[0])
    p.add_argument("--losses", nargs="+", default=list(losses.LOSSES), choices=losses.LOSSES)
    p.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 is fastest for MLPs this small)")
    p.add_argument("--gradio", action="store_true", help="also stream live training through a local Gradio server")
    args = p.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        rows = [bench_loss(loss, args.seconds, batch_size=args.batch_size) for loss in args.losses]
    finally:
        torch.set_num_threads(threads)  # callers (python -m ganstudio bench) go on with their own setting
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"playground, 8-Gaussian ring, {args.threads} thread(s), {os.cpu_count()} CPUs, load average {load:.1f}")
    print(format_table(rows))
    for r in rows:
        verdict = "met" if r["train_steps_s"] >= TARGETS["steps_s"] else "NOT met"
        if r["n_critic"] > 1:
            verdict += f" ({r['n_critic']} D updates per step: {r['d_updates_s']:.0f} D updates/s)"
        print(f"{r['loss']}: >= {TARGETS['steps_s']:.0f} steps/s {verdict}")
    fps = min(r["fps"] for r in rows)
    print(f">= {TARGETS['fps']:.0f} frames/s while training: lowest {fps:.1f}, "
          f"{'met' if fps >= TARGETS['fps'] else 'NOT met'}")
    if args.gradio:
        r = bench_gradio(max(args.seconds, 5.0))
        print(f"through Gradio (non-saturating, streamed to gradio_client): {r['fps']:.1f} frames/s, "
              f"{r['steps_s']:.0f} steps/s over {r['frames']} frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
