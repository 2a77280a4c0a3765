"""A shared app no client can fool: broken files, NaN / infinite numbers, unknown names, wrong-task models, out of
range labels each get the app's own sentence (never Gradio's generic error, a trace, a path or raw library text)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from ganstudio.bench.sweep import broken_images

GENERIC = ("upstream Gradio app has raised an exception", "something went wrong", "Traceback")


def call(client, name: str, *args):
    return client.predict(*args, api_name=f"/{name}")


def refused(client, name: str, *args) -> str:
    """The message of the error ``/name`` answers with; fails when it succeeds or the message is not the app's."""
    with pytest.raises(AppError) as info:
        call(client, name, *args)
    text = str(info.value)
    assert not any(g in text for g in GENERIC), f"/{name}: {text}"
    assert "/tmp" not in text and "/work" not in text, f"/{name} shows a server path: {text}"
    return text


def raw_call(url: str, name: str, data_json: str, timeout: float = 60) -> tuple[str, str]:
    """POST raw JSON (which may hold NaN / Infinity, as no JSON client sends) to ``/name``; (event, data) back."""
    import json
    import urllib.request

    req = urllib.request.Request(f"{url.rstrip('/')}/gradio_api/call/{name}", data=f'{{"data": {data_json}}}'.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        event_id = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(f"{url.rstrip('/')}/gradio_api/call/{name}/{event_id}", timeout=timeout) as r:
        lines = r.read().decode().splitlines()
    events = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("event:")]
    datas = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("data:")]
    return events[-1], datas[-1]


def raw_refused(url: str, name: str, data_json: str) -> str:
    event, data = raw_call(url, name, data_json)
    assert event == "error", f"/{name} {data_json}: {event} {data}"
    assert data not in ("null", "") and not any(g in data for g in GENERIC), f"/{name}: {data}"
    return data


@pytest.fixture(scope="module")
def client(served):
    return served.client


@pytest.fixture(scope="module")
def broken_files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("broken")
    paths = {}
    for kind, (name, data) in broken_images().items():
        (folder / kind.replace(" ", "_")).mkdir()
        path = folder / kind.replace(" ", "_") / name
        path.write_bytes(data)
        paths[kind] = str(path)
    return paths


@pytest.mark.parametrize("kind", sorted(broken_images()))
def test_broken_images_get_the_apps_own_message_on_every_image_endpoint(client, broken_files, kind):
    f = handle_file(broken_files[kind])
    for name, args in (("translate", ("tiny-pix2pix", f, "AB", "pad", "deterministic", 0)),
                       ("all_single_edits", ("tiny-stargan", f, "resize", "reference")),
                       ("edit_attributes", ("tiny-stargan", f, None, None, None, [], 1.0, "resize", "reference")),
                       ("translate_drawing", ("tiny-pix2pix", {"background": f, "layers": [], "composite": f}, "AB",
                                              "pad", "deterministic", 0)),
                       ("restore_png", (f,))):
        text = refused(client, name, *args)
        assert any(w in text for w in ("image", "drawing", "file type")), f"/{name} on {kind}: {text}"


def test_a_drawing_is_held_to_the_same_limits_as_an_upload(client, tmp_path):
    big = tmp_path / "big.png"
    Image.new("1", (8000, 5100)).save(big)  # 40.8 megapixels in a tiny file
    f = handle_file(str(big))
    assert "megapixels" in refused(client, "translate_drawing", "tiny-pix2pix",
                                   {"background": f, "layers": [], "composite": f}, "AB", "pad", "deterministic", 0)


def test_nan_and_infinite_numbers_are_refused_not_rendered(served):
    url = served.url
    assert "finite" in raw_refused(url, "generate_grid", '["tiny-stylegan2", 1, 4, NaN, false, "exact"]')
    assert "finite" in raw_refused(url, "generate_grid", '["tiny-dcgan", NaN, 4, 1.0, false, "exact"]')
    # a slider's own range check answers first, as clearly
    assert "maximum" in raw_refused(url, "render_style",
                                    '["tiny-stylegan2", 4, Infinity, 0, "none", 1.0, 0, "", "exact"]')
    assert "finite" in raw_refused(url, "interpolate",
                                   '["tiny-dcgan", 0, 1, 4, 12, "slerp", "gif", null, NaN, "exact"]')
    assert "finite" in raw_refused(url, "generate_grid", '["tiny-dcgan", 1e400, 4, 1.0, false, "exact"]')


