"""Import published GAN weights into GAN Studio model folders (``python -m ganstudio convert``).

Pipeline (:func:`convert`):

1. read the file without executing anything in it (``safe_pickle``): ``.pth`` / ``.pt`` / ``.ckpt`` / ``.bin``
   through ``torch.load(weights_only=True)``, NVIDIA ``.pkl`` through an allowlist unpickler, ``.safetensors``
   as is; a ``config.json`` of constructor arguments beside it (a Hub mixin's) is read as a hint;
2. unwrap the usual containers (``g_ema``, ``netG_state_dict``, ``state_dict``, ``module.`` prefixes ...);
3. find the preset whose layout the keys follow (``presets.py``), read the family config off the shapes and
   map the keys; if no preset's keys match, match another repository's equivalent network by module order
   and shape (``structural.py``); anything ambiguous stops with an error;
4. build our model from that config and load every tensor strictly.

:func:`save_conversion` then writes ``config.json`` (with provenance: file hash, original format, licence
note), ``model.safetensors`` and a model card, all or nothing; :func:`push_to_hub` uploads the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from .. import __version__, registry
from ..checkpoint import CONFIG_NAME, CheckpointError, GanModel, ModelMeta, load_state_strict, model_card, new_model, save_folder
from ..models.base import ConfigError
from . import pytorch_gan as _pytorch_gan  # noqa: F401  (registers the PyTorch-GAN / huggan presets)
from .presets import (PRESETS, ConvertError, Inferred, NeedsArguments, Preset, Source, get_preset, same_keys,
                      unsupported_layout)
from .safe_pickle import UnsafeCheckpointError, extract_network, load_nvlabs_pickle, load_torch_file
from .structural import StructuralMatchError, match_structure, shapes_of

# Container entries that hold a generator, most specific first (rosinality's EMA generator before its raw one).
GENERATOR_ENTRIES = ("g_ema", "G_ema", "netG_state_dict", "generator_state_dict", "netG", "generator", "G",
                     "g", "gen", "state_dict", "model_state_dict", "model", "params")
DISCRIMINATOR_ENTRIES = ("netD_state_dict", "discriminator_state_dict", "netD", "discriminator", "D", "d")
# Prefixes wrappers add to every key: DataParallel / DistributedDataParallel, torch.compile.
WRAPPER_PREFIXES = ("module.", "_orig_mod.")
# Prefixes of a generator inside a combined state dict (e.g. a Lightning checkpoint's "state_dict").
SUBMODULE_PREFIXES = {"generator": ("generator.", "netG.", "G.", "gen.", "g_ema."),
                      "discriminator": ("discriminator.", "netD.", "D.", "disc.")}

# What reading a corrupt or non-checkpoint file can raise besides UnsafeCheckpointError (fuzzed: random bytes).
UNREADABLE_ERRORS = (IndexError, KeyError, OverflowError, MemoryError, struct.error)

FORMAT_LABELS = {
    "zip": "PyTorch checkpoint (torch.save zip format)",
    "legacy": "PyTorch checkpoint (legacy torch.save format)",
    "nvlabs_pkl": "NVIDIA network pickle (StyleGAN2-ADA / StyleGAN3 .pkl)",
    "safetensors": "safetensors file",
}
# What a structural match assumes about the parts of a network that carry no weights.
STRUCTURAL_ASSUMES = {
    "dcgan": "ReLU after each BatchNorm, Tanh output",
    "pix2pix": "LeakyReLU 0.2 down, ReLU up, Tanh output, junyanz skip order",
    "cyclegan": "ReLU, reflection padding, Tanh output",
    "stargan": "ReLU, zero padding, Tanh output",
}
# Keys of a Hub mixin's config.json that may name the classes, in label order.
CLASS_NAME_KEYS = ("class_names", "classes", "labels", "id2label")


@dataclass
class Conversion:
    """A converted model plus how it was obtained."""

    model: GanModel
    preset: str  # preset name, or "structural:<family>"
    method: str  # "published keys" | "renamed from NVlabs keys" | "structural match"
    notes: list[str]
    source: Source
    sha256: str
    mapping: list[str] = field(default_factory=list)  # "source -> ours" lines when keys were renamed
    overrides: dict[str, Any] = field(default_factory=dict)  # config values given with --set

    def summary(self) -> list[str]:
        cfg = json.dumps(self.model.config.to_dict())
        lines = [f"family:  {self.model.family.name}", f"preset:  {self.preset} ({self.method})",
                 f"source:  {self.source.filename} [{self.source.format_label}"
                 + (f", entry {self.source.container!r}]" if self.source.container else "]"),
                 f"config:  {cfg}", f"components: {', '.join(self.model.modules)}"]
        lines += [f"note:    {n}" for n in self.notes]
        return lines


# ---------------------------------------------------------------------------------------------
# reading


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], Source]:
    """The generator's tensors in ``path`` and what else the file held (latent_avg, args, a discriminator)."""
    path = Path(path)
    if not path.is_file():
        raise ConvertError(f"{path} does not exist")
    with open(path, "rb") as f:
        head = f.read(4)
    is_zip = head.startswith(b"PK")
    if path.suffix.lower() == ".safetensors":
        return _read_safetensors(path)
    try:
        if path.suffix.lower() == ".pkl" and not is_zip:
            return _read_nvlabs(path)
        obj = load_torch_file(path)
    except UnsafeCheckpointError as e:
        raise ConvertError(str(e)) from None
    except UNREADABLE_ERRORS as e:  # the unpicklers stop on garbage with errors other than UnpicklingError
        raise ConvertError(f"{path.name} is not a readable checkpoint ({type(e).__name__} while unpickling)") from None
    source = Source(format="state_dict", format_label=FORMAT_LABELS["zip" if is_zip else "legacy"], filename=path.name)
    tensors = _unwrap(obj, source)
    return tensors, source


