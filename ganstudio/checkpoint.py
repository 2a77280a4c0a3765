"""Self-describing model folders: ``config.json`` + ``model.safetensors`` (+ other components) + ``README.md``.

``config.json``::

    {"format": "ganstudio-model/1", "family": "dcgan",
     "config": {...every constructor argument...},
     "components": ["generator", "discriminator"],
     "meta": {...class names, palette, training, metrics, provenance, licence...}}

Loading rebuilds every component from the config through the registry and loads its tensors
strictly: a missing or unexpected key, a wrong shape or a wrong dtype is an error that names it.
Nothing is ever unpickled.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from . import registry
from .errors import GanStudioError
from .models.base import ConfigError, Family, GanConfig, Task

FORMAT = "ganstudio-model/1"
CONFIG_NAME = "config.json"
CARD_NAME = "README.md"


class CheckpointError(GanStudioError):
    """A model folder is incomplete, inconsistent with its config, or corrupt."""


@dataclass
class ModelMeta:
    """Everything about a model that is not a constructor argument.

    Fields the app reads are typed; anything else goes to ``extra`` and is kept on save.
    """

    name: str = ""
    description: str = ""
    value_range: tuple[float, float] = (-1.0, 1.0)
    class_names: list[str] | None = None  # conditional families, in label order
    # StarGAN: attribute names in label order, and mutually exclusive groups (e.g. hair colours).
    attribute_names: list[str] | None = None
    attribute_groups: list[list[str]] | None = None
    domains: list[str] | None = None  # translation: [A, B] names
    input_kind: str | None = None  # translation input: "photo" | "edges" | "labels"
    palette: list[dict[str, Any]] | None = None  # label maps: [{"name": "sky", "color": [r, g, b]}, ...]
    # translation: the norm mode that suits the weights ("eval": batch-norm statistics gathered over training
    # batches); None: "per-image", each image normalised by its own statistics
    translate_mode: str | None = None
    preprocess: dict[str, Any] = field(default_factory=dict)  # e.g. {"resize": "bicubic", "center_crop": 178}
    dataset: str = ""
    training: dict[str, Any] = field(default_factory=dict)  # loss, steps, time, hardware, ...
    metrics: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    license: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Typed fields that differ from "unset" (None, "", {}, []), ``value_range`` always, and every extra key."""
        d = dataclasses.asdict(self)
        extra = d.pop("extra")
        out = {k: v for k, v in d.items() if not _unset(v)}
        out["value_range"] = list(self.value_range)
        out.update({k: v for k, v in extra.items() if k not in out})
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "ModelMeta":
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kw = {k: v for k, v in values.items() if k in known}
        if "value_range" in kw:
            kw["value_range"] = tuple(kw["value_range"])
        return cls(**kw, extra={k: v for k, v in values.items() if k not in known})


def _unset(v: Any) -> bool:
    return v is None or (isinstance(v, (str, dict, list, tuple)) and len(v) == 0)


@dataclass
class GanModel:
    """A loaded model: its family, config, meta and built modules (``generator`` always present)."""

    family: Family
    config: GanConfig
    meta: ModelMeta
    modules: dict[str, nn.Module]
    source: str = ""  # folder path, or "owner/name@revision[/subfolder]"
    # Held while a call switches modes / memory formats: a cached model is shared by every user.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def generator(self) -> nn.Module:
        return self.modules["generator"]

    @property
    def tasks(self) -> tuple[Task, ...]:
        return self.family.tasks

    @property
    def device(self) -> torch.device:
        return next(iter(self.generator.parameters())).device

    def to(self, device: torch.device | str) -> "GanModel":
        for m in self.modules.values():
            m.to(device)
        return self

    def num_parameters(self, component: str = "generator") -> int:
        return sum(p.numel() for p in self.modules[component].parameters())

    def config_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "family": self.family.name,
            "config": self.config.to_dict(),
            "components": sorted(self.modules, key=lambda n: n != "generator"),  # generator first
            "meta": self.meta.to_dict(),
        }


def new_model(family: str | Family, config: GanConfig | Mapping[str, Any] | None = None,
              meta: ModelMeta | None = None, components: tuple[str, ...] | None = None) -> GanModel:
    """Build a freshly initialised model of ``family`` (all its components unless ``components`` is given)."""
    fam = registry.get_family(family) if isinstance(family, str) else family
    if config is None:
        cfg = fam.config_class()
    elif isinstance(config, GanConfig):
        cfg = config
    else:
        cfg = fam.config_class.from_dict(config)
    names = components or tuple(fam.components)
    if "generator" not in names:
        raise ConfigError("a model always has a generator")
    return GanModel(fam, cfg, meta or ModelMeta(), {n: fam.build(n, cfg) for n in names})


