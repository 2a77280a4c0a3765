"""``python -m ganstudio eval``: the command line prints, writes and refuses."""

import json

import pytest
import torch

from ganstudio.checkpoint import ModelMeta, new_model, save_folder
from ganstudio.metrics import cli
from ganstudio.metrics.features import classifier_path

pytestmark = pytest.mark.skipif(not (classifier_path("mnist") / "config.json").is_file(),
                                reason="bundled MNIST classifier not trained")


def test_eval_untrained_dcgan_on_mnist(tmp_path, capsys):
    torch.manual_seed(0)
    model = new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=28),
                      meta=ModelMeta(name="tiny", dataset="mnist: MNIST digits"), components=("generator",))
    folder = save_folder(model, tmp_path / "tiny")
    assert cli.main([str(folder), "--n", "100", "--write"]) == 0
    out = capsys.readouterr().out
    assert "fd_real_baseline" in out and "kid" in out
    values = json.loads((folder / "config.json").read_text())["meta"]["metrics"]
    assert values["fd"] > 5 * values["fd_real_baseline"]  # noise is far from digits
    # an untrained net's blobs are neither digit-like nor varied; other training digits are both
    assert values["precision"] < 0.1 and values["recall"] < 0.1
    assert values["precision_real_baseline"] > 0.7 and values["recall_real_baseline"] > 0.7
    assert "fd_real_baseline" in (folder / "README.md").read_text()


def test_eval_needs_a_dataset(tmp_path, capsys):
    model = new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=28),
                      components=("generator",))
    folder = save_folder(model, tmp_path / "nodata")
    assert cli.main([str(folder)]) == 2
    assert "--data" in capsys.readouterr().out
