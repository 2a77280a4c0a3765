"""CGAN, ACGAN, SGAN and InfoGAN trainers on MNIST with tiny networks: train, export, load, resume."""

import pytest
import torch
from PIL import Image

from ganstudio import load_folder
from ganstudio.checkpoint import new_model
from ganstudio.data import get_dataset
from ganstudio.inference import class_guesses, sample_grid, sample_per_class
from ganstudio.train import TrainOptions, run, trainer_for
from ganstudio.train.common import Batches
from ganstudio.train.conditional import info_loss, labelled_subset, real_logit
from tests.train.tools import all_finite, changed, spying

TINY = {
    "cgan": {"ngf": 4, "ndf": 4, "latent_dim": 8, "embed_dim": 4},
    "acgan": {"ngf": 4, "ndf": 4, "latent_dim": 8, "embed_dim": 4},
    "sgan": {"ngf": 4, "ndf": 4, "latent_dim": 8},
    "infogan": {"ngf": 4, "ndf": 4, "latent_dim": 8, "fc_dim": 16, "q_dim": 8},
}


def opts(tmp_path, family, **kw):
    base = dict(family=family, data="mnist", out=str(tmp_path / "run"), steps=3, batch_size=8, model=TINY[family],
                log_every=1, sample_every=2, checkpoint_every=2, threads=1)
    base.update(kw)
    return TrainOptions(**base)


@pytest.mark.parametrize("family", ["cgan", "acgan", "sgan", "infogan"])
def test_trains_exports_and_resumes(tmp_path, family):
    spy = spying(trainer_for(family))
    folder = run(opts(tmp_path, family, steps=3), spy, quiet=True)
    assert spy.steps == [0, 1, 2] and all_finite(spy.stats)
    model = load_folder(folder)
    for name, module in model.modules.items():  # both G and D moved away from their initial weights
        assert changed(spy.initial[name], module.state_dict()), name
    assert model.meta.training["steps"] == 3 and model.config.image_size == 28

    r = sample_grid(model, seed=0, n=4)
    assert len(r.images) == 4 and r.images[0].size == (28, 28)
    if family != "sgan":
        per_class = sample_per_class(model, seed=0, per_class=2)
        assert len(per_class.images) == 20
    if family in ("acgan", "sgan", "infogan"):  # the class heads were exported with D
        assert len(class_guesses(model, torch.zeros(2, 1, 28, 28))) == 2

    # resume: a longer run continues from the saved step
    spy2 = spying(trainer_for(family))
    folder = run(opts(tmp_path, family, steps=5), spy2, quiet=True)
    assert spy2.steps == [3, 4] and all_finite(spy2.stats)
    assert load_folder(folder).meta.training["steps"] == 5


def test_cgan_with_gradient_penalty(tmp_path):
    spy = spying(trainer_for("cgan"))
    run(opts(tmp_path, "cgan", loss="wgan-gp", n_critic=2, steps=2), spy, quiet=True)
    assert all_finite(spy.stats) and all("gp" in s for s in spy.stats)


def test_conditional_sample_grid_has_one_row_per_class(tmp_path):
    folder = run(opts(tmp_path, "acgan", steps=1), trainer_for("acgan"), quiet=True)
    with Image.open(folder / "samples.png") as grid:
        w, h = grid.size
    assert w == h and w >= 10 * 28  # 10 x 10: classes in rows, the same z in every row


@pytest.mark.parametrize("params", [{}, {"lambda_cls_fake": 0}])
def test_acgan_logs_its_class_losses(tmp_path, params):
    spy = spying(trainer_for("acgan"))
    run(opts(tmp_path, "acgan", steps=1, params=params), spy, quiet=True)
    assert all_finite(spy.stats) and {"cls_real", "cls_fake", "cls_g"} <= set(spy.stats[0])


def test_infogan_names_its_codes_not_the_digits(tmp_path):
    spy = spying(trainer_for("infogan"))
    folder = run(opts(tmp_path, "infogan", steps=1, params={"lambda_cont": 1.0}), spy, quiet=True)
    assert {"info_cat", "info_cont"} <= set(spy.stats[0])
    assert load_folder(folder).meta.class_names == [f"code {i}" for i in range(10)]


