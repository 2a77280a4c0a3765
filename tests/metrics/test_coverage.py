"""ganstudio.metrics.coverage: modes covered and high-quality share on the toy Gaussian mixtures."""

import math

import pytest
import torch

from ganstudio.data.points import make_dist
from ganstudio.metrics.coverage import mode_coverage, mode_coverage_detail


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_real_data_covers_every_mode(name):
    dist = make_dist(name)
    covered, hq = mode_coverage(dist.sample(2500, gen()), dist)
    assert covered == len(dist.modes)
    assert hq == pytest.approx(1 - math.exp(-4.5), abs=0.01)  # 2-D Gaussian mass within 3 sigma: 98.9 %


def test_collapsed_samples_cover_few_modes():
    ring = make_dist("ring")
    g = gen()
    picked = ring.modes[torch.randint(0, 3, (2500,), generator=g)]  # only modes 0, 1, 2
    samples = picked + ring.sigma * torch.randn(2500, 2, generator=g)
    detail = mode_coverage_detail(samples, ring)
    assert detail.modes_covered == 3 and detail.num_modes == 8
    assert sum(detail.per_mode[3:]) == 0 and sum(detail.per_mode) == round(detail.high_quality * 2500)


def test_coverage_threshold_and_quality():
    ring = make_dist("ring")
    # 2,490 samples on mode 0, 10 on mode 1: fair share is 312.5, 20 % of it is 63 -> mode 1 not covered
    samples = torch.cat([ring.modes[0].expand(2490, 2), ring.modes[1].expand(10, 2)])
    assert mode_coverage(samples, ring) == (1, 1.0)
    assert mode_coverage(samples, ring, min_fraction=0.0) == (2, 1.0)
    # points between the modes are assigned but not high quality
    off = ring.modes * 0.75
    covered, hq = mode_coverage(off, ring)
    assert (covered, hq) == (0, 0.0)
    with pytest.raises(ValueError):
        mode_coverage(samples, make_dist("spiral"))
