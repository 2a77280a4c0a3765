"""The shared training loop through the unconditional trainer: every loss, logging, resume, export."""

import pytest
import torch

from ganstudio import load_folder
from ganstudio.inference import sample_grid
from ganstudio.train import TrainOptions, run, trainer_for
from ganstudio.train.common import format_log

TINY_DC = {"ngf": 4, "ndf": 4, "latent_dim": 8}


def opts(tmp_path, **kw):
    base = dict(family="dcgan", data="mnist", out=str(tmp_path / "run"), steps=3, batch_size=8, model=TINY_DC,
                log_every=1, sample_every=2, checkpoint_every=2, threads=1)
    base.update(kw)
    return TrainOptions(**base)


@pytest.mark.parametrize("loss", ["nonsaturating", "minimax", "wgan", "wgan-gp", "lsgan", "hinge"])
def test_every_loss_trains_and_exports(tmp_path, loss):
    o = opts(tmp_path, loss=loss, steps=2)
    folder = run(o, trainer_for("dcgan"), quiet=True)
    model = load_folder(folder)
    assert model.config.image_size == 28 and model.config.channels == 1  # geometry from the dataset
    assert model.meta.training["loss"] == loss and model.meta.training["steps"] == 2
    assert model.meta.class_names is not None and "MNIST" in model.meta.dataset.upper()
    log = (tmp_path / "run" / "log.txt").read_text().splitlines()
    assert len(log) == 2 and "Loss_D(real)" in log[0] and "D(G(z))" in log[0]
    assert "nan" not in " ".join(log).lower()
    r = sample_grid(model, seed=0, n=4)
    assert r.images[0].size == (28, 28)
    assert (folder / "samples.png").exists() and "## Training" in (folder / "README.md").read_text()


def test_wgan_clips_weights(tmp_path):
    folder = run(opts(tmp_path, loss="wgan", steps=1), trainer_for("dcgan"), quiet=True)
    d = load_folder(folder).modules["discriminator"]
    assert max(p.abs().max().item() for p in d.parameters()) <= 0.01 + 1e-7


def test_resume_continues_from_saved_step(tmp_path):
    run(opts(tmp_path, steps=2), trainer_for("dcgan"), quiet=True)
    first = load_folder(tmp_path / "run" / "model").generator.state_dict()
    folder = run(opts(tmp_path, steps=4), trainer_for("dcgan"), quiet=True)
    model = load_folder(folder)
    assert model.meta.training["steps"] == 4
    log = (tmp_path / "run" / "log.txt").read_text().splitlines()
    assert [line.split("]")[0] for line in log] == ["[1/2", "[2/2", "[3/4", "[4/4"]
    after = model.generator.state_dict()
    assert any(not torch.equal(first[k], after[k]) for k in first)


def test_a_run_stopped_between_saves_logs_each_step_once(tmp_path):
    class Stopped(trainer_for("dcgan")):
        def train_step(self, batch, step):
            if step == 3:  # killed during the 4th step: the state was saved at step 2, the log reached step 3
                raise KeyboardInterrupt
            return super().train_step(batch, step)

    with pytest.raises(KeyboardInterrupt):
        run(opts(tmp_path, steps=4, checkpoint_every=2), Stopped, quiet=True)
    log_path = tmp_path / "run" / "log.txt"
    assert [line.split("]")[0] for line in log_path.read_text().splitlines()] == ["[1/4", "[2/4", "[3/4"]
    run(opts(tmp_path, steps=4, checkpoint_every=2), trainer_for("dcgan"), quiet=True)  # resumes at step 2
    assert [line.split("]")[0] for line in log_path.read_text().splitlines()] == ["[1/4", "[2/4", "[3/4", "[4/4"]