# ---------------------------------------------------------------------------------------------
# strict tensor loading


def load_state_strict(module: nn.Module, tensors: Mapping[str, torch.Tensor], what: str) -> None:
    """Copy ``tensors`` into ``module``; every key, shape and dtype must match exactly."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    problems: list[str] = []
    if missing:
        problems.append(f"missing keys {_clip(missing)}")
    if unexpected:
        problems.append(f"unexpected keys {_clip(unexpected)}")
    for k in sorted(set(expected) & set(tensors)):
        e, t = expected[k], tensors[k]
        if tuple(e.shape) != tuple(t.shape):
            problems.append(f"{k}: shape {list(t.shape)} in file, model expects {list(e.shape)}")
        elif e.dtype != t.dtype:
            problems.append(f"{k}: dtype {t.dtype} in file, model expects {e.dtype}")
        elif t.is_floating_point() and not bool(torch.isfinite(t).all()):
            problems.append(f"{k} holds NaN or infinite values")
    if problems:
        raise CheckpointError(f"{what} does not match its config: " + "; ".join(problems[:12])
                              + (f"; and {len(problems) - 12} more" if len(problems) > 12 else ""))
    module.load_state_dict(dict(tensors), strict=True)


def _clip(names: list[str], n: int = 8) -> str:
    return str(names[:n])[:-1] + (f", ... {len(names) - n} more]" if len(names) > n else "]")


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Read a safetensors file, turning a truncated or corrupt file into a clear error."""
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{path.name} is corrupt or truncated ({e})") from e


# ---------------------------------------------------------------------------------------------
# folders


def read_config(folder: Path) -> dict[str, Any]:
    path = folder / CONFIG_NAME
    if not path.is_file():
        raise CheckpointError(f"{folder} has no {CONFIG_NAME}: not a GAN Studio model folder")
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path} is not valid JSON ({e})") from e
    if not isinstance(cfg, dict) or cfg.get("format") != FORMAT:
        found = cfg.get("format") if isinstance(cfg, dict) else None
        raise CheckpointError(
            f"{path} is not a GAN Studio config (expected \"format\": \"{FORMAT}\", found {found!r})"
        )
    for key in ("family", "config", "components"):
        if key not in cfg:
            raise CheckpointError(f"{path} lacks {key!r}")
    comps = cfg["components"]
    if not isinstance(cfg["family"], str):
        raise CheckpointError(f"{path}: \"family\" must be a string, not {cfg['family']!r}")
    if not isinstance(cfg["config"], dict):
        raise CheckpointError(f"{path}: \"config\" must be an object of constructor arguments")
    if not isinstance(comps, list) or not comps or not all(isinstance(c, str) and c for c in comps):
        raise CheckpointError(f"{path}: \"components\" must be a non-empty list of names, not {comps!r}")
    if not isinstance(cfg.get("meta", {}), dict):
        raise CheckpointError(f"{path}: \"meta\" must be an object")
    return cfg


def component_files(cfg: Mapping[str, Any]) -> list[str]:
    """The weight files a config names, generator first."""
    return [Family.file_of(c) for c in cfg["components"]]


def load_folder(folder: str | Path, *, components: tuple[str, ...] | None = None,
                device: torch.device | str = "cpu", source: str | None = None) -> GanModel:
    """Load a model folder: rebuild each component from ``config.json`` and load its tensors strictly.

    ``components`` limits what is loaded (default: all the config lists); the generator is always loaded.
    """
    folder = Path(folder)
    cfg = read_config(folder)
    try:
        fam = registry.get_family(cfg["family"])
        config = fam.config_class.from_dict(cfg["config"])
    except (registry.UnknownFamilyError, ConfigError) as e:
        raise CheckpointError(f"{folder / CONFIG_NAME}: {e}") from e
    listed = list(cfg["components"])
    if "generator" not in listed:
        raise CheckpointError(f"{folder / CONFIG_NAME} lists no generator component")
    unknown = [c for c in listed if c not in fam.components]
    if unknown:
        raise CheckpointError(
            f"{folder / CONFIG_NAME} lists components {unknown} that family {fam.name!r} does not have "
            f"(it has {sorted(fam.components)})"
        )
    wanted = [c for c in listed if components is None or c in components or c == "generator"]
    modules: dict[str, nn.Module] = {}
    for name in wanted:
        path = folder / Family.file_of(name)
        if not path.is_file():
            if name in fam.optional:
                continue
            raise CheckpointError(f"{folder} lacks {path.name} (listed in {CONFIG_NAME})")
        try:
            module = fam.build(name, config)
        except ConfigError as e:
            raise CheckpointError(f"{folder / CONFIG_NAME}: {e}") from e
        load_state_strict(module, read_safetensors(path), f"{path.name} ({fam.name} {name})")
        modules[name] = module.to(device)
    meta = ModelMeta.from_dict(cfg.get("meta", {}))
    return GanModel(fam, config, meta, modules, source or str(folder))


