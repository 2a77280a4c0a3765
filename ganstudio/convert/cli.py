"""``python -m ganstudio convert SRC [--family F] [--preset NAME] --out DIR [--push-to-hub REPO]``.

Reads published weights without executing anything in the file, prints what it found (family, config,
notes, and the key mapping when keys were matched by structure) and writes a GAN Studio model folder.
On any error it prints the reason and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import PRESETS, ConvertError, convert, push_to_hub, save_conversion


def _value(text: str) -> Any:
    """A --set value: JSON when it parses (numbers, true/false, lists), else the plain string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def build_parser() -> argparse.ArgumentParser:
    presets = "\n".join(f"  {p.name:<22} {p.title}" for p in PRESETS.values())
    parser = argparse.ArgumentParser(
        prog="python -m ganstudio convert",
        description="Import published GAN weights (.pth / .pt / .ckpt state dicts, NVIDIA StyleGAN2-ADA .pkl) "
                    "into a GAN Studio model folder.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"presets:\n{presets}\n\nWithout --preset the layout is recognised from the tensor names and shapes.",
    )
    parser.add_argument("src", help="the checkpoint file")
    parser.add_argument("--out", help="output model folder (required unless --dry-run)")
    parser.add_argument("--family", help="restrict to this family (e.g. cyclegan)")
    parser.add_argument("--preset", help="the published layout (see below)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="config value the weights do not determine, e.g. image_size=256 or use_dropout=false")
    parser.add_argument("--discriminator", metavar="FILE", help="also convert this discriminator file")
    parser.add_argument("--generator-ba", metavar="FILE", help="CycleGAN: the B->A generator (latest_net_G_B.pth)")
    parser.add_argument("--attributes", help="StarGAN: comma-separated attribute names, in label order")
    parser.add_argument("--name", help="display name for the model card")
    parser.add_argument("--force", action="store_true", help="replace an existing model folder at --out")
    parser.add_argument("--dry-run", action="store_true", help="convert and report, write nothing")
    parser.add_argument("--show-mapping", action="store_true", help="print the key mapping even when keys were not renamed")
    parser.add_argument("--push-to-hub", metavar="REPO", help="upload the folder to this Hub model repo (owner/name)")
    parser.add_argument("--private", action="store_true", help="create the Hub repo as private")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.out and not args.dry_run:
        print("error: --out DIR is required (or --dry-run)", file=sys.stderr)
        return 2
    overrides: dict[str, Any] = {}
    for item in args.overrides:
        key, sep, text = item.partition("=")
        if not sep or not key:
            print(f"error: --set wants KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        overrides[key.strip()] = _value(text.strip())
    attributes = [a.strip() for a in args.attributes.split(",") if a.strip()] if args.attributes else None
    try:
        conv = convert(args.src, family=args.family, preset=args.preset, overrides=overrides,
                       discriminator=args.discriminator, generator_ba=args.generator_ba,
                       attributes=attributes, name=args.name)
        for line in conv.summary():
            print(line)
        if conv.mapping and (args.show_mapping or conv.method == "structural match"):
            print("key mapping (file -> GAN Studio):")
            for line in conv.mapping:
                print(f"  {line}")
        elif conv.mapping:
            print(f"key mapping: {len(conv.mapping)} keys renamed (--show-mapping lists them)")
        elif args.show_mapping:
            print("key mapping: the file's keys are GAN Studio's")
        if args.dry_run:
            print("dry run: nothing written")
            return 0
        folder = save_conversion(conv, args.out, overwrite=args.force)
        print(f"wrote {folder}")
        if args.push_to_hub:
            url = push_to_hub(folder, args.push_to_hub, private=args.private)
            print(f"pushed to {url}")
    except ConvertError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
