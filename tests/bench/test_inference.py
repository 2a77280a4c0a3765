"""``ganstudio.bench`` builds every generator's input from its family's declared ``inputs``."""

import pytest
import torch

from ganstudio import registry
from ganstudio.bench import inference as bench
from ganstudio.models.base import GeneratorInput, Task
from tests.test_runtime import TINY

TINY_ALL = {**TINY, "toy": dict(latent_dim=2, g_hidden=(8,), d_hidden=(8,), dim=2)}


@pytest.mark.parametrize("name", registry.family_names())
def test_every_generator_takes_the_inputs_its_family_declares(name):
    case = bench.generator_case(name, config=TINY_ALL[name], batch=3, seed=0)
    family = case.model.family
    images = GeneratorInput.IMAGE in family.inputs or GeneratorInput.LABEL_MAP in family.inputs
    n = 1 if images else 3
    assert all(len(a) == n for a in case.args)
    with torch.no_grad():
        y = case.model.generator.eval()(*case.args)
    if Task.POINTS in family.tasks:
        assert y.shape == (n, case.model.config.dim)
    else:
        size = case.model.config.image_size
        assert y.shape == (n, case.model.config.channels, size, size) and bool(torch.isfinite(y).all())


def test_a_label_map_family_with_a_latent_gets_one():
    plain = bench.generator_case("spade", config=TINY["spade"], seed=0)
    with_z = bench.generator_case("spade", config=dict(TINY["spade"], z_dim=4), seed=0)
    assert len(plain.args) == 1 and plain.input.endswith("label map")  # z_dim 0: no latent to pass
    assert len(with_z.args) == 2 and with_z.args[1].shape == (1, 4) and with_z.input.endswith("+ 1 x z[4]")


def test_the_target_row_is_the_family_that_sets_bench_target():
    family = bench.target_family()
    assert family.bench_target == (512, 384)
    case = bench.cyclegan_case(width=64, height=48)  # a small image: the row's generator at its default config
    assert case.name == f"{family.name} 64x48" and case.args[0].shape == (1, 3, 48, 64)
    assert case.model.family is family


def test_the_target_row_keeps_its_json_keys(tmp_path, monkeypatch):
    import json

    small = bench.cyclegan_case
    monkeypatch.setattr(bench, "cyclegan_case", lambda: small(width=32, height=32))
    out = tmp_path / "bench.json"
    assert bench.main(["--cyclegan", "--repeat", "1", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["cyclegan"]["family"] == "cyclegan 32x32" and len(data["cyclegan_targets"]) == 3
