"""ganstudio.toy: samplers, mode coverage, moment features."""

import math

import pytest
import torch

from ganstudio import toy


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", toy.DISTS)
def test_samplers_are_seeded_and_shaped(name):
    dist = toy.make_dist(name)
    a, b = dist.sample(500, gen(1)), dist.sample(500, gen(1))
    assert a.shape == (500, dist.dim) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.equal(a, dist.sample(500, gen(2)))
    lo, hi = dist.view
    inside = ((a > lo) & (a < hi)).all(1).float().mean()
    assert inside > 0.99  # the drawn view holds the data


def test_gaussian_takes_mean_and_std():
    x = toy.make_dist("gaussian", mean=-2.0, std=0.5).sample(20_000, gen())
    assert x.mean().item() == pytest.approx(-2.0, abs=0.02)
    assert x.std().item() == pytest.approx(0.5, abs=0.02)
    default = toy.make_dist("gaussian").sample(20_000, gen())
    assert default.mean().item() == pytest.approx(4.0, abs=0.04)
    assert default.std().item() == pytest.approx(1.25, abs=0.03)
    with pytest.raises(ValueError):
        toy.make_dist("gaussian", std=0.0)
    with pytest.raises(ValueError, match="ring"):
        toy.make_dist("swiss-roll")


def test_mixture_layouts():
    ring, grid = toy.make_dist("ring"), toy.make_dist("grid")
    assert ring.modes.shape == (8, 2) and ring.sigma == 0.05
    assert torch.allclose(ring.modes.norm(dim=1), torch.full((8,), 2.0))
    assert grid.modes.shape == (25, 2) and grid.sigma == 0.05
    assert sorted(set(grid.modes[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_real_data_covers_every_mode(name):
    dist = toy.make_dist(name)
    covered, hq = toy.mode_coverage(dist.sample(2500, gen()), dist)
    assert covered == len(dist.modes)
    assert hq == pytest.approx(1 - math.exp(-4.5), abs=0.01)  # 2-D Gaussian mass within 3 sigma: 98.9 %


def test_collapsed_samples_cover_few_modes():
    ring = toy.make_dist("ring")
    g = gen()
    picked = ring.modes[torch.randint(0, 3, (2500,), generator=g)]  # only modes 0, 1, 2
    samples = picked + ring.sigma * torch.randn(2500, 2, generator=g)
    detail = toy.mode_coverage_detail(samples, ring)
    assert detail.modes_covered == 3 and detail.num_modes == 8
    assert sum(detail.per_mode[3:]) == 0 and sum(detail.per_mode) == round(detail.high_quality * 2500)


def test_coverage_threshold_and_quality():
    ring = toy.make_dist("ring")
    # 2,490 samples on mode 0, 10 on mode 1: fair share is 312.5, 20 % of it is 63 -> mode 1 not covered
    samples = torch.cat([ring.modes[0].expand(2490, 2), ring.modes[1].expand(10, 2)])
    assert toy.mode_coverage(samples, ring) == (1, 1.0)
    assert toy.mode_coverage(samples, ring, min_fraction=0.0) == (2, 1.0)
    # points between the modes are assigned but not high quality
    off = ring.modes * 0.75
    covered, hq = toy.mode_coverage(off, ring)
    assert (covered, hq) == (0, 0.0)
    with pytest.raises(ValueError):
        toy.mode_coverage(samples, toy.make_dist("spiral"))


def test_moments():
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 8.0]])
    m = toy.moments(x, dim=1)
    assert m.shape == (2, 4)
    assert m[0].tolist() == pytest.approx([2.5, math.sqrt(1.25), 0.0, 1.64 - 3.0], abs=1e-4)
    assert m[1, 0].item() == pytest.approx(2.0) and m[1, 2].item() > 1  # one outlier: right skew
    normal = torch.randn(1, 100_000, generator=gen())
    assert toy.moments(normal, dim=1)[0].tolist() == pytest.approx([0, 1, 0, 0], abs=0.05)
    y = torch.randn(3, 32, requires_grad=True)
    toy.moments(y, dim=1).sum().backward()  # a discriminator can train G through it
    assert torch.isfinite(y.grad).all()
    assert toy.moments(torch.randn(5, 7), dim=0).shape == (7, 4)
