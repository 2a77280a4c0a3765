"""ganstudio.data.points: the toy distributions' samplers and their fixed point sets."""

import pytest
import torch

from ganstudio.data import points as toy


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


def test_point_sets_are_fixed_samples_of_their_distribution():
    train, again, test = toy.ring_points("train"), toy.ring_points("train"), toy.ring_points("test")
    assert len(train) == 20_000 and len(test) == 2_500 and train[0].shape == (2,)
    assert torch.equal(train.points, again.points) and not torch.equal(train.points[:2500], test.points)
    assert train.info.name == "toy-ring" and train.info.extra["view"] == [-3.0, 3.0]
    g = toy.gaussian_points("test", mean=1.0, std=0.5)
    assert g.points.shape == (2_500, 1) and g.points.mean().item() == pytest.approx(1.0, abs=0.05)