def test_per_layer_noise_must_be_finite(client):
    assert "finite" in refused(client, "render_style", "tiny-stylegan2", 4, 1.0, 0, "random", 1.0, 0, "1, nan")


def test_unknown_attribute_names_are_refused(client, tmp_path):
    path = tmp_path / "face.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(path)
    f = handle_file(str(path))
    assert "Bald" in refused(client, "edit_attributes", "tiny-stargan", f, None, None, None, ["Bald"], 1.0, "resize",
                             "reference")
    assert "Male" in refused(client, "edit_attributes", "tiny-stargan", f, "Male", None, None, [], 1.0, "resize",
                             "reference")


def test_wrong_task_models_and_out_of_range_labels_get_a_sentence(client):
    assert "not from a seed" in refused(client, "generate_grid", "tiny-pix2pix", 1, 4, 1.0, False)
    assert "not from a seed" in refused(client, "interpolate", "tiny-cyclegan", 0, 1, 4, 12, "slerp", "gif", None,
                                        1.0)
    assert "out of range" in refused(client, "interpolate", "tiny-acgan", 0, 1, 4, 12, "slerp", "gif", 7, 1.0)


# ---------------------------------------------------------------------------------------------
# work bounds


def _solid_png(path, side: int) -> str:
    Image.new("L", (side, side), 128).save(path, optimize=True)  # a tiny file that decodes to side x side
    return str(path)


def test_big_inputs_are_refused_before_decoding_by_what_the_task_writes(client, tmp_path):
    big = handle_file(_solid_png(tmp_path / "big.png", 6000))  # 36 MP, under the 40 MP decoding limit
    text = refused(client, "translate", "tiny-pix2pix", big, "AB", "pad", "deterministic", 0)
    assert "6000x6000" in text and "16 megapixels" in text and "two images" in text
    mid = handle_file(_solid_png(tmp_path / "mid.png", 3000))  # 9 MP: one edit fits, a row of three does not
    text = refused(client, "all_single_edits", "tiny-stargan", mid, "resize", "reference")
    assert "row of 3 edits writes 7 images" in text
    edited, _ = call(client, "edit_attributes", "tiny-stargan", mid, None, None, None, [], 1.0, "resize", "reference")
    assert Image.open(edited).size == (3000, 3000)


def test_long_lists_and_too_many_images_are_refused(client):
    text = refused(client, "generate_per_class", "tiny-acgan", ["0", "1", "2"] * 1000, 2, 1, False, 0, 0, 0, 0)
    assert "classes: 3000 items; the limit is 256" in text
    text = refused(client, "generate_per_class", "tiny-acgan", ["0", "1", "2"] * 30, 16, 1, False, 0, 0, 0, 0)
    assert "1440 images; the limit is 256" in text
    assert "limit is 4096" in refused(client, "style_mix", "tiny-stylegan2", "1, " * 3000, "2", "coarse", [], 0.7, 0,
                                      "const", 1.0, 0, "")


def test_a_config_too_big_to_build_is_refused_before_allocating(served, client, tmp_path):
    import json
    import time

    from ganstudio.checkpoint import new_model, save_folder

    folder = tmp_path / "huge"
    save_folder(new_model("dcgan", dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16)), folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["config"]["ngf"] = 4000
    (folder / "config.json").write_text(json.dumps(cfg))
    t0 = time.perf_counter()
    text = refused(client, "load_model", str(folder))
    assert "limit per network" in text and time.perf_counter() - t0 < 10
    from tests.convert.parity import load_fixture, make_weights, write_state_dict

    fx = load_fixture("dcgan")  # pytorch/examples DCGAN weights, 69 KB
    weights = write_state_dict(tmp_path / "netG.pth", make_weights(fx["layout"], fx["seed"], fx["scheme"]))
    t0 = time.perf_counter()
    text = refused(client, "convert_weights", handle_file(str(weights)), "auto", None, None, "", "ngf=1000")
    assert "limit per network" in text and time.perf_counter() - t0 < 10


