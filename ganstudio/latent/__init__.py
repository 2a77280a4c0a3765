"""The latent toolkit: latents that belong to one model, projection of an image into StyleGAN2's W / W+,
closed-form latent directions (SeFa), breeding by per-layer crossover, and walks exported as video.

One module per job, bottom-up:

* ``codes``       -- :class:`Latent` (W+ or z, tied to its model's fingerprint), seeds, rendering, .npz files;
* ``framing``     -- fitting an uploaded image to a model's framing (alpha on white, subject crop, resize);
* ``perceptual``  -- the offline perceptual distance (the project's emoji classifier features);
* ``projection``  -- GAN inversion, streamed step by step, cancellable;
* ``directions``  -- SeFa directions, user (mean-difference) directions, edits along them;
* ``breeding``    -- children of two or more parents, with a reproducible lineage;
* ``mixing``      -- the style-mixing grid with any latents;
* ``walks``       -- interpolation paths and MP4 / GIF / WebP export;
* ``bench``       -- ``python -m ganstudio latent-bench``.

No gradio here: the UI (``ganstudio/ui/latent.py``) only turns widget values into these calls.
"""

from .codes import Latent, LatentError  # noqa: F401
