"""Model cards in a visitor's words: one plain sentence on quality, then every measured number under a
readable name, and the card each tab shows (:func:`card_markdown`).

The numbers are the ones ``ganstudio eval`` wrote into the model's metadata; nothing is computed here.
"""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path
from typing import Any

from PIL import Image

from ..catalog import CatalogEntry
from ..checkpoint import GanModel
from .features import class_names
from .provenance import model_folder, revision_of, weights_size

THUMB_SIDE = 256  # the card's sample grid: small enough to travel inside the card (WebP, tens of KB)

# metric key -> what it means, for the full table (unknown keys are shown as they are)
METRIC_NAMES: dict[str, str] = {
    "fd": "Fréchet distance to held-out real images (lower is better)",
    "fd_real_baseline": "Fréchet distance, real vs real images (the best to expect)",
    "fd_random_init": "Fréchet distance of the untrained network",
    "fd_palette_input": "Fréchet distance of the region map itself",
    "kid": "Kernel inception distance ×1000 (lower is better)",
    "kid_real_baseline": "Kernel inception distance, real vs real",
    "kid_random_init": "Kernel inception distance of the untrained network",
    "precision": "Realism: share of images that look like real ones (precision)",
    "recall": "Variety: share of real images it can make (recall)",
    "precision_real_baseline": "Realism of real images (precision, real vs real)",
    "recall_real_baseline": "Variety of real images (recall, real vs real)",
    "class_accuracy": "Asked-for class read back by a classifier",
    "class_accuracy_real": "Classifier accuracy on real images",
    "l1": "Mean pixel error to the true output (0-2)",
    "l1_copy_input": "Mean pixel error of copying the input unchanged",
    "l1_palette_input": "Mean pixel error of the region map itself",
    "domain_accuracy_ab": "Outputs A → B taken for the target style by a classifier",
    "domain_accuracy_ba": "Outputs B → A taken for the target style by a classifier",
    "cycle_l1_aba": "Round trip A → B → A: mean pixel error (cycle consistency)",
    "cycle_l1_bab": "Round trip B → A → B: mean pixel error (cycle consistency)",
    "generator_norms": "Normalisation statistics used when measured",
    "modes_covered": "Modes covered",
    "modes_covered_real": "Modes covered by real samples",
    "high_quality": "Share of samples close to a mode",
    "high_quality_real": "Share of real samples close to a mode",
    "eval_data": "Measured on",
    "eval_features": "Features compared",
}


def metric_name(key: str) -> str:
    """A readable name for a metric key (``attribute_accuracy_<name>[_real]`` included)."""
    if key in METRIC_NAMES:
        return METRIC_NAMES[key]
    if key.startswith("attribute_accuracy_"):
        attr = key.removeprefix("attribute_accuracy_")
        if attr.endswith("_real"):
            return f"Classifier accuracy on real images' {attr.removesuffix('_real').replace('_', ' ')}"
        return f"Asked-for {attr.replace('_', ' ')} read back by a classifier"
    return key


def _num(metrics: dict[str, Any], key: str) -> float | None:
    v = metrics.get(key)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _subject(metrics: dict[str, Any]) -> str:
    data = str(metrics.get("eval_data", "")).lower()
    return "digits" if "mnist" in data else "emoji" if "emoji" in data else "images"


