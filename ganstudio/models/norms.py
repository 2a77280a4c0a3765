"""Normalisation layers run on their input's own statistics: how published translation models are run.

Shared by inference (the translate and edit tabs' norm modes), training (translation and StarGAN samples)
and evaluation.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from torch import nn


@contextlib.contextmanager
def norm_statistics_from_input(module: nn.Module, dropout: bool = False) -> Iterator[None]:
    """Run batch / instance norms on the input's own statistics without touching stored buffers.

    This is how the junyanz pix2pix and yunjey StarGAN test scripts run (their nets stay in train mode),
    minus the side effect of updating the running statistics on every call. ``dropout`` keeps dropout on
    (pix2pix's noise source).
    """
    saved: list[tuple[nn.Module, bool, Any, Any, bool]] = []
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._NormBase):
            # Without running buffers both BatchNorm and InstanceNorm normalise with the input's own
            # statistics and have nothing to update (InstanceNorm passes its buffers to F.instance_norm
            # even when track_running_stats is False, so unsetting that flag is not enough).
            saved.append((m, m.training, m.running_mean, m.running_var, m.track_running_stats))
            m.train()
            m.running_mean = m.running_var = None
            m.track_running_stats = False  # BatchNorm: also keeps num_batches_tracked still
        elif isinstance(m, nn.Dropout) and dropout:
            saved.append((m, m.training, None, None, False))
            m.train()
    try:
        yield
    finally:
        for m, training, mean, var, track in saved:
            m.train(training)
            if isinstance(m, nn.modules.batchnorm._NormBase):
                m.running_mean, m.running_var, m.track_running_stats = mean, var, track
