"""Latents that belong to one model: seeds, W+ codes, rendering, and ``.npz`` files that refuse other models.

A :class:`Latent` is either a StyleGAN2 W+ code [n_latent, style_dim] (with optional per-layer noise, as a
projection may leave) or, for the other random-generation families, a z [latent shape]. It carries the
fingerprint of the model it belongs to (a hash of the generator's config and weights) and its ``origin``:
a JSON recipe (a seed, a projection, a breeding, an edit) that PNG metadata keeps, so images can be made
again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

import numpy as np
import torch
from PIL import Image

from .. import images as imgs
from .. import options
from ..checkpoint import GanModel
from ..errors import GanStudioError
from ..models.base import Task

LatentSpace = Literal["w+", "z"]
FORMAT = "ganstudio-latent/1"
STATS_SAMPLES = 10_000  # random z mapped to estimate the mean and spread of W
STATS_SEED = 0x5EED


class LatentError(GanStudioError):
    """A latent cannot be used as asked (another model's latent, wrong model type, bad file); for the user."""


@dataclass
class Latent:
    """One latent code of one model.

    ``code``: W+ [n_latent, style_dim] when ``space`` is "w+", else z in the generator's latent shape
    (without the batch axis). ``noise``: per noise input [1, 1, R, R] (StyleGAN2 only; None = the model's
    stored noise). ``model``: the fingerprint of the model it belongs to. ``origin``: how it was made (JSON).
    """

    space: LatentSpace
    code: torch.Tensor
    model: str
    origin: dict[str, Any] = field(default_factory=dict)
    noise: list[torch.Tensor] | None = None

    def digest(self) -> str:
        """A short hash of the code (and noise): names a latent in lineages and file names."""
        h = hashlib.sha256(self.code.detach().float().cpu().contiguous().numpy().tobytes())
        for n in self.noise or []:
            h.update(n.detach().float().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:12]

    def with_code(self, code: torch.Tensor, origin: dict[str, Any], keep_noise: bool = True) -> "Latent":
        return Latent(self.space, code, self.model, origin, self.noise if keep_noise else None)


# ---------------------------------------------------------------------------------------------
# the model side


def latent_space(model: GanModel) -> LatentSpace:
    """"w+" for StyleGAN2, "z" for unconditional random-generation models; other models are refused.

    The family's tasks decide: a style generator (``StyleGenerator``) has ``mapping`` / ``synthesis``, a random
    one (``RandomGenerator``) ``sample_latent`` and ``forward(z)``, as ``tests/models/test_contracts.py`` checks.
    """
    if Task.STYLE in model.tasks:
        return "w+"
    if Task.RANDOM in model.tasks:
        return "z"
    raise LatentError(f"{model.family.name} models have no latent space to explore here: the latent tools need a "
                      "StyleGAN2 model or an unconditional random-generation model (DCGAN, ProGAN, ...)")


def need_style(model: GanModel, what: str) -> None:
    """Refuse models without W / W+ latents for ``what`` (projection, breeding)."""
    if latent_space(model) != "w+":
        raise LatentError(f"{what} needs a StyleGAN2 model (W / W+ latents); this is a {model.family.name} model")


_FINGERPRINTS: "weakref.WeakKeyDictionary[torch.nn.Module, str]" = weakref.WeakKeyDictionary()


def model_fingerprint(model: GanModel) -> str:
    """sha256 (16 hex digits) of the family, the generator's config and every generator tensor.

    Two folders holding the same weights share a fingerprint; any change of weights or config gives another.
    """
    g = model.generator
    if g in _FINGERPRINTS:
        return _FINGERPRINTS[g]
    h = hashlib.sha256(model.family.name.encode())
    h.update(json.dumps(model.config.to_dict(), sort_keys=True).encode())
    with model.lock:  # the fp32 weights, not another call's bf16 copies
        for name, t in sorted(g.state_dict().items()):
            h.update(name.encode())
            h.update(t.detach().float().cpu().contiguous().numpy().tobytes())
    _FINGERPRINTS[g] = fp = h.hexdigest()[:16]
    return fp


@contextlib.contextmanager
def running(model: GanModel) -> Iterator[torch.nn.Module]:
    """The generator in eval mode without gradients, holding the model's lock (the weights are shared by every
    user; another tab's "fast" precision swaps them to bf16 in place while it holds the lock)."""
    g = model.generator
    with model.lock, torch.no_grad():
        g.eval()
        yield g


def _rng(seed: int) -> torch.Generator:
    options.SEED.check("seed", seed)
    return torch.Generator().manual_seed(int(seed))


def seed_z(model: GanModel, seed: int) -> torch.Tensor:
    """The z a seed draws (on the CPU, as every tab does) [1, latent shape]."""
    return model.generator.sample_latent(1, _rng(seed))


def from_seed(model: GanModel, seed: int) -> Latent:
    """The latent of ``seed``: W+ (z mapped, broadcast) for StyleGAN2, z otherwise."""
    space = latent_space(model)
    z = seed_z(model, seed)
    if space == "w+":
        with running(model) as g:
            code = g.broadcast_w(g.mapping(z.to(model.device))).float().cpu()[0]  # [n_latent, D]
    else:
        code = z[0]
    return Latent(space, code, model_fingerprint(model), {"op": "seed", "seed": int(seed)})


@functools.lru_cache(maxsize=16)
def _w_stats(fp: str, generator: Any) -> tuple[torch.Tensor, torch.Tensor]:
    g = generator
    z = g.sample_latent(STATS_SAMPLES, torch.Generator().manual_seed(STATS_SEED))
    with torch.no_grad():
        w = torch.cat([g.mapping(c.to(g.latent_avg.device)).float().cpu() for c in z.split(2048)])  # [N, D]
    return w.mean(0), w


def w_samples(model: GanModel) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean W [D], W of ``STATS_SAMPLES`` fixed random z [N, D]) for a StyleGAN2 model (cached per model)."""
    need_style(model, "W statistics")
    with running(model) as g:
        return _w_stats(model_fingerprint(model), g)


def w_spread(model: GanModel) -> float:
    """NVlabs' ``w_std``: root of the mean squared distance of W samples from their mean (a scalar)."""
    mean, w = w_samples(model)
    return float(((w - mean) ** 2).sum(1).mean().sqrt())


