"""``python -m ganstudio train``: options reach the run, --export-to copies the model, --push-to-hub uploads it."""

import json

import huggingface_hub
import pytest

from ganstudio.train import cli, trainer_for
from tests.train.tiny_emoji import tiny_emoji, tiny_emoji_root  # noqa: F401 (fixtures)

TINY = ["--set", "ngf=4", "--set", "ndf=4", "--set", "latent_dim=8"]


def _train(tmp_path, *extra):
    return cli.main(["dcgan", "--data", "mnist", "--out", str(tmp_path / "run"), "--steps", "2", "--batch-size", "8",
                     "--threads", "1", "--quiet", *TINY, *extra])


def test_options_reach_the_card_and_export_to_copies(tmp_path, capsys):
    dest = tmp_path / "checkpoints" / "tiny"
    dest.mkdir(parents=True)
    (dest / "stale.txt").write_text("from an older export")
    assert _train(tmp_path, "--loss", "lsgan", "--lr-g", "3e-4", "--lr-decay-from", "1", "--name", "Tiny",
                  "--export-to", str(dest)) == 0
    cfg = json.loads((dest / "config.json").read_text())
    assert cfg["config"]["ngf"] == 4 and cfg["meta"]["name"] == "Tiny"
    training = cfg["meta"]["training"]
    assert (training["loss"], training["steps"], training["lr_g"], training["lr_decay_from"]) == ("lsgan", 2, 3e-4, 1)
    assert not (dest / "stale.txt").exists()  # the copy replaces the folder
    assert f"copied to {dest}" in capsys.readouterr().out


def test_push_to_hub_uploads_the_exported_folder(tmp_path, monkeypatch, capsys):
    calls = []

    class RecordingApi:
        def __init__(self, token=None):
            pass

        def create_repo(self, repo_id, **kw):
            calls.append(("create", repo_id, kw["repo_type"]))
            return f"https://hub.example/{repo_id}"

        def upload_folder(self, folder_path, repo_id, **kw):
            from pathlib import Path

            calls.append(("upload", repo_id, sorted(p.name for p in Path(folder_path).iterdir())))

    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    assert _train(tmp_path, "--push-to-hub", "me/tiny-dcgan") == 0
    assert calls[0] == ("create", "me/tiny-dcgan", "model")
    assert calls[1][:2] == ("upload", "me/tiny-dcgan")
    assert {"config.json", "model.safetensors", "README.md", "samples.png"} <= set(calls[1][2])
    assert "pushed to https://hub.example/me/tiny-dcgan" in capsys.readouterr().out


def test_push_to_an_unreachable_hub_keeps_the_model(tmp_path, hf_isolated, monkeypatch, capsys):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    assert _train(tmp_path, "--push-to-hub", "me/tiny-dcgan") == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "the model is still in" in err
    assert (tmp_path / "run" / "model" / "model.safetensors").is_file()


