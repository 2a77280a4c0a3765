"""One running app for the whole UI test session: tiny random models of every task in a temporary catalog,
served on a free local port and closed at the end."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a test run
CHROMIUM = os.environ.get("GANSTUDIO_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, driven by Playwright (one per test module); skips when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GANSTUDIO_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tiny_catalog(tmp_path_factory):
    from tests.ui.tiny import make_catalog

    return make_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture(scope="session")
def served(tiny_catalog, tmp_path_factory):
    """The app on the tiny catalog: ``.demo``, ``.url``, ``.client`` (one gradio_client session) and ``.catalog``."""
    from gradio_client import Client

    from ganstudio.ui.app import build_app, launch_options

    demo = build_app(tiny_catalog)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True,
                **launch_options())
    try:
        client = Client(demo.local_url, verbose=False)
        yield SimpleNamespace(demo=demo, url=demo.local_url, client=client, catalog=tiny_catalog)
    finally:
        demo.close()