# ---------------------------------------------------------------------------------------------
# sessions and server paths


def test_per_session_ids_and_downloads_carry_no_session_secret_and_a_hash_grants_nothing(served, tmp_path):
    from gradio_client import Client

    from tests.convert.parity import load_fixture, make_weights, write_state_dict

    fx = load_fixture("dcgan")
    weights = write_state_dict(tmp_path / "netG.pth", make_weights(fx["layout"], fx["seed"], fx["scheme"]))
    owner = Client(served.url, verbose=False)
    status, _card, _config, table, _inspect, *_pickers, _report, download = call(
        owner, "convert_weights", handle_file(str(weights)), "auto", None, None, "", "ndf=8")
    secret = owner.session_hash
    model_id = next(row[0] for row in table["data"] if row[0].startswith("converted/"))
    shown = " ".join([status, model_id, str(download), str(table)])
    assert secret not in shown and str(tmp_path) not in status
    assert call(owner, "generate_grid", model_id, 1, 1, 1.0, False)[0]
    # another client (another address) presenting the owner's session hash: refused, sees nothing, changes nothing
    thief = Client(served.url, verbose=False, headers={"X-Forwarded-For": "203.0.113.9"})
    thief.session_hash = secret
    for name, args in (("list_models", ()), ("set_precision", ("fast",)), ("generate_grid", (model_id, 1, 1, 1.0,
                                                                                             False))):
        assert "belongs to another client" in refused(thief, name, *args)
    assert "exact" in call(owner, "set_precision", "exact")  # the owner's session still works


def test_server_paths_are_off_when_public_unless_roots_are_named(monkeypatch, tmp_path):
    from ganstudio import hub
    from ganstudio.errors import InputError
    from ganstudio.ui import access

    root, outside = tmp_path / "models", tmp_path / "elsewhere"
    (root / "m").mkdir(parents=True)
    outside.mkdir()
    monkeypatch.delenv(access.ROOTS_ENV, raising=False)
    monkeypatch.setenv("GRADIO_SERVER_NAME", "127.0.0.1")
    assert access.check_local_folder(root / "m") == (root / "m").resolve()  # private: any folder but /proc ...
    for env in ({"GRADIO_SHARE": "1"}, {"SPACE_ID": "me/app"}, {"GRADIO_SERVER_NAME": "0.0.0.0"}):
        with monkeypatch.context() as m:
            for k, v in env.items():
                m.setenv(k, v)
            with pytest.raises(hub.ModelSourceError, match="can be reached by others"):
                access.check_local_folder(root / "m")
            m.setenv(access.ROOTS_ENV, str(root))
            assert access.check_local_folder(root / "m") == (root / "m").resolve()
            for escape in (root / ".." / "elsewhere", outside):
                with pytest.raises(InputError, match="outside the folders"):
                    access.check_local_folder(escape)
            (root / "link").symlink_to(outside)
            with pytest.raises(InputError, match="outside the folders"):
                access.check_local_folder(root / "link")
            (root / "link").unlink()
            (root / "m" / "model.safetensors").symlink_to(outside / "weights")
            with pytest.raises(InputError, match="links outside"):
                access.check_local_folder(root / "m")
            (root / "m" / "model.safetensors").unlink()
    for never in ("/proc/self", "/sys/kernel", "/dev"):
        with pytest.raises(InputError, match="cannot be read"):
            access.check_local_folder(Path(never))


def test_a_request_from_another_machine_counts_as_public():
    from types import SimpleNamespace

    from ganstudio.ui import access

    assert not access.request_public(SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"), headers={}))
    assert access.request_public(SimpleNamespace(client=SimpleNamespace(host="10.1.2.3"), headers={}))
    assert access.request_public(SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"),
                                                 headers={"x-forwarded-for": "8.8.8.8"}))