def quality_sentence(metrics: dict[str, Any] | None) -> str:
    """One plain sentence on how good a model is, from its measured metrics ("" when none were measured).

    >>> quality_sentence({"precision": 0.84, "recall": 0.64, "precision_real_baseline": 0.84,
    ...                   "recall_real_baseline": 0.9, "eval_data": "emoji"})
    'Realism 0.84, variety 0.64 (real emoji score 0.84 / 0.90).'
    """
    m = metrics or {}
    real = _subject(m)
    parts: list[str] = []
    p, r = _num(m, "precision"), _num(m, "recall")
    if p is not None and r is not None:
        text = f"realism {p:.2f}, variety {r:.2f}"
        pr, rr = _num(m, "precision_real_baseline"), _num(m, "recall_real_baseline")
        if pr is not None and rr is not None:
            text += f" (real {real} score {pr:.2f} / {rr:.2f})"
        parts.append(text)
    ca = _num(m, "class_accuracy")
    if ca is not None:
        car = _num(m, "class_accuracy_real")
        parts.append(f"a classifier reads the asked-for class in {ca:.0%} of images"
                     + (f" (real {real}: {car:.0%})" if car is not None else ""))
    for key in sorted(k for k in m if k.startswith("attribute_accuracy_") and not k.endswith("_real")):
        a, ar = _num(m, key), _num(m, key + "_real")
        if a is not None:
            attr = key.removeprefix("attribute_accuracy_").replace("_", " ")
            parts.append(f"the asked-for {attr} is read back in {a:.0%} of edits"
                         + (f" (real {real}: {ar:.0%})" if ar is not None else ""))
    cycle = [v for v in (_num(m, "cycle_l1_aba"), _num(m, "cycle_l1_bab")) if v is not None]
    l1, copy = _num(m, "l1"), _num(m, "l1_copy_input")
    if cycle:
        parts.append(f"a round trip there and back changes pixels by {sum(cycle) / len(cycle):.3f} on average "
                     "(cycle consistency)")
    elif l1 is not None and copy is not None:
        parts.append(f"pixel error to the true emoji {l1:.2f} (copying the input: {copy:.2f})")
    fd, base = _num(m, "fd"), _num(m, "fd_real_baseline")
    if fd is not None and base is not None and len(parts) < 2:
        parts.append(f"distance to real {real} {fd:.1f} (real vs real: {base:.1f}; lower is better)")
    modes = m.get("modes_covered")
    if modes is not None and not parts:
        parts.append(f"covers {modes} modes")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def metric_table(metrics: dict[str, Any]) -> str:
    """Every metric as a Markdown table with readable names."""
    rows = "\n".join(f"| {metric_name(k)} | {_fmt(v)} |" for k, v in metrics.items())
    return "| measured | value |\n|---|---|\n" + rows


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


@functools.lru_cache(maxsize=32)
def _thumbnail(path: str, stamp: tuple[int, int]) -> str:
    with Image.open(path) as img:
        img = img.convert("RGB")
        img.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.NEAREST)
        buf = io.BytesIO()
        img.save(buf, "WEBP", quality=85)
    return "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def samples_markdown(folder: Path | None) -> str:
    """The model folder's sample grid (``samples.png``, written by training) as a small inline image, or ""."""
    path = folder / "samples.png" if folder else None
    if path is None or not path.is_file():
        return ""
    st = path.stat()
    return f"![samples from the model's training run]({_thumbnail(str(path), (st.st_size, st.st_mtime_ns))})"


def card_markdown(model: GanModel, entry: CatalogEntry) -> str:
    """A short model card for a tab: what it makes and one plain sentence on its quality, then (folded) what it
    is, data, size, licence and every measured number under a readable name."""
    m = model.meta
    cfg = model.config
    head = f"**{entry.title}**"
    quality = quality_sentence(m.metrics)
    lines = [f"{model.family.label}: {model.family.description}"]
    if m.description or entry.description:
        lines.append(m.description or entry.description)
    size = f"{model.num_parameters() / 1e6:.2f} M generator parameters"
    if (nbytes := weights_size(model)):
        size += f", {nbytes / 2**20:.1f} MB of weights"
    if getattr(cfg, "image_size", None):
        size += f", {cfg.image_size} px"
    facts = [("Data", m.dataset or "not stated"), ("Size", size), ("Licence", m.license or "not stated"),
             ("Revision", f"`{revision_of(model)}`"), ("Device", str(model.device))]
    if (names := class_names(model)):
        facts.append(("Classes", ", ".join(names)))
    if m.attribute_names:
        facts.append(("Attributes", ", ".join(m.attribute_names)))
    if m.domains:
        facts.append(("Domains", " ↔ ".join(m.domains)))
    lines.append("\n".join(f"- **{k}:** {v}" for k, v in facts))
    if (samples := samples_markdown(model_folder(model))):
        lines.insert(0, samples)
    if m.metrics:
        lines.append(metric_table(m.metrics))
    return "\n\n".join([head, *([quality] if quality else []),
                         "<details><summary>Model card: data, size, licence, every measured number</summary>",
                         *lines, "</details>"])