def test_unknown_family_is_refused(capsys):
    with pytest.raises(SystemExit):
        cli.main(["biggan", "--data", "mnist"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("extra, message", [
    (["--data", "nosuch"], "unknown dataset 'nosuch'"),
    (["--set", "widths=3"], "widths"),
    (["--param", "data_args={\"size\": 5}"], "size"),
    (["--param", "lambda_l1=10"], "unknown training parameter(s) lambda_l1 for dcgan; known: data_args, folder_kind"),
    (["--set", "ngf=-4"], "ngf"),
])
def test_bad_options_give_one_line_and_exit_2(tmp_path, capsys, extra, message):
    assert _train(tmp_path, *extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_init_from_another_model_is_refused(tmp_path, capsys):
    assert _train(tmp_path) == 0
    assert _train(tmp_path, "--out", str(tmp_path / "wider"), "--set", "ngf=8",
                  "--init-from", str(tmp_path / "run" / "model")) == 2
    assert "holds a different model" in capsys.readouterr().err


def test_a_later_stage_on_other_data_is_recorded(tmp_path, tiny_emoji):  # noqa: F811 (fixture)
    """Resuming a run on a subset of its data (fine-tuning) continues the step count and the card lists the
    earlier stage; resuming the new stage again adds nothing."""
    def stage(steps, *extra, out="run"):
        return cli.main(["dcgan", "--data", "emoji", "--image-size", "32", "--out", str(tmp_path / out),
                         "--steps", str(steps), "--batch-size", "4", "--threads", "1", "--quiet", *TINY, *extra])

    faces = ["--param", 'data_args={"categories": ["face"]}']
    assert stage(2) == 0 and stage(3, *faces) == 0 and stage(4, *faces) == 0
    meta = json.loads((tmp_path / "run" / "model" / "config.json").read_text())["meta"]
    assert meta["training"]["steps"] == 4 and meta["dataset"].startswith("emoji: face emoji")
    assert meta["training"]["earlier_stages"] == [{"until_step": 2, "data": "emoji"}]
    assert "- steps up to 2: emoji\n" in (tmp_path / "run" / "model" / "README.md").read_text()
    # continued elsewhere from the exported folder (a fresh machine with the bundled checkpoint): kept
    assert stage(5, *faces, "--init-from", str(tmp_path / "run" / "model"), out="elsewhere") == 0
    meta = json.loads((tmp_path / "elsewhere" / "model" / "config.json").read_text())["meta"]
    assert meta["training"]["steps"] == 5
    assert meta["training"]["earlier_stages"] == [{"until_step": 2, "data": "emoji"}]


def test_a_later_stage_with_other_settings_is_recorded(tmp_path):
    """Same data, but a family parameter and the learning-rate decay change on resume: an earlier stage
    with the old settings; resuming with the same settings again adds nothing."""
    def acgan(*extra):
        return cli.main(["acgan", "--data", "mnist", "--out", str(tmp_path / "run"), "--batch-size", "8",
                         "--threads", "1", "--quiet", *TINY, "--set", "embed_dim=4", *extra])

    assert acgan("--steps", "2") == 0
    later = ["--param", "lambda_cls=2", "--lr-decay-from", "3"]
    assert acgan("--steps", "3", *later) == 0 and acgan("--steps", "4", *later) == 0
    meta = json.loads((tmp_path / "run" / "model" / "config.json").read_text())["meta"]
    assert meta["training"]["params"] == {"lambda_cls": 2} and meta["training"]["lr_decay_from"] == 3
    assert meta["training"]["earlier_stages"] == [
        {"until_step": 2, "data": "mnist", "params": {}, "lr_decay_from": None}]
    card = (tmp_path / "run" / "model" / "README.md").read_text()
    assert "- steps up to 2: mnist; params {}; constant learning rates\n" in card


def test_a_later_stage_with_another_loss_is_recorded(tmp_path):
    """A stage that switches the loss and critic steps lists the earlier ones, from the state and from a card."""
    def dcgan(*extra, out="run"):
        return cli.main(["dcgan", "--data", "mnist", "--out", str(tmp_path / out), "--batch-size", "8",
                         "--threads", "1", "--quiet", *TINY, *extra])

    assert dcgan("--steps", "2") == 0
    wasserstein = ["--loss", "wgan-gp", "--n-critic", "1"]
    assert dcgan("--steps", "3", *wasserstein) == 0 and dcgan("--steps", "4", *wasserstein) == 0
    stages = [{"until_step": 2, "data": "mnist", "loss": "nonsaturating"}]
    meta = json.loads((tmp_path / "run" / "model" / "config.json").read_text())["meta"]
    assert meta["training"]["loss"] == "wgan-gp" and meta["training"]["earlier_stages"] == stages
    assert "- steps up to 2: mnist; loss nonsaturating\n" in (tmp_path / "run" / "model" / "README.md").read_text()
    # from the exported folder instead of the state: the card's n_critic (1) is known too
    assert dcgan("--steps", "6", "--loss", "wgan-gp", "--init-from", str(tmp_path / "run" / "model"), out="on") == 0
    meta = json.loads((tmp_path / "on" / "model" / "config.json").read_text())["meta"]
    assert meta["training"]["earlier_stages"] == stages + [{"until_step": 4, "data": meta["dataset"], "n_critic": 1}]


def test_a_measured_stage_keeps_its_numbers_on_the_card(tmp_path):
    """Continuing a measured model (``eval --write``) in a new stage: the stage keeps what was measured, so the
    card shows the model before the stage as well as after it; baselines are left out."""
    from ganstudio import load_folder
    from ganstudio.metrics.measure import EvalReport, write_metrics

    assert _train(tmp_path) == 0
    folder = tmp_path / "run" / "model"
    report = EvalReport("tiny", "mnist", "mnist-classifier")
    for name, value in (("fd", 30.51), ("fd_real_baseline", 2.79), ("precision", 0.762), ("recall", 0.525)):
        report.add(name, value)
    write_metrics(folder, load_folder(folder), report)
    assert cli.main(["dcgan", "--data", "mnist", "--out", str(tmp_path / "on"), "--steps", "4", "--batch-size", "8",
                     "--threads", "1", "--quiet", *TINY, "--lr-decay-from", "3", "--init-from", str(folder)]) == 0
    meta = json.loads((tmp_path / "on" / "model" / "config.json").read_text())["meta"]
    assert meta["training"]["earlier_stages"] == [
        {"until_step": 2, "data": meta["dataset"], "lr_decay_from": None,
         "measured": {"fd": 30.51, "precision": 0.762, "recall": 0.525, "eval_data": "mnist (held-out split)"}}]
    card = (tmp_path / "on" / "model" / "README.md").read_text()
    then = "constant learning rates; measured then: fd 30.51, precision 0.762, recall 0.525"
    assert then + " (on mnist (held-out split))\n" in card  # the new model is not measured yet
    write_metrics(tmp_path / "on" / "model", load_folder(tmp_path / "on" / "model"), report)
    assert then + "\n" in (tmp_path / "on" / "model" / "README.md").read_text()  # measured on the same data


def test_recipe_stages_run_in_order_and_finished_ones_are_skipped(tmp_path, monkeypatch):
    """``recipe NAME`` runs the earlier stages its run has not passed, then the last one (which --steps overrides)."""
    from ganstudio.train import recipes

    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(recipes.cli, "main", lambda argv: calls.append(argv) or 0)
    monkeypatch.setitem(recipes.RECIPES, "toy", ["dcgan", "--steps", "30", "--param", "x=2"])
    monkeypatch.setitem(recipes.PRETRAIN, "toy", [["dcgan", "--steps", "10"], ["dcgan", "--steps", "20"]])
    assert recipes.main(["toy", "--steps", "40"]) == 0
    assert [recipes.steps_of(a) for a in calls] == [10, 20, 40]
    assert all(a[a.index("--out") + 1] == "runs/toy" for a in calls)

    calls.clear()  # a bundled checkpoint at step 15: only the second stage and the last one are left
    (tmp_path / "checkpoints" / "toy").mkdir(parents=True)
    (tmp_path / "checkpoints" / "toy" / "config.json").write_text(json.dumps({"meta": {"training": {"steps": 15}}}))
    assert recipes.main(["toy"]) == 0
    assert [recipes.steps_of(a) for a in calls] == [20, 30]


def test_every_recipe_uses_only_parameters_its_trainer_reads():
    from ganstudio.train import recipes
    from ganstudio.train.common import COMMON_PARAMS

    stages = [(name, args) for name, args in recipes.RECIPES.items()]
    stages += [(name, args) for name, earlier in recipes.PRETRAIN.items() for args in earlier]
    for name, args in stages:
        parsed = cli.parser().parse_args(args)
        known = set(trainer_for(parsed.family).params) | set(COMMON_PARAMS)
        assert {k for k, _ in parsed.param} <= known, name
