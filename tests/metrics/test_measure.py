"""What ``ganstudio.metrics.measure.evaluate_model`` measures per evaluation kind."""

import pytest
import torch

from ganstudio.checkpoint import ModelMeta, new_model, save_folder
from ganstudio.metrics import measure
from ganstudio.metrics.features import classifier_path
from tests.train.tiny_emoji import tiny_emoji, tiny_emoji_root  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not (classifier_path("mnist") / "config.json").is_file(),
                                reason="bundled MNIST classifier not trained")


@pytest.mark.skipif(not (classifier_path("emoji") / "config.json").is_file(), reason="emoji classifier not trained")
def test_eval_uses_the_category_subset_the_model_trained_on(tiny_emoji):  # noqa: F811 (fixture)
    """A model trained on face emoji only is measured against held-out faces, not all held-out emoji."""
    from tests.train.tiny_emoji import FACES, N_TRAIN

    meta = ModelMeta(name="tiny faces", dataset="emoji: face emoji (both, train split), labelled by category",
                     training={"params": {"data_args": {"categories": ["face"]}}})
    torch.manual_seed(0)
    model = new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, image_size=32), meta=meta, components=("generator",))
    report = measure.evaluate_model(model)
    held_out_faces = 2 * sum(i >= N_TRAIN for i in FACES)  # both designs of each
    assert "categories face" in report.data
    notes = {name: note for name, _, note in report.rows}
    assert notes["fd"].endswith(f"n={held_out_faces}")
    whole = measure.evaluate_model(model, data="emoji")  # naming the data: the whole held-out split
    assert "categories" not in whole.data
    assert {name: note for name, _, note in whole.rows}["fd"].endswith(f"n={2 * 3}")


@pytest.mark.skipif(not (classifier_path("emoji") / "config.json").is_file(), reason="emoji classifier not trained")
def test_eval_stargan_with_a_subset_of_the_people_attributes(tiny_emoji):  # noqa: F811 (fixture)
    """A StarGAN knowing some of emoji-people's attributes, in its own order: edits are scored per head, beside
    the classifier's accuracy on the unedited images (computed here independently)."""
    from ganstudio.data import get_dataset
    from ganstudio.metrics import evaluate
    from ganstudio.metrics.features import load_classifier

    names = ["openmoji", "dark", "light", "medium"]
    torch.manual_seed(0)
    model = new_model("stargan", dict(c_dim=4, image_size=32, conv_dim=4, repeat_num=1, d_repeat_num=3),
                      meta=ModelMeta(name="tiny", dataset="emoji-people: people emoji", attribute_names=names,
                                     attribute_groups=[["dark", "light", "medium"]]), components=("generator",))
    report = measure.evaluate_model(model)
    rows = report.as_dict()
    assert {"attribute_accuracy_design", "attribute_accuracy_design_real", "attribute_accuracy_skin_tone",
            "attribute_accuracy_skin_tone_real"} <= set(rows)
    assert all(0.0 <= rows[k] <= 1.0 for k in rows if k.startswith("attribute_accuracy"))

    test = get_dataset("emoji-people", split="test", size=32)
    x = torch.stack([test[i][0] for i in range(len(test))])
    attrs = test.attributes  # [N, 7]: five tones, man, openmoji
    clf = load_classifier("emoji")
    design = attrs[:, 6].long()  # noto 0, openmoji 1
    assert rows["attribute_accuracy_design_real"] == round(evaluate.class_accuracy(clf, x, design, "design"), 4)
    tone = attrs[:, :5].argmax(1) + 1  # classifier class ids: 0 is "none"
    known = torch.isin(tone, torch.tensor([1, 3, 5]))  # light, medium, dark
    want = evaluate.class_accuracy(clf, x[known], tone[known], "skin_tone")
    assert rows["attribute_accuracy_skin_tone_real"] == round(want, 4)


