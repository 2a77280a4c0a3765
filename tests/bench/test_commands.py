"""The benchmark commands keep their names: ``python -m ganstudio bench | app-bench | app-sweep | train-bench``."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from ganstudio.__main__ import COMMANDS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command, module", [
    ("bench", "ganstudio.bench.inference"), ("app-bench", "ganstudio.bench.app"),
    ("app-sweep", "ganstudio.bench.sweep"), ("train-bench", "ganstudio.train.bench"),
])
def test_each_command_runs_its_benchmark_module(command, module):
    assert COMMANDS[command][0] == module
    assert callable(importlib.import_module(module).main)


def test_python_dash_m_ganstudio_bench_is_the_generator_benchmark():
    out = subprocess.run([sys.executable, "-m", "ganstudio.bench", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("usage: python -m ganstudio bench")
    assert "--playground" in out.stdout
