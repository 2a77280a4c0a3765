"""The exact commands that train every bundled model: ``python -m ganstudio recipe NAME [--steps N]``.

Each recipe trains into ``runs/NAME`` (resumable: run it again to continue) and copies the exported
model to ``checkpoints/NAME``. ``python -m ganstudio recipe --list`` shows them all.
"""

from __future__ import annotations

import argparse

from . import cli

SMALL_DC = ["--set", "ngf=32", "--set", "ndf=32", "--set", "latent_dim=64"]

RECIPES: dict[str, list[str]] = {
    "mlp-mnist": ["mlp", "--data", "mnist", "--loss", "nonsaturating", "--steps", "6000", "--batch-size", "64",
                  "--name", "Vanilla GAN (MLP) - MNIST digits"],
    "dcgan-mnist": ["dcgan", "--data", "mnist", "--loss", "nonsaturating", "--steps", "4000", "--batch-size", "64",
                    *SMALL_DC, "--name", "DCGAN - MNIST digits"],
    "wgan-gp-mnist": ["dcgan", "--data", "mnist", "--loss", "wgan-gp", "--steps", "3000", "--batch-size", "64",
                      *SMALL_DC, "--name", "WGAN-GP (DCGAN architecture) - MNIST digits"],
    "lsgan-mnist": ["dcgan", "--data", "mnist", "--loss", "lsgan", "--steps", "4000", "--batch-size", "64",
                    *SMALL_DC, "--name", "LSGAN (DCGAN architecture) - MNIST digits"],
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio recipe", description=__doc__)
    p.add_argument("names", nargs="*", help="recipes to run, in order")
    p.add_argument("--list", action="store_true")
    p.add_argument("--steps", type=int, help="override the recipe's step count")
    p.add_argument("--threads", type=int)
    p.add_argument("--device")
    args = p.parse_args(argv)
    if args.list or not args.names:
        for name, rec in RECIPES.items():
            print(f"{name:<22} python -m ganstudio train {' '.join(rec)}")
        return 0
    for name in args.names:
        if name not in RECIPES:
            p.error(f"unknown recipe {name!r}; see --list")
        # continue from the bundled checkpoint when this machine has no training state for it
        extra = ["--out", f"runs/{name}", "--export-to", f"checkpoints/{name}", "--init-from", f"checkpoints/{name}",
                 "--quiet"]
        extra += ["--steps", str(args.steps)] if args.steps else []
        extra += ["--threads", str(args.threads)] if args.threads else []
        extra += ["--device", args.device] if args.device else []
        cli.main(RECIPES[name] + extra)
    return 0
