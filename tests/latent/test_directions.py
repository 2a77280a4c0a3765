"""SeFa directions, user directions and edits."""

from __future__ import annotations

import pytest
import torch

from ganstudio.latent import codes, directions
from ganstudio.latent.codes import LatentError


def test_sefa_gives_the_top_eigenvectors_of_the_stacked_modulations(style):
    layers = [0, 1, 2]
    d = directions.sefa(style, layers=layers, k=3)
    a = directions.modulation_matrix(style, layers).double()
    evals, evecs = torch.linalg.eigh(a.t() @ a)  # ascending
    for i in range(3):
        top = evecs[:, -1 - i].float()
        assert abs(float(top @ d.vectors[i])) == pytest.approx(1.0, abs=1e-4)
        assert float(d.values[i]) ** 2 == pytest.approx(float(evals[-1 - i]), rel=1e-4)
    assert torch.allclose(d.vectors @ d.vectors.t(), torch.eye(3), atol=1e-5)
    assert d.layers == layers and (d.sigma > 0).all()
    # only the chosen layers' convolutions: conv1 (row 0), convs.0 (row 1), convs.1 (row 2)
    g = style.generator
    expected = sum(g.get_submodule(n).conv.modulation.weight.shape[0] for n in ("conv1", "convs.0", "convs.1"))
    assert a.shape == (expected, 8)


def test_an_edit_moves_only_the_chosen_rows_by_alpha_sigmas(style):
    lat = codes.from_seed(style, 1)
    d = directions.sefa(style, layers=[2, 3], k=2)
    moved = directions.edit(style, lat, d, 1, 2.0)
    diff = moved.code - lat.code
    assert torch.equal(diff[[0, 1, 4, 5]], torch.zeros_like(diff[[0, 1, 4, 5]]))
    assert torch.allclose(diff[2], 2.0 * d.sigma[1] * d.vectors[1], atol=1e-5)
    assert torch.equal(directions.edit(style, lat, d, 0, 0.0).code, lat.code)
    imgs = directions.strip(style, lat, d, 0, [-3, 0, 3])
    assert len(imgs) == 3 and imgs[0].tobytes() != imgs[2].tobytes()
    with pytest.raises(ValueError, match="step must be between"):
        directions.edit(style, lat, d, 0, 99.0)
    with pytest.raises(LatentError, match="direction must be in"):
        directions.edit(style, lat, d, 5, 1.0)


def test_layer_ranges_are_validated(style):
    assert directions.layer_range(style, 1, 3) == [1, 2, 3]
    with pytest.raises(LatentError, match="layer range"):
        directions.layer_range(style, 4, 2)
    with pytest.raises(LatentError, match="layer range"):
        directions.layer_range(style, 0, style.generator.n_latent)


def test_dcgan_directions_come_from_the_first_layer(dcgan):
    d = directions.sefa(dcgan, k=3)
    w = dcgan.generator.main[0].weight.detach()  # [nz, C, 4, 4]
    a = w.flatten(1).t().double()
    top = torch.linalg.eigh(a.t() @ a)[1][:, -1].float()
    assert d.space == "z" and abs(float(top @ d.vectors[0])) == pytest.approx(1.0, abs=1e-4)
    lat = codes.from_seed(dcgan, 0)
    moved = directions.edit(dcgan, lat, d, 0, 1.5)
    assert torch.allclose((moved.code - lat.code).flatten(), 1.5 * d.vectors[0], atol=1e-6)


def test_user_directions_save_load_and_refuse_other_models(style, other_style):
    pos = [codes.from_seed(style, s) for s in (1, 2)]
    neg = [codes.from_seed(style, s) for s in (3, 4)]
    d = directions.mean_difference(style, pos, neg, "smile")
    expected = torch.stack([p.code[0] for p in pos]).mean(0) - torch.stack([n.code[0] for n in neg]).mean(0)
    assert torch.allclose(d.vectors[0], expected / expected.norm(), atol=1e-6)
    back = directions.load_directions(directions.save_directions(d), style)
    assert torch.equal(back.vectors, d.vectors) and back.names == ["smile"] and back.layers == d.layers
    with pytest.raises(LatentError, match="another model"):
        directions.load_directions(directions.save_directions(d), other_style)
    with pytest.raises(LatentError, match="not a GAN Studio directions"):
        directions.load_directions(b"junk", style)