def _read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], Source]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise ConvertError(f"{path.name} is not a readable safetensors file ({type(e).__name__})") from None
    # safetensors keeps no module order (keys come back sorted by name): put numbered modules back in order
    tensors = dict(sorted(tensors.items(), key=lambda kv: _natural_key(kv[0])))
    source = Source(format="state_dict", format_label=FORMAT_LABELS["safetensors"], filename=path.name)
    return _unwrap(tensors, source), source


def _natural_key(key: str) -> tuple:
    """``model.9.x`` before ``model.28.x``: digit runs compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", key))


def read_hub_config(weights: str | Path) -> dict[str, Any] | None:
    """The ``config.json`` of constructor arguments beside ``weights`` (a Hub mixin's), if it is one.

    A GAN Studio config (it names a ``family``) is not a hint about foreign weights and is ignored.
    """
    path = Path(weights).with_name(CONFIG_NAME)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or "family" in data:
        return None
    return data


def _class_names(hub: Mapping[str, Any] | None) -> list[str] | None:
    for key in CLASS_NAME_KEYS:
        value = (hub or {}).get(key)
        if isinstance(value, dict):  # id2label: {"0": "cat", ...}
            try:
                value = [value[k] for k in sorted(value, key=int)]
            except (TypeError, ValueError):
                continue
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return list(value)
    return None


def _read_nvlabs(path: Path) -> tuple[dict[str, torch.Tensor], Source]:
    data = load_nvlabs_pickle(path)
    if isinstance(data, int):  # a legacy torch.save file (it starts with a pickled magic number) named .pkl
        source = Source(format="state_dict", format_label=FORMAT_LABELS["legacy"], filename=path.name)
        return _unwrap(load_torch_file(path), source), source
    net = extract_network(data)
    source = Source(format="nvlabs_pkl", format_label=FORMAT_LABELS["nvlabs_pkl"], container=net.name,
                    filename=path.name, extras={"init_kwargs": net.init_kwargs, "classes": net.classes,
                                                "source_sha256": net.source_sha256})
    return net.tensors, source


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and all(isinstance(v, torch.Tensor) for v in obj.values()) \
        and all(isinstance(k, str) for k in obj)


def _strip_wrappers(sd: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = dict(sd)
    changed = True
    while changed:
        changed = False
        for p in WRAPPER_PREFIXES:
            if out and all(k.startswith(p) for k in out):
                out = {k[len(p):]: v for k, v in out.items()}
                changed = True
    return out


def _split_prefixed(sd: Mapping[str, torch.Tensor], part: str) -> dict[str, torch.Tensor] | None:
    for p in SUBMODULE_PREFIXES[part]:
        sub = {k[len(p):]: v for k, v in sd.items() if k.startswith(p)}
        if sub:
            return sub
    return None


def _unwrap(obj: Any, source: Source) -> dict[str, torch.Tensor]:
    if _is_state_dict(obj):
        return _strip_wrappers(obj)
    if not isinstance(obj, Mapping):
        raise ConvertError(f"{source.filename} holds a {type(obj).__name__}, not a state dict")
    for name in GENERATOR_ENTRIES:
        entry = obj.get(name)
        if isinstance(entry, Mapping) and not _is_state_dict(entry):
            # one level deeper, e.g. {"state_dict": {"generator": {...}}}
            inner = next((entry[n] for n in GENERATOR_ENTRIES if _is_state_dict(entry.get(n))), None)
            entry = inner if inner is not None else entry
        if _is_state_dict(entry):
            sd = _strip_wrappers(entry)
            source.container = name
            gen = _split_prefixed(sd, "generator")
            if gen is not None:
                disc = _split_prefixed(sd, "discriminator")
                if disc is not None:
                    source.extras.setdefault("discriminator", _strip_wrappers(disc))
                source.container = f"{name} (generator.*)"
                sd = _strip_wrappers(gen)
            break
    else:
        found = ", ".join(f"{k!r}" for k in list(obj)[:12])
        raise ConvertError(f"{source.filename} has no generator state dict among its entries ({found}); "
                           f"expected one of {', '.join(GENERATOR_ENTRIES)}")
    for name in DISCRIMINATOR_ENTRIES:
        if _is_state_dict(obj.get(name)) and "discriminator" not in source.extras:
            source.extras["discriminator"] = _strip_wrappers(obj[name])
            source.extras["discriminator_entry"] = name
            break
    if isinstance(obj.get("latent_avg"), torch.Tensor):
        sd["latent_avg"] = obj["latent_avg"]
    args = obj.get("args")
    if args is not None and hasattr(args, "__dict__"):
        source.extras["args"] = {k: v for k, v in vars(args).items() if isinstance(v, (int, float, str, bool))}
    return sd


# ---------------------------------------------------------------------------------------------
# matching


@dataclass
class _Attempt:
    preset: Preset
    model: GanModel
    tensors: dict[str, torch.Tensor]
    inferred: Inferred
    notes: list[str]
    renamed: list[tuple[str, str]]


def _build(family: str, config: Mapping[str, Any], components: tuple[str, ...]) -> GanModel:
    try:
        fam = registry.get_family(family)
        cfg = fam.config_class.from_dict(dict(config))
        return new_model(fam, cfg, components=components)
    except (ConfigError, registry.UnknownFamilyError) as e:
        raise ConvertError(f"{family}: {e}") from None


def _compare(ours: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor]) -> list[str]:
    problems = []
    missing = [k for k in expected if k not in ours]
    extra = [k for k in ours if k not in expected]
    if missing:
        problems.append(f"missing {missing[:6]}" + (f" and {len(missing) - 6} more" if len(missing) > 6 else ""))
    if extra:
        problems.append(f"unexpected {extra[:6]}" + (f" and {len(extra) - 6} more" if len(extra) > 6 else ""))
    for k in expected:
        if k in ours and tuple(ours[k].shape) != tuple(expected[k].shape):
            problems.append(f"{k}: {list(ours[k].shape)} in the file, {list(expected[k].shape)} expected")
            if len(problems) > 8:
                break
    return problems


def _cast_like(tensors: Mapping[str, torch.Tensor], like: Mapping[str, torch.Tensor], notes: list[str]) -> dict[str, torch.Tensor]:
    out = {}
    cast = set()
    for k, v in tensors.items():
        want = like[k].dtype
        if v.dtype != want:
            cast.add(f"{v.dtype} -> {want}")
            v = v.to(want)
        out[k] = v.detach().contiguous()
    if cast:
        notes.append(f"converted tensor types ({', '.join(sorted(cast))})")
    return out


def _attempt(preset: Preset, tensors: Mapping[str, torch.Tensor], source: Source,
             overrides: Mapping[str, Any]) -> _Attempt:
    inferred = preset.infer(tensors, source)
    config = {**inferred.config, **overrides}
    for key, value in preset.require:
        if config.get(key) != value:
            raise ConvertError(f"preset {preset.name} needs {key}={value}, the weights have {key}={config.get(key)}")
    model = _build(preset.family, config, ("generator",))
    reference = model.generator.state_dict()
    to_ours = preset.to_ours or same_keys
    ours, notes, renamed = to_ours(tensors, config, reference)
    if preset.family == "stylegan2" and "latent_avg" not in ours and "latent_avg" in reference:
        ours["latent_avg"] = torch.zeros_like(reference["latent_avg"])
        notes.append("the file has no latent_avg: computed as the mean of 4096 mapped z (seed 0)")
        source.extras["compute_latent_avg"] = True
    problems = _compare(ours, reference)
    if problems:
        raise ConvertError(f"the weights do not fit {preset.family} with config {json.dumps(config)}: "
                           + "; ".join(problems))
    return _Attempt(preset, model, _cast_like(ours, reference, notes), inferred, inferred.notes + notes, renamed)


def _candidate_presets(family: str | None, preset: str | None, source: Source) -> list[Preset]:
    if preset:
        p = get_preset(preset)
        if family and p.family != family:
            raise ConvertError(f"preset {p.name} converts to family {p.family}, not {family}")
        chosen = [p]
    else:
        if family and family not in registry.FAMILY_MODULES:
            raise ConvertError(f"unknown family {family!r}; known: {', '.join(registry.family_names())}")
        chosen = [p for p in PRESETS.values() if not p.require and (family is None or p.family == family)]
        if family and not chosen:
            raise ConvertError(f"no preset converts to family {family!r}; families with presets: "
                               f"{', '.join(sorted({p.family for p in PRESETS.values()}))}")
    usable = [p for p in chosen if source.format in p.formats]
    if not usable:
        raise ConvertError(f"{source.format_label} files are not read by preset(s) {', '.join(p.name for p in chosen)}")
    return usable


def _structural(tensors: Mapping[str, torch.Tensor], presets: list[Preset],
                overrides: Mapping[str, Any]) -> tuple[Preset, dict[str, Any], Any]:
    src_shapes = shapes_of(tensors)
    ordered = list(src_shapes.items())
    found: dict[str, tuple[Preset, dict[str, Any], Any]] = {}
    closest = ""
    for p in presets:
        if p.candidates is None:
            continue
        for cand in p.candidates(ordered):
            config = {**cand, **overrides}
            try:
                fam = registry.get_family(p.family)
                cfg = fam.config_class.from_dict(config)
                with torch.device("meta"):
                    target = shapes_of(fam.build("generator", cfg).state_dict())
                match = match_structure(src_shapes, target)
            except (ConfigError, StructuralMatchError) as e:
                closest = closest or f"{p.family}: {e}"
                continue
            found[f"{p.family} {json.dumps(cfg.to_dict(), sort_keys=True)}"] = (p, config, match)
    if len(found) > 1:
        raise ConvertError("the layout matches more than one network by structure: "
                           + "; ".join(found) + ". Name one with --family / --preset and --set.")
    if not found:
        raise ConvertError("no known layout matches these weights (by key names or by module order and shapes)"
                           + (f"; closest: {closest}" if closest else ""))
    (p, config, match), = found.values()
    return p, config, match


def convert(path: str | Path, *, family: str | None = None, preset: str | None = None,
            overrides: Mapping[str, Any] | None = None, discriminator: str | Path | None = None,
            generator_ba: str | Path | None = None, attributes: list[str] | None = None,
            classes: list[str] | None = None, name: str | None = None,
            hub_config: Mapping[str, Any] | None = None) -> Conversion:
    """Convert the checkpoint at ``path`` into a :class:`Conversion` (nothing is written).

    ``family`` / ``preset`` restrict what the file may be; ``overrides`` sets config values the weights do not
    determine (e.g. ``{"image_size": 256}``); ``discriminator`` / ``generator_ba`` add components from other
    files (their keys must be ours, or the generator's layout); ``attributes`` names StarGAN's labels,
    ``classes`` a conditional model's classes. ``hub_config`` is a Hub mixin's ``config.json`` of constructor
    arguments (default: the one beside ``path``, if any). Raises :class:`ConvertError`.
    """
    path = Path(path)
    overrides = dict(overrides or {})
    tensors, source = read_checkpoint(path)
    hub = dict(hub_config) if hub_config is not None else read_hub_config(path)
    if hub:
        source.extras["hub_config"] = hub
    source.extras["overrides"] = overrides
    source.extras["preset"] = get_preset(preset).name if preset else None
    refusal = unsupported_layout(tensors)
    if refusal:
        raise ConvertError(refusal)
    if discriminator is not None:
        d_tensors, _ = read_checkpoint(discriminator)
        source.extras["discriminator"] = d_tensors
        source.extras["discriminator_entry"] = Path(discriminator).name
    else:
        sibling = _stargan_sibling(path)
        if sibling is not None and "discriminator" not in source.extras:
            try:
                source.extras["discriminator"], _ = read_checkpoint(sibling)
                source.extras["discriminator_entry"] = sibling.name
            except ConvertError:
                pass
    presets = _candidate_presets(family, preset, source)

    attempts: list[_Attempt] = []
    failures: list[tuple[Preset, str]] = []
    undecided: list[tuple[Preset, str]] = []  # fit, but need values the weights do not hold
    for p in presets:
        if not p.detect(tensors):
            continue
        try:
            attempts.append(_attempt(p, tensors, source, overrides))
        except NeedsArguments as e:
            undecided.append((p, str(e)))
        except ConvertError as e:
            failures.append((p, str(e)))
    mapping: list[str] = []
    if len(attempts) + len(undecided) > 1:
        fits = [a.preset for a in attempts] + [p for p, _ in undecided]
        raise ConvertError("the weights fit several layouts that give different images and cannot be told apart "
                           "from the weights: " + "; ".join(f"{p.name} ({p.title})" for p in fits)
                           + ". Choose one with --preset (on the Hub, a config.json naming the arguments decides)")
    if undecided and not attempts:
        raise ConvertError(undecided[0][1])
    if attempts:
        a = attempts[0]
        model, inferred, notes, p = a.model, a.inferred, a.notes, a.preset
        method = ("renamed from NVlabs keys" if p.name == "stylegan2-ada" else
                  "renamed keys" if a.renamed else "published keys")
        ours = a.tensors
        preset_name = p.name
        if a.renamed:
            width = max(len(theirs) for theirs, _ in a.renamed)
            mapping = [f"{theirs:<{width}}  ->  {o}" for theirs, o in a.renamed]
    elif failures and preset is not None and not any(p.candidates for p in presets):
        raise ConvertError(f"{failures[0][1]}")
    else:
        if source.format == "nvlabs_pkl":
            raise ConvertError(f"{source.container} in this pickle is not a StyleGAN2-ADA generator "
                               f"(class {source.extras.get('classes', {}).get('', '?')})")
        if preset is not None and not any(p.candidates for p in presets):
            raise ConvertError(f"the keys do not follow the {presets[0].title} layout")
        try:
            p, config, match = _structural(tensors, presets, overrides)
        except ConvertError as e:
            if not failures:
                raise
            # a preset recognised the file but its keys did not fit, and matching by module order and shape
            # found nothing either: name the layout it came closest to
            closest = "; ".join(f"{fp.name} ({fp.title}): {why}" for fp, why in failures[:2])
            raise ConvertError(f"looks like {failures[0][0].title}, but the weights do not fit it. Closest layout: "
                               f"{closest}. Matching by module order and shape: {e}") from None
        model = _build(p.family, config, ("generator",))
        reference = model.generator.state_dict()
        notes = [f"keys renamed by module order and shape onto GAN Studio's {p.family} layout "
                 f"({len(match.mapping)} tensors)"]
        notes += [f"the keys did not fit the {fp.name} preset ({why}); matched by structure instead"
                  for fp, why in failures[:2]]
        notes.append(f"activations and normalisation modes leave no weights: those of GAN Studio's {p.family} "
                     f"layout ({STRUCTURAL_ASSUMES.get(p.family, 'as its family defines')}) are assumed; a source "
                     "that uses others gives different images")
        if match.reshaped:
            notes.append(f"{len(match.reshaped)} tensors reshaped (only size-1 dimensions differed)")
        if match.missing_counters:
            notes.append(f"{len(match.missing_counters)} num_batches_tracked counters set to 0")
        if p.family in ("pix2pix", "cyclegan"):
            notes.append("dropout has no weights and cannot be seen by structure: use_dropout="
                         f"{config.get('use_dropout')} (change with --set use_dropout=...)")
        ours = _cast_like(match.apply(tensors, shapes_of(reference)), reference, notes)
        inferred = Inferred(config, [], {"description": f"{p.family} generator converted by structural matching."})
        mapping = match.lines()
        method = "structural match"
        preset_name = f"structural:{p.family}"

    try:
        load_state_strict(model.generator, ours, f"{path.name} -> {model.family.name} generator")
    except CheckpointError as e:
        raise ConvertError(str(e)) from None
    if source.extras.pop("compute_latent_avg", False):
        model.generator.update_latent_avg(n=4096, generator=torch.Generator().manual_seed(0))

    _add_component(model, "discriminator", source, notes, explicit=discriminator is not None)
    ba_path = Path(generator_ba) if generator_ba is not None else _ab_sibling(path)
    if ba_path is not None and "generator_ba" in model.family.components:
        ba_tensors, _ = read_checkpoint(ba_path)
        source.extras["generator_ba"] = ba_tensors
        source.extras["generator_ba_entry"] = ba_path.name
        to_ours = PRESETS[preset_name].to_ours if preset_name in PRESETS else None
        _add_component(model, "generator_ba", source, notes, explicit=generator_ba is not None, to_ours=to_ours)

    meta = dict(inferred.meta)
    k = getattr(model.config, "num_classes", None)
    if classes:
        if k is None:
            raise ConvertError(f"{model.family.name} has no classes to name")
        if len(classes) != k:
            raise ConvertError(f"{len(classes)} class names for a model with num_classes={k}")
        meta["class_names"] = list(classes)
    elif _class_names(hub) and k is not None:  # a hint: used only when it fits
        named = _class_names(hub)
        if len(named) == k:
            meta["class_names"] = named
            notes.append(f"class names from config.json: {', '.join(named)}")
        else:
            notes.append(f"config.json names {len(named)} classes, the model has {k}: names not used")
    if attributes:
        if len(attributes) != getattr(model.config, "c_dim", len(attributes)):
            raise ConvertError(f"--attributes names {len(attributes)} labels, the model has c_dim="
                               f"{getattr(model.config, 'c_dim', '?')}")
        meta["attribute_names"] = list(attributes)
        groups = [g for g in (meta.get("attribute_groups") or []) if set(g) <= set(attributes)]
        meta["attribute_groups"] = groups or None
    sha = file_sha256(path)
    model.meta = ModelMeta.from_dict({
        **meta,
        "name": name or f"{path.stem} ({model.family.name})",
        "license": (PRESETS[preset_name].license_id if preset_name in PRESETS else ""),
        "provenance": {
            "source_file": path.name,
            "source_sha256": sha,
            "original_format": source.format_label + (f", entry {source.container!r}" if source.container else ""),
            "preset": preset_name,
            "reference": PRESETS[preset_name].reference if preset_name in PRESETS else "structural match",
            "key_mapping": method,
            "licence_note": (PRESETS[preset_name].licence if preset_name in PRESETS else
                             "check the licence of the original weights"),
            "converted_by": f"ganstudio {__version__} convert",
        },
        "conversion_notes": notes,
    })
    model.source = str(path)
    for m in model.modules.values():
        m.eval()
    return Conversion(model, preset_name, method, notes, source, sha, mapping, overrides)


def _ab_sibling(path: Path) -> Path | None:
    """PyTorch-GAN saves ``G_AB_N.pth`` beside ``G_BA_N.pth`` (CycleGAN, DiscoGAN): the reverse generator."""
    if path.name.startswith("G_AB_"):
        sibling = path.with_name("G_BA_" + path.name[len("G_AB_"):])
        return sibling if sibling.is_file() else None
    return None


def _stargan_sibling(path: Path) -> Path | None:
    """yunjey StarGAN saves ``N-G.ckpt`` next to ``N-D.ckpt``; the latter tells the image size."""
    if path.name.endswith("-G.ckpt"):
        sibling = path.with_name(path.name[: -len("-G.ckpt")] + "-D.ckpt")
        return sibling if sibling.is_file() else None
    return None


def _add_component(model: GanModel, name: str, source: Source, notes: list[str], explicit: bool,
                   to_ours: Callable[..., Any] | None = None) -> None:
    tensors = source.extras.get(name)
    if tensors is None:
        return
    where = source.extras.get(f"{name}_entry", name)
    try:
        module = model.family.build(name, model.config)
    except ConfigError as e:
        if explicit:
            raise ConvertError(f"{name}: {e}") from None
        notes.append(f"{where}: not converted ({e})")
        return
    reference = module.state_dict()
    fixed, fix_notes, _ = (to_ours or same_keys)(tensors, model.config.to_dict(), reference)
    problems = _compare(fixed, reference)
    if problems:
        message = f"{where} does not fit our {model.family.name} {name}: " + "; ".join(problems)
        if explicit:
            raise ConvertError(message)
        notes.append(message + " (left out)")
        return
    load_state_strict(module, _cast_like(fixed, reference, fix_notes), f"{where} -> {name}")
    module.eval()
    model.modules[name] = module
    notes.append(f"{name} converted from {where}" + (f" ({'; '.join(fix_notes)})" if fix_notes else ""))


# ---------------------------------------------------------------------------------------------
# writing and publishing


def conversion_card(conv: Conversion) -> str:
    """The model card: the standard one plus how the weights were converted."""
    card = model_card(conv.model).rstrip("\n")
    lines = ["", "## Conversion", "",
             f"Converted from `{conv.source.filename}` ({conv.source.format_label}) with the `{conv.preset}` "
             f"preset ({conv.method}).", ""]
    lines += [f"- {n}" for n in conv.notes]
    sets = "".join(f" --set {k}={json.dumps(v)}" for k, v in conv.overrides.items())
    lines += ["", "Reproduce: `python -m ganstudio convert " + conv.source.filename
              + (f" --preset {conv.preset}" if conv.preset in PRESETS else "") + sets + " --out <dir>`"]
    return card + "\n" + "\n".join(lines) + "\n"


def save_conversion(conv: Conversion, out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write the model folder; all files appear together (written beside, then moved into place)."""
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise ConvertError(f"{out} exists and is not a folder")
        if any(out.iterdir()):
            if not overwrite:
                raise ConvertError(f"{out} is not empty (use --force to replace a model folder there)")
            if not (out / CONFIG_NAME).is_file():
                raise ConvertError(f"{out} is not empty and is not a model folder; refusing to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        save_folder(conv.model, tmp, card=conversion_card(conv))
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def convert_file(path: str | Path, out_dir: str | Path, *, overwrite: bool = False, **kwargs: Any) -> Conversion:
    """:func:`convert` then :func:`save_conversion` (what the app's Models tab calls on an upload)."""
    conv = convert(path, **kwargs)
    save_conversion(conv, out_dir, overwrite=overwrite)
    return conv


def zip_folder(folder: str | Path, zip_path: str | Path | None = None) -> Path:
    """A ``.zip`` of a model folder, for downloading a converted model."""
    folder = Path(folder)
    zip_path = Path(zip_path) if zip_path else folder.with_suffix(".zip")
    part = zip_path.with_name(f".{zip_path.name}.part")  # renamed when complete: a torn zip is never offered
    try:
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_STORED) as z:
            for f in sorted(folder.iterdir()):
                if f.is_file():
                    z.write(f, f"{folder.name}/{f.name}")
        os.replace(part, zip_path)
    finally:
        part.unlink(missing_ok=True)
    return zip_path


def push_to_hub(folder: str | Path, repo_id: str, *, private: bool = False, token: str | None = None,
                api_factory: Callable[..., Any] | None = None) -> str:
    """Create (if needed) the Hub model repo ``repo_id`` and upload ``folder``; returns the repo URL."""
    from ..hub import ModelSourceError, push_folder

    try:
        return push_folder(folder, repo_id, private=private, token=token, api_factory=api_factory,
                           commit_message="Add converted GAN Studio model")
    except ModelSourceError as e:
        raise ConvertError(str(e)) from None


__all__ = [
    "Conversion",
    "ConvertError",
    "PRESETS",
    "convert",
    "convert_file",
    "conversion_card",
    "file_sha256",
    "push_to_hub",
    "read_checkpoint",
    "save_conversion",
    "zip_folder",
]
