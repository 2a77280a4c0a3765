"""Hostile and careless inputs thrown at a served app: ``python -m ganstudio app-sweep [--json PATH]``.

Starts ``python app.py`` on the bundled catalog (or ``--url`` of a running app), sends every bad input below
through ``gradio_client`` and raw HTTP, and prints a table: inputs tried / clear error / unclear error / crash /
hang / trace leaked / wrong success. A *clear* error is the app's own sentence; *unclear* is Gradio's generic
text or the app's generic sentence; a *trace leaked* answer shows a traceback, a server path or raw library text.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` and whose pixel data is a few bytes (a decompression bomb
    stand-in: the size is read from the header, nothing is decoded)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        _chunk(b"IEND", b"")


def broken_images() -> dict[str, tuple[str, bytes]]:
    """Name -> (file name, bytes) of files that are not usable images, each broken in its own way."""
    good = _png(np.random.default_rng(0).integers(0, 255, (24, 24, 3), dtype=np.uint8))
    bad_crc = bytearray(good)
    bad_crc[29] ^= 0xFF  # inside the IHDR CRC
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(np.random.default_rng(1).integers(
        0, 255, 200, dtype=np.uint8))
    return {
        "zero-byte": ("empty.png", b""),
        "random bytes": ("noise.png", bytes(np.random.default_rng(2).integers(0, 255, 4096, dtype=np.uint8))),
        "text named .png": ("notes.png", b"this is not an image\n" * 20),
        "header 20000x20000": ("big.png", _png_header_only(20000, 20000)),
        "header 100000x100000": ("huge.png", _png_header_only(100000, 100000)),
        "svg named .png": ("vector.png", svg),
        "zero width": ("flat.png", _png_header_only(0, 16)),
        "bad CRC": ("crc.png", bytes(bad_crc)),
        "HEIC garbage": ("photo.heic", heic),
        "truncated PNG": ("cut.png", good[: len(good) // 2]),
        "PNG signature only": ("sig.png", b"\x89PNG\r\n\x1a\n"),
        "JPEG header only": ("cut.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    }


# ---------------------------------------------------------------------------------------------
# the sweep

import argparse  # noqa: E402 - the sweep's own imports, apart from the input makers above
import http.client  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

OUTCOMES = ("clear error", "unclear error", "crash", "hang", "trace leaked", "wrong success")
GENERIC = ("upstream gradio app has raised an exception", "something went wrong", '"error": null',
           "error: none", "the details are in the server log")
LEAKS = re.compile(r"Traceback|File \"|/tmp/|/work/|/root/|/home/|/proc/|/usr/|site-packages|enforce fail|"
                   r"\b(?:AttributeError|IndexError|KeyError|TypeError|RuntimeError|OSError|UnidentifiedImageError)\b|"
                   r"root:x:0:0")


@dataclass
class Case:
    """One bad input: how to send it, and whether success is wrong (always, for these inputs)."""

    group: str
    name: str
    send: Callable[[], Any]


@dataclass
class Outcome:
    case: Case
    kind: str
    text: str = ""


@dataclass
class Sweep:
    url: str
    ids: dict[str, str]  # task -> a model id of the catalog
    folder: Path
    timeout: float = 90.0
    outcomes: list[Outcome] = field(default_factory=list)

    # -- sending --------------------------------------------------------------------------------

    def client(self, headers: dict[str, str] | None = None) -> Any:
        from gradio_client import Client

        return Client(self.url, verbose=False, download_files=False, headers=headers)

    def api(self, name: str, *args: Any, client: Any = None) -> Callable[[], Any]:
        def send() -> Any:
            c = client or self.client()
            return c.submit(*args, api_name=f"/{name}").result(timeout=self.timeout)
        return send

    def raw(self, name: str, data_json: str) -> Callable[[], Any]:
        """POST raw JSON (NaN, Infinity and 1e400 included, which JSON clients refuse to send)."""
        def send() -> Any:
            base = self.url.rstrip("/")
            req = urllib.request.Request(f"{base}/gradio_api/call/{name}", data=f'{{"data": {data_json}}}'.encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                event_id = json.loads(r.read())["event_id"]
            with urllib.request.urlopen(f"{base}/gradio_api/call/{name}/{event_id}", timeout=self.timeout) as r:
                lines = r.read().decode().splitlines()
            events = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("event:")]
            datas = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("data:")]
            if events and events[-1] == "error":
                raise RuntimeError(datas[-1] if datas else "")
            return datas[-1] if datas else None
        return send

    def file(self, name: str, data: bytes) -> str:
        path = self.folder / f"{len(list(self.folder.iterdir()))}-{name}"
        path.write_bytes(data)
        return str(path)

    # -- the inputs -----------------------------------------------------------------------------

    def cases(self) -> list[Case]:
        from gradio_client import handle_file

        ids = self.ids
        rnd, cond, tr, ed, st = (ids.get(k) for k in ("random", "conditional", "translate", "edit", "style"))
        out: list[Case] = []
        add = out.append
        for kind, (fname, data) in broken_images().items():
            f = handle_file(self.file(fname, data))
            add(Case("broken image", f"translate: {kind}", self.api("translate", tr, f, "AB", "pad",
                                                                     "per-image", 0)))
            add(Case("broken image", f"all_single_edits: {kind}", self.api("all_single_edits", ed, f, "resize",
                                                                           "per-image")))
            add(Case("broken image", f"edit_attributes: {kind}", self.api("edit_attributes", ed, f, None, None, None,
                                                                          [], 1.0, "resize", "per-image")))
            add(Case("broken image", f"translate_drawing: {kind}", self.api(
                "translate_drawing", tr, {"background": f, "layers": [], "composite": f}, "AB", "pad",
                "per-image", 0)))
            add(Case("broken image", f"restore_png: {kind}", self.api("restore_png", f)))
        for label, js in [("psi NaN", f'["{st}", 1, 4, NaN, false, "exact"]'),
                          ("seed NaN", f'["{rnd}", NaN, 4, 1.0, false, "exact"]'),
                          ("seed Infinity", f'["{rnd}", Infinity, 4, 1.0, false, "exact"]'),
                          ("seed 1e400", f'["{rnd}", 1e400, 4, 1.0, false, "exact"]'),
                          ("n NaN", f'["{rnd}", 1, NaN, 1.0, false, "exact"]')]:
            add(Case("NaN / infinity", f"generate_grid: {label}", self.raw("generate_grid", js)))
        add(Case("NaN / infinity", "render_style: psi Infinity",
                 self.raw("render_style", f'["{st}", 4, Infinity, 0, "none", 1.0, 0, "", "exact"]')))
        add(Case("NaN / infinity", "render_style: per-layer noise nan",
                 self.api("render_style", st, 4, 1.0, 0, "random", 1.0, 0, "1, nan, 2")))
        add(Case("NaN / infinity", "interpolate: psi NaN",
                 self.raw("interpolate", f'["{rnd}", 0, 1, 4, 12, "slerp", "gif", null, NaN, "exact"]')))
        add(Case("NaN / infinity", "edit_attributes: intensity NaN", self.raw(
            "edit_attributes", f'["{ed}", null, null, null, null, [], NaN, "resize", "per-image", "exact"]')))
        add(Case("NaN / infinity", "convert_weights: ndf=1e400", self.api(
            "convert_weights", handle_file(self.file("netG.pth", _dcgan_weights())), "auto", None, None, "",
            "ndf=1e400")))
        face = handle_file(self.file("face.png", _png(np.full((32, 32, 3), 128, np.uint8))))
        for label, args in [("unknown attribute", (ed, face, None, None, None, ["Bald"], 1.0, "resize", "per-image")),
                            ("attribute in the wrong group", (ed, face, "Male", None, None, [], 1.0, "resize",
                                                              "per-image"))]:
            add(Case("unknown name", f"edit_attributes: {label}", self.api("edit_attributes", *args)))
        add(Case("unknown name", "generate_grid: unknown model", self.api("generate_grid", "no-such", 1, 4, 1.0,
                                                                          False)))
        add(Case("unknown name", "translate: fit 'bogus'", self.api("translate", tr, face, "AB", "bogus",
                                                                    "per-image", 0)))
        add(Case("unknown name", "translate: direction 'XY'", self.api("translate", tr, face, "XY", "pad",
                                                                       "per-image", 0)))
        add(Case("unknown name", "interpolate: format 'bmp'", self.api("interpolate", rnd, 0, 1, 4, 12, "slerp",
                                                                       "bmp", None, 1.0)))
        add(Case("unknown name", "set_precision: 'half'", self.api("set_precision", "half")))
        add(Case("unknown name", "convert_weights: preset 'nope'", self.api(
            "convert_weights", handle_file(self.file("netG.pth", _dcgan_weights())), "nope", None, None, "", "")))
        add(Case("wrong task", "generate_grid: translation model", self.api("generate_grid", tr, 1, 4, 1.0, False)))
        add(Case("wrong task", "translate: random model", self.api("translate", rnd, face, "AB", "pad",
                                                                   "per-image", 0)))
        add(Case("wrong task", "style_mix: random model", self.api("style_mix", rnd, "1", "2", "coarse", [], 0.7, 0,
                                                                   "const", 1.0, 0, "")))
        add(Case("wrong task", "all_single_edits: translation model", self.api("all_single_edits", tr, face,
                                                                               "resize", "per-image")))
        add(Case("wrong task", "generate_per_class: random model", self.api(
            "generate_per_class", rnd, ["0"], 2, 1, False, 0, 0, 0, 0)))
        if cond:
            add(Case("out of range", "interpolate: label 99", self.api("interpolate", cond, 0, 1, 4, 12, "slerp",
                                                                       "gif", 99, 1.0)))
            add(Case("out of range", "generate_per_class: class 99", self.api(
                "generate_per_class", cond, ["99"], 2, 1, False, 0, 0, 0, 0)))
            add(Case("work bounds", "generate_per_class: 3000 classes", self.api(
                "generate_per_class", cond, ["0", "1", "2"] * 1000, 2, 1, False, 0, 0, 0, 0)))
            add(Case("work bounds", "generate_per_class: 90 classes x 16", self.api(
                "generate_per_class", cond, ["0", "1", "2"] * 30, 16, 1, False, 0, 0, 0, 0)))
        for label, seed, n in [("seed -1", -1, 4), ("seed 2^40", 2**40, 4), ("n 0", 1, 0), ("n 1000", 1, 1000)]:
            add(Case("out of range", f"generate_grid: {label}", self.api("generate_grid", rnd, seed, n, 1.0, False)))
        add(Case("work bounds", "style_mix: 100,000-character seeds", self.api(
            "style_mix", st, "1, " * 33000, "2", "coarse", [], 0.7, 0, "const", 1.0, 0, "")))
        big = handle_file(self.file("big.png", _png(np.zeros((6000, 6000), np.uint8))))
        add(Case("work bounds", "translate: 6000x6000 PNG", self.api("translate", tr, big, "AB", "pad",
                                                                     "per-image", 0)))
        add(Case("work bounds", "all_single_edits: 6000x6000 PNG", self.api("all_single_edits", ed, big, "resize",
                                                                            "per-image")))
        add(Case("work bounds", "convert_weights: ngf=1000", self.api(
            "convert_weights", handle_file(self.file("netG.pth", _dcgan_weights())), "auto", None, None, "",
            "ngf=1000")))
        from ..checkpoint import save_folder

        planted, linked = self.folder / "planted", self.folder / "linked"
        for folder in (planted, linked):
            if not folder.exists():
                save_folder(_small_random_model(), folder)
        cfg = json.loads((planted / "config.json").read_text())
        cfg["config"]["latent_dim"] = 10_000_000  # a 1 KB config.json asking for a generator of over 10 GB
        (planted / "config.json").write_text(json.dumps(cfg))
        add(Case("work bounds", f"load_model: folder whose {cfg['family']} config.json has latent_dim 10,000,000",
                 self.api("load_model", str(planted))))
        (linked / "README.md").unlink(missing_ok=True)
        (linked / "README.md").symlink_to("/etc/passwd")
        for label, src in [("/proc/self", "/proc/self"), ("/etc", "/etc"), ("/dev/zero", "/dev/zero"),
                           ("../../..", "../../.."), ("300-character id", "owner/" + "n" * 300),
                           ("NUL byte", "a\x00b"), ("README -> /etc/passwd", str(linked))]:
            add(Case("server path", f"load_model: {label}", self.api("load_model", src)))
        victim = self.client()
        victim.predict("exact", api_name="/set_precision")
        for name, args in [("list_models", ()), ("set_precision", ("fast",))]:
            thief = self.client(headers={"X-Forwarded-For": "203.0.113.9"})
            thief.session_hash = victim.session_hash
            add(Case("session hijack", f"{name} with another session's hash", self.api(name, *args, client=thief)))
        add(Case("raw HTTP", "upload without Content-Length", self._upload_without_length))
        add(Case("raw HTTP", "file route traversal to /etc/passwd", self._traversal))
        return out

    def _upload_without_length(self) -> Any:
        u = urlparse(self.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=self.timeout)
        conn.putrequest("POST", "/gradio_api/upload", skip_accept_encoding=True)
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        r = conn.getresponse()
        body = r.read().decode(errors="replace")
        if r.status >= 400:
            raise RuntimeError(json.loads(body).get("detail", body) if body.startswith("{") else body)
        return body

    def _traversal(self) -> Any:
        base = self.url.rstrip("/")
        for probe in ("/gradio_api/file=/etc/passwd", "/gradio_api/file=../../../../etc/passwd",
                      "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
            try:
                with urllib.request.urlopen(base + probe, timeout=self.timeout) as r:
                    body = r.read().decode(errors="replace")
                if "root:x:0:0" in body:
                    return body  # served: a wrong success
            except urllib.error.HTTPError:
                continue
        raise RuntimeError("refused")

    # -- judging --------------------------------------------------------------------------------

    def run(self, proc: Any = None) -> list[Outcome]:
        for case in self.cases():
            if proc is not None and proc.poll() is not None:
                self.outcomes.append(Outcome(case, "crash", "the server is not running"))
                continue
            t0 = time.monotonic()
            try:
                result = case.send()
                kind, text = "wrong success", str(result)[:200]
            except TimeoutError:
                kind, text = "hang", f"no answer in {self.timeout:.0f} s"
            except Exception as e:  # noqa: BLE001 - every answer is judged
                text = str(e)
                if proc is not None and proc.poll() is not None:
                    kind = "crash"
                elif time.monotonic() - t0 > self.timeout:
                    kind = "hang"
                elif LEAKS.search(text):
                    kind = "trace leaked"
                elif not text.strip() or any(g in text.lower() for g in GENERIC):
                    kind = "unclear error"
                else:
                    kind = "clear error"
            self.outcomes.append(Outcome(case, kind, " ".join(text.split())[:200]))
        return self.outcomes


def _small_random_model() -> Any:
    """A small model of the first registered random-task family with a ``latent_dim`` (8-dim latents, 16 px,
    one channel), for the folder cases."""
    import dataclasses

    from .. import registry
    from ..checkpoint import new_model
    from ..models.base import Task

    for family in registry.families():
        fields = {f.name for f in dataclasses.fields(family.config_class)}
        if Task.RANDOM in family.tasks and "latent_dim" in fields:
            small = {"latent_dim": 8, "image_size": 16, "channels": 1}
            return new_model(family, {k: v for k, v in small.items() if k in fields})
    raise RuntimeError("no random-task family with a latent_dim is registered")


def _dcgan_weights() -> bytes:
    """A pytorch/examples DCGAN generator state dict (nz 8, ngf 4, 64 px) as ``torch.save`` writes it."""
    import torch

    shapes = {"main.0.weight": (8, 32, 4, 4), "main.1.weight": (32,), "main.1.bias": (32,),
              "main.1.running_mean": (32,), "main.1.running_var": (32,), "main.3.weight": (32, 16, 4, 4),
              "main.4.weight": (16,), "main.4.bias": (16,), "main.4.running_mean": (16,), "main.4.running_var": (16,),
              "main.6.weight": (16, 8, 4, 4), "main.7.weight": (8,), "main.7.bias": (8,),
              "main.7.running_mean": (8,), "main.7.running_var": (8,), "main.9.weight": (8, 4, 4, 4),
              "main.10.weight": (4,), "main.10.bias": (4,), "main.10.running_mean": (4,),
              "main.10.running_var": (4,), "main.12.weight": (4, 3, 4, 4)}
    g = torch.Generator().manual_seed(0)
    state = {k: torch.randn(s, generator=g).abs() if "var" in k else torch.randn(s, generator=g)
             for k, s in shapes.items()}
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def table(outcomes: list[Outcome]) -> str:
    """The sweep's table: per group, inputs tried and how each was answered, then every answer that was not clear."""
    groups = list(dict.fromkeys(o.case.group for o in outcomes))
    head = f"{'inputs':<16} {'tried':>5} " + " ".join(f"{k:>13}" for k in OUTCOMES)
    lines = [head, "-" * len(head)]
    for g in groups + ["all"]:
        sel = [o for o in outcomes if g in ("all", o.case.group)]
        lines.append(f"{g:<16} {len(sel):>5} " + " ".join(f"{sum(o.kind == k for o in sel):>13}" for k in OUTCOMES))
    bad = [o for o in outcomes if o.kind != "clear error"]
    if bad:
        lines += ["", "not a clear error:"] + [f"  [{o.kind}] {o.case.name}: {o.text}" for o in bad]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio app-sweep", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="a running app to sweep (default: start python app.py on the bundled models)")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds after which an answer counts as a hang")
    p.add_argument("--json", help="also write every outcome to this JSON file")
    p.add_argument("--show-clear", action="store_true", help="also list the clear errors")
    args = p.parse_args(argv)
    from .app import _free_port, prepare_catalog, start_app

    with tempfile.TemporaryDirectory(prefix="ganstudio-sweep-") as tmp:
        proc = None
        catalog, bundled, chosen = prepare_catalog(Path(tmp))
        ids: dict[str, str] = {}
        for e in bundled:
            ids.setdefault(e["task"], e["id"])
        ids.update({task: e["id"] for task, e in chosen.items() if task not in ids})
        if args.url:
            url = args.url
        else:
            proc, url, _ = start_app(catalog, _free_port())
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        try:
            outcomes = Sweep(url, ids, inputs, args.timeout).run(proc)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=20)
    print(table(outcomes))
    if args.show_clear:
        print("\nclear errors:\n" + "\n".join(f"  {o.case.name}: {o.text}" for o in outcomes if o.kind == "clear error"))
    if args.json:
        Path(args.json).write_text(json.dumps([{"group": o.case.group, "input": o.case.name, "outcome": o.kind,
                                                "answer": o.text} for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
