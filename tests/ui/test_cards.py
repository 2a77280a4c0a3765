"""Model cards in plain words: the quality sentence and readable metric names, from measured metadata."""

from __future__ import annotations

import json

from ganstudio.catalog import DEFAULT_CATALOG
from ganstudio.ui.cards import metric_name, metric_table, quality_sentence


def bundled_metrics() -> dict[str, dict]:
    out = {}
    for folder in DEFAULT_CATALOG.parent.iterdir():
        config = folder / "config.json"
        if config.is_file():
            out[folder.name] = json.loads(config.read_text())["meta"].get("metrics") or {}
    return out


def test_quality_sentence_reads_realism_and_variety_against_real_images():
    m = {"precision": 0.8417, "recall": 0.6417, "precision_real_baseline": 0.8417, "recall_real_baseline": 0.9,
         "fd": 46.9, "fd_real_baseline": 40.6, "eval_data": "emoji (categories face) (held-out split)"}
    text = quality_sentence(m)
    assert text.startswith("Realism 0.84, variety 0.64 (real emoji score 0.84 / 0.90)")
    assert "46.9" in text and text.endswith(".")


def test_quality_sentence_picks_the_figure_of_each_task():
    assert "96% of images (real digits: 98%)" in quality_sentence(
        {"class_accuracy": 0.964, "class_accuracy_real": 0.98, "eval_data": "mnist (held-out split)"})
    assert "cycle consistency" in quality_sentence({"cycle_l1_aba": 0.04, "cycle_l1_bab": 0.06, "l1": 0.4,
                                                    "l1_copy_input": 0.38})
    assert "copying the input: 0.52" in quality_sentence({"l1": 0.19, "l1_copy_input": 0.515})
    assert "skin tone is read back in 97%" in quality_sentence(
        {"attribute_accuracy_skin_tone": 0.9675, "attribute_accuracy_skin_tone_real": 0.98})
    assert quality_sentence({}) == "" and quality_sentence(None) == ""
    assert quality_sentence({"class_accuracy": "n/a"}) == ""  # not a number: not quoted


def test_every_bundled_model_has_a_quality_sentence_and_no_raw_metric_keys():
    found = bundled_metrics()
    assert len(found) >= 10
    for name, metrics in found.items():
        if not metrics:
            continue
        assert quality_sentence(metrics), name
        for key in metrics:
            assert metric_name(key) != key, f"{name}: {key} has no readable name"
        table = metric_table(metrics)
        assert "fd_real_baseline" not in table and "| measured | value |" in table


def test_the_sample_grid_travels_as_a_small_inline_image(tmp_path):
    from ganstudio.ui.cards import samples_markdown

    assert samples_markdown(None) == "" and samples_markdown(tmp_path) == ""
    text = samples_markdown(DEFAULT_CATALOG.parent / "stylegan2-emoji")
    assert text.startswith("![samples") and "data:image/webp;base64," in text
    assert len(text) < 60_000  # the 530-px PNG (about 420 KB) is not sent as it is
