"""Breeding: per-layer crossover, mutation, reproducible lineage."""

from __future__ import annotations

import pytest
import torch

from ganstudio.latent import breeding, codes, directions
from ganstudio.latent.codes import LatentError


def test_without_mutation_every_row_comes_from_a_parent(style):
    parents = [codes.from_seed(style, s) for s in (1, 2, 3)]
    kids = breeding.breed(style, parents, n=6, mutation=0.0, seed=10)
    for kid in kids:
        for row, gene in enumerate(kid.origin["genes"]):
            assert torch.equal(kid.code[row], parents[gene].code[row])
    assert len({k.digest() for k in kids}) > 1
    assert [k.origin["seed"] for k in kids] == list(range(10, 16))


def test_children_are_reproducible_from_their_lineage(style):
    a, b = codes.from_seed(style, 1), codes.from_seed(style, 2)
    kids = breeding.breed(style, [a, b], n=2, mutation=0.3, seed=5)
    again = breeding.breed(style, [a, b], n=2, mutation=0.3, seed=5)
    assert all(torch.equal(x.code, y.code) for x, y in zip(kids, again))
    # a grandchild of a child and an edited seed: rebuilt from the JSON origin alone
    d = directions.sefa(style, layers=[0, 1], k=2)
    edited = directions.edit(style, codes.from_seed(style, 9), d, 1, 1.5)
    grand = breeding.child(style, [kids[0], edited], seed=77, mutation=0.1)
    rebuilt = breeding.reproduce(style, grand.origin)
    assert torch.allclose(rebuilt.code, grand.code, atol=1e-6)
    assert grand.origin["parents"][0]["parents"][0] == {"op": "seed", "seed": 1}


def test_projected_roots_need_their_file(style):
    projected = codes.from_seed(style, 4).with_code(codes.from_seed(style, 4).code + 0.1, {"op": "projected"})
    projected.origin = {"op": "projected", "digest": projected.digest()}
    kid = breeding.child(style, [projected, codes.from_seed(style, 1)], seed=0, mutation=0.0)
    with pytest.raises(LatentError, match="load its .npz"):
        breeding.reproduce(style, kid.origin)
    assert torch.equal(breeding.reproduce(style, kid.origin, {projected.digest(): projected}).code, kid.code)


def test_bad_breeding_requests_are_refused(style, other_style, dcgan):
    a = codes.from_seed(style, 1)
    with pytest.raises(LatentError, match="at least two parents"):
        breeding.breed(style, [a])
    with pytest.raises(LatentError, match="another model"):
        breeding.breed(style, [a, codes.from_seed(other_style, 2)])
    with pytest.raises(ValueError, match="mutation must be between"):
        breeding.breed(style, [a, a], mutation=5.0)
    with pytest.raises(LatentError, match="needs a StyleGAN2"):
        breeding.breed(dcgan, [codes.from_seed(dcgan, 1), codes.from_seed(dcgan, 2)])


def test_mixing_latents_gives_the_style_tabs_grid_for_seeds(style):
    import numpy as np

    from ganstudio import inference
    from ganstudio.latent import mixing

    ours = mixing.mix(style, [codes.from_seed(style, s) for s in (1, 2)], [codes.from_seed(style, s) for s in (3, 4)],
                      [0, 1])
    theirs = inference.style_mix(style, row_seeds=[1, 2], col_seeds=[3, 4], layers=[0, 1], psi=1.0,
                                 noise_mode="const")
    assert np.array_equal(np.asarray(ours.grid), np.asarray(theirs.grid))
    assert ours.latents[1].origin["column"] == {"op": "seed", "seed": 4}
    with pytest.raises(LatentError, match="choose W\\+ rows"):
        mixing.mix(style, [codes.from_seed(style, 1)], [codes.from_seed(style, 2)], [99])
