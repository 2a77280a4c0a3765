"""DiffAugment transforms: what each one does to the pixels, that gradients pass, and the policy parser."""

import pytest
import torch

from ganstudio.train.augment import cutout, diff_augment, flip, parse_policy, translation


def images(b=16, c=3, s=16):
    return torch.randn(b, c, s, s, generator=torch.Generator().manual_seed(1))


def shifted(x, dy, dx):
    """x [C, H, W] moved by (dy, dx) whole pixels, border pixels repeated (the reference for translation)."""
    h, w = x.shape[-2:]
    rows = (torch.arange(h) - dy).clamp(0, h - 1)
    cols = (torch.arange(w) - dx).clamp(0, w - 1)
    return x[:, rows][:, :, cols]


def test_parse_policy():
    assert parse_policy("flip, translation,cutout") == ("flip", "translation", "cutout")
    assert parse_policy(None) == () and parse_policy("") == ()
    with pytest.raises(ValueError, match="unknown augmentation.*'color'"):
        parse_policy("flip,color")


def test_flip_mirrors_some_images_and_keeps_the_others():
    x = images(64)
    y = flip(x, torch.Generator().manual_seed(0))
    mirrored = [torch.equal(a, b.flip(-1)) for a, b in zip(y, x)]
    kept = [torch.equal(a, b) for a, b in zip(y, x)]
    assert all(m != k for m, k in zip(mirrored, kept))
    assert 16 < sum(mirrored) < 48


def test_translation_is_a_whole_pixel_shift_within_an_eighth():
    x = images(32, s=16)
    y = translation(x, generator=torch.Generator().manual_seed(0))
    seen = set()
    for a, b in zip(y, x):
        match = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if torch.equal(a, shifted(b, dy, dx))]
        assert match, "not a shift of at most 16/8 = 2 pixels"
        seen.add(match[0])
    assert len(seen) > 5  # shifts vary per image


def test_cutout_zeroes_one_square_and_keeps_the_rest():
    x = images(32, s=16).abs() + 0.1  # no zero pixels of its own
    y = cutout(x, generator=torch.Generator().manual_seed(0))
    full = []
    for a, b in zip(y, x):
        zero = (a == 0).all(0)  # [H, W]
        assert torch.equal(a[:, ~zero], b[:, ~zero])
        ys, xs = torch.nonzero(zero, as_tuple=True)
        assert 0 < zero.sum() <= 16
        # a rectangle (a 4 x 4 square clipped by the border)
        assert zero.sum() == (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
        assert ys.max() - ys.min() < 4 and xs.max() - xs.min() < 4
        inner = 0 < ys.min() and ys.max() < 15 and 0 < xs.min() and xs.max() < 15
        full.append(bool(zero.sum() == 16) if inner else None)
    assert any(full) and all(f for f in full if f is not None)  # unclipped squares are exactly 4 x 4


def test_gradients_pass_and_draws_repeat_with_the_seed():
    x = images(8).requires_grad_(True)
    policy = parse_policy("flip,translation,cutout")
    y = diff_augment(x, policy, torch.Generator().manual_seed(3))
    y.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    again = diff_augment(x.detach(), policy, torch.Generator().manual_seed(3))
    assert torch.equal(y.detach(), again)
    assert torch.equal(diff_augment(x.detach(), (), None), x.detach())
