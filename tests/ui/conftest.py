"""One running app for the whole UI test session: tiny random models of every task in a temporary catalog,
served on a free local port and closed at the end."""

from __future__ import annotations

import os
import socket
from types import SimpleNamespace

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a test run


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
