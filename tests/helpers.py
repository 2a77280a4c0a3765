"""Checks every model family's tests share: save -> load -> same output, and golden output slices."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import torch

from ganstudio.checkpoint import GanModel, load_folder, save_folder

GOLDEN_DIR = Path(__file__).parent / "golden"
# Regenerate golden slices only on purpose: GANSTUDIO_UPDATE_GOLDEN=1 pytest tests/models
UPDATE_GOLDEN = os.environ.get("GANSTUDIO_UPDATE_GOLDEN") == "1"


def assert_roundtrip(model: GanModel, run: Callable[[GanModel], torch.Tensor], tmp_path: Path) -> torch.Tensor:
    """Save ``model``, load it back, and check ``run`` gives bit-identical output on both."""
    for m in model.modules.values():
        m.eval()
    with torch.no_grad():
        before = run(model)
    folder = save_folder(model, tmp_path / "model")
    loaded = load_folder(folder)
    for m in loaded.modules.values():
        m.eval()
    assert set(loaded.modules) == set(model.modules)
    assert loaded.config == model.config
    with torch.no_grad():
        after = run(loaded)
    assert torch.equal(before, after), "output changed after save/load"
    return before


def assert_golden(name: str, tensor: torch.Tensor, rtol: float = 1e-4) -> None:
    """Compare a flat slice of ``tensor`` with tests/golden/<name>.json (written only with GANSTUDIO_UPDATE_GOLDEN=1).

    The tolerance is relative to the slice's largest magnitude: freshly initialised nets output ~1e-4.
    """
    flat = tensor.detach().float().flatten()
    idx = torch.linspace(0, flat.numel() - 1, steps=min(16, flat.numel())).long()
    values = flat[idx].tolist()
    path = GOLDEN_DIR / f"{name}.json"
    if not UPDATE_GOLDEN and not path.exists():
        raise AssertionError(f"golden file {path.name} is missing (write it with GANSTUDIO_UPDATE_GOLDEN=1)")
    if UPDATE_GOLDEN:
        path.write_text(json.dumps({"shape": list(tensor.shape), "values": values}, indent=1) + "\n")
        return
    want = json.loads(path.read_text())
    assert list(tensor.shape) == want["shape"]
    got = torch.tensor(values)
    ref = torch.tensor(want["values"])
    atol = rtol * float(ref.abs().max().clamp_min(1e-12))
    assert torch.allclose(got, ref, rtol=0, atol=atol), (
        f"{name}: golden slice differs, max diff {(got - ref).abs().max():.3g} (allowed {atol:.3g})")
