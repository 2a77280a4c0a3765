"""Pure metric functions: feature distances, classifier accuracies and reconstruction errors.

Images are ``[N, C, H, W]`` tensors in [-1, 1]; features are ``[N, D]``. Nothing here samples a
generator or reads files: the caller draws the images (``ganstudio eval``) and passes them in.

=====================  ==========================================================================
``frechet_distance``   Frechet distance between Gaussians fitted to two feature sets (lower is better)
``kid``                kernel inception distance, unbiased, cubic kernel: (mean, std) over subsets
``real_vs_real_baseline``  both distances between two disjoint sets of *real* images: the floor a
                       generator can hope for with this many samples
``precision_recall``   improved precision and recall (k-nearest-neighbour manifolds): how many samples
                       look real, and how much of the real data the samples cover (variety)
``class_accuracy``     fraction of conditional samples the classifier assigns to the asked class
``attribute_accuracy`` per attribute head, fraction of edited images showing the target attribute
``paired_l1``          mean |fake - target| over pixels (in [-1, 1] units, so 0..2)
``domain_accuracy``    fraction of translated images the classifier puts in the target domain
``cycle_l1``           mean |x - G_BA(G_AB(x))| on [0, 1] pixels (half the [-1, 1] difference)
=====================  ==========================================================================
"""

from __future__ import annotations

from typing import Mapping

import torch

from . import fid
from .features import FeatureClassifier


def _features(x: torch.Tensor, classifier: FeatureClassifier | None) -> torch.Tensor:
    """Images ``[N, C, H, W]`` need a classifier to become features; ``[N, D]`` are features already."""
    if x.ndim == 4:
        if classifier is None:
            raise ValueError("images given without a classifier to extract features")
        return classifier.extract(x)
    return x


def frechet_distance(a: torch.Tensor, b: torch.Tensor, classifier: FeatureClassifier | None = None) -> float:
    """Frechet distance between two feature sets ``[N, D]`` (or image sets, given a ``classifier``)."""
    return fid.frechet_distance(_features(a, classifier), _features(b, classifier))


def kid(a: torch.Tensor, b: torch.Tensor, classifier: FeatureClassifier | None = None, subsets: int = 100,
        subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """KID (mean, std) between two feature sets (or image sets, given a ``classifier``)."""
    return fid.kid(_features(a, classifier), _features(b, classifier), subsets, subset_size, seed)


def real_vs_real_baseline(real_a: torch.Tensor, real_b: torch.Tensor, classifier: FeatureClassifier | None = None,
                          n: int | None = None, subsets: int = 100, subset_size: int = 1000,
                          seed: int = 0) -> dict[str, float]:
    """Frechet distance and KID between two disjoint real sets (e.g. held-out vs. a training subset).

    ``n`` (default: the smaller set's size) real vectors are drawn from each so the baseline uses as
    many samples as the generator's score it sits next to. Returns ``{"fd", "kid", "kid_std", "n"}``.
    """
    n = min(n or min(len(real_a), len(real_b)), len(real_a), len(real_b))
    g = torch.Generator().manual_seed(seed)
    # draw before extracting: only the n chosen images go through the classifier
    fa = _features(real_a[torch.randperm(len(real_a), generator=g)[:n]], classifier)
    fb = _features(real_b[torch.randperm(len(real_b), generator=g)[:n]], classifier)
    k, k_std = fid.kid(fa, fb, subsets, subset_size, seed)
    return {"fd": fid.frechet_distance(fa, fb), "kid": k, "kid_std": k_std, "n": n}


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3,
                     classifier: FeatureClassifier | None = None) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al., 2019) of ``fake`` against ``real`` ``[N, D]``.

    Each set's manifold is the union of balls around its points reaching their k-th nearest neighbour
    in the same set. Precision: the share of fakes inside the real manifold (realism). Recall: the share
    of reals inside the fake manifold (coverage; a generator that repeats a few images scores low).
    Both sets should have the same size: the radii shrink as a set grows.
    """
    fr, ff = _features(real, classifier).double(), _features(fake, classifier).double()
    if min(len(fr), len(ff)) <= k:
        raise ValueError(f"precision / recall with k={k} need more than {k} vectors per set")

    def radii(x: torch.Tensor) -> torch.Tensor:  # [N]: distance to the k-th neighbour (index 0 is the point)
        return torch.cdist(x, x).kthvalue(k + 1, dim=1).values

    cross = torch.cdist(ff, fr)  # [N_fake, N_real]
    precision = (cross <= radii(fr)[None, :]).any(1).double().mean()
    recall = (cross <= radii(ff)[:, None]).any(0).double().mean()
    return float(precision), float(recall)


def class_accuracy(classifier: FeatureClassifier, images: torch.Tensor, labels: torch.Tensor,
                   head: str | None = None) -> float:
    """Fraction of ``images`` whose predicted class on ``head`` (default: the first) equals ``labels``."""
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    pred = classifier.predict(images, head)
    return float((pred == labels.cpu().long()).float().mean())


def attribute_accuracy(classifier: FeatureClassifier, images: torch.Tensor,
                       targets: Mapping[str, torch.Tensor]) -> dict[str, float]:
    """Per head, the fraction of ``images`` predicted as the target class (``targets[head]``: ``[N]`` ids).

    For StarGAN edits, ``targets`` holds the attribute each edit asked for, mapped to a classifier head
    (e.g. skin tone 1..5 -> head ``skin_tone``; man/woman -> head ``gender`` 1/2). Also ``"mean"``.
    """
    out = {head: class_accuracy(classifier, images, t, head) for head, t in targets.items()}
    if out:
        out["mean"] = sum(out.values()) / len(out)
    return out


def paired_l1(fake: torch.Tensor, target: torch.Tensor) -> float:
    """Mean absolute difference between translations and their ground truth (same shapes, [-1, 1])."""
    if fake.shape != target.shape:
        raise ValueError(f"shapes differ: {list(fake.shape)} and {list(target.shape)}")
    return float((fake.float() - target.float()).abs().mean())


def domain_accuracy(classifier: FeatureClassifier, images: torch.Tensor, domain: int, head: str = "design") -> float:
    """Fraction of ``images`` that ``head`` assigns to class ``domain`` (e.g. design 1 = OpenMoji)."""
    pred = classifier.predict(images, head)
    return float((pred == domain).float().mean())


def cycle_l1(images: torch.Tensor, reconstructed: torch.Tensor) -> float:
    """Cycle-consistency error: mean |x - G_BA(G_AB(x))| on [0, 1] pixels, for images given in [-1, 1]."""
    return paired_l1(reconstructed, images) / 2
