"""Metrics over several evaluation seeds: parsing, summaries, paired differences."""

import math

import pytest

from ganstudio.metrics.seeds import Stat, model_metrics, paired, parse_seeds, summarise, table


@pytest.mark.parametrize("spec,seeds", [("0-4", [0, 1, 2, 3, 4]), ("3", [3]), ("0,3,7", [0, 3, 7]),
                                        ("0-2, 9", [0, 1, 2, 9])])
def test_parse_seeds(spec, seeds):
    assert parse_seeds(spec) == seeds


@pytest.mark.parametrize("spec,words", [("", "no seed"), ("a-b", "numbers and ranges"), ("5-2", "low to high"),
                                        ("-1", "numbers and ranges"), ("0-3,2", "twice"), ("0-5000", "at most")])
def test_bad_seeds_are_refused(spec, words):
    with pytest.raises(ValueError, match=words):
        parse_seeds(spec)


def test_only_the_models_own_numbers_are_averaged():
    report = {"fd": 40.0, "fd_real_baseline": 38.0, "kid": 0.1, "fd_random_init": 270.0, "precision": 0.8,
              "recall": 0.7, "precision_real_baseline": 0.84, "class_accuracy": 0.9, "class_accuracy_real": 0.99,
              "generator_norms": "stored statistics", "l1_copy_input": 0.38, "modes_covered": "8/8"}
    assert model_metrics(report) == ["fd", "kid", "precision", "recall", "class_accuracy"]


def test_summary_and_paired_differences():
    ours = [{"fd": 10.0, "recall": 0.5}, {"fd": 14.0, "recall": 0.7}, {"fd": 12.0, "recall": 0.6}]
    theirs = [{"fd": 11.0, "recall": 0.4}, {"fd": 16.0, "recall": 0.6}, {"fd": 12.5, "recall": 0.65}]
    s = summarise(ours)
    assert list(s) == ["fd", "recall"]
    assert s["fd"].mean == pytest.approx(12.0) and s["fd"].se == pytest.approx(2 / math.sqrt(3))
    assert (s["fd"].low, s["fd"].high, s["fd"].n) == (10.0, 14.0, 3)
    d = paired(ours, theirs)
    assert d["fd"].mean == pytest.approx(-3.5 / 3) and d["fd"].higher == 0
    assert d["recall"].mean == pytest.approx(0.05) and d["recall"].higher == 2
    # the differences' spread, not the two means' spreads
    assert d["fd"].se == pytest.approx(Stat.of([-1.0, -2.0, -0.5]).se)
    text = table("a", [0, 1, 2], s, "b", summarise(theirs), d)
    assert "3 evaluation seeds (0-2)" in text and "2 of 3" in text and "against b" in text
    with pytest.raises(ValueError):
        paired(ours, theirs[:2])


def test_one_seed_has_no_spread():
    s = summarise([{"fd": 3.0}])["fd"]
    assert (s.mean, s.se, s.n) == (3.0, 0.0, 1)
