"""Measure a model against held-out real data (what ``python -m ganstudio eval MODEL`` prints).

The reference data is the model's training dataset (from its meta, or ``--data NAME``), ``test``
split; features and accuracies come from the bundled classifier of that data (MNIST or emoji).
What is measured depends on the family's ``evaluation`` (``ganstudio.models.base.Evaluation``):

===========  ===========================================================================
samples      Frechet distance and KID of samples vs. held-out reals, next to real-vs-real
             and an untrained generator; precision / recall; class accuracy of the samples
             when the generator takes classes (classifier head = class names)
translation  L1 to ground truth; FD / KID of outputs vs. held-out targets; with a reverse
             generator (CycleGAN, DiscoGAN) target-domain accuracy and cycle L1 both ways
edits        FD / KID of edits vs. held-out reals; attribute accuracy of the edits (emoji-people)
points       FD / KID of the raw points; mode coverage on Gaussian mixtures (no classifier)
===========  ===========================================================================

The real-vs-real baseline compares the held-out reals with as many training reals: a model
cannot be expected to score below it with this sample size.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import evaluate
from ..inference import default_translate_mode
from ..models.base import Evaluation, GeneratorInput
from ..models.norms import norm_statistics_from_input
from .features import FeatureClassifier, classifier_path, load_classifier

# binary StarGAN attributes of emoji-people -> (classifier head, class when set, class when cleared)
_EMOJI_BINARY = {"man": ("gender", "man", "woman"), "openmoji": ("design", "openmoji", "noto")}


@dataclass
class EvalReport:
    """Metrics of one model: ``rows`` in print order (name, value, note) and the same as a flat dict."""

    model: str
    data: str
    classifier: str = ""
    rows: list[tuple[str, float | int | str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, name: str, value: float | int | str, note: str = "") -> None:
        self.rows.append((name, value, note))

    def as_dict(self) -> dict[str, Any]:
        return {name: (round(v, 4) if isinstance(v, float) else v) for name, v, _ in self.rows}

    def table(self) -> str:
        lines = [f"{self.model} on {self.data}", "", f"{'metric':<34} {'value':>10}  note", "-" * 72]
        for name, v, note in self.rows:
            text = f"{v:.4g}" if isinstance(v, float) else str(v)
            lines.append(f"{name:<34} {text:>10}  {note}")
        return "\n".join(lines)


# training data arguments that choose which images a dataset holds; eval uses the same ones
_SUBSET_ARGS = ("categories", "design")
PR_SAMPLES = 1000  # most training reals (and samples) for precision / recall
PR_K = 3  # their neighbourhood size


def _dataset_name(model_meta_dataset: str) -> str | None:
    from ..data import DATASETS

    head = model_meta_dataset.split(":")[0].strip()
    return head if head in DATASETS else None


def _pick(ds, n: int | None, g: torch.Generator) -> list[int]:
    """All indices of ``ds``, or ``n`` of them drawn at random (the split is ordered by key, not shuffled)."""
    if n is None or n >= len(ds):
        return list(range(len(ds)))
    return sorted(torch.randperm(len(ds), generator=g)[:n].tolist())


def _stack(ds, k: int, idx: list[int] | None = None) -> torch.Tensor:
    return torch.stack([ds[i][k] for i in (range(len(ds)) if idx is None else idx)])


@torch.no_grad()
def _batched(fn, *inputs: torch.Tensor, batch_size: int, device: torch.device) -> torch.Tensor:
    out = []
    for i in range(0, len(inputs[0]), batch_size):
        out.append(fn(*(x[i:i + batch_size].to(device) for x in inputs)).float().cpu())
    return torch.cat(out).clamp(-1, 1)


def _distances(report: EvalReport, clf: FeatureClassifier, fake: torch.Tensor, real_test: torch.Tensor,
               real_train: torch.Tensor, seed: int, what: str = "samples") -> None:
    n = min(len(fake), len(real_test))
    ff, fr = clf.extract(fake[:n]), clf.extract(real_test[:n])
    kid_size = min(1000, max(2, n // 2))  # subsets smaller than the sets, so their spread means something
    k, k_std = evaluate.kid(ff, fr, subsets=50, subset_size=kid_size, seed=seed)
    base = evaluate.real_vs_real_baseline(real_test[:n], real_train, clf, n=n, subsets=50, subset_size=kid_size,
                                          seed=seed)
    name = clf.meta.get("name", "classifier")
    report.add("fd", evaluate.frechet_distance(ff, fr), f"{what} vs held-out reals, {name} features, n={n}")
    report.add("fd_real_baseline", base["fd"], f"held-out vs training reals, n={base['n']}")
    report.add("kid", k, f"+- {k_std:.2g} (cubic kernel, subsets of {kid_size})")
    report.add("kid_real_baseline", base["kid"], f"+- {base['kid_std']:.2g}")


def _head_for(clf: FeatureClassifier, class_names: list[str] | None) -> str | None:
    if not class_names:
        return None
    for head, labels in clf.labels.items():
        if list(labels) == list(class_names):
            return head
    return None


def _binary_classes(clf: FeatureClassifier, name: str, values: torch.Tensor) -> torch.Tensor:
    """Class ids [N] of ``clf``'s head for a binary attribute ``name`` set (> 0.5) or cleared in ``values`` [N]."""
    head, on, off = _EMOJI_BINARY[name]
    return torch.tensor([clf.labels[head].index(on if v > 0.5 else off) for v in values])


