"""Benchmarks of the web app as users see it: ``python -m ganstudio app-bench [--repeats N] [--json PATH]``.

1. ``python app.py`` started as a subprocess: seconds until it serves its page (target <= 8 s);
2. the app's resident memory once every bundled model is loaded (target <= 1.5 GB);
3. a 4x4 grid from a 64-px random-generation model, end to end through ``gradio_client`` (target <= 0.5 s);
4. a 4x4 StyleGAN style-mixing grid at 64 px through the client (target <= 2 s).

``--soak MINUTES`` instead serves the app and drives it through ``gradio_client`` at about ``--rate`` requests per
second (every tab's main call in turn, a new client session every 60 requests), printing the server's resident
memory once a minute and the latency percentiles; after ``--warmup`` minutes memory should stay within 5 %.

Bundled models are used where they exist. A bundled model that is not trained yet is stood in for by a
freshly initialised model with its recipe's config (``ganstudio.train.recipes``): the same network, so the
same speed. The results say which was used. These are measurements, not tests: the machine's load matters.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "checkpoints" / "catalog.json"
TARGETS = {"ready_s": 8.0, "rss_gb": 1.5, "grid_s": 0.5, "style_mix_s": 2.0}
STAND_INS = {"random": "progan-emoji", "style": "stylegan2-emoji"}  # recipe names of the 64-px models


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _image_size(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / "config.json").read_text())["config"]["image_size"])
    except (OSError, KeyError, ValueError, TypeError):
        return None


def _recipe_config(name: str) -> tuple[str, dict[str, Any]] | None:
    """(family, config) of a bundled model's training recipe (its ``--image-size`` and ``--set`` values)."""
    try:
        from ..train.recipes import RECIPES
    except ImportError:
        return None
    args = RECIPES.get(name)
    if not args:
        return None
    config: dict[str, Any] = {}
    for flag, value in zip(args, args[1:]):
        if flag == "--image-size":
            config["image_size"] = int(value)
        elif flag == "--set":
            key, _, raw = value.partition("=")
            try:
                config[key] = json.loads(raw)
            except json.JSONDecodeError:
                config[key] = raw
    return args[0], config


def prepare_catalog(folder: Path) -> tuple[Path, list[dict], dict[str, dict]]:
    """A catalog of the bundled models (absolute folders) plus stand-ins for missing 64-px ones.

    Returns the catalog path, the bundled entries that exist, and for each benchmark ("random", "style") the
    entry it uses with a note saying whether it is bundled or a stand-in.
    """
    raw = json.loads(BUNDLED.read_text()) if BUNDLED.is_file() else {"models": []}
    bundled = []
    for e in raw.get("models", []):  # Hub entries ("repo") are not bundled: the benchmark stays offline
        if "folder" in e and (BUNDLED.parent / e["folder"] / "config.json").is_file():
            bundled.append({**e, "folder": str((BUNDLED.parent / e["folder"]).resolve())})
    chosen: dict[str, dict] = {}
    entries = list(bundled)
    for task, recipe in STAND_INS.items():
        found = next((e for e in bundled if e["task"] == task and _image_size(Path(e["folder"])) == 64), None)
        if found:
            chosen[task] = {**found, "note": "bundled"}
            continue
        spec = _recipe_config(recipe)
        if spec is None:
            continue
        from ..checkpoint import ModelMeta, new_model, save_folder

        family, config = spec
        out = folder / f"bench-{recipe}"
        save_folder(new_model(family, config, ModelMeta(name=f"{recipe} (untrained stand-in)")), out)
        entry = {"id": f"bench-{recipe}", "title": f"{recipe} (stand-in)", "family": family, "task": task,
                 "folder": str(out)}
        entries.append(entry)
        chosen[task] = {**entry, "note": f"untrained stand-in with the {recipe} recipe's config"}
    path = folder / "catalog.json"
    path.write_text(json.dumps({"models": entries}, indent=1))
    return path, bundled, chosen


