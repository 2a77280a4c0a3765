"""``python -m ganstudio convert SRC [--family F] [--preset NAME] --out DIR [--push-to-hub REPO]``.

Reads published weights without executing anything in the file, prints what it found (family, config,
notes, and the key mapping when keys were matched by structure) and writes a GAN Studio model folder.
SRC is a file, or a Hub repo id (``owner/name[/file][@revision]``) whose generator weights are picked,
downloaded and converted as ``load_model`` does. On any error it prints the reason and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
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
    parser.add_argument("src", help="the checkpoint file, or a Hub repo id: owner/name[/file][@revision]")
    parser.add_argument("--out", help="output model folder (required unless --dry-run)")
    parser.add_argument("--family", help="restrict to this family (e.g. cyclegan)")
    parser.add_argument("--preset", help="the published layout (see below)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="config value the weights do not determine, e.g. image_size=256 or use_dropout=false")
    parser.add_argument("--discriminator", metavar="FILE", help="also convert this discriminator file")
    parser.add_argument("--generator-ba", metavar="FILE", help="CycleGAN: the B->A generator (latest_net_G_B.pth)")
    parser.add_argument("--attributes", help="StarGAN: comma-separated attribute names, in label order")
    parser.add_argument("--classes", help="conditional models: comma-separated class names, in label order")
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
    classes = [a.strip() for a in args.classes.split(",") if a.strip()] if args.classes else None
    if not Path(args.src).exists() and _is_hub_id(args.src):
        return _from_hub(args, overrides)
    try:
        conv = convert(args.src, family=args.family, preset=args.preset, overrides=overrides,
                       discriminator=args.discriminator, generator_ba=args.generator_ba,
                       attributes=attributes, classes=classes, name=args.name)
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


def _is_hub_id(src: str) -> bool:
    from ..hub import HubSource, ModelSourceError, parse_source

    try:
        return isinstance(parse_source(src), HubSource)
    except ModelSourceError:
        return False


def _from_hub(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    """Convert a Hub repo by id (as ``load_model`` does, into its cache), then copy the folder to --out."""
    from ..hub import ModelSourceError, resolve_source

    if args.family or args.discriminator or args.generator_ba or args.attributes or args.classes or args.name:
        print("error: with a Hub repo id only --preset, --set, --out, --force, --dry-run and --push-to-hub apply "
              "(download the files to use the others)", file=sys.stderr)
        return 2
    try:
        folder = resolve_source(args.src, preset=args.preset, overrides=overrides or None)
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        prov = cfg.get("meta", {}).get("provenance", {})
        print(f"family:  {cfg['family']}")
        print(f"preset:  {prov.get('preset', '?')} ({prov.get('key_mapping', '?')})")
        print(f"source:  {prov.get('hub_repo', args.src)} @ {prov.get('hub_commit', '?')}, {prov.get('hub_file', '?')}")
        print(f"config:  {json.dumps(cfg['config'])}")
        for note in cfg.get("meta", {}).get("conversion_notes", []):
            print(f"note:    {note}")
        if args.dry_run:
            print(f"dry run: converted into the cache ({folder}); nothing else written")
            return 0
        out = Path(args.out)
        if out.exists() and any(out.iterdir()):
            if not args.force or not (out / "config.json").is_file():
                raise ConvertError(f"{out} is not empty (use --force to replace a model folder there)")
            shutil.rmtree(out)
        shutil.copytree(folder, out)
        print(f"wrote {out}")
        if args.push_to_hub:
            print(f"pushed to {push_to_hub(out, args.push_to_hub, private=args.private)}")
    except (ConvertError, ModelSourceError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
