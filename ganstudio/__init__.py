"""GAN Studio: play with, train and serve GANs.

Core API (no gradio anywhere in this package outside ``ganstudio.ui``)::

    from ganstudio import load_model
    from ganstudio.inference import sample_grid
    model = load_model("checkpoints/dcgan-mnist")          # or "owner/name@rev/subfolder" on the Hub
    result = sample_grid(model, seed=0, n=16)             # result.images: list of PIL images
"""

from .checkpoint import CheckpointError, GanModel, ModelMeta, load_folder, new_model, save_folder
from .hub import ModelSourceError, load_model, resolve_source

__all__ = [
    "CheckpointError",
    "GanModel",
    "ModelMeta",
    "ModelSourceError",
    "load_folder",
    "load_model",
    "new_model",
    "resolve_source",
    "save_folder",
]
__version__ = "0.1.0"