def start_app(catalog: Path, port: int, timeout: float = 120.0) -> tuple[subprocess.Popen, str, float]:
    """Run ``python app.py``; returns the process, its URL and the seconds until its page answered."""
    env = {**os.environ, "GANSTUDIO_CATALOG": str(catalog), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise TimeoutError(f"app.py did not answer within {timeout:.0f} s")


def rss_gb(pid: int) -> float | None:
    """Resident memory of a process in GB (Linux /proc; None elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e9
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def fetch_png(file: dict) -> bytes:
    """The bytes of an output file the client was told about (``download_files=False`` gives its URL)."""
    with urllib.request.urlopen(file["url"], timeout=30) as r:
        data = r.read()
    if not data.startswith(b"\x89PNG"):
        raise RuntimeError(f"{file['url']} is not a PNG")
    return data


def timed(fn, repeats: int, pid: int) -> dict[str, float]:
    """Median / min / max wall seconds of ``fn(i)`` after one warm-up, and the server's CPU seconds per call."""
    fn(0)  # warm-up: loads the model, fills caches
    times = []
    cpu0 = cpu_seconds(pid)
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i + 1)
        times.append(time.perf_counter() - t0)
    cpu1 = cpu_seconds(pid)
    out = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}
    if cpu0 is not None and cpu1 is not None:
        out["server_cpu_s"] = (cpu1 - cpu0) / repeats
    return out


