"""How the app is put together, without a browser: Spaces front matter, launch options, queue limits, GPU
lending, error messages, and a core that never imports gradio."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest

from ganstudio.ui import handlers, state, widgets
from ganstudio.ui.app import launch_options, mcp_available

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"generate_grid", "interpolate", "generate_per_class", "translate", "translate_drawing", "all_single_edits",
         "edit_attributes", "style_mix", "render_style", "noise_only"}


def load_app_py():
    spec = importlib.util.spec_from_file_location("ganstudio_app_main", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_has_spaces_front_matter_matching_the_pinned_gradio():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    front = re.match(r"\A---\n(.*?)\n---\n", readme, re.S)
    assert front, "README.md must start with Spaces front matter"
    meta = dict(line.split(":", 1) for line in front.group(1).splitlines() if ":" in line)
    meta = {k.strip(): v.strip().strip('"') for k, v in meta.items()}
    pinned = re.search(r"^gradio==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert pinned and meta["sdk_version"] == pinned.group(1) == gr.__version__


def test_app_py_reads_share_host_and_port_and_imports_gradio_late():
    app = load_app_py()
    args = app.parse_args(["--share", "--host", "0.0.0.0", "--port", "7999"])
    assert args.share and args.host == "0.0.0.0" and args.port == 7999
    assert not app.parse_args([]).share
    assert app._truthy("1") and app._truthy("true") and not app._truthy(None)
    # gradio is imported inside main(), after the environment it reads has been set
    assert "import gradio" not in (ROOT / "app.py").read_text().split("def main", 1)[0]


def test_launch_options_limit_uploads_and_offer_mcp_only_when_installed(monkeypatch):
    opts = launch_options()
    assert opts["max_file_size"].endswith("mb")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mcp" else real(name, *a))
    assert mcp_available() is False and launch_options()["mcp_server"] is False
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name == "mcp" else real(name, *a))
    assert mcp_available() is True
    monkeypatch.setenv("GRADIO_MCP_SERVER", "false")
    assert mcp_available() is False


def test_queue_is_bounded_and_heavy_jobs_share_one_limit(served):
    demo = served.demo
    assert demo._queue.max_size and demo._queue.max_size > 0
    fns = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name}
    assert HEAVY <= set(fns)
    assert {fns[name].concurrency_id for name in HEAVY} == {"inference"}
    # "default": the queue's default_concurrency_limit (one job at a time unless GANSTUDIO_CONCURRENCY says more)
    assert all(fns[name].concurrency_limit == "default" for name in HEAVY)
    assert demo._queue.default_concurrency_limit == int(os.environ.get("GANSTUDIO_CONCURRENCY", "1"))
    assert fns["random_seed"].concurrency_limit is None  # the dice never waits behind a job


def test_gpu_is_lent_through_spaces_when_present(monkeypatch):
    lent = []

    class FakeSpaces:
        @staticmethod
        def GPU(fn):  # noqa: N802 - the name spaces uses
            def run(*a, **k):
                lent.append(fn.__name__)
                return fn(*a, **k)
            return run

    monkeypatch.setattr(handlers, "spaces", FakeSpaces)

    def work(studio, x: int) -> int:
        """Double x."""
        return 2 * x

    assert handlers.bind(object(), work, gpu=True)(3) == 6 and lent == ["work"]
    assert handlers.bind(object(), work)(4) == 8 and lent == ["work"]


def test_handler_signature_and_docstring_survive_binding():
    import inspect

    def work(studio, model_id: str, seed: int, progress: gr.Progress = gr.Progress()) -> str:
        """Do it.

        Args:
            model_id: which model.
            seed: which seed.
        """
        return f"{model_id}{seed}"

    bound = handlers.bind(object(), work)
    assert list(inspect.signature(bound).parameters) == ["model_id", "seed", "progress"]
    assert bound.__doc__.startswith("Do it.") and bound("m", 1) == "m1"


def test_errors_become_short_user_messages():
    from ganstudio.hub import ModelSourceError

    assert handlers.user_error(ModelSourceError("no such repo")).message == "no such repo"
    missing = ModuleNotFoundError("No module named 'ganstudio.models.future'", name="ganstudio.models.future")
    assert handlers.user_error(missing).message == handlers.GENERIC_ERROR  # a bug: logged, never shown
    assert "server log" in handlers.user_error(RuntimeError("internal detail")).message
    assert "internal detail" not in handlers.user_error(RuntimeError("internal detail")).message
    assert len(handlers.user_error(ValueError("x" * 2000)).message) <= 400
    with pytest.raises(gr.Error, match="choose a model first"):
        handlers.bind(state.new_studio(ROOT / "no-catalog.json"), lambda studio, m: studio.entry(m, None))("")


def test_seed_lists_are_parsed_and_bounded():
    assert widgets.parse_seeds("1, 2 5-7", "rows") == [1, 2, 5, 6, 7]
    with pytest.raises(ValueError, match="not a seed"):
        widgets.parse_seeds("1, x", "rows")
    with pytest.raises(ValueError, match="too long"):
        widgets.parse_seeds("1-100", "rows")


def test_core_never_imports_gradio():
    """Every module outside ganstudio.ui, found by walking the package (benchmarks and CLIs included)."""
    code = ("import importlib, pkgutil, sys, ganstudio\n"
            "names = [m.name for m in pkgutil.walk_packages(ganstudio.__path__, 'ganstudio.')\n"
            "         if not m.name.startswith('ganstudio.ui')]\n"
            "assert len(names) > 40, names\n"
            "for name in names:\n"
            "    importlib.import_module(name)\n"
            "    assert 'gradio' not in sys.modules, f'{name} imports gradio'\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=300)


def test_a_toy_model_loaded_in_the_app_is_refused_with_a_message():
    from ganstudio.checkpoint import new_model

    with pytest.raises(ValueError, match="no tab shows it .*train toy"):
        state.session_entry(new_model("toy"), "someone/toy-ring")


def test_only_deliberate_errors_show_their_text_and_no_message_shows_a_server_path():
    from ganstudio.errors import InputError
    from ganstudio.images import ImageInputError

    assert handlers.user_error(InputError("seed must be a number")).message == "seed must be a number"
    raw = handlers.user_error(ValueError("cannot identify image file '/tmp/gradio/123/x.png'")).message
    assert raw == handlers.GENERIC_ERROR
    alloc = RuntimeError("[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: not enough memory")
    assert handlers.user_error(alloc).message.startswith("out of memory")
    assert "IndexError" not in handlers.user_error(IndexError("list index out of range")).message
    shown = handlers.user_error(ImageInputError("could not read '/srv/app/uploads/ab12/cat.png' (bad CRC)")).message
    assert "/srv" not in shown and "cat.png" in shown
    assert handlers.scrub_paths("Hub at http://127.0.0.1:9/ for owner/name/sub") == \
        "Hub at http://127.0.0.1:9/ for owner/name/sub"


def test_nan_and_infinite_inputs_are_refused_at_the_boundary():
    studio = state.new_studio(ROOT / "no-catalog.json")

    def handler(studio, model_id: str, psi: float, seeds: list) -> str:
        return "ran"

    bound = handlers.bind(studio, handler)
    assert bound("m", 0.5, [1, 2]) == "ran"
    with pytest.raises(gr.Error, match="psi must be a finite number"):
        bound("m", float("nan"), [1])
    with pytest.raises(gr.Error, match="seeds must be a finite number"):
        bound("m", 0.5, [1, float("inf")])
    with pytest.raises(gr.Error, match="psi must be a finite number"):
        bound("m", psi=-float("inf"), seeds=[])


def test_tabs_open_on_the_featured_model_and_pickers_say_what_models_make(tmp_path):
    from tests.ui.tiny import make_catalog

    path = make_catalog(tmp_path, ["tiny-dcgan", "tiny-sgan"])
    raw = json.loads(path.read_text())
    raw["models"][1].update(makes="digits, 16 px", featured=["random"])
    path.write_text(json.dumps(raw))
    studio = state.new_studio(path, out_dir=tmp_path / "out")
    assert studio.default_model("generate") == "tiny-sgan"  # featured, though listed second
    assert ("SGAN · digits, 16 px", "tiny-sgan") in studio.choices("generate", None)
    assert ("DCGAN · Tiny DCGAN", "tiny-dcgan") in studio.choices("generate", None)  # no plain words: the title
    assert studio.default_model("conditional") is None
    raw["models"][1].pop("featured")
    path.write_text(json.dumps(raw))
    assert state.new_studio(path, out_dir=tmp_path / "out").default_model("generate") == "tiny-dcgan"
