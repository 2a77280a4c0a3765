"""Structural matching by module order and shape."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from ganstudio.convert import ConvertError, convert, presets
from ganstudio.convert.structural import StructuralMatchError, group_modules, match_structure
from tests.convert.parity import load_fixture, make_weights, write_state_dict
from tests.convert.test_convert import renamed_dcgan


def test_groups_follow_key_order():
    groups = group_modules({"a.w": (2, 3), "a.b": (2,), "a.num_batches_tracked": (), "c.w": (4,)})
    assert [g.prefix for g in groups] == ["a", "c"]
    assert groups[0].leaves == (("w", (2, 3)), ("b", (2,)))


def test_pairs_by_alias_then_unique_shape():
    src = OrderedDict([("x.kernel", (8, 3, 3, 3)), ("x.offset", (8,)), ("y.gamma", (8,)), ("y.beta", (8,)),
                       ("y.moving_mean", (8,)), ("y.moving_variance", (8,))])
    ours = OrderedDict([("conv.weight", (8, 3, 3, 3)), ("conv.bias", (8,)), ("bn.weight", (8,)), ("bn.bias", (8,)),
                        ("bn.running_mean", (8,)), ("bn.running_var", (8,)), ("bn.num_batches_tracked", ())])
    m = match_structure(src, ours)
    assert m.mapping == {"x.kernel": "conv.weight", "x.offset": "conv.bias", "y.gamma": "bn.weight",
                         "y.beta": "bn.bias", "y.moving_mean": "bn.running_mean", "y.moving_variance": "bn.running_var"}
    assert m.missing_counters == ["bn.num_batches_tracked"]


def test_size_one_dims_may_differ_only_when_allowed():
    src = {"rgb.b": (3,)}
    ours = {"to_rgb.bias": (1, 3, 1, 1)}
    assert match_structure(src, ours).reshaped == ["to_rgb.bias"]
    with pytest.raises(StructuralMatchError):
        match_structure(src, ours, allow_reshape=False)


def test_module_count_and_shape_mismatches_name_the_place():
    with pytest.raises(StructuralMatchError, match="2 modules with weights, ours has 1"):
        match_structure({"a.w": (2, 2), "b.w": (3,)}, {"a.weight": (2, 2)})
    with pytest.raises(StructuralMatchError, match=r"module 0: cannot pair"):
        match_structure({"a.w": (2, 3)}, {"a.weight": (3, 2)}, allow_reshape=False)


def test_two_equally_good_configs_are_ambiguous(tmp_path, monkeypatch):
    fx = load_fixture("dcgan")
    w = make_weights(fx["layout"], fx["seed"], fx["scheme"])
    src = write_state_dict(tmp_path / "other.pth", renamed_dcgan(w))
    original = presets.PRESETS["dcgan"]
    # a candidate rule that cannot tell ndf (a discriminator setting) from the generator's shapes
    doubled = presets.Preset(**{**original.__dict__,
                                "candidates": lambda shapes: [dict(c, ndf=n) for c in original.candidates(shapes)
                                                              for n in (4, 8)]})
    monkeypatch.setitem(presets.PRESETS, "dcgan", doubled)
    with pytest.raises(ConvertError, match="more than one network"):
        convert(src)