def run(repeats: int = 5) -> dict[str, Any]:
    from gradio_client import Client

    results: dict[str, Any] = {"cpus": os.cpu_count(), "repeats": repeats,
                               "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}
    with tempfile.TemporaryDirectory(prefix="ganstudio-bench-") as tmp:
        catalog, bundled, chosen = prepare_catalog(Path(tmp))
        proc, url, results["ready_s"] = start_app(catalog, _free_port())
        results["ready_cpu_s"] = cpu_seconds(proc.pid)
        try:
            # End to end = request sent -> grid PNG bytes in hand. The client is told where the files are
            # instead of downloading every output (a grid call also returns 16 single images).
            client = Client(url, verbose=False, download_files=False)
            t0 = time.perf_counter()
            for e in bundled:
                client.predict(e["id"], api_name="/model_info")
            results["bundled_models_loaded"] = len(bundled)
            results["load_all_s"] = time.perf_counter() - t0
            results["rss_gb"] = rss_gb(proc.pid)
            if "random" in chosen:
                m = chosen["random"]
                results["grid"] = {"model": m["id"], "note": m["note"], **timed(lambda s: fetch_png(
                    client.predict(m["id"], s, 16, 1.0, False, api_name="/generate_grid")[0]), repeats, proc.pid)}
                results["grid_s"] = results["grid"]["median_s"]
            if "style" in chosen:
                m = chosen["style"]

                def mix(s: int) -> bytes:
                    rows, cols = ", ".join(str(s + 10 * k) for k in range(4)), ", ".join(str(s + 10 * k + 1)
                                                                                           for k in range(4))
                    return fetch_png(client.predict(m["id"], rows, cols, "coarse", [], 1.0, 0, "const", 1.0, 0, "",
                                                    api_name="/style_mix")[0])

                results["style_mix"] = {"model": m["id"], "note": m["note"], **timed(mix, repeats, proc.pid)}
                results["style_mix_s"] = results["style_mix"]["median_s"]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return results


def report(results: dict[str, Any]) -> str:
    load = results.get("load_average")
    lines = [f"GAN Studio app benchmarks ({results['cpus']} CPUs"
             + (f", load average {load:.1f}" if load is not None else "")
             + f"; median of {results['repeats']} calls after a warm-up)"]
    labels = {"ready_s": ("python app.py ready to serve", "s"),
              "rss_gb": ("resident memory, bundled models loaded", "GB"),
              "grid_s": ("4x4 grid, 64 px, through the client", "s"),
              "style_mix_s": ("4x4 StyleGAN mixing grid, 64 px, through the client", "s")}
    for key, (text, unit) in labels.items():
        value = results.get(key)
        if value is None:
            lines.append(f"  {text:<52} n/a")
            continue
        ok = "ok" if value <= TARGETS[key] else "OVER"
        lines.append(f"  {text:<52} {value:7.3f} {unit:<2} (target <= {TARGETS[key]:g} {unit}) {ok}")
    if results.get("ready_cpu_s") is not None:
        lines.append(f"  startup used {results['ready_cpu_s']:.2f} CPU s (about the wall time on an idle machine)")
    if "bundled_models_loaded" in results:
        lines.append(f"  bundled models loaded: {results['bundled_models_loaded']} in {results['load_all_s']:.1f} s")
    for key in ("grid", "style_mix"):
        if key in results:
            r = results[key]
            cpu = f", server CPU {r['server_cpu_s']:.3f} s per call" if "server_cpu_s" in r else ""
            lines.append(f"  {key}: {r['model']} ({r['note']}); min {r['min_s']:.3f} s, max {r['max_s']:.3f} s{cpu}")
    return "\n".join(lines)


def _soak_calls(chosen: dict[str, dict], bundled: list[dict], image: str) -> list[tuple[str, Any]]:
    """(name, fn(client, i)) for the soak: the main call of every tab the catalog can serve, in turn."""
    from gradio_client import handle_file

    by_task: dict[str, dict] = {}
    for e in bundled:
        by_task.setdefault(e["task"], e)
    calls: list[tuple[str, Any]] = []
    if "random" in chosen:
        m = chosen["random"]["id"]
        calls.append(("generate_grid", lambda c, i: c.predict(m, i, 16, 1.0, False, api_name="/generate_grid")))
        calls.append(("interpolate", lambda c, i: c.predict(m, i, i + 1, 8, 12, "slerp", "gif", None, 1.0,
                                                            api_name="/interpolate")))
    if "conditional" in by_task:
        m2 = by_task["conditional"]["id"]
        calls.append(("generate_per_class", lambda c, i: c.predict(m2, ["0", "1", "2"], 4, i, False, 0, 0, 0, 0,
                                                                   api_name="/generate_per_class")))
    if "translate" in by_task:
        m3 = by_task["translate"]["id"]
        calls.append(("translate", lambda c, i: c.predict(m3, handle_file(image), "AB", "pad", "deterministic", i,
                                                          api_name="/translate")))
    if "edit" in by_task:
        m4 = by_task["edit"]["id"]
        calls.append(("all_single_edits", lambda c, i: c.predict(m4, handle_file(image), "resize", "reference",
                                                                 api_name="/all_single_edits")))
    if "style" in chosen:
        m5 = chosen["style"]["id"]
        calls.append(("style_mix", lambda c, i: c.predict(m5, f"{i}, {i + 1}", f"{i + 2}, {i + 3}", "coarse", [], 0.7,
                                                          0, "const", 1.0, 0, "", api_name="/style_mix")))
    first = (bundled or [{"id": None}])[0]["id"]
    calls.append(("model_info", lambda c, i: c.predict(first, api_name="/model_info")))
    calls.append(("list_models", lambda c, i: c.predict(api_name="/list_models")))
    return calls


def soak(minutes: float, rate: float = 2.0, warmup: float = 2.0, sample_s: float = 10.0) -> dict[str, Any]:
    """Serve the app and drive it for ``minutes``; resident memory over time and latency percentiles."""
    import threading

    import numpy as np
    from gradio_client import Client
    from PIL import Image

    results: dict[str, Any] = {"minutes": minutes, "rate": rate, "warmup_minutes": warmup, "rss_mb": [],
                               "latency_s": {}, "errors": {}}
    with tempfile.TemporaryDirectory(prefix="ganstudio-soak-") as tmp:
        catalog, bundled, chosen = prepare_catalog(Path(tmp))
        image = str(Path(tmp) / "input.png")
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)).save(image)
        proc, url, _ = start_app(catalog, _free_port())
        stop = threading.Event()
        t_start = time.monotonic()

        def sample() -> None:
            while not stop.is_set():
                rss = rss_gb(proc.pid)
                if rss is not None:
                    results["rss_mb"].append((round((time.monotonic() - t_start) / 60, 3), round(rss * 1000, 1)))
                stop.wait(sample_s)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        calls = _soak_calls(chosen, bundled, image)
        times: dict[str, list[float]] = {name: [] for name, _ in calls}
        try:
            client, i = Client(url, verbose=False, download_files=False), 0
            while time.monotonic() - t_start < minutes * 60:
                if i and i % 60 == 0:
                    client = Client(url, verbose=False, download_files=False)  # a new user: a new session
                name, fn = calls[i % len(calls)]
                t0 = time.perf_counter()
                try:
                    fn(client, i)
                    times[name].append(time.perf_counter() - t0)
                except Exception as e:  # noqa: BLE001 - counted and reported, the soak goes on
                    results["errors"][name] = results["errors"].get(name, 0) + 1
                    results.setdefault("last_error", f"{name}: {type(e).__name__}: {str(e)[:200]}")
                i += 1
                time.sleep(max(0.0, 1.0 / rate - (time.perf_counter() - t0)))
            results["requests"] = i
        finally:
            stop.set()
            sampler.join(timeout=sample_s + 1)
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    everything = [x for v in times.values() for x in v]
    for name, v in [("all", everything), *times.items()]:
        if v:
            q = np.percentile(v, [50, 90, 99])
            results["latency_s"][name] = {"n": len(v), "p50": float(q[0]), "p90": float(q[1]), "p99": float(q[2])}
    after = [mb for t, mb in results["rss_mb"] if t >= warmup]
    if after:
        results["rss_after_warmup_mb"] = {"min": min(after), "max": max(after), "first": after[0], "last": after[-1],
                                          "spread_pct": 100 * (max(after) - min(after)) / min(after)}
    return results


