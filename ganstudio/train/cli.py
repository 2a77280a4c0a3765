"""``python -m ganstudio train <family> --data <name or folder> [options]``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from .. import losses, registry
from ..data import DataUnavailableError, UnknownDatasetError, dataset_names
from . import TrainOptions, run, trainable_families, trainer_for
from .common import AMP_MODES


def _kv(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ganstudio train", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("family", choices=sorted(trainable_families()), help="model family")
    p.add_argument("--data", required=True, help=f"dataset ({', '.join(dataset_names())}) or an image folder")
    p.add_argument("--out", help="run folder (training state, samples, log, exported model); default runs/<family>-<data>")
    p.add_argument("--loss", choices=losses.LOSSES, help="GAN loss (default: the family's)")
    p.add_argument("--steps", type=int, default=2000, help="generator updates")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr-g", type=float)
    p.add_argument("--lr-d", type=float)
    p.add_argument("--lr-decay-from", type=int, metavar="STEP",
                   help="keep the learning rates until STEP, then decay them linearly to 0 at --steps")
    p.add_argument("--n-critic", type=int, help="D updates per G update (default: the loss's)")
    p.add_argument("--set", dest="model", type=_kv, action="append", default=[], metavar="KEY=VALUE",
                   help="model config value, e.g. --set ngf=32")
    p.add_argument("--param", type=_kv, action="append", default=[], metavar="KEY=VALUE",
                   help="family training parameter, e.g. --param lambda_l1=100")
    p.add_argument("--image-size", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--sample-every", type=int, default=500)
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--device", help="cuda, mps or cpu (default: best available)")
    p.add_argument("--amp", choices=AMP_MODES, default="auto",
                   help="bf16 autocast: auto (on CUDA only), bf16 (on any device), off")
    p.add_argument("--no-amp", dest="amp", action="store_const", const="off", help="same as --amp off")
    p.add_argument("--threads", type=int, help="CPU threads")
    p.add_argument("--name", default="", help="model name for the card")
    p.add_argument("--init-from", help="model folder to continue from when OUT has no training state")
    p.add_argument("--export-to", help="copy the exported model folder here (e.g. checkpoints/dcgan-mnist)")
    p.add_argument("--push-to-hub", metavar="REPO", help="upload the exported model folder to this Hub repo")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    trainer = trainer_for(args.family)
    registry.get_family(args.family)
    opts = TrainOptions(
        family=args.family, data=args.data,
        out=args.out or f"runs/{args.family}-{Path(args.data).name}",
        loss=args.loss or trainer.default_loss, steps=args.steps, batch_size=args.batch_size,
        lr_g=args.lr_g, lr_d=args.lr_d, n_critic=args.n_critic, model=dict(args.model), params=dict(args.param),
        image_size=args.image_size, seed=args.seed, log_every=args.log_every, sample_every=args.sample_every,
        checkpoint_every=args.checkpoint_every, device=args.device, amp=args.amp, name=args.name,
        threads=args.threads, init_from=args.init_from, lr_decay_from=args.lr_decay_from,
    )
    try:
        folder = run(opts, trainer, quiet=args.quiet)
    except (UnknownDatasetError, DataUnavailableError, ValueError) as e:
        # bad options, data, model settings or --init-from folder: one line, no traceback
        print(f"error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun only rank 0 reports, copies and uploads the exported model
    print(f"model written to {folder}")
    if args.export_to:
        dest = Path(args.export_to)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(folder, dest)
        print(f"copied to {dest}")
    if args.push_to_hub:
        from ..hub import ModelSourceError, push_folder

        try:
            url = push_folder(folder, args.push_to_hub, commit_message=f"Add {opts.name or folder.name}")
        except ModelSourceError as e:
            print(f"error: {e}; the model is still in {folder}", file=sys.stderr)
            return 1
        print(f"pushed to {url}")
    return 0
