import numpy as np
import pytest
import torch

from ganstudio.metrics import evaluate, fid


def _gaussian(n, d, seed, shift=0.0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=torch.float64) * scale + shift


def test_identical_sets_give_zero():
    x = _gaussian(500, 8, 0)
    assert fid.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_closed_form_for_gaussians():
    # FD(N(m1, S1), N(m2, S2)) = |m1 - m2|^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2); with diagonal S it is
    # sum (m1 - m2)^2 + sum (s1 - s2)^2 for standard deviations s.
    rng = np.random.default_rng(0)
    d = 6
    m1, m2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = rng.uniform(0.5, 2, size=d), rng.uniform(0.5, 2, size=d)
    a = fid.FeatureStats(m1, np.diag(s1 ** 2), 100)
    b = fid.FeatureStats(m2, np.diag(s2 ** 2), 100)
    want = float(((m1 - m2) ** 2).sum() + ((s1 - s2) ** 2).sum())
    assert fid.frechet_distance_from_stats(a, b) == pytest.approx(want, rel=1e-9)


def test_closed_form_non_diagonal_against_scipy():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(1)
    a_, b_ = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s1, s2 = a_ @ a_.T + 0.1 * np.eye(5), b_ @ b_.T + 0.1 * np.eye(5)
    m1, m2 = rng.normal(size=5), rng.normal(size=5)
    covmean = scipy_linalg.sqrtm(s1 @ s2).real
    want = float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))
    got = fid.frechet_distance_from_stats(fid.FeatureStats(m1, s1, 10), fid.FeatureStats(m2, s2, 10))
    assert got == pytest.approx(want, rel=1e-7)


def test_shifted_samples_match_closed_form():
    d, shift = 4, 1.5
    x, y = _gaussian(20000, d, 1), _gaussian(20000, d, 2, shift=shift)
    assert fid.frechet_distance(x, y) == pytest.approx(d * shift ** 2, rel=0.03)


def test_kid_unbiased_near_zero_for_same_distribution():
    x, y = _gaussian(400, 16, 3), _gaussian(400, 16, 4)
    mean, std = fid.kid(x, y, subsets=10, subset_size=200)
    assert abs(mean) < 3 * std + 1e-3
    far, _ = fid.kid(x, _gaussian(400, 16, 5, shift=1.0), subsets=10, subset_size=200)
    assert far > 10 * max(abs(mean), std)


def test_evaluate_wrappers_and_errors():
    x, y = _gaussian(300, 8, 6).float(), _gaussian(300, 8, 7).float()
    base = evaluate.real_vs_real_baseline(x, y, n=200, subsets=5, subset_size=100)
    assert base["n"] == 200 and base["fd"] >= 0 and set(base) == {"fd", "kid", "kid_std", "n"}
    assert evaluate.frechet_distance(x, y) == pytest.approx(fid.frechet_distance(x, y))
    with pytest.raises(ValueError, match="classifier"):
        evaluate.frechet_distance(torch.zeros(4, 1, 8, 8), torch.zeros(4, 1, 8, 8))
    with pytest.raises(ValueError, match="sizes differ"):
        fid.frechet_distance(x, y[:, :4])
    a = torch.zeros(2, 3, 4, 4)
    assert evaluate.paired_l1(a, a + 0.5) == pytest.approx(0.5)
    assert evaluate.cycle_l1(a, a - 1) == pytest.approx(0.5)  # a difference of 1 in [-1, 1] is 0.5 of [0, 1]


def test_precision_recall_sees_realism_and_variety():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(400, 8, generator=g, dtype=torch.float64)
    same = torch.randn(400, 8, generator=g, dtype=torch.float64)
    assert evaluate.precision_recall(real, real) == (1.0, 1.0)
    p, r = evaluate.precision_recall(real, same)
    assert p > 0.6 and r > 0.6  # another draw of the same distribution
    # mode collapse: every sample one of 4 real points -> realistic, but covers little
    collapsed = real[torch.arange(400) % 4]
    p, r = evaluate.precision_recall(real, collapsed + 1e-6)
    assert p == 1.0 and r < 0.1
    # far from the data: neither
    assert evaluate.precision_recall(real, same + 100) == (0.0, 0.0)
    # in 2-D, samples only from the right half of the data: recall about halves, precision stays
    real2, more = torch.randn(400, 2, generator=g, dtype=torch.float64), torch.randn(800, 2, generator=g, dtype=torch.float64)
    p_all, r_all = evaluate.precision_recall(real2, more[:400])
    p_half, r_half = evaluate.precision_recall(real2, more[more[:, 0] > 0][:400])
    assert p_all > 0.9 and r_all > 0.9 and p_half > 0.9 and 0.4 < r_half < 0.65
    with pytest.raises(ValueError, match="more than 3"):
        evaluate.precision_recall(real[:3], same[:3])
