"""Speed and robustness benchmarks: ``python -m ganstudio bench | app-bench | app-sweep``.

* ``inference`` -- generators in exact and fast precision (``bench``; also ``python -m ganstudio.bench``);
* ``app`` -- the served web app: startup, grids through the client, memory, ``--soak`` (``app-bench``);
* ``sweep`` -- bad inputs thrown at the served app, tabulated (``app-sweep``);
* ``playground`` -- the playground's training steps/s and live frames/s (``bench --playground``).

The training benchmark lives with training: ``ganstudio/train/bench.py`` (``train-bench``).
"""
