"""StyleGAN2 trainer: lazy R1, style mixing, EMA generator export with latent_avg, resume."""

import pytest
import torch

from ganstudio import load_folder
from ganstudio.checkpoint import new_model
from ganstudio.inference import sample_grid
from ganstudio.train import TrainOptions, run, trainer_for
from ganstudio.train.stylegan2 import mix_ws
from tests.train.tools import TinyImages, all_finite, changed, spying, use_dataset

# 8 channels at every resolution, 16 px
TINY = {"style_dim": 8, "n_mlp": 2, "channel_multiplier": 1, "channel_base": 32, "channel_max": 8}


def opts(tmp_path, **kw):
    base = dict(family="stylegan2", data="tiny", out=str(tmp_path / "run"), steps=3, batch_size=4, model=TINY,
                params={"r1_every": 2}, log_every=1, sample_every=2, checkpoint_every=1, threads=1)
    base.update(kw)
    return TrainOptions(**base)


def test_trains_exports_ema_and_resumes(tmp_path, monkeypatch):
    use_dataset(monkeypatch, TinyImages(n=8, size=16))
    spy = spying(trainer_for("stylegan2"))
    folder = run(opts(tmp_path, steps=3), spy, quiet=True)
    assert spy.steps == [0, 1, 2] and all_finite(spy.stats)
    assert ["r1" in s for s in spy.stats] == [True, False, True]  # lazy: every r1_every steps

    model = load_folder(folder)
    state = torch.load(tmp_path / "run" / "train_state.pt", weights_only=True)
    g = model.generator.state_dict()
    trained = state["modules"]["generator"]
    # the export is the EMA generator, not the trained one, and both moved from the initial weights
    assert any(not torch.equal(g[k], trained[k]) for k in g if k != "latent_avg")
    assert all(torch.equal(g[k], state["ema"]["generator"][k]) for k in g if k != "latent_avg")
    assert changed(spy.initial["generator"], trained) and changed(spy.initial["generator"], g)
    assert changed(spy.initial["discriminator"], model.modules["discriminator"].state_dict())
    # latent_avg was computed on the EMA generator before the export
    assert g["latent_avg"].abs().sum() > 0
    expected = model.generator.mean_latent(4096, torch.Generator().manual_seed(999))
    assert torch.allclose(g["latent_avg"], expected, atol=1e-5)
    r = sample_grid(model, seed=0, n=2, psi=0.7)
    assert r.images[0].size == (16, 16)

    spy2 = spying(trainer_for("stylegan2"))
    folder = run(opts(tmp_path, steps=5), spy2, quiet=True)
    assert spy2.steps == [3, 4] and all_finite(spy2.stats)
    assert load_folder(folder).meta.training["steps"] == 5


def test_lazy_regularisation_scales_the_d_optimiser(tmp_path):
    o = opts(tmp_path, params={"r1_every": 16})
    trainer = trainer_for("stylegan2")(new_model("stylegan2", dict(TINY, image_size=16)), o, None, torch.device("cpu"))
    c = 16 / 17
    d = trainer.optimizers["d"].param_groups[0]
    assert d["lr"] == pytest.approx(0.002 * c) and d["betas"][1] == pytest.approx(0.99 ** c)
    assert trainer.optimizers["g"].param_groups[0]["lr"] == pytest.approx(0.002)
    assert o.lr_g == 0.002 and o.params["betas"] == [0.0, 0.99]  # recorded for the model card


def test_mix_ws_takes_rows_from_the_cutoff_on():
    w1, w2 = torch.zeros(3, 2), torch.ones(3, 2)
    ws = mix_ws(w1, w2, torch.tensor([1, 3, 4]), 4)  # [3, 4, 2]
    assert ws[:, :, 0].tolist() == [[0, 1, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]


def test_diffaug_reaches_every_d_input(tmp_path, monkeypatch):
    """With ``diffaug=cutout`` every image D sees -- reals, fakes in D's and G's steps, R1's reals -- has a
    zeroed square; without it none has (smooth random data and fakes are never exactly 0 over 2x2 pixels)."""
    use_dataset(monkeypatch, TinyImages(n=8, size=16))

    def seen_by_d(params):
        inputs: list[torch.Tensor] = []
        trainer_cls = trainer_for("stylegan2")

        class Recording(trainer_cls):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                self.D.register_forward_pre_hook(lambda _m, args: inputs.append(args[0].detach().clone()))

        run(opts(tmp_path, steps=2, out=str(tmp_path / str(len(params))), params={"r1_every": 1} | params),
            Recording, quiet=True)
        return inputs

    def has_zero_square(x):  # [B, C, H, W] -> [B]: some 2x2 block is exactly 0 in every channel
        zero = (x == 0).all(1).float()[:, None]  # [B, 1, H, W]
        return (torch.nn.functional.avg_pool2d(zero, 2, stride=1) == 1).flatten(1).any(1)

    plain, augmented = seen_by_d({}), seen_by_d({"diffaug": "cutout"})
    assert len(plain) == len(augmented) == 2 * 4  # per step: D(real), D(fake), R1's D(real), G's D(fake)
    assert not any(has_zero_square(x).any() for x in plain)
    assert all(has_zero_square(x).all() for x in augmented)


@pytest.mark.parametrize("loss,moves", [("wgan-gp", True), ("nonsaturating", False)])
def test_drift_term_only_for_wasserstein_losses(tmp_path, loss, moves):
    """``epsilon_drift`` changes D's step under a Wasserstein loss, and nothing under the logistic one."""
    def d_after_one_step(drift):
        torch.manual_seed(0)
        o = opts(tmp_path, loss=loss, n_critic=1, params={"r1_gamma": 0, "epsilon_drift": drift})
        trainer = trainer_for("stylegan2")(new_model("stylegan2", dict(TINY, image_size=16)), o, None,
                                           torch.device("cpu"))
        real = TinyImages(n=4, size=16).images
        trainer.d_step(real, step=1)
        return trainer.D.state_dict()

    plain, drifted = d_after_one_step(0.0), d_after_one_step(1.0)
    assert any(not torch.equal(plain[k], drifted[k]) for k in plain) == moves
