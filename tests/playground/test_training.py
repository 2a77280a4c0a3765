"""ganstudio.playground: configs, determinism, convergence on toy data, rendering, the race. No gradio here."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio import losses, playground as pg

TINY = dict(g_hidden=(16, 16), d_hidden=(16, 16), batch_size=64)
# Settings found to converge for these seeds (see the tests at the bottom).
GAUSSIAN = dict(loss="nonsaturating", lr_g=2e-4, lr_d=2e-4, d_features="moments", seed=0)
GAUSSIAN_STEPS = 1000
RING = dict(loss="wgan-gp", seed=0)
RING_MAX_STEPS = 5000
LOG = re.compile(
    r"^Step \d+: D \(-?\d+\.\d{4}, -?\d+\.\d{4}\) G \(-?\d+\.\d{4}\); "
    r"Real Dist \(\[.+\]\), Fake Dist \(\[.+\]\)$"
)


def test_core_never_imports_gradio():
    code = ("import sys, ganstudio.playground, ganstudio.bench.playground, ganstudio.train.toy\n"
            "assert not [m for m in sys.modules if m == 'gradio' or m.startswith('ganstudio.ui')]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_no_module_outside_the_ui_imports_it_not_even_inside_a_function():
    """Benchmarks included: the playground benchmark drives the served app through gradio_client instead."""
    root = Path(__file__).resolve().parents[2] / "ganstudio"
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] == "ui":
            continue
        package = ["ganstudio", *rel.parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                names = [".".join(base + ([node.module] if node.module else []))]
                names += [f"{names[0]}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n == "gradio" or n.startswith(("gradio.", "ganstudio.ui")) for n in names):
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders


def test_config_validation_and_loss_defaults():
    gp = pg.PlaygroundConfig.for_loss("wgan-gp")
    spec = losses.LOSS_SPECS["wgan-gp"]
    assert (gp.optimizer, gp.betas, gp.n_critic) == (spec.optimizer, spec.betas, spec.n_critic)
    assert pg.loss_defaults("wgan")["optimizer"] == "rmsprop"
    for bad in (dict(data="swiss"), dict(loss="vanilla"), dict(lr_g=1.0), dict(batch_size=8), dict(g_hidden=()),
                dict(d_features="moments"), dict(data="gaussian", d_features="moments", batch_size=48),
                dict(std=0.0), dict(latent_dim=0)):
        with pytest.raises(pg.PlaygroundError):
            pg.PlaygroundConfig(**bad)
    c = pg.config_from_settings("gaussian", "hinge", "sgd", 1e-3, 2e-3, 2, 128, 32, 2, 7, 1.0, 0.5, "moments")
    assert (c.g_hidden, c.d_hidden, c.seed, c.mean, c.d_features, c.lr_d) == ((32, 32), (32, 32), 7, 1.0, "moments", 2e-3)
    assert pg.config_from_settings(data="ring", d_features="moments").d_features == "raw"  # moments are 1-D only
    assert pg.PlaygroundConfig.from_dict(c.to_dict()) == c


def test_settings_use_the_toy_familys_names_and_old_saved_settings_still_load():
    old = dict(data="gaussian", loss="lsgan", hidden=[32, 32], z_dim=3, d_input="moments", batch_size=128)
    c = pg.PlaygroundConfig.from_dict(old)
    assert (c.g_hidden, c.d_hidden, c.latent_dim, c.d_features) == ((32, 32), (32, 32), 3, "moments")
    with pytest.raises(pg.PlaygroundError, match="unknown playground settings"):
        pg.PlaygroundConfig.from_dict({"z_size": 2})
    model = c.toy_config()
    assert (model.dim, model.latent_dim, model.g_hidden, model.d_features) == (1, 3, (32, 32), "moments")


def test_a_run_trains_the_toy_familys_networks():
    """The run's G and D are the toy family's (same classes, same state-dict keys and shapes)."""
    from ganstudio.checkpoint import new_model

    cfg = pg.PlaygroundConfig.for_loss("hinge", data="ring", latent_dim=3, g_hidden=(16, 8), d_hidden=(8,))
    run = pg.PlaygroundRun(cfg)
    model = new_model("toy", cfg.toy_config())
    for mine, family in ((run.G, model.generator), (run.D, model.modules["discriminator"])):
        assert type(mine) is type(family)
        assert {k: v.shape for k, v in mine.state_dict().items()} == \
            {k: v.shape for k, v in family.state_dict().items()}


def test_same_seed_same_run_and_chunking_does_not_matter():
    cfg = pg.PlaygroundConfig.for_loss("wgan-gp", data="ring", **TINY)
    a, b = pg.PlaygroundRun(cfg), pg.PlaygroundRun(cfg)
    a.step(6)
    for _ in range(3):
        b.step(2)
    assert a.history.d_loss == b.history.d_loss and a.history.g_loss == b.history.g_loss
    assert torch.equal(a.generated(), b.generated())
    other = pg.PlaygroundRun(pg.PlaygroundConfig.for_loss("wgan-gp", data="ring", seed=1, **TINY))
    other.step(6)
    assert not torch.equal(a.generated(), other.generated())


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_every_loss_trains_with_its_defaults(loss):
    run = pg.PlaygroundRun(pg.PlaygroundConfig.for_loss(loss, data="moons", **TINY))
    run.step(5)
    h = run.history
    assert run.steps == 5 and len(h.d_loss) == 5
    assert all(torch.isfinite(torch.tensor(v)).all() for v in (h.d_loss, h.g_loss, h.real_err, h.fake_err))
    assert LOG.match(run.log_line())
    if loss == "wgan":
        assert all(p.abs().max() <= 0.01 for p in run.D.parameters())  # clipped


def test_learning_rates_change_in_place_other_settings_start_over():
    cfg = pg.PlaygroundConfig.for_loss("nonsaturating", data="ring", **TINY)
    run = pg.PlaygroundRun(cfg)
    run.step(3)
    faster = pg.PlaygroundConfig.for_loss("nonsaturating", data="ring", lr_g=5e-4, **TINY)
    same = pg.PlaygroundRun.reuse_or_new(run, faster)
    assert same is run and run.steps == 3 and run.opt_g.param_groups[0]["lr"] == 5e-4
    new = pg.PlaygroundRun.reuse_or_new(run, pg.PlaygroundConfig.for_loss("hinge", data="ring", **TINY))
    assert new is not run and new.steps == 0
    assert pg.PlaygroundRun.reuse_or_new(None, cfg).steps == 0


@pytest.mark.parametrize(
    "settings",
    [dict(data="ring"), dict(data="grid", loss="wgan"), dict(data="spiral", loss="hinge"),
     dict(data="gaussian"), dict(data="gaussian", d_features="moments", loss="lsgan", batch_size=128)],
    ids=["ring", "grid-wgan", "spiral-hinge", "gaussian-raw", "gaussian-moments"],
)
def test_frames(settings):
    loss = settings.pop("loss", "nonsaturating")
    run = pg.PlaygroundRun(pg.PlaygroundConfig.for_loss(loss, **{**TINY, **settings}))
    frames = list(run.live(stop_at=12, frame_period=0.01))
    assert run.steps == 12 and frames[0].summary["step"] == 0 and frames[-1].summary["step"] == 12
    f = frames[-1]
    assert f.image.size == (960, 480) and f.image.mode == "RGB"
    assert np.asarray(f.image, dtype=np.float32).std() > 10  # something is drawn
    assert LOG.match(f.log) and f.log.startswith("Step 12: ")
    assert ("modes_covered" in f.summary) == (settings["data"] in ("ring", "grid"))
    assert run.render(480, 240).size == (480, 240)


def test_generator_arrows_point_downhill():
    run = pg.PlaygroundRun(pg.PlaygroundConfig.for_loss("nonsaturating", data="ring", **TINY))
    run.step(20)
    pts = run.generated()[:64]
    push = pg.g_gradient(run, pts)
    before = losses.g_loss("nonsaturating", run.D(pts)).item()
    after = losses.g_loss("nonsaturating", run.D(pts + 1e-3 * push / push.norm(dim=1, keepdim=True))).item()
    assert after < before


def test_race_starts_both_losses_from_the_same_weights_and_data():
    race = pg.Race.of_losses("nonsaturating", "lsgan", data="ring", **TINY)
    for p, q in zip(race.a.G.parameters(), race.b.G.parameters()):
        assert torch.equal(p, q)
    assert torch.equal(race.a.real_eval, race.b.real_eval)
    frames = list(race.live(4, frame_period=0.01))
    a, b, text = frames[-1]
    assert race.steps == 4 and a.size == b.size == (960, 480)
    assert text.startswith("A Non-saturating: ") and "\nB Least squares (LSGAN): " in text
    with pytest.raises(pg.PlaygroundError):
        pg.Race(pg.PlaygroundConfig(data="ring"), pg.PlaygroundConfig(data="grid"))


def test_one_d_gaussian_is_learned():
    """The classic 1-D experiment: D sees each group's moments; mean and std land within 0.15 of (4, 1.25)."""
    settings = dict(GAUSSIAN)
    run = pg.PlaygroundRun(pg.PlaygroundConfig.for_loss(settings.pop("loss"), data="gaussian", **settings))
    run.step(GAUSSIAN_STEPS)
    s = run.summary()
    assert abs(s["fake_mean"][0] - 4.0) < 0.15, run.log_line()
    assert abs(s["fake_std"][0] - 1.25) < 0.15, run.log_line()


@pytest.mark.slow
def test_ring_modes_are_covered():
    """8 Gaussians on a ring: within RING_MAX_STEPS steps (checked every 250), >= 7 of 8 modes covered with
    >= 70 % of the samples within 3 sigma of a mode."""
    settings = dict(RING)
    run = pg.PlaygroundRun(pg.PlaygroundConfig.for_loss(settings.pop("loss"), data="ring", **settings))
    seen = []
    while run.steps < RING_MAX_STEPS:
        run.step(250)
        cov = run.coverage()
        seen.append((run.steps, cov.modes_covered, round(cov.high_quality, 3)))
        if cov.modes_covered >= 7 and cov.high_quality >= 0.70:
            break
    assert cov.modes_covered >= 7 and cov.high_quality >= 0.70, seen
