"""Training speed against reference training loops: ``python -m ganstudio train-bench``.

Sections (no section flag: all three):

- ``--dcgan``: whole processes. ``python -m ganstudio train dcgan`` at its default settings on 64-px RGB
  images (a folder of random images, like torchvision's ``FakeData``), batch 64, nz 100 / ngf 64 / ndf 64,
  against the reference loop of pytorch/examples ``dcgan/main.py`` (``--dataset fake``) for the same number
  of iterations. The reference is either that script itself (``--reference-script PATH/main.py``, run as is
  with ``--niter`` epochs of its 1,000 fake images, 16 batches each) or, by default, the same loop as
  recorded below (:func:`reference_dcgan`). Runs alternate (reference, ours, reference, ours, ...), so load
  from other processes hits both sides; each run is timed by its whole-process CPU seconds (children
  included: data-loader workers) and wall seconds. One untimed one-step run of each side comes first.
- ``--cyclegan``: one training step of our CycleGAN trainer (ResNet-9 generators, 70x70 PatchGANs, 256 px,
  batch 1) against the step of junyanz/pytorch-CycleGAN-and-pix2pix ``train.py`` (``optimize_parameters``
  of its ``cycle_gan_model``: :func:`reference_cyclegan_step`), same networks and data, in one process.
- ``--stylegan2``: one step of our StyleGAN2 trainer (the bundled recipe's 64-px config, batch 16)
  against rosinality/stylegan2-pytorch ``train.py``'s step (:func:`reference_stylegan2_step`: logistic
  loss, lazy R1 every 16 steps, path-length regularisation every 4, EMA), its ops in plain PyTorch.
- ``--profile``: where our DCGAN step's time goes (data, the step, logging; then the operators).

The step sections time steps interleaved (reference, ours, reference, ...) after warm-up steps, and report
medians of process CPU time (all threads) and of wall time per step. Numbers on a shared machine move
with its load: compare the two columns of one run, not runs with each other.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .. import runtime

DCGAN_IMAGES = 1000  # FakeData's default size: 16 batches of 64 per epoch (the last one 40)


@dataclass
class RunTime:
    """One timed run (a process or a step): CPU seconds of all threads and processes, wall seconds."""

    side: str  # "reference" or "ours"
    cpu_s: float
    wall_s: float
    steps: int


@dataclass
class Comparison:
    name: str
    steps: int
    reference_cpu_s: float  # median over runs
    ours_cpu_s: float
    reference_wall_s: float
    ours_wall_s: float
    runs: list[RunTime]

    @property
    def speedup_cpu(self) -> float:
        return self.reference_cpu_s / self.ours_cpu_s

    @property
    def speedup_wall(self) -> float:
        return self.reference_wall_s / self.ours_wall_s


def summarise(name: str, steps: int, runs: list[RunTime]) -> Comparison:
    def med(side: str, key: str) -> float:
        return statistics.median(getattr(r, key) for r in runs if r.side == side)

    return Comparison(name, steps, med("reference", "cpu_s"), med("ours", "cpu_s"),
                      med("reference", "wall_s"), med("ours", "wall_s"), runs)


def format_comparison(c: Comparison, unit: str) -> str:
    n = sum(r.side == "ours" for r in c.runs)
    per = "" if unit == "run" else " per step"
    return (f"{c.name}: {n} interleaved {unit}s each, medians{per}\n"
            f"  reference  CPU {c.reference_cpu_s:8.2f} s  wall {c.reference_wall_s:8.2f} s"
            f"  ({c.steps / c.reference_wall_s if unit == 'run' else 1 / c.reference_wall_s:.3f} steps/s)\n"
            f"  ours       CPU {c.ours_cpu_s:8.2f} s  wall {c.ours_wall_s:8.2f} s"
            f"  ({c.steps / c.ours_wall_s if unit == 'run' else 1 / c.ours_wall_s:.3f} steps/s)\n"
            f"  ours is {c.speedup_cpu:.2f}x faster in CPU time, {c.speedup_wall:.2f}x in wall time")


# ---------------------------------------------------------------------------------------------
# DCGAN: whole processes


def write_fake_folder(root: Path, n: int = DCGAN_IMAGES, size: int = 64, seed: int = 0) -> Path:
    """``n`` PNGs of uniform random RGB pixels (what FakeData draws), ``size`` px square, under ``root``."""
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    for i in range(n):
        pixels = torch.randint(0, 256, (size, size, 3), generator=g, dtype=torch.uint8)
        Image.fromarray(pixels.numpy()).save(root / f"{i:04d}.png")
    return root


def reference_dcgan(steps: int, out: Path, workers: int = 2, seed: int = 0) -> None:
    """pytorch/examples ``dcgan/main.py --dataset fake`` as one loop, for ``steps`` iterations.

    What that script does per iteration: D's gradients zeroed; D on the real batch, BCE against ones,
    backward, D(x) read back; fresh noise, G forward (kept for G's step), D on the detached fakes, BCE
    against zeros, backward, D(G(z)) read back; Adam step of D. Then G's gradients zeroed, D on the same
    fakes, BCE against ones, backward through D (D's parameter gradients included) and G, read back; Adam
    step of G; one printed line. Every 100 iterations of an epoch (so at its first) it saves the real batch
    and G(fixed noise) as image grids; after every epoch both state dicts. Data: ``FakeData`` (1,000 random
    64-px images, ``ToTensor``), shuffled, two loader workers. Networks: the published DCGAN (our DCGAN
    modules have its layers and keys; its D ends in a ``Sigmoid``, added here), N(0, 0.02) init.
    """
    import torchvision.datasets as dset
    import torchvision.transforms as transforms
    import torchvision.utils as vutils

    from ..checkpoint import new_model

    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    model = new_model("dcgan", {})
    net_g = model.generator
    net_d = nn.Sequential(model.modules["discriminator"], nn.Sigmoid())
    criterion = nn.BCELoss()
    fixed_noise = torch.randn(64, 100, 1, 1)
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = dset.FakeData(image_size=(3, 64, 64), transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, num_workers=workers)
    done = 0
    for epoch in itertools.count():
        for i, (real, _) in enumerate(loader):
            net_d.zero_grad()
            label = torch.full((real.shape[0],), 1.0)
            output = net_d(real)
            err_real = criterion(output, label)
            err_real.backward()
            d_x = output.mean().item()
            fake = net_g(torch.randn(real.shape[0], 100, 1, 1))
            label.fill_(0.0)
            output = net_d(fake.detach())
            err_fake = criterion(output, label)
            err_fake.backward()
            d_g_z1 = output.mean().item()
            opt_d.step()
            net_g.zero_grad()
            label.fill_(1.0)
            output = net_d(fake)
            err_g = criterion(output, label)
            err_g.backward()
            d_g_z2 = output.mean().item()
            opt_g.step()
            print(f"[{epoch}][{i}/{len(loader)}] Loss_D: {(err_real + err_fake).item():.4f} "
                  f"Loss_G: {err_g.item():.4f} D(x): {d_x:.4f} D(G(z)): {d_g_z1:.4f} / {d_g_z2:.4f}")
            if i % 100 == 0:
                vutils.save_image(real, out / "real_samples.png", normalize=True)
                vutils.save_image(net_g(fixed_noise).detach(), out / f"fake_samples_epoch_{epoch:03d}.png",
                                  normalize=True)
            done += 1
            if done == steps:
                break
        torch.save(net_g.state_dict(), out / f"netG_epoch_{epoch}.pth")
        torch.save(net_d.state_dict(), out / f"netD_epoch_{epoch}.pth")
        if done == steps:
            return


def timed_process(cmd: list[str], side: str, steps: int, env: dict[str, str], log: Path) -> RunTime:
    """Run ``cmd`` to completion; its CPU seconds (user + system, children included) and wall seconds."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with log.open("w") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{side} run failed ({proc.returncode}); see {log}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return RunTime(side, cpu, wall, steps)


def bench_dcgan(steps: int, repeat: int, work: Path, reference_script: str | None, threads: int | None,
                ours_args: Sequence[str] = ()) -> Comparison:
    """Alternate reference and our whole training processes ``repeat`` times each (see the module doc)."""
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    # Both sides compile their Python modules to bytecode once, in an untimed first run, and reuse it (as
    # an installed package does), even where the environment turns bytecode caching off.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    folder = write_fake_folder(work / "fake-64")

    def reference(n: int) -> list[str]:
        if reference_script:
            return [sys.executable, reference_script, "--dataset", "fake", "--niter", str(max(1, n // 16)),
                    "--manualSeed", "0", "--outf", str(work / "reference")]
        return [sys.executable, "-m", "ganstudio.train.bench", "--reference-dcgan", str(n),
                "--out", str(work / "reference")]

    def ours(n: int) -> list[str]:
        for path in (work / "ours").glob("train_state.pt"):
            path.unlink()  # a fresh run each time, not a resume
        return [sys.executable, "-m", "ganstudio", "train", "dcgan", "--data", str(folder), "--steps", str(n),
                "--batch-size", "64", "--out", str(work / "ours"), "--quiet", *ours_args]

    if reference_script and steps % 16:
        raise ValueError("with --reference-script, --dcgan-steps must be a multiple of 16 (whole epochs)")
    timed_process(reference(1), "reference", 1, env, work / "reference-warmup.log")
    timed_process(ours(1), "ours", 1, env, work / "ours-warmup.log")
    runs = []
    for k in range(repeat):
        runs.append(timed_process(reference(steps), "reference", steps, env, work / f"reference-{k}.log"))
        runs.append(timed_process(ours(steps), "ours", steps, env, work / f"ours-{k}.log"))
        print(f"  run {k + 1}: reference {runs[-2].cpu_s:.1f} s CPU / {runs[-2].wall_s:.1f} s wall, "
              f"ours {runs[-1].cpu_s:.1f} s CPU / {runs[-1].wall_s:.1f} s wall", flush=True)
    return summarise(f"DCGAN 64 px, batch 64, {steps} steps (whole processes)", steps, runs)


# ---------------------------------------------------------------------------------------------
# one-step comparisons in one process


def set_requires_grad(modules: Sequence[nn.Module], flag: bool) -> None:
    for m in modules:
        for p in m.parameters():
            p.requires_grad = flag


def reference_cyclegan_step(nets: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer],
                            pools: dict[str, Any], a: torch.Tensor, b: torch.Tensor,
                            rng: torch.Generator) -> None:
    """junyanz ``cycle_gan_model.optimize_parameters``: one generator and one discriminator update, fp32.

    Generators: with both D's parameters frozen, G_A(A), G_B(G_A(A)), G_B(B), G_A(G_B(B)); identity
    G_A(B), G_B(A) (weight 0.5 x 10); LSGAN loss (MSE to a target tensor of ones); cycle L1 x 10; one
    backward, Adam step. Discriminators (unfrozen): each on a real and a pooled fake, (MSE real + MSE
    fake) / 2, two backward passes, one Adam step.
    """
    g_a, g_b, d_a, d_b = nets["g_a"], nets["g_b"], nets["d_a"], nets["d_b"]
    fake_b = g_a(a)
    rec_a = g_b(fake_b)
    fake_a = g_b(b)
    rec_b = g_a(fake_a)
    set_requires_grad([d_a, d_b], False)
    opts["g"].zero_grad()
    idt_a, idt_b = g_a(b), g_b(a)
    loss_idt = F.l1_loss(idt_a, b) * 10 * 0.5 + F.l1_loss(idt_b, a) * 10 * 0.5
    pred_a, pred_b = d_a(fake_b), d_b(fake_a)
    loss_g = (F.mse_loss(pred_a, torch.ones_like(pred_a)) + F.mse_loss(pred_b, torch.ones_like(pred_b))
              + F.l1_loss(rec_a, a) * 10 + F.l1_loss(rec_b, b) * 10 + loss_idt)
    loss_g.backward()
    opts["g"].step()
    set_requires_grad([d_a, d_b], True)
    opts["d"].zero_grad()
    for d, real, fake in ((d_a, b, pools["b"].query(fake_b.detach(), rng)),
                          (d_b, a, pools["a"].query(fake_a.detach(), rng))):
        pred_real, pred_fake = d(real), d(fake.detach())
        loss_d = (F.mse_loss(pred_real, torch.ones_like(pred_real))
                  + F.mse_loss(pred_fake, torch.zeros_like(pred_fake))) * 0.5
        loss_d.backward()
    opts["d"].step()


def reference_stylegan2_step(nets: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer],
                             state: dict[str, Any], real: torch.Tensor, step: int, rng: torch.Generator) -> None:
    """rosinality ``train.py``: one iteration with its defaults, in plain PyTorch (its CPU fallbacks).

    D: G frozen, D unfrozen; fakes from mixed latents (mixing 0.9), softplus logistic loss, step.
    Every 16 iterations (``d_reg_every``): R1 on reals (r1 10 / 2 x 16 x mean ||grad||^2 + 0 x D(x)[0]),
    step. G: D frozen, G unfrozen; fresh mixed fakes, non-saturating loss, step. Every 4 iterations
    (``g_reg_every``): path-length regularisation on a half batch (weight 2 x 4, mean-path decay 0.01),
    step. Then the EMA of G with its 0.5 ** (32 / 10,000) decay.
    """
    G, D, G_ema = nets["g"], nets["d"], nets["g_ema"]
    n = real.shape[0]

    def fakes(batch: int, return_ws: bool = False) -> Any:
        z1 = G.sample_latent(batch, rng)
        z2 = G.sample_latent(batch, rng)
        w1, w2 = G.mapping(z1), G.mapping(z2)
        cut = torch.randint(1, G.n_latent, (batch,), generator=rng)
        mix = torch.rand(batch, generator=rng) < 0.9
        rows = torch.arange(G.n_latent)[None, :]
        take2 = rows >= torch.where(mix, cut, torch.full_like(cut, G.n_latent))[:, None]
        ws = torch.where(take2[:, :, None], w2[:, None, :], w1[:, None, :])
        img = G.synthesis(ws, noise_mode="random", noise_generator=rng)
        return (img, ws) if return_ws else img

    set_requires_grad([G], False)
    set_requires_grad([D], True)
    fake = fakes(n)
    loss_d = F.softplus(D(fake)).mean() + F.softplus(-D(real)).mean()
    D.zero_grad()
    loss_d.backward()
    opts["d"].step()
    if step % 16 == 0:
        x = real.detach().requires_grad_(True)
        out = D(x)
        (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
        r1 = grad.pow(2).reshape(n, -1).sum(1).mean()
        D.zero_grad()
        (10 / 2 * r1 * 16 + 0 * out[0]).backward()
        opts["d"].step()
    set_requires_grad([G], True)
    set_requires_grad([D], False)
    loss_g = F.softplus(-D(fakes(n))).mean()
    G.zero_grad()
    loss_g.backward()
    opts["g"].step()
    if step % 4 == 0:
        img, ws = fakes(max(1, n // 2), return_ws=True)
        noise = torch.randn(img.shape, generator=rng) / math.sqrt(img.shape[2] * img.shape[3])
        (grad,) = torch.autograd.grad((img * noise).sum(), ws, create_graph=True)
        lengths = grad.pow(2).sum(2).mean(1).sqrt()
        mean_path = state.get("mean_path", torch.zeros(()))
        mean_path = mean_path + 0.01 * (lengths.mean() - mean_path)
        penalty = (lengths - mean_path).pow(2).mean()
        G.zero_grad()
        (2 * 4 * penalty + 0 * img[0, 0, 0, 0]).backward()
        opts["g"].step()
        state["mean_path"] = mean_path.detach()
    decay = 0.5 ** (32 / (10 * 1000))
    with torch.no_grad():
        for pe, p in zip(G_ema.parameters(), G.parameters()):
            pe.mul_(decay).add_(p, alpha=1 - decay)


def time_step(fn: Callable[[], None], side: str) -> RunTime:
    c, t = time.process_time(), time.perf_counter()
    fn()
    return RunTime(side, time.process_time() - c, time.perf_counter() - t, 1)


def interleave(reference: Callable[[int], None], ours: Callable[[int], None], steps: int,
               warmup: int) -> list[RunTime]:
    for k in range(warmup):
        reference(k)
        ours(k)
    runs = []
    for k in range(warmup, warmup + steps):
        runs.append(time_step(lambda: reference(k), "reference"))
        runs.append(time_step(lambda: ours(k), "ours"))
    return runs


def _trainer(family: str, argv: list[str], extra: dict[str, Any] | None = None) -> Any:
    """Our trainer for ``family`` as ``ganstudio train`` builds it, at the options ``argv`` gives."""
    from ..checkpoint import new_model
    from ..data import DatasetInfo
    from ..train import TrainOptions, trainer_for
    from ..train.cli import parser

    args = parser().parse_args([family, "--data", "none", *argv])
    trainer_class = trainer_for(family)
    opts = TrainOptions(family=family, data="none", out="", loss=args.loss or trainer_class.default_loss,
                        batch_size=args.batch_size, model=dict(args.model), params=dict(args.param),
                        amp=args.amp, seed=0)
    model = new_model(family, opts.model | (extra or {}))
    info = DatasetInfo(name="random", description="", item=("image",))
    for m in model.modules.values():
        m.train()
    return trainer_class(model, opts, info, runtime.pick_device("cpu"))


def bench_cyclegan(size: int, steps: int, warmup: int) -> Comparison:
    from ..train.translation import ImagePool

    torch.manual_seed(0)
    ours = _trainer("cyclegan", ["--batch-size", "1"], {"image_size": size})
    ref = _trainer("cyclegan", ["--batch-size", "1", "--amp", "off"], {"image_size": size})
    m = ref.model.modules
    nets = {"g_a": m["generator"], "g_b": m["generator_ba"], "d_a": m["discriminator"], "d_b": m["discriminator_ba"]}
    adam = dict(lr=2e-4, betas=(0.5, 0.999))
    opts = {"g": torch.optim.Adam(itertools.chain(nets["g_a"].parameters(), nets["g_b"].parameters()), **adam),
            "d": torch.optim.Adam(itertools.chain(nets["d_a"].parameters(), nets["d_b"].parameters()), **adam)}
    pools = {"a": ImagePool(50), "b": ImagePool(50)}
    rng = torch.Generator().manual_seed(1)
    a, b = torch.rand(1, 3, size, size) * 2 - 1, torch.rand(1, 3, size, size) * 2 - 1
    runs = interleave(lambda k: reference_cyclegan_step(nets, opts, pools, a, b, rng),
                      lambda k: ours.train_step((a, b), k), steps, warmup)
    return summarise(f"CycleGAN ResNet-9 step, {size} px, batch 1 (one process, {ours.amp and 'bf16' or 'fp32'})",
                     1, runs)


def bench_stylegan2(steps: int, warmup: int) -> Comparison:
    from ..train.recipes import STYLEGAN2

    argv = list(STYLEGAN2[STYLEGAN2.index("--loss"):])
    torch.manual_seed(0)
    extra = {"image_size": 64, "channels": 3}
    ours = _trainer("stylegan2", argv, extra)
    ref = _trainer("stylegan2", [*argv, "--amp", "off"], extra)
    G, D = ref.G, ref.D
    opts = {"g": torch.optim.Adam(G.parameters(), lr=2e-3 * 4 / 5, betas=(0.0, 0.99 ** (4 / 5))),
            "d": torch.optim.Adam(D.parameters(), lr=2e-3 * 16 / 17, betas=(0.0, 0.99 ** (16 / 17)))}
    nets = {"g": G, "d": D, "g_ema": ref.G_ema}
    state: dict[str, Any] = {}
    rng = torch.Generator().manual_seed(1)
    real = torch.rand(16, 3, 64, 64) * 2 - 1
    # step numbers from 0, so both sides take their R1 step (and the reference its path-length step) at step 0
    runs = interleave(lambda k: reference_stylegan2_step(nets, opts, state, real, k, rng),
                      lambda k: ours.train_step((real,), k), steps, warmup)
    return summarise(f"StyleGAN2 64 px step, batch 16 (bundled recipe's config; one process, "
                     f"{ours.amp and 'bf16' or 'fp32'})", 1, runs)


# ---------------------------------------------------------------------------------------------
# profile


def dcgan_components(repeat: int = 3) -> list[str]:
    """Median CPU milliseconds of the parts of a DCGAN step (64 px, batch 64), fp32 / bf16 autocast,
    contiguous / channels_last: G forward, D forward + backward on one batch, G's update through D with
    D's weight gradients and with D frozen, and one Adam update of G (foreach and fused)."""
    from ..checkpoint import new_model
    from ..train.common import frozen

    torch.manual_seed(0)
    model = new_model("dcgan", {})
    G, D = model.generator, model.modules["discriminator"]
    real = torch.rand(64, 3, 64, 64) * 2 - 1
    z = torch.randn(64, 100, 1, 1)

    def ms(fn: Callable[[], Any]) -> float:
        fn()
        times = []
        for _ in range(repeat):
            c = time.process_time()
            fn()
            times.append(time.process_time() - c)
        return statistics.median(times) * 1000

    lines = [f"{'amp':<6}{'layout':<15}{'G fwd':>8}{'D fwd+bwd':>11}{'G upd':>8}{'G upd, D frozen':>17}  (CPU ms)"]
    for amp, layout in itertools.product((False, True), (torch.contiguous_format, torch.channels_last)):
        G.to(memory_format=layout)
        D.to(memory_format=layout)
        x = real.contiguous(memory_format=layout)

        def cast() -> Any:
            return torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp)

        def g_forward() -> None:
            with torch.no_grad(), cast():
                G(z)

        def d_update() -> None:
            with cast():
                out = D(x).float().mean()
            out.backward()

        def g_update(freeze: bool) -> None:
            with frozen(D) if freeze else contextlib.nullcontext(), cast():
                out = D(G(z)).float().mean()
            out.backward()

        name = "channels_last" if layout is torch.channels_last else "contiguous"
        lines.append(f"{'bf16' if amp else 'fp32':<6}{name:<15}{ms(g_forward):>8.0f}{ms(d_update):>11.0f}"
                     f"{ms(lambda: g_update(False)):>8.0f}{ms(lambda: g_update(True)):>17.0f}")
    G.to(memory_format=torch.contiguous_format)
    for p in G.parameters():
        p.grad = torch.randn_like(p)
    for kind in ("foreach", "fused"):
        opt = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), **{kind: True})
        lines.append(f"Adam ({kind}) update of G: {ms(opt.step):.1f} ms")
    return lines


def profile_dcgan(steps: int, ours_args: Sequence[str] = ()) -> str:
    """Our DCGAN step (64 px, batch 64, defaults): seconds per phase, then the costliest operators."""
    from torch.profiler import ProfilerActivity, profile

    from ..train.common import Batches, format_log

    torch.manual_seed(0)
    trainer = _trainer("dcgan", list(ours_args))
    data = torch.utils.data.TensorDataset(torch.rand(DCGAN_IMAGES, 3, 64, 64) * 2 - 1)
    batches = Batches(data, 64, 0)
    trainer.batches = batches
    phases = {"data": 0.0, "train_step": 0.0, "log line": 0.0}
    trainer.train_step(batches.next_on(trainer.device), 0)  # warm-up
    for k in range(steps):
        c = time.process_time()
        batch = batches.next_on(trainer.device)
        phases["data"] += time.process_time() - c
        c = time.process_time()
        stats = trainer.train_step(batch, k)
        phases["train_step"] += time.process_time() - c
        c = time.process_time()
        format_log(k, steps, {key: float(v) for key, v in stats.items()})
        phases["log line"] += time.process_time() - c
    lines = [f"our DCGAN step (amp {'bf16' if trainer.amp else 'off'}), CPU seconds per step over {steps} steps:"]
    lines += [f"  {name:<12}{seconds / steps:8.3f}" for name, seconds in phases.items()]
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for k in range(2):
            trainer.train_step(batches.next_on(trainer.device), k)
    lines.append("operators over 2 steps (self CPU time, top 12):")
    lines.append(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    lines.append("parts of a step, median of 3:")
    lines += ["  " + line for line in dcgan_components()]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio train-bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dcgan", action="store_true", help="DCGAN whole runs: ours against the reference loop")
    p.add_argument("--cyclegan", action="store_true", help="CycleGAN step against junyanz train.py's step")
    p.add_argument("--stylegan2", action="store_true", help="StyleGAN2 64-px step against rosinality train.py's")
    p.add_argument("--profile", action="store_true", help="where our DCGAN step's time goes")
    p.add_argument("--dcgan-steps", type=int, default=48, help="training steps of each DCGAN run (default 48)")
    p.add_argument("--repeat", type=int, default=2, help="DCGAN runs per side (default 2)")
    p.add_argument("--steps", type=int, default=3, help="timed steps per side in step sections (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps per side first (default 1)")
    p.add_argument("--cyclegan-size", type=int, default=256, help="CycleGAN image side (default 256)")
    p.add_argument("--reference-script", metavar="MAIN_PY",
                   help="run pytorch/examples dcgan/main.py itself as the DCGAN reference (needs torchvision)")
    p.add_argument("--ours", nargs=argparse.REMAINDER, default=[],
                   help="extra `ganstudio train` options for our DCGAN runs and profile (e.g. --amp off); last")
    p.add_argument("--threads", type=int, help="torch threads on both sides (default: torch's)")
    p.add_argument("--work", help="folder for the runs (default: a temporary folder)")
    p.add_argument("--json", help="also write the results to this JSON file")
    p.add_argument("--reference-dcgan", type=int, metavar="STEPS", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.reference_dcgan:  # the reference side of --dcgan, in its own process
        reference_dcgan(args.reference_dcgan, Path(args.out))
        return 0
    if not (args.dcgan or args.cyclegan or args.stylegan2 or args.profile):
        args.dcgan = args.cyclegan = args.stylegan2 = True
    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{runtime.cpu_name()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, "
          f"native bf16: {runtime.cpu_has_bf16()}, torch {torch.__version__}, load average {load:.1f}", flush=True)
    result: dict[str, Any] = {"load_average": load}
    with contextlib.ExitStack() as stack:
        work = Path(args.work) if args.work else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.dcgan:
            c = bench_dcgan(args.dcgan_steps, args.repeat, work / "dcgan", args.reference_script, args.threads,
                            args.ours)
            print(format_comparison(c, "run"), flush=True)
            result["dcgan"] = asdict(c) | {"speedup_cpu": c.speedup_cpu, "speedup_wall": c.speedup_wall}
        if args.cyclegan:
            c = bench_cyclegan(args.cyclegan_size, args.steps, args.warmup)
            print(format_comparison(c, "step"), flush=True)
            result["cyclegan"] = asdict(c) | {"speedup_cpu": c.speedup_cpu, "speedup_wall": c.speedup_wall}
        if args.stylegan2:
            c = bench_stylegan2(args.steps, args.warmup)
            print(format_comparison(c, "step"), flush=True)
            result["stylegan2"] = asdict(c) | {"speedup_cpu": c.speedup_cpu, "speedup_wall": c.speedup_wall}
        if args.profile:
            print(profile_dcgan(args.steps, args.ours), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
