"""Projection: it gets closer than the mean W, streams progress, stops when cancelled, leaves weights alone."""

from __future__ import annotations

import threading

import pytest
import torch

from ganstudio.latent import codes, projection
from ganstudio.latent.codes import LatentError
from ganstudio.latent.projection import ProjectionSettings

FAST = dict(steps=30, wplus_steps=30, framing="center", every=10)


def target(style, seed=3):
    return codes.render_images(style, [codes.from_seed(style, seed)])[0]


def test_projection_beats_the_mean_w_and_reports_progress(style):
    img = target(style)
    before = {k: v.clone() for k, v in style.generator.state_dict().items()}
    start = projection.steps_run()
    steps = list(projection.project(style, img, ProjectionSettings(**FAST)))
    assert [s.step for s in steps[:-1]] == [10, 20, 30, 40, 50]
    assert all(s.image is not None and s.image.size == (16, 16) for s in steps)
    assert [s.stage for s in steps[:3]] == ["W", "W", "W"] and steps[3].stage == "W+"
    result = steps[-1].result
    assert result is not None and projection.steps_run() - start == 60
    assert result.latent.model == codes.model_fingerprint(style) and result.latent.noise is None
    mean_w = codes.Latent("w+", codes.w_samples(style)[0].repeat(style.generator.n_latent, 1),
                          codes.model_fingerprint(style))
    t = projection.target_tensor(style, img, "center")[0]
    mean_psnr = projection.psnr(codes.render(style, [mean_w]), t)
    assert result.psnr > mean_psnr + 3, (result.psnr, mean_psnr)
    assert result.losses[-1] < result.losses[0]
    # the latent renders the reconstruction
    assert projection.psnr(codes.render(style, [result.latent]), t) == pytest.approx(result.psnr)
    assert result.params["perceptual_network"] == "emoji-classifier" and result.params["steps"] == 30
    for k, v in style.generator.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert all(p.grad is None for p in style.generator.parameters())


def test_noise_optimisation_keeps_normalised_noise(style):
    r = projection.project_image(style, target(style, 4), ProjectionSettings(**{**FAST, "wplus_steps": 10},
                                                                            optimize_noise=True))
    assert r.latent.noise is not None and len(r.latent.noise) == style.generator.num_noise_layers
    for n in r.latent.noise:
        assert abs(float(n.mean())) < 1e-3 and abs(float(n.std()) - 1) < 1e-2
    assert projection.psnr(codes.render(style, [r.latent]), projection.target_tensor(style, target(style, 4),
                                                                                      "center")[0]) == \
        pytest.approx(r.psnr)


def test_cancel_stops_the_work(style):
    cancel = threading.Event()
    start = projection.steps_run()
    seen = []
    for s in projection.project(style, target(style), ProjectionSettings(steps=2000, wplus_steps=0, every=5),
                                cancel=cancel):
        seen.append(s)
        if s.step >= 10:
            cancel.set()
    assert seen[-1].cancelled and seen[-1].result is None
    assert projection.steps_run() - start == 10
    # a consumer that simply stops iterating stops the work too
    start = projection.steps_run()
    gen = projection.project(style, target(style), ProjectionSettings(steps=2000, wplus_steps=0, every=5))
    next(gen)
    gen.close()
    assert projection.steps_run() - start == 5


def test_bad_settings_and_models_are_refused(style, dcgan):
    with pytest.raises(ValueError, match="W steps must be between"):
        list(projection.project(style, target(style), ProjectionSettings(steps=10**6)))
    with pytest.raises(ValueError, match="W\\+ steps"):
        list(projection.project(style, target(style), ProjectionSettings(wplus_steps=-1)))
    with pytest.raises(LatentError, match="needs a StyleGAN2"):
        list(projection.project(dcgan, target(style)))


def test_learning_rate_schedule_matches_the_reference_shape():
    s = ProjectionSettings()
    assert projection.learning_rate(s, 0.0) == 0.0
    assert projection.learning_rate(s, 0.5) == pytest.approx(0.1)
    assert projection.learning_rate(s, 0.025) == pytest.approx(0.05)
    assert 0 < projection.learning_rate(s, 0.9) < 0.1


def test_fast_precision_calls_on_the_same_model_do_not_disturb_a_projection(style):
    from ganstudio import inference

    settings = ProjectionSettings(steps=20, wplus_steps=10, framing="center")
    alone = projection.project_image(style, target(style), settings)
    stop = threading.Event()
    calls = []

    def other_user() -> None:  # another tab in "fast" precision swaps bf16 weights in while it holds the lock
        while not stop.is_set():
            calls.append(inference.render_style(style, seed=1, precision="fast"))

    t = threading.Thread(target=other_user)
    t.start()
    try:
        busy = projection.project_image(style, target(style), settings)
    finally:
        stop.set()
        t.join()
    assert calls and torch.equal(busy.latent.code, alone.latent.code)
