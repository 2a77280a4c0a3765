"""StarGAN trainer on the tiny synthetic emoji cache: target labels, edits, export, resume."""

import math

import pytest
import torch
from PIL import Image

from ganstudio import load_folder
from ganstudio.data import emoji
from ganstudio.inference import edit_attributes
from ganstudio.train import TrainOptions, run, trainer_for
from ganstudio.train.stargan import classification_loss, group_indices, random_targets, single_edits
from tests.train.tiny_emoji import log_values, tiny_emoji, tiny_emoji_root  # noqa: F401 (fixtures)

TINY = {"conv_dim": 4, "repeat_num": 1, "d_conv_dim": 4, "d_repeat_num": 3}


def opts(tmp_path, **kw):
    base = dict(family="stargan", data="emoji-people", out=str(tmp_path / "run"), loss="wgan-gp", steps=3,
                batch_size=4, model=TINY, image_size=32, log_every=1, sample_every=100, checkpoint_every=100,
                threads=1)
    base.update(kw)
    return TrainOptions(**base)


def test_random_targets_respect_groups():
    groups = group_indices(emoji.PEOPLE_ATTRIBUTES, emoji.PEOPLE_GROUPS)
    assert groups == [[0, 1, 2, 3, 4]]
    c = random_targets(2000, 7, groups, torch.Generator().manual_seed(0))
    assert c.shape == (2000, 7) and set(c.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(c[:, :5].sum(1), torch.ones(2000))  # exactly one skin tone each
    assert (c[:, :5].mean(0) - 0.2).abs().max() < 0.04  # chosen uniformly
    assert (c[:, 5:].mean(0) - 0.5).abs().max() < 0.05  # the rest: fair coins
    assert torch.equal(c, random_targets(2000, 7, groups, torch.Generator().manual_seed(0)))


def test_single_edits():
    c = torch.tensor([0.0, 1.0, 0.0, 1.0])
    edits = single_edits(c, [[0, 1]])
    assert edits.tolist() == [[1, 0, 0, 1], [0, 1, 0, 1], [0, 1, 1, 1], [0, 1, 0, 0]]


def test_classification_loss_sums_attributes():
    logits, target = torch.zeros(2, 3), torch.ones(2, 3)
    assert classification_loss(logits, target).item() == pytest.approx(3 * math.log(2))


def test_trains_exports_edits_and_resumes(tmp_path, tiny_emoji):
    trainer = trainer_for("stargan")
    assert trainer.default_loss == "wgan-gp"
    initial = load_folder(run(opts(tmp_path, steps=0), trainer, quiet=True))
    folder = run(opts(tmp_path, steps=3), trainer, quiet=True)
    model = load_folder(folder)
    # 1. finite losses (with the penalty and both classification terms); weights moved
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "loss_d_cls" in log and "cls_fake" in log and "rec" in log
    values = log_values(tmp_path / "run" / "log.txt")
    assert len(values) == 3 and all(math.isfinite(v) for row in values for v in row)
    for name in ("generator", "discriminator"):
        before, after = dict(initial.modules[name].named_parameters()), dict(model.modules[name].named_parameters())
        assert any(not torch.equal(before[k], after[k]) for k in before), name
    # 2. the export carries the attributes and their group, and edits
    assert model.meta.attribute_names == emoji.PEOPLE_ATTRIBUTES
    assert model.meta.attribute_groups == emoji.PEOPLE_GROUPS and model.config.c_dim == 7
    assert model.meta.training["n_critic"] == 5
    img = Image.fromarray(emoji.load_emoji(32).images[0, 0])
    one = edit_attributes(model, img, target={"man": True, "dark": True})
    assert one.images[0].size == (32, 32) and one.labels[0][4] == 1.0 and sum(one.labels[0][:5]) == 1.0
    every = edit_attributes(model, img, all_single_edits=True)
    assert len(every.images) == 7
    # 3. grid: a row per held-out image (6), the input then 7 edits
    grid = Image.open(folder / "samples.png")
    assert grid.size == (8 * 32 + 9 * 2, 6 * 32 + 7 * 2)
    # 4. resume
    folder = run(opts(tmp_path, steps=4), trainer, quiet=True)
    lines = (tmp_path / "run" / "log.txt").read_text().splitlines()
    assert [line.split("]")[0] for line in lines] == ["[1/3", "[2/3", "[3/3", "[4/4"]
    assert load_folder(folder).meta.training["steps"] == 4


def test_other_losses_run(tmp_path, tiny_emoji):
    """The adversarial part is any ganstudio loss; lsgan needs no critic steps or penalty."""
    folder = run(opts(tmp_path, loss="lsgan", steps=1, params={"lambda_rec": 5}), trainer_for("stargan"), quiet=True)
    model = load_folder(folder)
    assert model.meta.training["n_critic"] == 1 and model.meta.training["params"]["lambda_rec"] == 5


def test_diffaug_trains_and_is_recorded(tmp_path, tiny_emoji):
    """``diffaug`` puts D's inputs through DiffAugment: the run differs from one without it, and the card says so."""
    plain = load_folder(run(opts(tmp_path, steps=2, out=str(tmp_path / "plain")), trainer_for("stargan"), quiet=True))
    folder = run(opts(tmp_path, steps=2, params={"diffaug": "flip,translation,cutout"}), trainer_for("stargan"),
                 quiet=True)
    model = load_folder(folder)
    assert model.meta.training["params"]["diffaug"] == "flip,translation,cutout"
    values = log_values(tmp_path / "run" / "log.txt")
    assert all(math.isfinite(v) for row in values for v in row)
    d_plain, d_aug = plain.modules["discriminator"].state_dict(), model.modules["discriminator"].state_dict()
    assert any(not torch.equal(d_plain[k], d_aug[k]) for k in d_plain)


def test_unknown_diffaug_is_refused(tmp_path, tiny_emoji):
    with pytest.raises(ValueError, match="unknown augmentation"):
        run(opts(tmp_path, steps=1, params={"diffaug": "colour"}), trainer_for("stargan"), quiet=True)
