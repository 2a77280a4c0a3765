"""The Models tab's load path with a Hub repo in another codebase's layout (fake Hub): the handler converts it
on first load, the session offers it in the tab that can use it, and the card says where it came from."""

from __future__ import annotations

import json

from ganstudio.ui.state import Session, new_studio
from ganstudio.ui.models import load_model
from tests.test_hub_import import CARD_MIT, pth_bytes, tiny_weights


def test_models_tab_loads_a_huggan_repo_by_id(fake_hub, tiny_catalog, tmp_path):
    w = tiny_weights("dcgan", dict(latent_dim=8, ngf=4, channels=3, image_size=64))
    theirs = {k.replace("main.", "model.", 1): v for k, v in w.items()}
    fake_hub.add_repo("huggan/tiny-dcgan", {
        "config.json": json.dumps({"num_channels": 3, "latent_dim": 8, "hidden_size": 4}).encode(),
        "pytorch_model.bin": pth_bytes(theirs), "README.md": CARD_MIT})
    studio = new_studio(tiny_catalog, out_dir=tmp_path / "out")
    session, status, card, config, *_ = load_model(studio, "huggan/tiny-dcgan", Session(), None,
                                                   progress=lambda *a, **k: None)
    assert "huggan/tiny-dcgan" in session.models
    assert "**Licence:** mit" in status and "Random generation" in status
    assert "## Source" in card and "huggan/tiny-dcgan" in card and "Assumed:" in card
    assert config["family"] == "dcgan" and config["meta"]["provenance"]["preset"] == "huggan-dcgan"