def soak_report(r: dict[str, Any]) -> str:
    lines = [f"GAN Studio soak: {r['minutes']:g} min at ~{r['rate']:g} requests/s, {r.get('requests', 0)} requests "
             f"(errors: {sum(r['errors'].values())})", "  resident memory of the server (MB), one sample a minute:"]
    per_minute: dict[int, float] = {}
    for t, mb in r["rss_mb"]:
        per_minute.setdefault(int(t), mb)
    lines += [f"    minute {m:>3}: {mb:8.1f}" for m, mb in sorted(per_minute.items())]
    if "rss_after_warmup_mb" in r:
        w = r["rss_after_warmup_mb"]
        lines.append(f"  after {r['warmup_minutes']:g} min of warm-up: {w['first']:.1f} -> {w['last']:.1f} MB, range "
                     f"{w['min']:.1f}..{w['max']:.1f} MB ({w['spread_pct']:.1f} % spread; target <= 5 %)")
    lines.append("  latency (s):        n      p50      p90      p99")
    for name, q in r["latency_s"].items():
        lines.append(f"    {name:<18} {q['n']:>4} {q['p50']:8.3f} {q['p90']:8.3f} {q['p99']:8.3f}")
    if r.get("last_error"):
        lines.append(f"  an error: {r['last_error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio app-bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5, help="timed calls per measurement (after one warm-up)")
    p.add_argument("--json", help="also write the results to this JSON file")
    p.add_argument("--soak", type=float, metavar="MINUTES", help="drive the served app for MINUTES instead")
    p.add_argument("--rate", type=float, default=2.0, help="soak: requests per second")
    p.add_argument("--warmup", type=float, default=2.0, help="soak: minutes before memory should be flat")
    args = p.parse_args(argv)
    if args.soak:
        results = soak(args.soak, args.rate, args.warmup)
        print(soak_report(results))
    else:
        results = run(args.repeats)
        print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
