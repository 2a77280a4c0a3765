"""``python -m ganstudio eval MODEL``: measure a model against held-out real data and print a table.

The measuring itself is :func:`ganstudio.metrics.measure.evaluate_model` (what it measures per family is
described there); ``--write`` stores the numbers in the model folder's ``config.json`` (``meta.metrics``)
and regenerates its ``README.md`` card.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .measure import evaluate_model, write_metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganstudio eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model folder or owner/name[@revision]")
    parser.add_argument("--data", help="registered dataset (default: the model's training dataset)")
    parser.add_argument("--n", type=int, default=None, help="samples / test items (default: the held-out size)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--classifier", help="classifier folder (default: the bundled one for the data)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--write", action="store_true", help="store the metrics in the model folder and its card")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from .. import load_model
    from ..checkpoint import CheckpointError
    from ..hub import ModelSourceError

    try:
        model = load_model(args.model, device="cpu")
        report = evaluate_model(model, args.data, args.n, args.seed, args.batch_size, args.classifier)
    except (ModelSourceError, CheckpointError, ValueError) as e:
        print(f"error: {e}")
        return 2
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    if args.write:
        if not Path(args.model).is_dir():
            print("error: --write needs a local model folder")
            return 2
        write_metrics(args.model, model, report)
        print(f"metrics written to {Path(args.model) / 'config.json'} and README.md")
    return 0