def test_proc_and_a_card_linking_outside_are_never_read(client, served, tmp_path):
    import json
    import shutil

    assert "cannot be read" in refused(client, "load_model", "/proc/self")
    folder = tmp_path / "planted"
    shutil.copytree(served.catalog.parent / "tiny-dcgan", folder)
    (folder / "README.md").unlink(missing_ok=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:secret-line")
    (folder / "README.md").symlink_to(secret)
    cfg = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(cfg))
    text = refused(client, "load_model", str(folder))
    assert "README.md in that folder links outside it" in text and "secret-line" not in text
    from ganstudio import hub

    assert hub.read_card(folder) == ""  # and the card reader alone does not follow it either


# ---------------------------------------------------------------------------------------------
# disk: budgets, uploads deleted once used, whole files only


def test_upload_budget_per_client_and_for_the_whole_app(monkeypatch, tmp_path):
    from ganstudio import options
    from ganstudio.ui import budget

    monkeypatch.setattr(options, "MAX_CLIENT_UPLOAD_MB", 10)
    monkeypatch.setattr(options, "MAX_APP_DISK_MB", 25)
    gate = budget.UploadBudget(app=None, folder=tmp_path)
    mb = 2**20
    assert gate.admit("a", 6 * mb, now=0.0) is None
    assert "limit is 10 MB per hour" in gate.admit("a", 6 * mb, now=10.0)
    assert gate.admit("b", 6 * mb, now=10.0) is None  # another client has its own budget
    assert gate.admit("a", 6 * mb, now=3700.0) is None  # an hour later
    (tmp_path / "big").write_bytes(b"\0" * (20 * mb))
    budget._USAGE.clear()
    assert "disk space for this app is full" in gate.admit("c", 6 * mb, now=3700.0)


def test_uploads_over_the_client_budget_are_refused_before_they_are_stored(served, monkeypatch):
    import http.client
    from urllib.parse import urlparse

    from ganstudio import options

    monkeypatch.setattr(options, "MAX_CLIENT_UPLOAD_MB", 1)  # the app runs in this process
    url = urlparse(served.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.putrequest("POST", "/gradio_api/upload")
    for k, v in {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(2 * 2**20),
                 "X-Forwarded-For": "198.51.100.7"}.items():
        conn.putheader(k, v)
    conn.endheaders()  # the answer comes before a byte of the 2 MB body is sent
    r = conn.getresponse()
    assert r.status == 413 and b"limit is 1 MB per hour" in r.read()
    conn.close()


def test_weights_uploads_are_deleted_once_converted(served, tmp_path):
    import gradio as gr
    from gradio_client import Client

    from tests.convert.parity import load_fixture, make_weights, write_state_dict

    fx = load_fixture("dcgan")
    name = "netG-deleted-once-used.pth"
    weights = write_state_dict(tmp_path / name, make_weights(fx["layout"], fx["seed"], fx["scheme"]))
    call(Client(served.url, verbose=False), "convert_weights", handle_file(str(weights)), "auto", None, None, "",
         "ndf=8")
    assert not list(Path(gr.utils.get_upload_folder()).rglob(name))


def test_outputs_are_written_whole_and_a_torn_file_is_never_served(tmp_path, monkeypatch):
    import errno
    import os

    from ganstudio.ui import files, handlers, state

    studio = state.new_studio(tmp_path / "none.json", out_dir=tmp_path / "out")
    data = b"\x89PNG whole file" * 100
    first = Path(studio.write(data, "grid.png"))
    first.write_bytes(b"")  # torn by a full disk earlier
    assert Path(studio.write(data, "grid.png")).read_bytes() == data
    other = b"another image" * 50

    def full_disk(fd, mode):
        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fdopen", full_disk)
    with pytest.raises(OSError):
        studio.write(other, "other.png")
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.read_bytes() != data]
    assert handlers.user_error(OSError(errno.ENOSPC, "No space left on device: '/tmp/x'")).message == \
        "the server's disk is full; try again later"