def _real_accuracy(clf: FeatureClassifier, head: str, x: torch.Tensor, c: torch.Tensor, names: list[str],
                   name: str, group: list[str] | None) -> float:
    """Accuracy of ``clf``'s ``head`` on unedited images ``x`` [N, C, H, W] whose attributes are ``c`` [N, A]."""
    if name in _EMOJI_BINARY:
        return evaluate.class_accuracy(clf, x, _binary_classes(clf, name, c[:, names.index(name)]), head)
    members = [names.index(m) for m in (group or [name])]
    has = c[:, members].sum(1) > 0.5  # images showing one of the members the model knows
    truth = torch.tensor([clf.labels[head].index((group or [name])[int(k)]) for k in c[has][:, members].argmax(1)])
    return evaluate.class_accuracy(clf, x[has], truth, head)


def evaluate_model(model, data: str | None = None, n: int | None = None, seed: int = 0,
                   batch_size: int = 100, classifier: str | Path | None = None) -> EvalReport:
    """Measure ``model`` (a :class:`ganstudio.checkpoint.GanModel`) on ``data`` (default: its training set)."""
    from ..data import get_dataset

    t0 = time.time()
    own_data = data is None  # the model's training set: then also its subset (e.g. only face emoji)
    data = data or _dataset_name(model.meta.dataset)
    if data is None:
        raise ValueError("the model's meta names no registered dataset: pass --data NAME")
    kind = model.family.evaluation
    if kind is Evaluation.POINTS:
        return _points_report(model, data, own_data, n, seed, t0)
    clf_name = classifier or ("mnist" if data.startswith("mnist") else "emoji" if data.startswith("emoji") else None)
    if clf_name is None:
        raise ValueError(f"no bundled classifier for {data!r}: pass --classifier FOLDER")
    clf = load_classifier(clf_name)
    report = EvalReport(model.meta.name or model.source or model.family.name, data,
                        str(clf.meta.get("name", classifier_path(clf_name).name)))
    device = model.device
    for m in model.modules.values():
        m.eval()
    g = torch.Generator().manual_seed(seed)
    size = getattr(model.config, "image_size", None)
    kwargs = {"size": size} if size and data.startswith(("mnist", "emoji")) else {}
    if own_data:
        data_args = (model.meta.training or {}).get("params", {}).get("data_args") or {}
        subset = {k: v for k, v in data_args.items() if k in _SUBSET_ARGS}
        kwargs.update(subset)
        if subset:
            report.data += " (" + ", ".join(f"{k} {v if isinstance(v, str) else '/'.join(v)}"
                                            for k, v in subset.items()) + ")"
    test, train = get_dataset(data, split="test", **kwargs), get_dataset(data, split="train", **kwargs)
    gen: nn.Module = model.generator

    if kind is Evaluation.SAMPLES:
        idx = _pick(test, n, g)
        real_test, real_train = _stack(test, 0, idx), _stack(train, 0)
        n = n or len(real_test)
        conditional = GeneratorInput.CLASSES in model.family.inputs

        def classes(m: int) -> torch.Tensor:  # [m]: the asked classes, cycling 0, 1, ..., 0, 1, ...
            return torch.arange(m) % int(model.config.num_classes)

        def draw(net: nn.Module, z: torch.Tensor) -> torch.Tensor:
            """``net``'s images for latents ``z`` [m, ...]; conditional nets get ``classes(m)``."""
            if not conditional:
                return _batched(lambda zz: net(zz), z, batch_size=batch_size, device=device)
            return _batched(lambda zz, cc: net(zz, cc), z, classes(len(z)), batch_size=batch_size, device=device)

        z = gen.sample_latent(n, g)
        labels = classes(n) if conditional else None
        fake = draw(gen, z)
        _distances(report, clf, fake, real_test, real_train, seed)
        # the same architecture untrained: how far the training moved the samples towards the data
        from ..checkpoint import new_model

        torch.manual_seed(seed)
        rand_g = new_model(model.family, model.config, components=("generator",)).generator.to(device).eval()
        rand = draw(rand_g, z)
        fr, fq = clf.extract(real_test[:n]), clf.extract(rand[:n])
        k_r, k_r_std = evaluate.kid(fq, fr, subsets=50, subset_size=min(1000, max(2, n // 2)), seed=seed)
        report.add("fd_random_init", evaluate.frechet_distance(fq, fr), "untrained generator of the same config")
        report.add("kid_random_init", k_r, f"+- {k_r_std:.2g}")
        # realism and variety: k-NN precision / recall against half the training reals, with the other
        # half as the real-vs-real baseline (equal set sizes: the radii depend on the size)
        m = min(len(real_train) // 2, PR_SAMPLES)
        if m <= PR_K:
            report.add("precision", "n/a", f"{len(real_train)} training reals: too few for k={PR_K} neighbours")
        else:
            perm = torch.randperm(len(real_train), generator=g)
            f_ref, f_other = clf.extract(real_train[perm[:m]]), clf.extract(real_train[perm[m:2 * m]])
            p, r = evaluate.precision_recall(f_ref, clf.extract(draw(gen, gen.sample_latent(m, g))), PR_K)
            p_base, r_base = evaluate.precision_recall(f_ref, f_other, PR_K)
            report.add("precision", p, f"share of {m} samples inside the k={PR_K} manifold of {m} training reals")
            report.add("recall", r, "share of those reals inside the samples' manifold (variety)")
            report.add("precision_real_baseline", p_base, f"another {m} training reals in place of the samples")
            report.add("recall_real_baseline", r_base, "")
        head = _head_for(clf, model.meta.class_names)
        if conditional:
            if head:
                report.add("class_accuracy", evaluate.class_accuracy(clf, fake, labels, head),
                           f"classifier head {head!r} on {n} samples")
                real_labels = _stack(test, 1, idx)
                report.add("class_accuracy_real", evaluate.class_accuracy(clf, real_test, real_labels, head),
                           "the classifier on held-out reals")
            else:
                report.add("class_accuracy", "n/a", "no classifier head has the model's class names")

    elif kind in (Evaluation.TRANSLATION, Evaluation.EDITS):
        # as the app runs them by default: the model's own mode (meta.translate_mode), else norms on each
        # image's own statistics (what the reference test scripts do too)
        stored = kind is Evaluation.TRANSLATION and default_translate_mode(model) == "eval"
        with contextlib.ExitStack() as stack:
            for name in ("generator", "generator_ba"):
                if name in model.modules and not stored:
                    stack.enter_context(norm_statistics_from_input(model.modules[name]))
            # batch norm on a batch's statistics would mix images: then one image per call, as in the app
            per_image = not stored and any(isinstance(m, nn.BatchNorm2d) for m in gen.modules())
            bs = 1 if per_image else batch_size
            if kind is Evaluation.TRANSLATION:
                _translation_metrics(report, model, clf, test, train, n, g, bs, device, seed)
            else:
                _edit_metrics(report, model, clf, test, train, n, g, bs, device, seed)
        if stored:
            report.add("generator_norms", "stored statistics",
                       "batch-norm statistics kept from training (the model's translate_mode), as the app does")
        else:
            report.add("generator_norms", "input statistics",
                       "each image normalised by its own statistics, as the app does by default")
    else:
        raise ValueError(f"no metrics defined for evaluation {kind!r}")
    report.seconds = round(time.time() - t0, 1)
    return report


def _points_report(model, data: str, own_data: bool, n: int | None, seed: int, t0: float) -> EvalReport:
    """Toy models: FD and KID on the raw points (no classifier), mode coverage on Gaussian mixtures."""
    from ..checkpoint import new_model
    from ..data import get_dataset
    from .coverage import mode_coverage_detail

    data_args = (model.meta.training or {}).get("params", {}).get("data_args") or {} if own_data else {}
    test, train = get_dataset(data, split="test", **data_args), get_dataset(data, split="train", **data_args)
    report = EvalReport(model.meta.name or model.source or model.family.name, data, "raw points")
    real = test.points[: n or len(test)]  # [N, dim]
    n = len(real)
    g = torch.Generator().manual_seed(seed)
    model.generator.eval()
    with torch.no_grad():
        fake = model.generator(model.generator.sample_latent(n, g).to(model.device)).float().cpu()  # [N, dim]
        torch.manual_seed(seed)
        rand_g = new_model(model.family, model.config, components=("generator",)).generator.eval()
        rand = rand_g(rand_g.sample_latent(n, g))
    base = evaluate.real_vs_real_baseline(real, train.points, n=n, subset_size=min(1000, n // 2), seed=seed)
    kid, kid_std = evaluate.kid(fake, real, subsets=50, subset_size=min(1000, n // 2), seed=seed)
    report.add("fd", evaluate.frechet_distance(fake, real), f"samples vs held-out points, n={n}")
    report.add("fd_real_baseline", base["fd"], "held-out vs training points")
    report.add("fd_random_init", evaluate.frechet_distance(rand, real), "untrained generator of the same config")
    report.add("kid", kid, f"+- {kid_std:.2g} (cubic kernel on the points)")
    report.add("kid_real_baseline", base["kid"], f"+- {base['kid_std']:.2g}")
    dist = test.dist
    if dist.modes is not None:
        for name, pts, note in (("", fake, "generated"), ("_real", real, "held-out real points")):
            cov = mode_coverage_detail(pts, dist)
            report.add(f"modes_covered{name}", f"{cov.modes_covered}/{cov.num_modes}",
                       f"{note}: modes with >= 20 % of their fair share of high-quality points")
            report.add(f"high_quality{name}", cov.high_quality, f"{note} within 3 sigma of a mode")
    if dist.dim == 1:
        report.add("mean", float(fake.mean()), f"data: {float(real.mean()):.3f}")
        report.add("std", float(fake.std()), f"data: {float(real.std()):.3f}")
    report.seconds = round(time.time() - t0, 1)
    return report


def _translation_metrics(report: EvalReport, model, clf: FeatureClassifier, test, train, n: int | None,
                         g: torch.Generator, batch_size: int, device: torch.device, seed: int) -> None:
    """Paired L1 (and copying the input), FD / KID of outputs; two-way models: design accuracy and cycle L1."""
    gen: nn.Module = model.generator
    idx = _pick(test, n, g)
    src, tgt = _stack(test, 0, idx), _stack(test, 1, idx)
    train_tgt = _stack(train, 1)
    if GeneratorInput.LATENT in model.family.inputs:  # e.g. SPADE: (label map, z); z is [N, 0] without a latent
        z = gen.sample_latent(len(src), g)
        fake = _batched(lambda s, zz: gen(s, zz), src, z, batch_size=batch_size, device=device)
    else:
        fake = _batched(lambda x: gen(x), src, batch_size=batch_size, device=device)
    report.add("l1", evaluate.paired_l1(fake, tgt), "mean |output - ground truth| in [-1, 1] units")
    if src.shape == tgt.shape:  # the do-nothing baseline: hand back the input unchanged
        report.add("l1_copy_input", evaluate.paired_l1(src, tgt), "mean |input - ground truth|")
    elif model.meta.palette and src.shape[1] == len(model.meta.palette):
        # label maps: the do-nothing baseline paints each region in its label's palette colour
        colours = torch.tensor([p["color"] for p in model.meta.palette], dtype=torch.float32) / 127.5 - 1  # [L, 3]
        painted = torch.einsum("blhw,lc->bchw", src.float(), colours)  # [B, 3, H, W]
        report.add("l1_palette_input", evaluate.paired_l1(painted, tgt),
                   "mean |label map in its palette colours - ground truth|")
        report.add("fd_palette_input", evaluate.frechet_distance(clf.extract(painted), clf.extract(tgt)),
                   "the painted label maps vs held-out reals")
    _distances(report, clf, fake, tgt, train_tgt, seed, what="outputs")
    back = model.modules.get("generator_ba")
    if back is not None and "design" in clf.labels and model.meta.domains:
        domains = list(model.meta.domains)
        design = clf.labels["design"]
        rec = _batched(lambda x: back(x), fake, batch_size=batch_size, device=device)
        rev = _batched(lambda x: back(x), tgt, batch_size=batch_size, device=device)
        rec_b = _batched(lambda x: gen(x), rev, batch_size=batch_size, device=device)
        if len(domains) == 2 and all(d in design for d in domains):
            report.add("domain_accuracy_ab", evaluate.domain_accuracy(clf, fake, design.index(domains[1])),
                       f"G_AB outputs classified as {domains[1]}")
            report.add("domain_accuracy_ba", evaluate.domain_accuracy(clf, rev, design.index(domains[0])),
                       f"G_BA outputs classified as {domains[0]}")
        report.add("cycle_l1_aba", evaluate.cycle_l1(src, rec), "|a - G_BA(G_AB(a))| on [0, 1] pixels")
        report.add("cycle_l1_bab", evaluate.cycle_l1(tgt, rec_b), "|b - G_AB(G_BA(b))| on [0, 1] pixels")


def _edit_metrics(report: EvalReport, model, clf: FeatureClassifier, test, train, n: int | None,
                  g: torch.Generator, batch_size: int, device: torch.device, seed: int) -> None:
    """Every single edit of held-out images: FD / KID of the edits, attribute accuracy per classifier head."""
    gen: nn.Module = model.generator
    idx = _pick(test, n, g)
    names = list(model.meta.attribute_names or [])
    data_names = list(getattr(test, "info", None) and test.info.attribute_names or names)
    missing = [a for a in names if a not in data_names]
    if missing:
        raise ValueError(f"the dataset has no attribute(s) {missing}; it has {data_names}")
    # the model may know a subset of the dataset's attributes, in its own order
    x, c = _stack(test, 0, idx), _stack(test, 1, idx)[:, [data_names.index(a) for a in names]].float()
    groups = [list(gr) for gr in (model.meta.attribute_groups or [])]
    edits, targets, real_acc = [], {}, {}
    for j, name in enumerate(names):
        cj = c.clone()
        group = next((gr for gr in groups if name in gr), None)
        if group is not None:  # set this member of a one-hot group, clear the others
            for other in group:
                cj[:, names.index(other)] = 0.0
            cj[:, j] = 1.0
        else:
            cj[:, j] = 1.0 - cj[:, j]
        out = _batched(lambda xx, cc: gen(xx, cc), x, cj, batch_size=batch_size, device=device)
        edits.append(out)
        head = next((h for h, labels in clf.labels.items() if name in labels and h != "category"), None)
        if name in _EMOJI_BINARY:
            head, want = _EMOJI_BINARY[name][0], _binary_classes(clf, name, cj[:, j])
        elif head is not None:
            want = torch.full((len(x),), clf.labels[head].index(name))
        else:
            continue
        targets.setdefault(head, []).append((out, want))
        if head not in real_acc:  # the classifier on the unedited images with their true labels: its ceiling
            real_acc[head] = _real_accuracy(clf, head, x, c, names, name, group)
    fake = torch.cat(edits)
    real_train = _stack(train, 0)
    _distances(report, clf, fake[torch.randperm(len(fake), generator=g)], x, real_train, seed, what="edits")
    for head, pairs in targets.items():
        imgs = torch.cat([p[0] for p in pairs])
        want = torch.cat([p[1] for p in pairs])
        report.add(f"attribute_accuracy_{head}", evaluate.class_accuracy(clf, imgs, want, head),
                   f"{len(pairs)} edit(s) x {len(x)} images")
        if head in real_acc:
            report.add(f"attribute_accuracy_{head}_real", real_acc[head],
                       "the classifier on the unedited held-out images (its ceiling)")


def write_metrics(folder: str | Path, model, report: EvalReport) -> None:
    """Store ``report`` in ``folder/config.json`` (``meta.metrics``) and regenerate ``README.md``."""
    from ..checkpoint import CARD_NAME, CONFIG_NAME, model_card

    folder = Path(folder)
    cfg = json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8"))
    metrics = {**report.as_dict(), "eval_data": f"{report.data} (held-out split)",
               "eval_features": report.classifier}
    cfg.setdefault("meta", {})["metrics"] = metrics
    (folder / CONFIG_NAME).write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    model.meta.metrics = metrics
    (folder / CARD_NAME).write_text(model_card(model), encoding="utf-8")
