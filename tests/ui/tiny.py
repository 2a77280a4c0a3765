"""Tiny, randomly initialised models of every task in a temporary catalog, for the app's tests."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ganstudio.checkpoint import ModelMeta, new_model, save_folder

# id -> (family, task, config, meta): 4-8 channels, 16-28 px, so the whole app test runs in seconds
TINY_MODELS: dict[str, tuple[str, str, dict, dict]] = {
    "tiny-dcgan": ("dcgan", "random", dict(latent_dim=8, ngf=4, ndf=4, channels=3, image_size=16),
                   dict(name="Tiny DCGAN", dataset="none (random weights)", license="mit",
                        metrics={"fid": 123.4})),
    "tiny-sgan": ("sgan", "random", dict(latent_dim=8, ngf=4, ndf=4, num_classes=3),
                  dict(name="Tiny SGAN", class_names=["zero", "one", "two"])),
    "tiny-acgan": ("acgan", "conditional", dict(latent_dim=8, ngf=4, ndf=4, embed_dim=4, num_classes=3),
                   dict(name="Tiny ACGAN", class_names=["zero", "one", "two"])),
    "tiny-infogan": ("infogan", "conditional",
                     dict(latent_dim=8, ngf=4, ndf=4, fc_dim=16, q_dim=8, num_classes=3, num_continuous=2),
                     dict(name="Tiny InfoGAN")),
    "tiny-pix2pix": ("pix2pix", "translate", dict(num_downs=6, ngf=4, ndf=4, image_size=64),
                     dict(name="Tiny pix2pix edges", input_kind="edges", domains=["edges", "shoes"])),
    "tiny-cyclegan": ("cyclegan", "translate", dict(n_blocks=1, ngf=4, ndf=4, image_size=32),
                      dict(name="Tiny CycleGAN", domains=["horse", "zebra"])),
    "tiny-spade": ("spade", "translate",
                   dict(num_labels=3, image_size=16, num_upsampling=2, ngf=4, ndf=4, spade_hidden=4, num_D=1,
                        n_layers_D=2),
                   dict(name="Tiny SPADE", input_kind="labels",
                        palette=[{"name": "sky", "color": [70, 130, 220]}, {"name": "grass", "color": [40, 160, 60]},
                                 {"name": "rock", "color": [120, 110, 100]}])),
    "tiny-stargan": ("stargan", "edit",
                     dict(c_dim=3, conv_dim=4, repeat_num=1, d_conv_dim=4, d_repeat_num=3, image_size=16),
                     dict(name="Tiny StarGAN", attribute_names=["Black_Hair", "Blond_Hair", "Male"],
                          attribute_groups=[["Black_Hair", "Blond_Hair"]])),
    "tiny-stylegan2": ("stylegan2", "style",
                       dict(image_size=16, style_dim=8, n_mlp=2, channel_base=64, channel_max=16),
                       dict(name="Tiny StyleGAN2")),
}


def make_catalog(folder: Path, ids: list[str] | None = None) -> Path:
    """Save the tiny models under ``folder`` and write ``folder/catalog.json`` listing them."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for model_id, (family, task, config, meta) in TINY_MODELS.items():
        if ids is not None and model_id not in ids:
            continue
        torch.manual_seed(0)
        save_folder(new_model(family, config, ModelMeta.from_dict(meta)), folder / model_id)
        entries.append({"id": model_id, "title": meta["name"], "family": family, "task": task, "folder": model_id})
    path = folder / "catalog.json"
    path.write_text(json.dumps({"models": entries}, indent=1))
    return path