# ---------------------------------------------------------------------------------------------
# rendering


def check_latent(model: GanModel, latent: Latent) -> Latent:
    """Refuse a latent of another model (or of the wrong shape)."""
    fp = model_fingerprint(model)
    if latent.model != fp:
        raise LatentError(f"this latent belongs to another model (model fingerprint {latent.model}, this model is "
                          f"{fp}); project the image again with this model, or pick the model it was made with")
    want = expected_shape(model)
    if tuple(latent.code.shape) != want or latent.space != latent_space(model):
        raise LatentError(f"a latent of this model is {latent_space(model)} {list(want)}, got {latent.space} "
                          f"{list(latent.code.shape)}")
    return latent


def expected_shape(model: GanModel) -> tuple[int, ...]:
    g = model.generator
    if latent_space(model) == "w+":
        return (g.n_latent, g.style_dim)
    return tuple(g.sample_latent(1, torch.Generator().manual_seed(0)).shape[1:])


def render_codes(model: GanModel, codes: torch.Tensor, noise: Sequence[torch.Tensor] | None = None,
                 chunk: int = 16) -> torch.Tensor:
    """Codes [B, ...] -> images [B, C, H, W] float on the CPU, in the model's value range.

    StyleGAN2: W+ codes, the given per-layer noise or else the model's stored ("const") noise.
    """
    space = latent_space(model)
    out = []
    with running(model) as g:
        for c in codes.split(chunk):
            c = c.to(model.device)
            if space == "w+":
                nz = [n.to(model.device) for n in noise] if noise is not None else None
                out.append(g.synthesis(c, noise=nz, noise_mode="const").float().cpu())
            else:
                out.append(g(c).float().cpu())
    return torch.cat(out)