def save_folder(model: GanModel, folder: str | Path, *, card: str | None = None) -> Path:
    """Write ``model`` as a self-describing folder; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, module in model.modules.items():
        # safetensors wants contiguous, untied tensors
        tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in module.state_dict().items()}
        save_file(tensors, str(folder / Family.file_of(name)),
                  metadata={"format": "pt", "family": model.family.name, "component": name})
    (folder / CONFIG_NAME).write_text(json.dumps(model.config_json(), indent=2) + "\n", encoding="utf-8")
    (folder / CARD_NAME).write_text(card if card is not None else model_card(model), encoding="utf-8")
    return folder


def _measured_then(measured: dict[str, Any] | None, eval_data: str | None) -> str:
    """A stage's metrics on its card line: "; measured then: fd 9.438, recall 0.727" (+ the data if other)."""
    if not measured:
        return ""
    values = ", ".join(f"{k} {v:.4g}" for k, v in measured.items() if isinstance(v, (int, float)))
    data = measured.get("eval_data")
    return f"; measured then: {values}" + (f" (on {data})" if data and data != eval_data else "")


def model_card(model: GanModel) -> str:
    """A Hub model card (front matter + summary) built from the config and meta."""
    m = model.meta
    lines = ["---", "library_name: ganstudio", "tags:", "- gan", f"- {model.family.name}"]
    if m.license:
        # The Hub wants a licence identifier here; anything else is "other" plus its name.
        if re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", m.license):
            lines.append(f"license: {m.license}")
        else:
            lines += ["license: other", f"license_name: {json.dumps(m.license)}"]
    lines += ["---", "", f"# {m.name or model.family.name}", ""]
    if m.description:
        lines += [m.description, ""]
    lines += [
        f"- Family: `{model.family.name}` ({model.family.description})",
        f"- Generator parameters: {model.num_parameters():,}",
        f"- Config: `{json.dumps(model.config.to_dict())}`",
    ]
    if m.dataset:
        lines.append(f"- Data: {m.dataset}")
    if m.class_names:
        lines.append(f"- Classes: {', '.join(m.class_names)}")
    if m.attribute_names:
        lines.append(f"- Attributes: {', '.join(m.attribute_names)}")
    if m.domains:
        lines.append(f"- Domains: {' -> '.join(m.domains)}")
    if m.translate_mode == "eval":
        lines.append("- Default mode: stored batch-norm statistics from training (`translate_mode: eval`)")
    if m.training:
        lines += ["", "## Training", ""] + [f"- {k}: {v}" for k, v in m.training.items() if k != "earlier_stages"]
        stages = m.training.get("earlier_stages") or []
        if stages:  # e.g. pre-trained on all emoji, then fine-tuned on a subset
            lines += ["", "Earlier stages of the same run, before the data and settings above:", ""]
            lines += [f"- steps up to {st.get('until_step')}: {st.get('data')}"
                      + "".join(f"; {k} {st[k]}" for k in ("loss", "n_critic", "params") if k in st)
                      + ("" if "lr_decay_from" not in st else "; constant learning rates" if st["lr_decay_from"] is None
                         else f"; lr_decay_from {st['lr_decay_from']}")
                      + _measured_then(st.get("measured"), (m.metrics or {}).get("eval_data"))
                      for st in stages]
    if m.metrics:
        lines += ["", "## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in m.metrics.items()]
    if m.provenance:
        lines += ["", "## Provenance", ""] + [f"- {k}: {v}" for k, v in m.provenance.items()]
    if m.license:
        lines += ["", "## Licence", "", m.license]
    if (samples := m.extra.get("samples_image")):
        lines += ["", "## Samples", "", f"![samples]({samples})"]
    return "\n".join(lines) + "\n"
