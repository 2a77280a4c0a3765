"""Frechet distance and kernel inception distance (KID) between two sets of feature vectors.

Both work on any features; GAN Studio uses the penultimate layer of its own small classifiers
(``ganstudio/metrics/features.py``), so the numbers are comparable only within one classifier.

* Frechet distance: ``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`` of Gaussians fitted to each set.
  ``Tr((S1 S2)^(1/2))`` is computed as the sum of the square roots of the eigenvalues of the symmetric
  matrix ``S1^(1/2) S2 S1^(1/2)`` (same eigenvalues as ``S1 S2``), in float64, so no general matrix
  square root (and no scipy) is needed and the result never has an imaginary part.
* KID: the unbiased estimate of the squared MMD with the cubic polynomial kernel
  ``k(x, y) = (x . y / d + 1)^3``, averaged over random subsets; returns mean and standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


def _as_array(x: ArrayLike) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be [N, D], got shape {list(x.shape)}")
    return x


@dataclass(frozen=True)
class FeatureStats:
    """Mean ``[D]`` and covariance ``[D, D]`` of a feature set (float64), plus its size."""

    mu: np.ndarray
    sigma: np.ndarray
    n: int


def feature_stats(features: ArrayLike) -> FeatureStats:
    """Fit a Gaussian to ``features [N, D]`` (N >= 2)."""
    x = _as_array(features)
    if len(x) < 2:
        raise ValueError("need at least 2 feature vectors")
    return FeatureStats(x.mean(0), np.atleast_2d(np.cov(x, rowvar=False)), len(x))


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance_from_stats(a: FeatureStats, b: FeatureStats) -> float:
    """Frechet distance between two fitted Gaussians."""
    if a.mu.shape != b.mu.shape:
        raise ValueError(f"feature sizes differ: {a.mu.shape[0]} and {b.mu.shape[0]}")
    root_a = _sqrt_psd(a.sigma)
    inner = root_a @ b.sigma @ root_a
    eig = np.linalg.eigvalsh((inner + inner.T) / 2)
    tr_covmean = float(np.sqrt(np.clip(eig, 0, None)).sum())
    diff = a.mu - b.mu
    value = float(diff @ diff + np.trace(a.sigma) + np.trace(b.sigma) - 2.0 * tr_covmean)
    return max(value, 0.0)


def frechet_distance(features_a: ArrayLike, features_b: ArrayLike) -> float:
    """Frechet distance between Gaussians fitted to ``features_a [N, D]`` and ``features_b [M, D]``."""
    return frechet_distance_from_stats(feature_stats(features_a), feature_stats(features_b))


def _polynomial_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 with k(x, y) = (x . y / d + 1)^3 between equal or unequal sized samples."""
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(sxx + syy - 2 * kxy.mean())


def kid(features_a: ArrayLike, features_b: ArrayLike, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """Kernel inception distance: (mean, std) of the unbiased polynomial-kernel MMD^2 over ``subsets``
    random subsets of ``min(subset_size, N, M)`` vectors drawn without replacement from each set."""
    x, y = _as_array(features_a), _as_array(features_b)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature sizes differ: {x.shape[1]} and {y.shape[1]}")
    m = min(subset_size, len(x), len(y))
    if m < 2:
        raise ValueError("KID needs at least 2 feature vectors in each set")
    rng = np.random.default_rng(seed)
    values = np.array([
        _polynomial_mmd2(x[rng.choice(len(x), m, replace=False)], y[rng.choice(len(y), m, replace=False)])
        for _ in range(subsets)
    ])
    return float(values.mean()), float(values.std())
