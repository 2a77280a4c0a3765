"""``python -m ganstudio eval MODEL``: measure a model against held-out real data and print a table.

The measuring itself is :func:`ganstudio.metrics.measure.evaluate_model` (what it measures per family is
described there); ``--write`` stores the numbers in the model folder's ``config.json`` (``meta.metrics``)
and regenerates its ``README.md`` card. ``--seeds 0-19`` repeats the evaluation over those seeds and prints
each metric's mean and standard error; ``--against OTHER`` adds OTHER on the same seeds and the per-seed
differences (see :mod:`ganstudio.metrics.seeds`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from . import seeds as multi
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
    parser.add_argument("--seeds", help="evaluate over these seeds (0-19, 0,3,7) and print means and standard errors")
    parser.add_argument("--against", metavar="MODEL",
                        help="with --seeds: evaluate MODEL on the same seeds and print the per-seed differences")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.against and not args.seeds:
        print("error: --against compares over several seeds: add --seeds, e.g. --seeds 0-19")
        return 2
    if args.seeds and args.write:
        print("error: --write stores one evaluation (--seed); it cannot be combined with --seeds")
        return 2
    from .. import load_model
    from ..checkpoint import CheckpointError
    from ..hub import ModelSourceError

    try:
        model = load_model(args.model, device="cpu")
        if args.seeds:
            seeds = multi.parse_seeds(args.seeds)
            other = load_model(args.against, device="cpu") if args.against else None
            return _over_seeds(args, model, other, seeds)
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


def _over_seeds(args: argparse.Namespace, model, other, seeds: list[int]) -> int:
    """Evaluate ``model`` (and ``other``) once per seed; print the summary (and the paired differences)."""
    def run(m) -> list[dict]:
        return [evaluate_model(m, args.data, args.n, s, args.batch_size, args.classifier).as_dict() for s in seeds]

    name, ours = args.model, run(model)
    stats = multi.summarise(ours)
    if not stats:
        print("error: this evaluation has no per-model number to average over seeds")
        return 2
    result: dict = {"model": name, "seeds": seeds, "per_seed": ours,
                    "summary": {k: vars(v) for k, v in stats.items()}}
    other_name = other_stats = diffs = None
    if other is not None:
        other_name, theirs = args.against, run(other)
        other_stats, diffs = multi.summarise(theirs), multi.paired(ours, theirs)
        result |= {"against": other_name, "against_per_seed": theirs,
                   "against_summary": {k: vars(v) for k, v in other_stats.items()},
                   "difference": {k: vars(v) for k, v in diffs.items()}}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(multi.table(name, seeds, stats, other_name, other_stats, diffs))
    return 0
