"""``python -m ganstudio data build emoji|mnist`` and ``python -m ganstudio data info NAME``."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

from . import DATASETS, DataUnavailableError, UnknownDatasetError, data_root, get_dataset


def _build(args: argparse.Namespace) -> int:
    t0 = time.time()
    if args.name == "mnist":
        from . import mnist

        path = mnist.build(force=args.force)
        print(f"mnist: {path} ({time.time() - t0:.1f} s)")
        return 0
    from . import emoji

    npz, index = emoji.build(args.size, force=args.force, progress=True)
    meta = json.loads(index.read_text(encoding="utf-8"))
    print(f"emoji: {meta['count']} sequences x 2 designs at {meta['size']} px "
          f"(rendered in {meta['build_seconds']} s; {meta['rejected']} not drawn by both fonts)")
    print(f"  {npz} ({npz.stat().st_size / 2**20:.1f} MiB)\n  {index}")
    return 0


def _info(args: argparse.Namespace) -> int:
    kwargs = {}
    if args.name.startswith("emoji") and args.size:
        kwargs["size"] = args.size
    if args.root:
        kwargs["root"] = args.root
    try:
        train = get_dataset(args.name, **kwargs) if args.root else get_dataset(args.name, split="train", **kwargs)
        test = None if args.root else get_dataset(args.name, split="test", **kwargs)
    except TypeError as e:
        print(f"error: {args.name}: {e}")
        return 2
    info = train.info
    print(f"{info.name}: {info.description}")
    print(f"  item: {', '.join(info.item)}; image {info.channels}x{info.image_size}x{info.image_size}")
    print(f"  samples: train {len(train)}" + (f", test {len(test)}" if test is not None else ""))
    for field in ("class_names", "attribute_names", "attribute_groups", "domains", "input_kind"):
        value = getattr(info, field)
        if value:
            print(f"  {field}: {value}")
    if info.palette:
        print(f"  palette: {', '.join(p['name'] for p in info.palette)}")
    labels = getattr(train, "labels", None)
    if info.class_names and labels is not None:
        values = labels[getattr(train, "label", "")] if isinstance(labels, dict) else labels
        counts = Counter(int(v) for v in values)
        print("  train counts: " + ", ".join(f"{info.class_names[k]} {counts[k]}" for k in sorted(counts)))
    if info.extra.get("attribute_means"):
        print(f"  attribute means: {info.extra['attribute_means']}")
    if info.license:
        print(f"  licence: {info.license}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganstudio data", description="Build or inspect offline datasets.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="render / parse a dataset once into the cache folder")
    b.add_argument("name", choices=["emoji", "mnist"])
    b.add_argument("--size", type=int, default=64, choices=[32, 64, 128], help="emoji side in pixels")
    b.add_argument("--force", action="store_true", help="rebuild even if the cache exists")
    i = sub.add_parser("info", help="describe a dataset")
    i.add_argument("name", help=", ".join(DATASETS))
    i.add_argument("--size", type=int, default=None, help="emoji side in pixels (default 64)")
    i.add_argument("--root", default=None, help="folder, for folder datasets")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        print(f"data root: {data_root()}")
        return _info(args)
    except (UnknownDatasetError, DataUnavailableError, ValueError) as e:
        print(f"error: {e}")
        return 2