def render(model: GanModel, latents: Sequence[Latent]) -> torch.Tensor:
    """Latents of ``model`` -> images [B, C, H, W] (batched where they share the stored noise)."""
    for lat in latents:
        check_latent(model, lat)
    if not latents:
        raise LatentError("no latents to render")
    if all(lat.noise is None for lat in latents):
        return render_codes(model, torch.stack([lat.code for lat in latents]))
    return torch.cat([render_codes(model, lat.code[None], lat.noise) for lat in latents])


def to_images(model: GanModel, x: torch.Tensor) -> list[Image.Image]:
    return [imgs.tensor_to_pil(xi, model.meta.value_range) for xi in x]


def render_images(model: GanModel, latents: Sequence[Latent]) -> list[Image.Image]:
    """Latents -> PIL images."""
    return to_images(model, render(model, latents))


# ---------------------------------------------------------------------------------------------
# files


def save_npz(latent: Latent, extra: dict[str, Any] | None = None) -> bytes:
    """The latent as an ``.npz``: ``code``, ``noise_i`` arrays and a JSON ``meta`` string (no pickles)."""
    meta = {"format": FORMAT, "space": latent.space, "model": latent.model, "origin": latent.origin,
            "digest": latent.digest(), **(extra or {})}
    arrays: dict[str, np.ndarray] = {"code": latent.code.detach().float().cpu().numpy(),
                                     "meta": np.array(json.dumps(meta, sort_keys=True))}
    for i, n in enumerate(latent.noise or []):
        arrays[f"noise_{i}"] = n.detach().float().cpu().numpy()
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def load_npz(src: str | Path | bytes, model: GanModel | None = None) -> Latent:
    """Read an ``.npz`` written by :func:`save_npz`; with ``model``, refuse it unless it belongs to that model.

    NVlabs projector files (a single ``w`` array [1, n_latent, D]) are read too, and then only checked by shape.
    """
    try:
        with np.load(io.BytesIO(src) if isinstance(src, bytes) else src, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError) as e:
        raise LatentError(f"could not read the latent file ({type(e).__name__}): it must be an .npz written by "
                          "GAN Studio (or an NVlabs projector's projected_w.npz)") from None
    if "code" not in arrays and "w" in arrays and model is not None:  # NVlabs projector output
        code = torch.from_numpy(np.asarray(arrays["w"], dtype=np.float32)).reshape(-1, arrays["w"].shape[-1])
        lat = Latent("w+", code, model_fingerprint(model), {"op": "file", "format": "nvlabs projected_w"})
        return check_latent(model, lat)
    if "code" not in arrays or "meta" not in arrays:
        raise LatentError("this .npz holds no GAN Studio latent (no 'code' and 'meta' arrays)")
    try:
        meta = json.loads(str(arrays["meta"]))
    except json.JSONDecodeError:
        raise LatentError("the latent file's metadata is not valid JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("space") not in ("w+", "z"):
        raise LatentError(f"not a GAN Studio latent file (expected format {FORMAT})")
    noise_keys = sorted((k for k in arrays if k.startswith("noise_")), key=lambda k: int(k.split("_")[1]))
    noise = [torch.from_numpy(np.asarray(arrays[k], dtype=np.float32)) for k in noise_keys] or None
    lat = Latent(meta["space"], torch.from_numpy(np.asarray(arrays["code"], dtype=np.float32)), str(meta["model"]),
                 dict(meta.get("origin") or {}), noise)
    if model is not None:
        check_latent(model, lat)
        if noise is not None:
            g = model.generator
            if len(noise) != g.num_noise_layers or any(
                    tuple(n.shape[-2:]) != (g.noise_resolution(i),) * 2 for i, n in enumerate(noise)):
                raise LatentError("the latent file's noise does not fit this model")
    return lat


def png_params(model: GanModel, latent: Latent, **extra: Any) -> dict[str, Any]:
    """PNG metadata of an image rendered from ``latent``: model, fingerprint, the latent's digest and origin."""
    return {"kind": "latent", "model": model.source, "family": model.family.name, "model_fingerprint": latent.model,
            "latent": latent.digest(), "space": latent.space, "origin": latent.origin, **extra}
