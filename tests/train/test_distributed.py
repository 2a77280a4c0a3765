"""Data parallelism: ``torchrun --nproc_per_node=2`` on the CPU (gloo), on this machine's loopback only."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganstudio import load_folder

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # ~30 s on two shared cores: three Python processes import torch
def test_two_processes_stay_in_sync_and_rank_0_exports(tmp_path):
    out, exported = tmp_path / "run", tmp_path / "exported"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           "--master_addr=127.0.0.1", f"--master_port={free_port()}",
           "-m", "ganstudio", "train", "dcgan", "--data", "mnist", "--out", str(out), "--steps", "3",
           "--batch-size", "8", "--set", "ngf=4", "--set", "ndf=4", "--set", "latent_dim=8", "--log-every", "1",
           "--sample-every", "100", "--checkpoint-every", "100", "--threads", "1", "--quiet",
           "--export-to", str(exported)]
    # gloo on the loopback interface: nothing leaves the machine
    env = dict(os.environ, GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    # 1. only rank 0 reports and copies the exported model
    assert proc.stdout.count("model written to") == 1 and proc.stdout.count("copied to") == 1
    # 2. both processes ended with the same parameters (run() compares their digests and logs them)
    log = (out / "log.txt").read_text().splitlines()
    assert [line.split("]")[0] for line in log[:3]] == ["[1/3", "[2/3", "[3/3"]
    digests = log[3].split(": ")[1].split()
    assert log[3].startswith("parameters after step 3 on 2 processes") and len(digests) == 2
    assert digests[0] == digests[1]
    # 3. the export is complete and says how it was trained; both optimisers took their 3 steps
    model = load_folder(exported)
    assert model.meta.training["steps"] == 3 and "x2 processes" in model.meta.training["hardware"]
    state = torch.load(out / "train_state.pt", weights_only=True)
    for name in ("g", "d"):
        assert {int(s["step"]) for s in state["optimizers"][name]["state"].values()} == {3}


def _mean_worker(rank: int, world: int, init: str, out: str) -> None:
    import torch.distributed as dist

    from ganstudio.train.common import mean_over_ranks

    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    try:
        # keys in a different order on each rank: they are matched by name
        stats = {"loss_d": float(rank), "d_x": 10.0 * rank} if rank else {"d_x": 0.0, "loss_d": 0.0}
        mean = mean_over_ranks(stats)
        if rank == 0:
            Path(out).write_text(repr(sorted(mean.items())))
    finally:
        dist.destroy_process_group()


def test_logged_statistics_are_the_mean_over_processes(tmp_path, monkeypatch):
    import torch.multiprocessing as mp

    monkeypatch.setenv("GLOO_SOCKET_IFNAME", "lo")
    out = tmp_path / "mean.txt"
    mp.spawn(_mean_worker, args=(2, f"file://{tmp_path / 'store'}", str(out)), nprocs=2, join=True)
    assert out.read_text() == repr([("d_x", 5.0), ("loss_d", 0.5)])