@pytest.mark.skipif(not (classifier_path("emoji") / "config.json").is_file(), reason="emoji classifier not trained")
def test_eval_ignores_stored_norm_statistics_as_the_app_does(tiny_emoji):  # noqa: F811 (fixture)
    """Edits are scored with each image's own norm statistics: stored running statistics change nothing."""
    names = ["light", "medium-light", "medium", "medium-dark", "dark", "openmoji"]
    torch.manual_seed(0)
    model = new_model("stargan", dict(c_dim=6, image_size=32, conv_dim=4, repeat_num=1, d_repeat_num=3),
                      meta=ModelMeta(name="tiny", dataset="emoji-people: people emoji", attribute_names=names,
                                     attribute_groups=[names[:5]]), components=("generator",))
    before = measure.evaluate_model(model).as_dict()
    stats = [m for m in model.generator.modules() if getattr(m, "running_mean", None) is not None]
    assert stats  # yunjey's layout keeps running statistics
    for m in stats:
        m.running_mean.fill_(5.0)
        m.running_var.fill_(0.01)
    after = measure.evaluate_model(model).as_dict()
    assert after == before and after["generator_norms"] == "input statistics"
    assert float(stats[0].running_mean[0]) == 5.0  # and the stored buffers are left as they were


@pytest.mark.skipif(not (classifier_path("emoji") / "config.json").is_file(), reason="emoji classifier not trained")
def test_eval_uses_stored_statistics_when_the_model_asks_for_them(tiny_emoji):  # noqa: F811 (fixture)
    """A pix2pix model whose meta says translate_mode "eval" is scored with its running statistics (as the app
    runs it); without that it is scored with each image's own."""
    torch.manual_seed(0)
    cfg = dict(num_downs=5, ngf=4, ndf=4, n_layers_D=2, image_size=32)
    meta = dict(name="tiny", dataset="emoji-edges: sketch to emoji", input_kind="edges")
    own = new_model("pix2pix", cfg, meta=ModelMeta(**meta), components=("generator",))
    stored = new_model("pix2pix", cfg, meta=ModelMeta(**meta, translate_mode="eval"), components=("generator",))
    with torch.no_grad():  # weights large enough that the output depends on the statistics (init is ~0)
        for w in own.generator.parameters():
            w.normal_(0.0, 0.5)
    stored.generator.load_state_dict(own.generator.state_dict())
    rows_own, rows_stored = measure.evaluate_model(own).as_dict(), measure.evaluate_model(stored).as_dict()
    assert rows_own["generator_norms"] == "input statistics" and rows_stored["generator_norms"] == "stored statistics"
    for m in stored.generator.modules():  # other running statistics: only the stored-statistics score moves
        if getattr(m, "running_mean", None) is not None:
            m.running_mean.fill_(5.0)
            m.running_var.fill_(0.01)
    own.generator.load_state_dict(stored.generator.state_dict())
    assert measure.evaluate_model(own).as_dict()["l1"] == rows_own["l1"]
    assert measure.evaluate_model(stored).as_dict()["l1"] != rows_stored["l1"]


@pytest.mark.skipif(not (classifier_path("emoji") / "config.json").is_file(), reason="emoji classifier not trained")
def test_label_map_models_are_compared_with_painting_the_map(tiny_emoji):  # noqa: F811 (fixture)
    """SPADE's do-nothing baseline: every region painted in its label's palette colour."""
    from ganstudio.data import emoji, get_dataset

    torch.manual_seed(0)
    model = new_model("spade", dict(num_labels=len(emoji.PALETTE), image_size=32, ngf=4, ndf=4, spade_hidden=8,
                                    num_upsampling=3, n_layers_D=2),
                      meta=ModelMeta(name="tiny", dataset="emoji-labels: label maps", input_kind="labels",
                                     palette=emoji.PALETTE), components=("generator",))
    rows = measure.evaluate_model(model).as_dict()
    test = get_dataset("emoji-labels", split="test", size=32)
    onehot = torch.stack([test[i][0] for i in range(len(test))])  # [N, L, H, W]
    target = torch.stack([test[i][1] for i in range(len(test))])  # [N, 3, H, W] in [-1, 1]
    painted = torch.from_numpy(emoji.colorize_regions(onehot.argmax(1).numpy())).permute(0, 3, 1, 2).float()
    want = (painted / 127.5 - 1 - target).abs().mean().item()
    assert rows["l1_palette_input"] == round(want, 4) and "l1_copy_input" not in rows
    from ganstudio.metrics import evaluate
    from ganstudio.metrics.features import load_classifier

    clf = load_classifier("emoji")
    fd = evaluate.frechet_distance(clf.extract(painted / 127.5 - 1), clf.extract(target))
    assert rows["fd_palette_input"] == round(fd, 4)
