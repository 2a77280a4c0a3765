"""Frechet distance and kernel inception distance (KID) between two sets of feature vectors.

Both work on any features; GAN Studio uses the penultimate layer of its own small classifiers
(``ganstudio/metrics/features.py``), so the numbers are comparable only within one classifier.

* Frechet distance: ``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`` of Gaussians fitted to each set.
  ``Tr((S1 S2)^(1/2))`` is computed as the sum of the square roots of the eigenvalues of the symmetric
  matrix ``S1^(1/2) S2 S1^(1/2)`` (same eigenvalues as ``S1 S2``), in float64, so no general matrix
  square root (and no scipy) is needed and the result never has an imaginary part.
  The algebra runs in torch (float64), which honours ``torch.set_num_threads``.
* KID: the unbiased estimate of the squared MMD with the cubic polynomial kernel
  ``k(x, y) = (x . y / d + 1)^3``, averaged over random subsets; returns mean and standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


def _as_tensor(x: ArrayLike) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        x = torch.from_numpy(np.asarray(x))
    x = x.detach().to("cpu", torch.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be [N, D], got shape {list(x.shape)}")
    return x


@dataclass(frozen=True)
class FeatureStats:
    """Mean ``[D]`` and covariance ``[D, D]`` of a feature set (float64 arrays), plus its size."""

    mu: ArrayLike
    sigma: ArrayLike
    n: int


def feature_stats(features: ArrayLike) -> FeatureStats:
    """Fit a Gaussian to ``features [N, D]`` (N >= 2)."""
    x = _as_tensor(features)
    if len(x) < 2:
        raise ValueError("need at least 2 feature vectors")
    mu = x.mean(0)
    xc = x - mu
    sigma = xc.T @ xc / (len(x) - 1)  # [D, D], unbiased
    return FeatureStats(mu.numpy(), sigma.numpy(), len(x))


def _sqrt_psd(m: torch.Tensor) -> torch.Tensor:
    w, v = torch.linalg.eigh((m + m.T) / 2)
    return (v * w.clamp(min=0).sqrt()) @ v.T


def frechet_distance_from_stats(a: FeatureStats, b: FeatureStats) -> float:
    """Frechet distance between two fitted Gaussians."""
    mu_a, mu_b = _as_tensor(np.atleast_2d(a.mu)), _as_tensor(np.atleast_2d(b.mu))
    s_a, s_b = _as_tensor(np.atleast_2d(a.sigma)), _as_tensor(np.atleast_2d(b.sigma))
    if mu_a.shape != mu_b.shape:
        raise ValueError(f"feature sizes differ: {mu_a.shape[1]} and {mu_b.shape[1]}")
    root_a = _sqrt_psd(s_a)
    inner = root_a @ s_b @ root_a
    eig = torch.linalg.eigvalsh((inner + inner.T) / 2)
    tr_covmean = float(eig.clamp(min=0).sqrt().sum())
    diff = (mu_a - mu_b).flatten()
    value = float(diff @ diff + s_a.trace() + s_b.trace() - 2.0 * tr_covmean)
    return max(value, 0.0)


def frechet_distance(features_a: ArrayLike, features_b: ArrayLike) -> float:
    """Frechet distance between Gaussians fitted to ``features_a [N, D]`` and ``features_b [M, D]``."""
    return frechet_distance_from_stats(feature_stats(features_a), feature_stats(features_b))


def _polynomial_mmd2(x: torch.Tensor, y: torch.Tensor) -> float:
    """Unbiased MMD^2 with k(x, y) = (x . y / d + 1)^3 between equal or unequal sized samples."""
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    sxx = (kxx.sum() - kxx.trace()) / (m * (m - 1))
    syy = (kyy.sum() - kyy.trace()) / (n * (n - 1))
    return float(sxx + syy - 2 * kxy.mean())


def kid(features_a: ArrayLike, features_b: ArrayLike, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """Kernel inception distance: (mean, std) of the unbiased polynomial-kernel MMD^2 over ``subsets``
    random subsets of ``min(subset_size, N, M)`` vectors drawn without replacement from each set."""
    x, y = _as_tensor(features_a), _as_tensor(features_b)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature sizes differ: {x.shape[1]} and {y.shape[1]}")
    m = min(subset_size, len(x), len(y))
    if m < 2:
        raise ValueError("KID needs at least 2 feature vectors in each set")
    g = torch.Generator().manual_seed(seed)
    values = torch.tensor([
        _polynomial_mmd2(x[torch.randperm(len(x), generator=g)[:m]], y[torch.randperm(len(y), generator=g)[:m]])
        for _ in range(subsets)
    ], dtype=torch.float64)
    return float(values.mean()), float(values.std(unbiased=False))
