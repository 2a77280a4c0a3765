"""Shared fixtures. Core tests never import gradio (tests/ui/ and tests/app/ may)."""

import os

import pytest
import torch

# Keep the suite deterministic and light on a 2-core machine.
torch.set_num_threads(min(2, os.cpu_count() or 1))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~20 s on a 2-core CPU")
    config.addinivalue_line("markers", "browser: drives headless Chromium")
    config.addinivalue_line("markers", "gpu: needs CUDA")


@pytest.fixture
def rng():
    return torch.Generator().manual_seed(0)