def test_info_loss_terms():
    logits = torch.tensor([[10.0, -10.0], [-10.0, 10.0]])
    mean = torch.tensor([[0.5], [-0.5]])
    total, cat, cont = info_loss(logits, mean, torch.tensor([0, 1]), torch.tensor([[0.5], [0.5]]), 1.0, 2.0)
    assert cat.item() < 1e-6
    assert cont.item() == pytest.approx(0.5 * (0 + 1.0) / 2)  # 0.5 * (c - mu)^2, mean over the batch
    assert total.item() == pytest.approx(cat.item() + 2.0 * cont.item())


# ---------------------------------------------------------------------------------------------
# SGAN: the labelled subset


def test_labelled_subset_is_stratified_and_seeded():
    labels = torch.arange(1000) % 10
    idx = labelled_subset(labels, 0.1, 10, seed=0)
    assert len(idx) == 100 and torch.equal(torch.bincount(labels[idx], minlength=10), torch.full((10,), 10))
    assert torch.equal(idx, labelled_subset(labels, 0.1, 10, seed=0))
    assert not torch.equal(idx, labelled_subset(labels, 0.1, 10, seed=1))
    assert len(labelled_subset(labels, 0.001, 10, seed=0)) == 10  # at least one per class
    with pytest.raises(ValueError):
        labelled_subset(labels, 0.0, 10, seed=0)


def test_real_logit_is_one_minus_fake_probability():
    logits = torch.randn(5, 11, generator=torch.Generator().manual_seed(0))
    p_real = 1 - torch.softmax(logits, 1)[:, 10]
    assert torch.allclose(torch.sigmoid(real_logit(logits, 10)), p_real, atol=1e-6)


def _sgan_trainer(tmp_path, fraction):
    o = opts(tmp_path, "sgan", params={"label_fraction": fraction})
    data = get_dataset("mnist", split="test")  # 500 digits, 50 per class
    torch.manual_seed(0)
    model = new_model("sgan", TINY["sgan"])
    trainer = trainer_for("sgan")(model, o, data.info, torch.device("cpu"))
    batches = Batches(data, 8, seed=0)
    trainer.prepare_data(batches)
    return trainer, batches, data


def test_sgan_supervised_loss_sees_only_the_labelled_fraction(tmp_path):
    trainer, batches, data = _sgan_trainer(tmp_path, 0.1)
    # 10 % of each class keeps its label, and those labels are the dataset's
    assert len(trainer.labelled_index) == 50
    assert torch.equal(trainer.labelled_y, data.labels[trainer.labelled_index])
    assert torch.equal(trainer.labelled_x, data.images[trainer.labelled_index])

    # By construction: every label outside the subset is replaced by an impossible class. The
    # cross-entropy would fail on one, so training going on proves that none of them is ever read.
    labelled = torch.zeros(len(data), dtype=torch.bool)
    labelled[trainer.labelled_index] = True
    batches.fields[1][~labelled] = 10_000
    stats = [trainer.train_step(tuple(next(batches)), step) for step in range(3)]
    assert all_finite(stats) and all("loss_sup" in s for s in stats)

    # ... while an impossible label inside the subset does reach the loss
    trainer.labelled_y[:] = 10_000
    with pytest.raises((IndexError, RuntimeError)):
        trainer.train_step(tuple(next(batches)), 3)


def test_sgan_labelled_stream_is_per_process(tmp_path, monkeypatch):
    """Under torchrun each rank draws its own labelled batches; rank 0 keeps the single-process stream."""
    import ganstudio.train.conditional as conditional

    first, _, _ = _sgan_trainer(tmp_path, 0.1)
    again, _, _ = _sgan_trainer(tmp_path, 0.1)
    monkeypatch.setattr(conditional, "current_rank", lambda: 1)
    other, _, _ = _sgan_trainer(tmp_path, 0.1)
    a, b, c = (t.labelled_batch(16)[1] for t in (first, again, other))
    assert torch.equal(a, b) and not torch.equal(a, c)
    # a resume re-seeds rank 1 by step, away from rank 0's saved stream
    other.load_extra_state(first.extra_state())
    other.reseed(1, 100)
    assert not torch.equal(first.labelled_batch(16)[1], other.labelled_batch(16)[1])


def test_sgan_refuses_a_critic_loss(tmp_path):
    o = opts(tmp_path, "sgan", loss="wgan-gp")
    model = new_model("sgan", TINY["sgan"])
    with pytest.raises(ValueError, match="K \\+ 1"):
        trainer_for("sgan")(model, o, get_dataset("mnist", split="test").info, torch.device("cpu"))