def test_resume_is_exact(tmp_path):
    """2 + 2 steps with a restart equals 4 steps straight: data order, noise and optimiser state are restored."""
    run(opts(tmp_path / "a", steps=2, checkpoint_every=1), trainer_for("dcgan"), quiet=True)
    a = run(opts(tmp_path / "a", steps=4, checkpoint_every=1), trainer_for("dcgan"), quiet=True)
    b = run(opts(tmp_path / "b", steps=4, checkpoint_every=1), trainer_for("dcgan"), quiet=True)
    ga, gb = load_folder(a).generator.state_dict(), load_folder(b).generator.state_dict()
    for k in ga:
        assert torch.allclose(ga[k].float(), gb[k].float(), atol=1e-6), k


def test_mlp_family_trains(tmp_path):
    o = opts(tmp_path, family="mlp", model={"g_hidden": [16], "d_hidden": [16], "latent_dim": 8}, steps=2)
    assert load_folder(run(o, trainer_for("mlp"), quiet=True)).family.name == "mlp"


def test_unknown_trainer_is_refused():
    with pytest.raises(ValueError, match="no trainer for family"):
        trainer_for("nope")


def test_log_line_format():
    line = format_log(3, 10, {"loss_d_real": 0.5, "loss_d_fake": 0.25, "loss_g": 1.0, "d_x": 0.9, "d_g_z": 0.1, "gp": 2})
    assert line == ("[3/10] Loss_D(real): 0.5000 | Loss_D(fake): 0.2500 | Loss_G: 1.0000 | D(x): 0.9000 | "
                    "D(G(z)): 0.1000 | gp: 2.0000")


def test_init_from_an_exported_model_continues_its_steps(tmp_path):
    first = run(opts(tmp_path / "a", steps=2), trainer_for("dcgan"), quiet=True)
    # a fresh run folder (no training state), seeded from the exported model
    folder = run(opts(tmp_path / "b", steps=3, init_from=str(first)), trainer_for("dcgan"), quiet=True)
    assert load_folder(folder).meta.training["steps"] == 3
    log = (tmp_path / "b" / "run" / "log.txt").read_text().splitlines()
    assert [line.split("]")[0] for line in log] == ["[3/3"]
    with pytest.raises(ValueError, match="different model"):
        run(opts(tmp_path / "c", steps=1, init_from=str(first), model={**TINY_DC, "ngf": 8}),
            trainer_for("dcgan"), quiet=True)


def test_each_critic_update_sees_fresh_real_data(tmp_path, monkeypatch):
    """WGAN-GP's five critic updates per step draw five real batches, as the WGAN papers' loops do."""
    from ganstudio.train.unconditional import UnconditionalTrainer

    from .tools import TinyImages, use_dataset

    use_dataset(monkeypatch, TinyImages(n=64, size=28, channels=1))
    seen: list[torch.Tensor] = []

    class Recording(UnconditionalTrainer):
        def d_step(self, real):
            seen.append(real.clone())
            return super().d_step(real)

    run(opts(tmp_path, loss="wgan-gp", steps=2), Recording, quiet=True)
    assert len(seen) == 10  # 2 steps x n_critic 5
    first_step = seen[:5]
    assert all(not torch.equal(first_step[0], other) for other in first_step[1:])


