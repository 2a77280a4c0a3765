"""latent-bench end to end on the bundled StyleGAN2, cut down (a few images, few steps)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_latent_bench_runs_and_projection_beats_the_mean_w(tmp_path, capsys):
    from ganstudio.latent.bench import main

    out = tmp_path / "bench.json"
    assert main(["--images", "2", "--samples", "200", "--rendered", "1", "--steps", "20", "--wplus-steps", "20",
                 "--out", str(out)]) == 0
    r = json.loads(out.read_text())
    held = r["projection"]["held_out"]
    assert held["images"] == 2
    assert held["projection"]["psnr_db"] > held["mean_w"]["psnr_db"]
    assert held["projection"]["feature_distance"] < held["mean_w"]["feature_distance"]
    assert set(r["directions"]) == {"coarse 0-3", "fine 6-9"}
    assert r["video"]["seconds_of_work_per_video_second"] > 0
    assert "Held-out face emoji (2)" in capsys.readouterr().out
