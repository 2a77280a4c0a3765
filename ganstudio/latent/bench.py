"""``python -m ganstudio latent-bench``: how well the latent tools work on the bundled StyleGAN2.

1. Projection of held-out face emoji (the ``test`` split of ``ganstudio/data/emoji.py``, never seen in training)
   at default settings, against two baselines: the mean-W image, and the nearest of ``--samples`` random
   samples (nearest in pixels for PSNR, nearest in classifier features for the feature distance).
   Metrics: PSNR (dB, 8-bit) and the L2 distance of the emoji classifier's penultimate features (the features
   of the project's Frechet distance).
2. Projection of images the model rendered itself (seeds, stored noise): they should come back (PSNR >= 30 dB).
3. Seconds per projection.
4. SeFa directions of the coarse (W+ rows 0-3) and fine (6-9) ranges: mean absolute pixel change per unit step
   (sigma), and how far each classifier head's prediction moves (total-variation distance between the
   class probabilities at -2 and +2 sigma), showing which outputs move and which stay.
5. Walk video: seconds of work per second of 30-fps, 64-px video (lerp in W, MP4 H.264).

Prints a Markdown report and writes JSON (``--out``). Run with ``--threads 1`` on a shared CPU (several processes
each using two threads slow each other down many times over).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from ..checkpoint import load_folder
from ..metrics.features import load_classifier
from . import codes, directions, projection, walks
from .projection import ProjectionSettings

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "checkpoints" / "stylegan2-emoji"


def held_out_faces(n: int) -> torch.Tensor:
    """The first ``n`` held-out face emoji (both designs), [n, 3, 64, 64] in [-1, 1]."""
    from ..data.emoji import EmojiImages

    data = EmojiImages(split="test", categories=["face"], design="both")
    return torch.stack([data[i][0] for i in range(min(n, len(data)))])


def _psnr_each(x: torch.Tensor, targets: torch.Tensor) -> list[float]:
    return [projection.psnr(a[None], b[None]) for a, b in zip(x, targets)]


def _nearest(samples: torch.Tensor, sample_feats: torch.Tensor, targets: torch.Tensor,
             target_feats: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per target: the PSNR of the nearest sample in pixels and the feature distance of the nearest in features."""
    q = lambda x: ((x + 1) * 127.5).clamp(0, 255).round().flatten(1)  # noqa: E731  8-bit pixels
    s8 = q(samples)
    psnrs, dists = [], []
    for t, tf in zip(targets, target_feats):
        mse = ((s8 - q(t[None])) ** 2).mean(1)  # [N]
        psnrs.append(float(10 * torch.log10(255 ** 2 / mse.min().clamp_min(1e-10))))
        dists.append(float((sample_feats - tf).norm(dim=1).min()))
    return psnrs, dists


def bench_projection(model: Any, n_images: int, n_samples: int, n_rendered: int,
                     settings: ProjectionSettings) -> dict[str, Any]:
    clf = load_classifier("emoji")
    targets = held_out_faces(n_images)
    feats = lambda x: clf.extract(x)  # noqa: E731  [N, 192]
    recon, seconds = [], []
    for t in targets:
        r = projection.project_image(model, codes.to_images(model, t[None])[0], settings)
        recon.append(codes.render(model, [r.latent])[0])
        seconds.append(r.seconds)
    recon_t = torch.stack(recon)
    g = model.generator
    mean_img = codes.render_codes(model, codes.w_samples(model)[0].repeat(1, g.n_latent, 1))  # [1, C, H, W]
    z = g.sample_latent(n_samples, torch.Generator().manual_seed(12345))
    with codes.running(model):
        w = torch.cat([g.mapping(c) for c in z.split(512)])
    samples = codes.render_codes(model, w[:, None].repeat(1, g.n_latent, 1), chunk=256)
    near_psnr, near_dist = _nearest(samples, feats(samples), targets, feats(targets))
    tf = feats(targets)
    held = {
        "images": len(targets),
        "projection": {"psnr_db": float(np.mean(_psnr_each(recon_t, targets))),
                       "feature_distance": float((feats(recon_t) - tf).norm(dim=1).mean())},
        "mean_w": {"psnr_db": float(np.mean(_psnr_each(mean_img.expand_as(targets), targets))),
                   "feature_distance": float((feats(mean_img) - tf).norm(dim=1).mean())},
        f"nearest_of_{n_samples}": {"psnr_db": float(np.mean(near_psnr)),
                                    "feature_distance": float(np.mean(near_dist))},
        "seconds_per_projection": float(np.mean(seconds)),
    }
    rendered = []
    for seed in range(100, 100 + n_rendered):
        img = codes.render_images(model, [codes.from_seed(model, seed)])[0]
        rendered.append(projection.project_image(model, img, settings).psnr)
    return {"held_out": held, "rendered": {"seeds": list(range(100, 100 + n_rendered)),
                                           "psnr_db": rendered, "min_psnr_db": float(min(rendered)),
                                           "mean_psnr_db": float(np.mean(rendered))}}


