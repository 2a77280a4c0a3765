"""Shared fixtures. Core tests never import gradio (tests/ui/ and tests/app/ may)."""

import pytest
import torch

# Keep the suite deterministic and light on a 2-core machine.
torch.set_num_threads(1)  # tiny test tensors: one thread is fastest and deterministic


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~20 s on a 2-core CPU")
    config.addinivalue_line("markers", "browser: drives headless Chromium")
    config.addinivalue_line("markers", "gpu: needs CUDA")


@pytest.fixture
def rng():
    return torch.Generator().manual_seed(0)


# ---------------------------------------------------------------------------------------------
# huggingface_hub kept away from the real Hub, and a local stand-in for it (tests/hub_server.py)


class _NoSleep:
    """The ``time`` module without waiting: huggingface_hub's retry back-off (~23 s when unreachable) is instant."""

    def __getattr__(self, name):
        import time

        return getattr(time, name)

    @staticmethod
    def sleep(_seconds):
        return None


def _closed_port_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there: connections are refused at once


def point_hf_at(monkeypatch, endpoint: str) -> None:
    """Send every huggingface_hub request to ``endpoint``, however the caller asks for the endpoint.

    ``HF_ENDPOINT`` is read when huggingface_hub is imported (constants.ENDPOINT and the resolve-URL template),
    the module-level ``HfApi`` keeps its own copy, and ganstudio.hub reads the variable at call time.
    """
    from huggingface_hub import constants, hf_api

    endpoint = endpoint.rstrip("/")
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(hf_api.api, "endpoint", endpoint)


@pytest.fixture
def hf_isolated(monkeypatch, tmp_path):
    """huggingface_hub with an empty cache under tmp_path, no token, online mode, no telemetry, no retry sleeps,
    and its endpoint on a closed local port: nothing can reach the internet. Yields the cache folder."""
    import huggingface_hub.file_download as hf_file_download
    import huggingface_hub.utils._http as hf_http
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"
    home = tmp_path / "hf-home"
    point_hf_at(monkeypatch, _closed_port_url())
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    # No user-agent agent detection: it fetches {ENDPOINT}/api/agent-harnesses once per process.
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(home / ".agent_harnesses.json"))
    monkeypatch.setattr(hf_http, "time", _NoSleep())
    monkeypatch.setattr(hf_file_download, "time", _NoSleep())
    # Name look-ups of anything but this machine fail, and fail the test: a test must never reach out.
    import socket

    outside: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def local_only_getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "None", ""):
            outside.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"test isolation: no look-up of {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only_getaddrinfo)
    hf_http.close_session()
    yield cache
    hf_http.close_session()
    assert not outside, f"a test tried to reach {sorted(set(outside))}"


@pytest.fixture
def fake_hub(hf_isolated, monkeypatch):
    """A running :class:`tests.hub_server.FakeHub` that huggingface_hub (and ganstudio.hub) talk to.

    ``fake_hub.url`` is its endpoint, ``fake_hub.cache_dir`` the (empty) Hub cache of this test;
    ``add_repo`` / ``publish_folder`` / ``commit`` fill it; ``stop()`` / ``start()`` make it go away and come back.
    """
    from tests.hub_server import FakeHub

    hub = FakeHub().start()
    hub.cache_dir = hf_isolated
    point_hf_at(monkeypatch, hub.url)
    try:
        yield hub
    finally:
        hub.stop()
