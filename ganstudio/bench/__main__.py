"""``python -m ganstudio.bench``: the generator benchmark, as ``python -m ganstudio bench``."""

import sys

from .inference import main

if __name__ == "__main__":
    sys.exit(main())