def test_the_readme_states_the_limits():
    from ganstudio import options

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for value in (f"{options.MAX_CLIENT_UPLOAD_MB:,} MB", f"{options.MAX_APP_DISK_MB:,} MB",
                  f"{options.MAX_UPLOAD_MB} MB", f"{options.MAX_WEIGHTS_MB} MB", "GANSTUDIO_MODEL_ROOTS"):
        assert value in readme, value


# ---------------------------------------------------------------------------------------------
# a slow Hub stalls no one


def test_local_actions_do_not_wait_for_a_slow_download_which_stops_when_cancelled(served, fake_hub, tmp_path):
    import time

    from gradio_client import Client

    from ganstudio.checkpoint import new_model, save_folder

    save_folder(new_model("dcgan", dict(latent_dim=8, ngf=32, ndf=4, channels=1, image_size=32)), tmp_path / "m")
    fake_hub.publish_folder("tester/slow-app", tmp_path / "m")
    fake_hub.bytes_per_s = 8_000  # 700 KB of weights: about 90 s
    slow = Client(served.url, verbose=False)
    job = slow.submit("tester/slow-app", api_name="/load_model")
    deadline = time.monotonic() + 20
    while not fake_hub.count("GET", "model.safetensors") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert fake_hub.count("GET", "model.safetensors"), "the download did not start"
    other = Client(served.url, verbose=False)
    t0 = time.monotonic()
    status, *_ = call(other, "model_info", "tiny-spade")
    call(other, "load_model", str(served.catalog.parent / "tiny-dcgan"))
    call(other, "generate_select_model", "tiny-dcgan")
    assert time.monotonic() - t0 < 15 and "SPADE" in status
    assert not job.done()
    job.cancel()
    deadline = time.monotonic() + 15
    while any(served.demo._queue.active_jobs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(served.demo._queue.active_jobs)

    def partial_bytes() -> int:
        return sum(p.stat().st_size for p in Path(fake_hub.cache_dir).rglob("*.incomplete"))

    time.sleep(1.5)
    before = partial_bytes()
    time.sleep(2.0)
    assert partial_bytes() == before, "the download kept running after the cancel"


# ---------------------------------------------------------------------------------------------
# memory


def test_the_sessions_the_server_keeps_are_bounded(served):
    from ganstudio import options
    from ganstudio.ui.app import launch_options

    assert launch_options()["state_session_capacity"] == options.MAX_SESSIONS
    assert served.demo.state_session_capacity == options.MAX_SESSIONS


def test_soak_and_sweep_commands_are_offered(capsys):
    from ganstudio.bench import app as app_bench, sweep as app_sweep

    for module, flag in ((app_bench, "--soak"), (app_sweep, "--url")):
        with pytest.raises(SystemExit):
            module.main(["--help"])
        assert flag in capsys.readouterr().out
    report = app_bench.soak_report({"minutes": 1, "rate": 2, "warmup_minutes": 0.5, "requests": 3, "errors": {},
                                    "rss_mb": [(0.1, 800.0), (1.0, 810.0)],
                                    "rss_after_warmup_mb": {"first": 810.0, "last": 810.0, "min": 810.0,
                                                            "max": 810.0, "spread_pct": 0.0},
                                    "latency_s": {"all": {"n": 3, "p50": 0.1, "p90": 0.2, "p99": 0.3}}})
    assert "minute   1:    810.0" in report and "0.0 % spread" in report


@pytest.mark.slow
def test_the_sweep_gets_a_clear_answer_to_every_bad_input(served, tmp_path):
    from ganstudio.bench.sweep import Sweep, table

    ids = {"random": "tiny-dcgan", "conditional": "tiny-acgan", "translate": "tiny-pix2pix", "edit": "tiny-stargan",
           "style": "tiny-stylegan2"}
    outcomes = Sweep(served.url, ids, tmp_path, timeout=60).run()
    assert len(outcomes) > 100
    assert all(o.kind == "clear error" for o in outcomes), table(outcomes)
