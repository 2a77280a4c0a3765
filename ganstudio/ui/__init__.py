"""The Gradio app: one module per tab, assembled by :func:`ganstudio.ui.app.build_app`.

Gradio is imported only here (in the tab modules) and by ``app.py``; the core never imports it.
Importing this package itself stays cheap: the tab modules are imported by ``build_app``.
"""

from __future__ import annotations

__all__ = ["build_app"]


def build_app(*args, **kwargs):
    """Build the GAN Studio ``gr.Blocks`` (see :func:`ganstudio.ui.app.build_app`)."""
    from .app import build_app as _build

    return _build(*args, **kwargs)
