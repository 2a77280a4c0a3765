import json

import pytest
import torch

from ganstudio.checkpoint import CheckpointError
from ganstudio.metrics import evaluate
from ganstudio.metrics.features import (ClassifierConfig, FeatureClassifier, classifier_path, load_classifier,
                                        save_classifier)

TINY = ClassifierConfig(image_size=16, channels=3, widths=[4, 8], strides=[2, 2], feature_dim=6,
                        heads={"a": 3, "b": 2})


def test_shapes_and_input_adaptation():
    torch.manual_seed(0)
    m = FeatureClassifier(TINY).eval()
    grey = torch.rand(5, 1, 28, 28) * 2 - 1  # other size, other channel count
    out = m(grey)
    assert out["a"].shape == (5, 3) and out["b"].shape == (5, 2)
    assert m.extract(grey).shape == (5, 6)
    assert m.predict(grey, "b").shape == (5,)
    with pytest.raises(KeyError):
        m.predict(grey, "c")


def test_save_load_roundtrip(tmp_path):
    torch.manual_seed(0)
    m = FeatureClassifier(TINY).eval()
    m.labels = {"a": ["x", "y", "z"], "b": ["no", "yes"]}
    m.meta = {"accuracy": {"a_heldout": 0.5}}
    save_classifier(m, tmp_path / "clf")
    loaded = load_classifier(tmp_path / "clf")
    x = torch.rand(3, 3, 16, 16) * 2 - 1
    assert torch.equal(m.extract(x), loaded.extract(x))
    assert loaded.labels["a"] == ["x", "y", "z"] and loaded.meta["accuracy"] == {"a_heldout": 0.5}
    cfg = json.loads((tmp_path / "clf" / "config.json").read_text())
    cfg["config"]["feature_dim"] = 7
    (tmp_path / "clf" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="shape"):
        load_classifier(tmp_path / "clf")
    with pytest.raises(CheckpointError, match="config.json"):
        load_classifier(tmp_path / "nothing")


@pytest.mark.skipif(not (classifier_path("mnist") / "config.json").is_file(),
                    reason="bundled MNIST classifier not trained")
def test_bundled_mnist_classifier_heldout_accuracy():
    from ganstudio.data.mnist import load_mnist

    clf = load_classifier("mnist")
    assert (classifier_path("mnist") / "model.safetensors").stat().st_size < 2 * 2**20
    x, y = load_mnist("test")
    acc = evaluate.class_accuracy(clf, x, y)
    assert acc >= 0.97
    assert clf.meta["accuracy"]["digit_heldout"] == pytest.approx(acc, abs=1e-3)
    assert evaluate.attribute_accuracy(clf, x[:100], {"digit": (y[:100] + 1) % 10})["digit"] < 0.1
    # real vs real: held-out digits against as many training digits; noise is far away
    xt, _ = load_mnist("train")
    base = evaluate.real_vs_real_baseline(x[:200], xt, clf, subsets=5, subset_size=200)
    noise = evaluate.frechet_distance(x[:200], torch.rand(200, 1, 28, 28) * 2 - 1, clf)
    assert base["n"] == 200 and base["fd"] < noise / 5


@pytest.mark.skipif(not (classifier_path("emoji") / "config.json").is_file(),
                    reason="bundled emoji classifier not trained")
def test_bundled_emoji_classifier_loads():
    clf = load_classifier("emoji")
    assert clf.head_names == ["category", "skin_tone", "hair", "gender", "design"]
    assert (classifier_path("emoji") / "model.safetensors").stat().st_size < 2 * 2**20
    out = clf(torch.zeros(2, 3, 64, 64))
    assert out["design"].shape == (2, 2)
    assert clf.meta["accuracy"]["design_heldout"] > 0.9
