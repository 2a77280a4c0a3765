"""ProGAN trainer: the growing schedule, real-image fading, export at the reached resolution, resume."""

import pytest
import torch

from ganstudio import load_folder
from ganstudio.inference import sample_grid
from ganstudio.train import TrainOptions, run, trainer_for
from ganstudio.train.progan import completed_depth, growth_at, real_at, schedule_steps
from tests.train.tools import TinyImages, all_finite, changed, spying, use_dataset

# widths 8 / 8 / 4 at 4 / 8 / 16 px
TINY = {"latent_dim": 8, "fmap_base": 32, "fmap_max": 8, "mbstd_group_size": 2}


def opts(tmp_path, **kw):
    base = dict(family="progan", data="tiny", out=str(tmp_path / "run"), loss="wgan-gp", steps=3, batch_size=4,
                model=TINY, params={"phase_steps": 2}, log_every=1, sample_every=2, checkpoint_every=1, threads=1)
    base.update(kw)
    return TrainOptions(**base)


def test_schedule_fades_then_stabilises_each_resolution():
    got = [growth_at(s, 2, 2) for s in range(10)]
    assert got == [(0, 1.0), (0, 1.0),  # 4 px
                   (1, 0.5), (1, 1.0), (1, 1.0), (1, 1.0),  # 8 px: fade, stabilise
                   (2, 0.5), (2, 1.0), (2, 1.0), (2, 1.0)]  # 16 px: fade, then stays
    assert schedule_steps(2, 2) == 10
    assert [completed_depth(n, 2, 2) for n in range(9)] == [0, 0, 0, 0, 1, 1, 1, 1, 2]
    assert growth_at(5, 1000, 0) == (0, 1.0)


def test_real_images_are_pooled_and_faded():
    x = torch.randn(2, 3, 16, 16)
    low = real_at(x, 1, 1.0)
    assert low.shape == (2, 3, 8, 8) and torch.allclose(low, torch.nn.functional.avg_pool2d(x, 2))
    mid = real_at(x, 1, 0.5)
    coarse = torch.nn.functional.interpolate(torch.nn.functional.avg_pool2d(low, 2), scale_factor=2)
    assert torch.allclose(mid, 0.5 * low + 0.5 * coarse, atol=1e-6)
    assert torch.equal(real_at(x, 2, 1.0), x)


def test_grows_exports_the_reached_resolution_and_resumes(tmp_path, monkeypatch):
    use_dataset(monkeypatch, TinyImages(n=8, size=16))
    spy = spying(trainer_for("progan"))
    # 3 steps: 4 px, 4 px, then halfway into the 8 px fade -> the complete model is the 4 px one
    folder = run(opts(tmp_path, steps=3), spy, quiet=True)
    assert spy.steps == [0, 1, 2] and all_finite(spy.stats)
    assert [(s["res"], s["alpha"]) for s in spy.stats] == [(4, 1.0), (4, 1.0), (8, 0.5)]
    model = load_folder(folder)
    assert model.config.image_size == 4 and model.meta.training["steps"] == 3
    assert changed(spy.initial["discriminator"], model.modules["discriminator"].state_dict())
    assert sample_grid(model, seed=0, n=2).images[0].size == (4, 4)

    # resume to the end of the 16 px fade: the full-size model
    spy2 = spying(trainer_for("progan"))
    folder = run(opts(tmp_path, steps=8), spy2, quiet=True)
    assert spy2.steps == [3, 4, 5, 6, 7] and all_finite(spy2.stats)
    assert spy2.stats[-1]["res"] == 16 and spy2.stats[-1]["alpha"] == 1.0
    model = load_folder(folder)
    assert model.config.image_size == 16 and model.meta.training["steps"] == 8
    assert changed(spy2.initial["generator"], model.generator.state_dict())
    assert sample_grid(model, seed=0, n=2).images[0].size == (16, 16)


def test_exported_generator_is_the_average(tmp_path, monkeypatch):
    use_dataset(monkeypatch, TinyImages(n=8, size=16))
    folder = run(opts(tmp_path, steps=2, params={"phase_steps": 1, "ema_beta": 0.5}), trainer_for("progan"),
                 quiet=True)
    state = torch.load(tmp_path / "run" / "train_state.pt", weights_only=True)
    exported = load_folder(folder).generator.state_dict()
    ema = state["ema"]["generator"]
    assert all(torch.equal(exported[k], ema[k]) for k in exported)
    assert any(not torch.equal(exported[k], state["modules"]["generator"][k]) for k in exported)


def test_a_sigmoid_loss_trains_too(tmp_path, monkeypatch):
    use_dataset(monkeypatch, TinyImages(n=8, size=16))
    spy = spying(trainer_for("progan"))
    run(opts(tmp_path, loss="nonsaturating", steps=1), spy, quiet=True)
    assert all_finite(spy.stats) and "gp" not in spy.stats[0]


@pytest.mark.parametrize("phase_steps", [0, -1])
def test_bad_phase_steps(phase_steps):
    with pytest.raises(ValueError):
        growth_at(0, phase_steps, 2)


def test_diffaug_reaches_every_d_input(tmp_path, monkeypatch):
    """With ``diffaug=cutout`` the reals and fakes D scores -- in D's step and in G's -- each have a zeroed
    pixel at every resolution of the growth; without it none has (the data and fakes are never exactly 0)."""
    use_dataset(monkeypatch, TinyImages(n=8, size=16))

    def seen_by_d(params):
        scored: list[torch.Tensor] = []  # D's inputs, leaving out the penalty's mixes (leaves that need a grad)
        trainer_cls = trainer_for("progan")

        class Recording(trainer_cls):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)

                def record(_m, args):
                    if not (args[0].is_leaf and args[0].requires_grad):
                        scored.append(args[0].detach().clone())

                self.D.register_forward_pre_hook(record)

        run(opts(tmp_path, steps=4, out=str(tmp_path / str(len(params))), params={"phase_steps": 1} | params),
            Recording, quiet=True)
        return scored

    def has_zero_pixel(x):  # [B, C, H, W] -> [B]
        return (x == 0).all(1).flatten(1).any(1)

    plain, augmented = seen_by_d({}), seen_by_d({"diffaug": "cutout"})
    assert len(plain) == len(augmented) == 3 * 4  # per step: D(real), D(fake), G's D(fake)
    assert {x.shape[-1] for x in augmented} == {4, 8, 16}
    assert not any(has_zero_pixel(x).any() for x in plain)
    assert all(has_zero_pixel(x).all() for x in augmented)


def test_unknown_diffaug_is_refused(tmp_path, monkeypatch):
    use_dataset(monkeypatch, TinyImages(n=8, size=16))
    with pytest.raises(ValueError, match="unknown augmentation"):
        run(opts(tmp_path, steps=1, params={"phase_steps": 2, "diffaug": "colour"}), trainer_for("progan"),
            quiet=True)
