"""The toy trainer on the playground's distributions: train, export, evaluate, the sample picture."""

import pytest
import torch

from ganstudio import load_folder
from ganstudio.metrics.measure import evaluate_model
from ganstudio.train import TrainOptions, run, trainer_for
from ganstudio.train import cli
from ganstudio.playground.plots import FAKE_RGB, REAL_RGB, plot_points

TINY = {"latent_dim": 2, "g_hidden": [16, 16], "d_hidden": [16, 16]}


def opts(tmp_path, **kw):
    base = dict(family="toy", data="toy-ring", out=str(tmp_path / "run"), steps=3, batch_size=64, model=TINY,
                log_every=1, sample_every=100, checkpoint_every=100, threads=1)
    base.update(kw)
    return TrainOptions(**base)


def test_trains_exports_and_evaluates(tmp_path):
    model = load_folder(run(opts(tmp_path), trainer_for("toy"), quiet=True))
    assert model.family.name == "toy" and model.config.dim == 2  # the data's dimension
    assert model.meta.training["lr_g"] == 1e-3  # the playground's toy learning rate for the loss
    assert model.meta.dataset.startswith("toy-ring")
    rows = evaluate_model(model, n=400).as_dict()
    assert {"fd", "fd_real_baseline", "fd_random_init", "kid", "modes_covered", "high_quality",
            "modes_covered_real"} <= set(rows)
    assert rows["modes_covered_real"] == "8/8" and rows["fd_real_baseline"] < 0.1


def test_a_short_run_learns_the_1d_gaussian(tmp_path):
    o = opts(tmp_path, data="toy-gaussian", steps=600, batch_size=128, log_every=100,
             params={"data_args": {"mean": 2.0, "std": 0.5}})
    model = load_folder(run(o, trainer_for("toy"), quiet=True))
    assert model.config.dim == 1
    rows = evaluate_model(model).as_dict()  # against N(2, 0.5^2): the run's own data_args
    assert abs(rows["mean"] - 2.0) < 0.3 and abs(rows["std"] - 0.5) < 0.3, rows
    assert rows["fd"] < rows["fd_random_init"] / 10


def test_moment_features_need_whole_groups(tmp_path):
    with pytest.raises(ValueError, match="multiple of 128"):
        run(opts(tmp_path, data="toy-gaussian", batch_size=100, model=dict(TINY, d_features="moments")),
            trainer_for("toy"), quiet=True)


def test_cli_trains_toy_data(tmp_path, capsys):
    assert cli.main(["toy", "--data", "toy-grid", "--out", str(tmp_path / "run"), "--steps", "2", "--batch-size",
                     "32", "--loss", "wgan-gp", "--param", "gp_weight=1", "--threads", "1", "--quiet"]) == 0
    model = load_folder(tmp_path / "run" / "model")
    assert model.meta.training["params"] == {"gp_weight": 1}


def test_plot_points_draws_both_sets():
    real, fake = torch.zeros(10, 2), torch.full((10, 2), 2.0)
    img = plot_points(real, fake, (-3.0, 3.0), side=60)
    colours = {c for _, c in img.getcolors(4096)}
    assert REAL_RGB in colours and FAKE_RGB in colours
    hist = plot_points(torch.zeros(50, 1), torch.ones(50, 1), (-3.0, 3.0), side=60)
    assert {REAL_RGB, FAKE_RGB} <= {c for _, c in hist.getcolors(4096)}
