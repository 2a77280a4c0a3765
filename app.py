"""GAN Studio: ``python app.py [--share] [--host HOST] [--port PORT]``.

Host and port default to Gradio's GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (so the file runs unchanged on
Hugging Face Spaces); ``--share`` or GRADIO_SHARE asks Gradio for a temporary public link, and the app keeps
serving locally when none can be made (offline).
"""

from __future__ import annotations

import argparse
import os
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Run the GAN Studio web app.")
    p.add_argument("--share", action="store_true", help="also ask for a temporary public *.gradio.live link")
    p.add_argument("--host", help="address to listen on (default: GRADIO_SERVER_NAME or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: GRADIO_SERVER_PORT or 7860)")
    p.add_argument("--catalog", help="catalog JSON (default: GANSTUDIO_CATALOG or checkpoints/catalog.json)")
    p.add_argument("--model-roots", help="server folders (separated by os.pathsep) users may load models from when "
                                         "the app can be reached by others (default: GANSTUDIO_MODEL_ROOTS; none)")
    return p.parse_args(argv)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Gradio reads these when it is imported or launched: set them first.
    if args.host:
        os.environ["GRADIO_SERVER_NAME"] = args.host
    if args.port:
        os.environ["GRADIO_SERVER_PORT"] = str(args.port)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    share = args.share or _truthy(os.environ.get("GRADIO_SHARE"))
    if share:
        os.environ["GRADIO_SHARE"] = "1"  # the app then treats itself as public (ganstudio.ui.access)
    if args.model_roots:
        os.environ["GANSTUDIO_MODEL_ROOTS"] = args.model_roots
    try:  # on Spaces, `spaces` must be imported before anything initialises CUDA
        import spaces  # noqa: F401
    except ImportError:
        pass

    from ganstudio.ui.app import build_app, launch_options

    demo = build_app(args.catalog)
    demo.launch(share=share, prevent_thread_lock=True, **launch_options())
    if share and not demo.share_url:
        print(f"* No public share link could be made (no network, or the share server is unreachable). "
              f"GAN Studio keeps running locally at {demo.local_url}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