def test_linear_learning_rate_decay(tmp_path):
    """--lr-decay-from: rates stay until the step, then fall linearly to 0 at --steps (pix2pix / CycleGAN)."""
    from ganstudio.train.common import lr_scale
    from ganstudio.train.unconditional import UnconditionalTrainer

    assert [lr_scale(s, 2, 6) for s in range(6)] == [1.0, 1.0, 1.0, 0.75, 0.5, 0.25]
    rates: list[tuple[float, float]] = []

    def flat(pairs: list[tuple[float, float]]) -> list[float]:  # pytest.approx compares flat lists of numbers
        return [x for pair in pairs for x in pair]

    class Recording(UnconditionalTrainer):
        def train_step(self, batch, step):
            rates.append((self.optimizers["g"].param_groups[0]["lr"], self.optimizers["d"].param_groups[0]["lr"]))
            return super().train_step(batch, step)

    folder = run(opts(tmp_path, steps=4, lr_decay_from=2, lr_g=4e-4, lr_d=2e-4, checkpoint_every=2), Recording,
                 quiet=True)
    assert flat(rates) == pytest.approx(flat([(4e-4, 2e-4), (4e-4, 2e-4), (4e-4, 2e-4), (2e-4, 1e-4)]))
    assert load_folder(folder).meta.training["lr_decay_from"] == 2
    # a resume continues the schedule from the saved step, not from the already-decayed rate
    rates.clear()
    run(opts(tmp_path, steps=6, lr_decay_from=2, lr_g=4e-4, lr_d=2e-4, checkpoint_every=2), Recording, quiet=True)
    assert flat(rates) == pytest.approx(flat([(2e-4, 1e-4), (1e-4, 5e-5)]))


def tiny_trainer(loss: str = "nonsaturating", family: str = "dcgan"):
    from ganstudio.checkpoint import new_model
    from ganstudio.data import DatasetInfo
    from ganstudio.train.unconditional import UnconditionalTrainer

    torch.manual_seed(0)
    cfg = {**TINY_DC, "image_size": 28, "channels": 1} if family == "dcgan" else \
        {"g_hidden": [16], "d_hidden": [16], "latent_dim": 8, "image_size": 28, "channels": 1}
    model = new_model(family, cfg)
    o = TrainOptions(family=family, data="mnist", out="", loss=loss, model=cfg, amp="off")
    return UnconditionalTrainer(model, o, DatasetInfo(name="tiny"), torch.device("cpu"))


@pytest.mark.parametrize("family, loss, g_calls",
                         [("dcgan", "nonsaturating", 1), ("dcgan", "lsgan", 1), ("dcgan", "wgan", 6),
                          ("mlp", "nonsaturating", 2)])
def test_with_one_critic_update_g_runs_once_per_step(family, loss, g_calls):
    """DCGAN with one D update: G's update reuses D's fakes (one G forward). Five critic updates, or the MLP
    GAN: fresh fakes for each update."""
    trainer = tiny_trainer(loss, family)
    calls = []
    trainer.G.register_forward_hook(lambda *_: calls.append(1))
    real = torch.rand(8, 1, 28, 28) * 2 - 1
    stats = trainer.train_step((real,), 0)
    assert len(calls) == g_calls
    # statistics come back as 0-dim tensors (read back by the loop only when it logs)
    assert all(isinstance(v, torch.Tensor) and v.dim() == 0 for v in stats.values())
    assert {"loss_d_real", "loss_d_fake", "loss_g", "d_x", "d_g_z"} <= set(stats)


def test_g_update_leaves_d_gradients_alone_and_gets_the_same_gradient():
    """D is frozen while G's loss flows through it: D keeps its own update's gradients, G's are unchanged."""
    from ganstudio.train.common import frozen

    trainer = tiny_trainer()
    G, D = trainer.G, trainer.D
    z = G.sample_latent(8, torch.Generator().manual_seed(1))
    grads = []
    for freeze in (False, True):
        G.zero_grad(set_to_none=True)
        D.zero_grad(set_to_none=True)
        torch.manual_seed(0)
        with frozen(D) if freeze else torch.enable_grad():
            torch.nn.functional.softplus(-D(G(z))).mean().backward()
        grads.append([p.grad.clone() for p in G.parameters()])
        assert all((p.grad is None) == freeze for p in D.parameters())
    assert all(torch.equal(a, b) for a, b in zip(*grads))
    # the flags are restored as they were, a parameter frozen before stays frozen
    D.main[0].weight.requires_grad_(False)
    with frozen(D):
        assert not any(p.requires_grad for p in D.parameters())
    assert [p.requires_grad for p in D.parameters()][0] is False
    assert all(p.requires_grad for p in list(D.parameters())[1:])