def bench_directions(model: Any, n_latents: int = 16, k: int = 3) -> dict[str, Any]:
    clf = load_classifier("emoji")
    lats = [codes.from_seed(model, s) for s in range(n_latents)]
    out: dict[str, Any] = {}
    for name, rows in (("coarse 0-3", [0, 1, 2, 3]), ("fine 6-9", [6, 7, 8, 9])):
        d = directions.sefa(model, layers=rows, k=k)
        per = []
        for i in range(k):
            base = codes.render(model, lats)
            plus = codes.render(model, [directions.edit(model, lat, d, i, 1.0) for lat in lats])
            lo = codes.render(model, [directions.edit(model, lat, d, i, -2.0) for lat in lats])
            hi = codes.render(model, [directions.edit(model, lat, d, i, 2.0) for lat in lats])
            change = float(((plus - base).abs() * 127.5).mean())  # mean |pixel change| per sigma, 0-255 scale
            with torch.no_grad():
                p_lo = {h: torch.softmax(v, 1) for h, v in clf(lo).items()}
                p_hi = {h: torch.softmax(v, 1) for h, v in clf(hi).items()}
            tv = {h: round(float(0.5 * (p_hi[h] - p_lo[h]).abs().sum(1).mean()), 4) for h in p_lo}
            per.append({"direction": i, "pixel_change_per_sigma": round(change, 3), "head_tv_at_pm2sigma": tv})
        out[name] = per
    return out


def bench_video(model: Any, seconds: float = 3.0, fps: int = 30) -> dict[str, Any]:
    frames = int(seconds * fps)
    keys = [codes.from_seed(model, s) for s in (1, 2, 3)]
    t0 = time.perf_counter()
    w = walks.walk_to_end(model, "lerp-w", keys, frames=frames, fps=fps, fmt="mp4", loop=True)
    spent = time.perf_counter() - t0
    return {"frames": frames, "fps": fps, "side_px": model.config.image_size, "mp4_bytes": len(w.video),
            "seconds_of_work_per_video_second": spent / seconds}


def report(results: dict[str, Any]) -> str:
    p = results["projection"]
    h = p["held_out"]
    near = next(k for k in h if k.startswith("nearest_of_"))
    lines = [f"Held-out face emoji ({h['images']}), mean over images:", "",
             "| method | PSNR (dB) | classifier-feature distance |", "|---|---|---|"]
    for key, label in (("projection", "projection (default settings)"), ("mean_w", "mean-W image"),
                       (near, near.replace("_", " ") + " random samples")):
        lines.append(f"| {label} | {h[key]['psnr_db']:.2f} | {h[key]['feature_distance']:.3f} |")
    r = p["rendered"]
    lines += ["", f"Model-rendered images (seeds {r['seeds'][0]}-{r['seeds'][-1]}): PSNR mean "
              f"{r['mean_psnr_db']:.2f} dB, min {r['min_psnr_db']:.2f} dB.",
              f"Seconds per projection: {h['seconds_per_projection']:.1f} s "
              f"({results['settings']['steps']} W + {results['settings']['wplus_steps']} W+ steps, "
              f"{results['threads']} thread(s)).", "",
              "| range | direction | pixel change / sigma | head TV distance at -2 vs +2 sigma |", "|---|---|---|---|"]
    for name, per in results["directions"].items():
        for d in per:
            tv = ", ".join(f"{k} {v:.2f}" for k, v in d["head_tv_at_pm2sigma"].items())
            lines.append(f"| {name} | {d['direction']} | {d['pixel_change_per_sigma']:.2f} | {tv} |")
    v = results["video"]
    lines += ["", f"Video: {v['seconds_of_work_per_video_second']:.2f} s of work per second of {v['fps']}-fps "
              f"{v['side_px']}-px MP4 ({v['frames']} frames)."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio latent-bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="StyleGAN2 model folder (default: the bundled one)")
    p.add_argument("--images", type=int, default=20, help="held-out images to project (default 20)")
    p.add_argument("--samples", type=int, default=10_000, help="random samples of the nearest-sample baseline")
    p.add_argument("--rendered", type=int, default=5, help="model-rendered images to project back (default 5)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--steps", type=int, default=ProjectionSettings.steps, help="W steps")
    p.add_argument("--wplus-steps", type=int, default=ProjectionSettings.wplus_steps, help="W+ steps")
    p.add_argument("--out", default=None, help="write the results as JSON here")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_folder(args.model)
    settings = ProjectionSettings(steps=args.steps, wplus_steps=args.wplus_steps, framing="center").check()
    t0 = time.perf_counter()
    results = {"model": args.model, "threads": args.threads,
               "settings": {"steps": settings.steps, "wplus_steps": settings.wplus_steps},
               "projection": bench_projection(model, args.images, args.samples, args.rendered, settings),
               "directions": bench_directions(model),
               "video": bench_video(model)}
    results["total_seconds"] = time.perf_counter() - t0
    print(report(results))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    return 0
