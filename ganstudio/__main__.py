"""``python -m ganstudio <command> ...``: one entry point for every command-line tool."""

from __future__ import annotations

import importlib
import os
import sys

# command -> (module with main(argv) -> int, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "train": ("ganstudio.train.cli", "train a model family on a dataset"),
    "recipe": ("ganstudio.train.recipes", "train a bundled model by its recipe name (--list)"),
    "eval": ("ganstudio.metrics.cli", "measure a model (Frechet distance, KID, accuracies)"),
    "convert": ("ganstudio.convert.cli", "import published weights into a GAN Studio model folder"),
    "data": ("ganstudio.data.cli", "build or inspect the offline datasets"),
    "bench": ("ganstudio.bench.inference", "time generators in exact and fast precision"),
    "train-bench": ("ganstudio.train.bench", "time training steps against reference training loops"),
    "latent-bench": ("ganstudio.latent.bench", "measure projection, directions and walk videos on the bundled StyleGAN2"),
    "app-bench": ("ganstudio.bench.app", "time the web app: startup, grids through the client, memory; --soak"),
    "app-sweep": ("ganstudio.bench.sweep", "throw bad inputs at the served app and tabulate how each is answered"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        prog = "ganstudio" if os.path.basename(sys.argv[0]) == "ganstudio" else "python -m ganstudio"
        print(f"usage: {prog} <command> [options]\n\ncommands:")
        width = max(map(len, COMMANDS))
        for name, (_, text) in COMMANDS.items():
            print(f"  {name:<{width}}  {text}")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
