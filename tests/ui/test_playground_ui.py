"""The Playground tab served alone (``build_demo()``), driven through ``gradio_client``."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ENDPOINTS = {"playground_reset", "playground_step", "playground_train", "playground_race", "playground_loss_defaults"}
# data, loss, optimizer, lr_g, lr_d, n_critic, batch_size, width, depth, seed, mean, std, d_input, gp_weight
RING = ["ring", "nonsaturating", "adam", 1e-3, 1e-3, 1, 64, 16, 2, 0, 4.0, 1.25, "raw", 0.1]
GAUSS = ["gaussian", "nonsaturating", "adam", 1e-3, 1e-3, 1, 128, 16, 2, 0, 4.0, 1.25, "moments", 0.1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url():
    from ganstudio.ui.playground import build_demo

    demo = build_demo()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        yield demo.local_url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(url) -> Client:
    return Client(url, verbose=False)


def picture(path: str) -> np.ndarray:
    img = Image.open(path)
    assert img.format == "PNG" and img.size == (960, 480)
    return np.asarray(img.convert("RGB"))


def test_endpoints_are_named_and_documented(client):
    api = client.view_api(return_format="dict", print_info=False)
    named = {name.lstrip("/"): info for name, info in api["named_endpoints"].items()}
    assert ENDPOINTS <= set(named)
    for name in ENDPOINTS:
        assert named[name]["description"].strip(), f"/{name} has no description"


def test_reset_then_step_continues_the_sessions_run(client):
    image, log, summary = client.predict(*RING, api_name="/playground_reset")
    assert picture(image).std() > 5
    assert summary["step"] == 0 and log.startswith("Step 0: D (")
    _, log, summary = client.predict(*RING, 30, api_name="/playground_step")
    assert summary["step"] == 30
    assert "Real Dist ([" in log and "Fake Dist ([" in log
    assert summary["num_modes"] == 8 and 0 <= summary["high_quality"] <= 1
    _, _, summary = client.predict(*RING, 20, api_name="/playground_step")
    assert summary["step"] == 50  # same session: the run continues
    # a structural change (another seed) starts a new run
    other = RING[:9] + [1] + RING[10:]
    _, _, summary = client.predict(*other, 10, api_name="/playground_step")
    assert summary["step"] == 10


def test_runs_are_per_session(url, client):
    client.predict(*RING, api_name="/playground_reset")
    client.predict(*RING, 40, api_name="/playground_step")
    stranger = Client(url, verbose=False)  # another user: its own run, from step 0
    _, _, summary = stranger.predict(*RING, 5, api_name="/playground_step")
    assert summary["step"] == 5
    _, _, summary = client.predict(*RING, 5, api_name="/playground_step")
    assert summary["step"] == 45


def test_live_training_stops_at_the_asked_step(client):
    image, log, summary = client.predict(*GAUSS, 40, api_name="/playground_train")
    assert summary["step"] == 40 and len(summary["fake_mean"]) == 1
    assert log.startswith("Step 40: D (")
    picture(image)


def test_race_and_loss_defaults(client):
    a, b, text = client.predict("ring", "nonsaturating", "wgan-gp", 20, 0, 64, 16, 2, 4.0, 1.25,
                                api_name="/playground_race")
    assert not np.array_equal(picture(a), picture(b))
    lines = text.splitlines()
    assert lines[0].startswith("A Non-saturating") and lines[1].startswith("B WGAN-GP") and "after 20 steps" in text
    optimizer, lr_g, lr_d, n_critic, gp, help_text = client.predict("wgan", api_name="/playground_loss_defaults")
    assert (optimizer, n_critic) == ("rmsprop", 5) and "clipping" in help_text
    assert client.predict("wgan-gp", api_name="/playground_loss_defaults")[4] == 0.1


def test_bad_settings_come_back_as_errors(client):
    bad = RING[:6] + [48] + RING[7:]  # batch 48 is fine for raw samples...
    client.predict(*bad, 1, api_name="/playground_step")
    with pytest.raises(AppError, match="multiple of 128"):  # ...but not for moment groups of 128
        client.predict(*(GAUSS[:6] + [48] + GAUSS[7:]), 1, api_name="/playground_step")
    with pytest.raises(AppError, match="maximum"):  # lr G 5.0
        client.predict(*(RING[:3] + [5.0] + RING[4:]), 1, api_name="/playground_step")
