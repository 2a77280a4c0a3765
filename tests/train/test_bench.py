"""``python -m ganstudio train-bench``: the reference steps run and learn, timings are summarised honestly."""

import itertools

import pytest
import torch
from PIL import Image

from ganstudio.train import bench as tb
from ganstudio.checkpoint import new_model
from ganstudio.train.translation import ImagePool


def test_fake_folder_holds_random_rgb_images(tmp_path):
    folder = tb.write_fake_folder(tmp_path / "fake", n=3, size=16)
    files = sorted(folder.glob("*.png"))
    assert len(files) == 3
    with Image.open(files[0]) as a, Image.open(files[1]) as b:
        assert a.size == (16, 16) and a.mode == "RGB"
        assert a.tobytes() != b.tobytes()


def test_summary_takes_medians_per_side():
    runs = [tb.RunTime("reference", 9.0, 10.0, 4), tb.RunTime("ours", 3.0, 5.0, 4),
            tb.RunTime("reference", 11.0, 12.0, 4), tb.RunTime("ours", 5.0, 7.0, 4)]
    c = tb.summarise("x", 4, runs)
    assert (c.reference_cpu_s, c.ours_cpu_s, c.reference_wall_s, c.ours_wall_s) == (10.0, 4.0, 11.0, 6.0)
    assert c.speedup_cpu == 2.5 and c.speedup_wall == pytest.approx(11 / 6)
    text = tb.format_comparison(c, "run")
    assert "2.50x faster in CPU time" in text and "2 interleaved runs" in text


def test_interleave_alternates_sides_after_warmup():
    order = []
    runs = tb.interleave(lambda k: order.append(("r", k)), lambda k: order.append(("o", k)), steps=2, warmup=1)
    assert order == [("r", 0), ("o", 0), ("r", 1), ("o", 1), ("r", 2), ("o", 2)]
    assert [r.side for r in runs] == ["reference", "ours", "reference", "ours"]


def test_reference_cyclegan_step_updates_every_network():
    torch.manual_seed(0)
    model = new_model("cyclegan", {"image_size": 32, "ngf": 4, "ndf": 4, "n_blocks": 1})
    m = model.modules
    nets = {"g_a": m["generator"], "g_b": m["generator_ba"], "d_a": m["discriminator"], "d_b": m["discriminator_ba"]}
    before = {k: [p.detach().clone() for p in n.parameters()] for k, n in nets.items()}
    opts = {"g": torch.optim.Adam(itertools.chain(nets["g_a"].parameters(), nets["g_b"].parameters())),
            "d": torch.optim.Adam(itertools.chain(nets["d_a"].parameters(), nets["d_b"].parameters()))}
    pools = {"a": ImagePool(2), "b": ImagePool(2)}
    a, b = torch.rand(1, 3, 32, 32) * 2 - 1, torch.rand(1, 3, 32, 32) * 2 - 1
    tb.reference_cyclegan_step(nets, opts, pools, a, b, torch.Generator().manual_seed(0))
    for k, n in nets.items():
        assert any(not torch.equal(p, q) for p, q in zip(n.parameters(), before[k])), k
        assert all(p.requires_grad for p in n.parameters()), k  # the discriminators are unfrozen again
    assert len(pools["a"]) == len(pools["b"]) == 1


def test_reference_stylegan2_step_with_both_regularisers():
    torch.manual_seed(0)
    cfg = {"image_size": 16, "style_dim": 16, "n_mlp": 2, "channel_multiplier": 1, "channel_base": 64,
           "channel_max": 16}
    model = new_model("stylegan2", cfg)
    G, D = model.generator, model.modules["discriminator"]
    g_ema = new_model("stylegan2", cfg).generator
    nets = {"g": G, "d": D, "g_ema": g_ema}
    opts = {"g": torch.optim.Adam(G.parameters(), lr=1e-3), "d": torch.optim.Adam(D.parameters(), lr=1e-3)}
    state: dict = {}
    real = torch.rand(2, 3, 16, 16) * 2 - 1
    ema_before = [p.detach().clone() for p in g_ema.parameters()]
    tb.reference_stylegan2_step(nets, opts, state, real, 0, torch.Generator().manual_seed(0))  # R1 + path length
    assert "mean_path" in state and torch.isfinite(state["mean_path"])
    assert any(not torch.equal(p, q) for p, q in zip(g_ema.parameters(), ema_before))
    assert all(torch.isfinite(p).all() for p in itertools.chain(G.parameters(), D.parameters()))


@pytest.mark.slow
def test_reference_dcgan_loop_writes_what_the_example_writes(tmp_path):
    tb.reference_dcgan(1, tmp_path, workers=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["fake_samples_epoch_000.png", "netD_epoch_0.pth", "netG_epoch_0.pth", "real_samples.png"]
    state = torch.load(tmp_path / "netG_epoch_0.pth", weights_only=True)
    assert "main.0.weight" in state and state["main.0.weight"].shape == (100, 512, 4, 4)


def test_command_is_listed_and_keeps_gradio_out():
    import subprocess
    import sys

    from ganstudio.__main__ import COMMANDS

    assert COMMANDS["train-bench"][0] == "ganstudio.train.bench"
    code = "import sys, ganstudio.train.bench, ganstudio.train.cli; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
