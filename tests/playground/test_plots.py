"""ganstudio.playground.plots: the live view of every kind of run, and G's arrows."""

import re

import numpy as np
import pytest

from ganstudio import losses, playground as pg

TINY = dict(g_hidden=(16, 16), d_hidden=(16, 16), batch_size=64)
LOG = re.compile(
    r"^Step \d+: D \(-?\d+\.\d{4}, -?\d+\.\d{4}\) G \(-?\d+\.\d{4}\); "
    r"Real Dist \(\[.+\]\), Fake Dist \(\[.+\]\)$"
)


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


def test_one_colour_table_for_the_live_view_and_the_trainers_picture():
    from ganstudio.playground.plots import FAKE_RGB, REAL_RGB, plot_points

    run = pg.PlaygroundRun(pg.PlaygroundConfig.for_loss("nonsaturating", data="ring", **TINY))
    live = {c for _, c in run.render().getcolors(1 << 20)}
    still = {c for _, c in plot_points(run.real_eval, run.generated(), run.dist.view).getcolors(1 << 20)}
    assert {REAL_RGB, FAKE_RGB} <= live and {REAL_RGB, FAKE_RGB} <= still
