"""The install is one locked set: ``uv.lock`` is the only source of versions, the README's commands use it,
``.ci/run`` runs the README's test command, and the package installs a ``ganstudio`` command."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import ganstudio

ROOT = Path(__file__).resolve().parent.parent


def _lock_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_requirements_txt_is_the_lock_exported():
    locked = _lock_versions()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert len(pins) > 20  # the whole runtime closure, not only the direct dependencies
    for name, version in pins:
        assert locked.get(_norm(name)) == version, f"requirements.txt pins {name}=={version}; uv.lock has " \
            f"{locked.get(_norm(name))}: re-export it (README, Installing)"
    lines = [ln for ln in (ROOT / "requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    assert all("==" in ln for ln in lines), "every requirement is an exact pin"


def test_torch_and_torchvision_are_pinned_as_a_pair():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "torch==2.14.1" in project["dependencies"] and "torchvision==0.29.2" in project["dependencies"]
    locked = _lock_versions()
    assert locked["torch"] == "2.14.1" and locked["torchvision"] == "0.29.2"


def test_every_direct_dependency_is_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + [d for extra in project["optional-dependencies"].values() for d in extra]
    locked = _lock_versions()
    for requirement in wanted:
        name = _norm(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0))
        assert name in locked, f"{name} is not in uv.lock: run uv lock"


def test_ci_runs_the_readme_test_command_in_a_fresh_environment():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = ci[-1]
    assert "uv run --frozen --extra dev python -m pytest" in command
    assert command in (ROOT / "README.md").read_text(encoding="utf-8"), "the README shows .ci/run's command"
    assert "rm -rf .venv" in ci, "CI starts from a new virtual environment"


def test_the_version_lives_in_one_place():
    assert importlib.metadata.version("ganstudio") == ganstudio.__version__
    assert "version =" not in (ROOT / "pyproject.toml").read_text().split("[project]", 1)[1].split("[", 1)[0]


def test_console_command_is_the_module_cli(tmp_path):
    scripts = {e.name: e.value for e in importlib.metadata.entry_points(group="console_scripts")}
    assert scripts.get("ganstudio") == "ganstudio.__main__:main"
    exe = shutil.which("ganstudio", path=str(Path(sys.executable).parent)) or shutil.which("ganstudio")
    assert exe, "the ganstudio command is installed"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([exe, "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "commands:" in out.stdout and "train" in out.stdout
    bad = subprocess.run([exe, "no-such-command"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2


def test_installed_packages_carry_their_bytecode():
    """With PYTHONDONTWRITEBYTECODE set (as here), a venv without .pyc files compiles gradio and torch from
    source at every start; the lock installs them compiled (``[tool.uv] compile-bytecode``, as pip does)."""
    import importlib.util

    import gradio

    assert Path(importlib.util.cache_from_source(gradio.__file__)).exists()
