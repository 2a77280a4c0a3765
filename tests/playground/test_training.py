"""ganstudio.playground.training: determinism, every loss, live runs, convergence on toy data, the race.
No gradio here."""

import ast
import re
import subprocess
import sys
from pathlib import Path

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
