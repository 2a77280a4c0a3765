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


def _tiny(tmp_path, name, seed):
    torch.manual_seed(seed)
    model = new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=28),
                      meta=ModelMeta(name=name, dataset="mnist: MNIST digits"), components=("generator",))
    return save_folder(model, tmp_path / name)


def test_eval_over_seeds_against_another_model(tmp_path, capsys):
    """``--seeds`` repeats the single-seed evaluation; ``--against`` pairs another model seed by seed."""
    a, b = _tiny(tmp_path, "a", 0), _tiny(tmp_path, "b", 1)
    assert cli.main([str(a), "--n", "100", "--seeds", "0-1", "--against", str(b), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["seeds"] == [0, 1] and len(result["per_seed"]) == len(result["against_per_seed"]) == 2
    for seed in (0, 1):
        assert cli.main([str(a), "--n", "100", "--seed", str(seed), "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == result["per_seed"][seed]
    fds = [r["fd"] for r in result["per_seed"]]
    assert result["summary"]["fd"]["mean"] == pytest.approx(sum(fds) / 2)
    diffs = [x["fd"] - y["fd"] for x, y in zip(result["per_seed"], result["against_per_seed"])]
    assert result["difference"]["fd"]["mean"] == pytest.approx(sum(diffs) / 2)
    assert "fd_real_baseline" not in result["summary"]

    # a model against itself: every difference is exactly 0
    assert cli.main([str(a), "--n", "100", "--seeds", "0,1", "--against", str(a)]) == 0
    out = capsys.readouterr().out
    assert "2 evaluation seeds (0-1)" in out
    fd_row = next(line for line in out.splitlines() if line.startswith("fd "))
    assert "+0 +- 0" in fd_row and fd_row.endswith("0 of 2")


@pytest.mark.parametrize("extra,words", [(["--against", "x"], "add --seeds"),
                                         (["--seeds", "0-1", "--write"], "cannot be combined"),
                                         (["--seeds", "1-0"], "low to high")])
def test_eval_over_seeds_refusals(tmp_path, capsys, extra, words):
    a = _tiny(tmp_path, "a", 0)
    assert cli.main([str(a), "--n", "100", *extra]) == 2
    assert words in capsys.readouterr().out
