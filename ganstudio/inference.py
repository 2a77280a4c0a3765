"""Pure inference functions: a loaded model, a seed and options in; a small result dataclass out.

No gradio here. Every function:

1. validates its options against ``ganstudio.options``,
2. draws latents on the CPU from ``torch.Generator().manual_seed(seed)`` (same seed, same image on any device),
3. runs the generator under ``torch.no_grad()`` in the requested precision,
4. returns PIL images plus ``params``: everything needed to make them again (stored in PNG text chunks).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import torch
from PIL import Image
from torch import nn

from . import images as imgs
from . import options
from .checkpoint import GanModel
from .errors import GanStudioError, LimitError
from .models.base import ClassifyingDiscriminator, CodedGenerator, ConditionalConfig, StyleGenerator, Task
from .models.norms import norm_statistics_from_input
from .runtime import Precision, check_precision, in_precision, memory_format


class InferenceError(GanStudioError):
    """The model cannot do what was asked (wrong task, missing component, bad option)."""


@dataclass
class Generated:
    """Images from one call: one per sample, a tiled grid, and the parameters that made them."""

    images: list[Image.Image]
    grid: Image.Image
    params: dict[str, Any]
    captions: list[str] = field(default_factory=list)  # per image: class name, D's guess, seeds ...
    seconds: float = 0.0


@dataclass
class Animation:
    frames: list[Image.Image]
    animation: bytes  # looping GIF
    params: dict[str, Any]
    seconds: float = 0.0


@dataclass
class Translation:
    input: Image.Image  # the input as the model read it (converted mode, original size)
    output: Image.Image  # same size as the input
    fit: str  # how the input size was fitted, in words
    params: dict[str, Any]
    seconds: float = 0.0


@dataclass
class AttributeEdits:
    input: Image.Image
    images: list[Image.Image]  # one per edit
    names: list[str]  # what each edit sets
    labels: list[list[float]]  # the label vector used for each edit
    source_labels: list[float]  # the attributes read from the input (D's class head, or zeros)
    grid: Image.Image
    params: dict[str, Any]
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# plumbing


def _rng(seed: int) -> torch.Generator:
    options.SEED.check("seed", seed)
    return torch.Generator().manual_seed(int(seed))


def output_budget(images: int, why: str) -> dict[str, Any]:
    """``open_image`` arguments that hold an input to what ``images`` outputs of its size may total
    (``options.MAX_OUTPUT_PIXELS``), refused before decoding with ``why`` in the sentence."""
    per_image = min(options.MAX_INPUT_PIXELS, options.MAX_OUTPUT_PIXELS // max(1, images))
    return {"max_pixels": per_image, "why": why if per_image < options.MAX_INPUT_PIXELS else ""}


def _need(model: GanModel, task: Task) -> None:
    if task not in model.tasks:
        raise InferenceError(f"{model.family.name} models do not support {task.value} "
                             f"(they support: {', '.join(t.value for t in model.tasks)})")


def _need_noise(model: GanModel) -> None:
    """Models that draw images from noise (random, class-conditional, style); others get a sentence, not a crash."""
    if not any(t in model.tasks for t in (Task.RANDOM, Task.CONDITIONAL, Task.STYLE)):
        raise InferenceError(f"{model.family.name} models make images from an input image, not from a seed "
                             f"(they support: {', '.join(t.value for t in model.tasks)})")


def require_task(model: GanModel, task: Task) -> None:
    """Raise :class:`InferenceError` (a sentence) unless ``model`` serves ``task``."""
    _need(model, task)


def has_class_head(model: GanModel) -> bool:
    """Whether the checkpoint has a discriminator that guesses classes (ACGAN, SGAN, InfoGAN's Q head)."""
    return isinstance(model.modules.get("discriminator"), ClassifyingDiscriminator)


def has_truncation(model: GanModel) -> bool:
    """Whether the generator truncates towards a mean latent (a style generator: StyleGAN2)."""
    return Task.STYLE in model.tasks and isinstance(model.generator, StyleGenerator)


def num_classes(model: GanModel) -> int:
    """The classes of a model whose config has them (conditional families; SGAN's discriminator), else 0."""
    return model.config.num_classes if isinstance(model.config, ConditionalConfig) else 0


def num_continuous_codes(model: GanModel) -> int:
    """The continuous codes the generator takes besides the class (InfoGAN), else 0."""
    return model.config.num_continuous if isinstance(model.generator, CodedGenerator) else 0


def _module(model: GanModel, name: str) -> nn.Module:
    if name not in model.modules:
        raise InferenceError(f"this {model.family.name} model has no {name} (its checkpoint lacks {name}.safetensors)")
    return model.modules[name]


@contextlib.contextmanager
def _running(model: GanModel, module: nn.Module, precision: Precision) -> Iterator[torch.device]:
    """Eval mode, no grad, requested precision and memory format, on the model's device."""
    check_precision(precision)
    device = model.device
    with model.lock:
        module.eval()
        module.to(memory_format=memory_format(device, precision))
        with torch.no_grad(), in_precision(module, device, precision):
            yield device


def inference_context(model: GanModel, module: nn.Module,
                      precision: Precision) -> contextlib.AbstractContextManager[torch.device]:
    """The context every inference call here runs ``module`` of ``model`` in: eval mode, no grad, ``precision``
    (``ganstudio.runtime.in_precision``) and its memory format, under the model's lock; yields the device."""
    return _running(model, module, precision)


def _to_images(model: GanModel, x: torch.Tensor, *, truncate: bool = False) -> list[Image.Image]:
    x = x.float().cpu()
    return [imgs.tensor_to_pil(xi, model.meta.value_range, truncate=truncate) for xi in x]


def _base_params(model: GanModel, kind: str, precision: str, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, "model": model.source, "family": model.family.name, "precision": precision, **kw}


def _grid_cols(n: int) -> int:
    return max(1, math.ceil(math.sqrt(n)))


# ---------------------------------------------------------------------------------------------
# random and class-conditional sampling


def _latents(model: GanModel, n: int, rng: torch.Generator) -> torch.Tensor:
    return model.generator.sample_latent(n, rng)


def _generate(model: GanModel, z: torch.Tensor, labels: torch.Tensor | None = None,
              codes: torch.Tensor | None = None, psi: float = 1.0) -> torch.Tensor:
    g = model.generator
    dev = model.device
    z = z.to(dev)
    if labels is not None:
        labels = labels.to(dev)
        if codes is not None:
            return g(z, labels, codes.to(dev))
        return g(z, labels)
    if Task.STYLE in model.tasks:
        return g(z, psi=psi)
    return g(z)


def class_guesses(model: GanModel, x: torch.Tensor) -> list[str]:
    """The discriminator's class guess for each image [B, C, H, W] (ACGAN, SGAN, InfoGAN), as captions."""
    d = _module(model, "discriminator")
    if not isinstance(d, ClassifyingDiscriminator):
        raise InferenceError(f"{model.family.name} discriminators have no class head")
    d.eval()
    with torch.no_grad():
        probs = torch.softmax(d.classify(x.to(model.device).float()).float(), dim=1).cpu()
    names = model.meta.class_names or [str(i) for i in range(probs.shape[1])]
    p, k = probs.max(dim=1)
    return [f"D: {names[int(i)]} ({float(q):.0%})" for q, i in zip(p, k)]


def sample_grid(model: GanModel, *, seed: int = 0, n: int = int(options.NUM_IMAGES.default), psi: float = 1.0,
                precision: Precision = "exact", with_guesses: bool = False) -> Generated:
    """``n`` random samples as a grid. Conditional models get random classes; ``psi`` is StyleGAN truncation.

    ``with_guesses`` adds the discriminator's class guess per image (models whose D has a class head).
    """
    _need_noise(model)
    options.NUM_IMAGES.check("number of images", n)
    t0 = time.perf_counter()
    rng = _rng(seed)
    z = _latents(model, n, rng)
    labels = None
    if Task.CONDITIONAL in model.tasks:
        labels = torch.randint(0, model.config.num_classes, (n,), generator=rng)
    if Task.STYLE in model.tasks:
        options.PSI.check("psi", psi)
    with _running(model, model.generator, precision):
        x = _generate(model, z, labels, psi=psi)
    captions: list[str] = []
    if labels is not None and model.meta.class_names:
        captions = [model.meta.class_names[int(i)] for i in labels]
    if with_guesses:
        captions = class_guesses(model, x)
    images = _to_images(model, x)
    params = _base_params(model, "sample_grid", precision, seed=seed, n=n)
    if Task.STYLE in model.tasks:
        params["psi"] = psi
    return Generated(images, imgs.make_grid(images, _grid_cols(n)), params, captions, time.perf_counter() - t0)


def sample_per_class(model: GanModel, *, seed: int = 0, classes: Sequence[int] | None = None,
                     per_class: int = int(options.PER_CLASS.default), codes: Sequence[float] | None = None,
                     precision: Precision = "exact", with_guesses: bool = False) -> Generated:
    """One row per class with the same ``per_class`` latents in every row (so only the class changes).

    ``codes``: InfoGAN continuous codes, one value per code, shared by every image.
    """
    _need(model, Task.CONDITIONAL)
    options.PER_CLASS.check("images per class", per_class)
    k = model.config.num_classes
    classes = list(range(k)) if classes is None else [int(c) for c in classes]
    if not classes or any(not 0 <= c < k for c in classes):
        raise InferenceError(f"classes must be in 0..{k - 1}, got {classes[:20]}")
    if len(classes) * per_class > options.MAX_IMAGES_PER_REQUEST:
        raise LimitError(f"{len(classes)} classes x {per_class} images is {len(classes) * per_class} images; the limit "
                         f"is {options.MAX_IMAGES_PER_REQUEST} per request")
    t0 = time.perf_counter()
    z = _latents(model, per_class, _rng(seed))  # [per_class, ...], reused for each class
    zz = z.repeat(len(classes), *([1] * (z.dim() - 1)))
    labels = torch.tensor(classes).repeat_interleave(per_class)
    code_t = None
    if codes is not None:
        n_cont = num_continuous_codes(model)
        if len(codes) != n_cont:
            raise InferenceError(f"this model takes {n_cont} continuous codes, got {len(codes)}")
        for c in codes:
            options.INFOGAN_CODE.check("code", c)
        code_t = torch.tensor([list(codes)] * len(labels), dtype=torch.float32)
    with _running(model, model.generator, precision):
        x = _generate(model, zz, labels, code_t)
    names = model.meta.class_names or [str(i) for i in range(k)]
    captions = class_guesses(model, x) if with_guesses else [names[c] for c in labels.tolist()]
    images = _to_images(model, x)
    params = _base_params(model, "sample_per_class", precision, seed=seed, classes=classes, per_class=per_class)
    if codes is not None:
        params["codes"] = list(codes)
    return Generated(images, imgs.make_grid(images, per_class), params, captions, time.perf_counter() - t0)


def _slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    af, bf = a.flatten(1), b.flatten(1)
    omega = torch.arccos((af / af.norm(dim=1, keepdim=True) * bf / bf.norm(dim=1, keepdim=True)).sum(1).clamp(-1, 1))
    so = torch.sin(omega)
    if float(so.abs().min()) < 1e-6:
        return (1 - t) * a + t * b
    w_a = (torch.sin((1 - t) * omega) / so).view(-1, *([1] * (a.dim() - 1)))
    w_b = (torch.sin(t * omega) / so).view(-1, *([1] * (a.dim() - 1)))
    return w_a * a + w_b * b


def interpolate(model: GanModel, *, seed_a: int = 0, seed_b: int = 1, frames: int = int(options.INTERP_FRAMES.default),
                label: int | None = None, space: options.InterpSpace = "slerp", psi: float = 1.0,
                fps: float = options.INTERP_FPS.default, precision: Precision = "exact") -> Animation:
    """Frames walking from seed ``seed_a``'s latent to ``seed_b``'s (spherical by default), and a looping GIF."""
    _need_noise(model)
    options.INTERP_FRAMES.check("frames", frames)
    options.INTERP_FPS.check("frames per second", fps)
    space = options.choice("space", space, options.INTERP_SPACES)
    if Task.STYLE in model.tasks:
        options.PSI.check("psi", psi)
    t0 = time.perf_counter()
    za, zb = _latents(model, 1, _rng(seed_a)), _latents(model, 1, _rng(seed_b))
    ts = [i / (frames - 1) for i in range(frames)]
    z = torch.cat([_slerp(za, zb, t) if space == "slerp" else (1 - t) * za + t * zb for t in ts])
    labels = None
    if Task.CONDITIONAL in model.tasks:
        if label is None:
            label = 0
        k = model.config.num_classes
        if not 0 <= int(label) < k:
            raise InferenceError(f"class {label} is out of range: this model has classes 0..{k - 1}")
        labels = torch.full((frames,), int(label), dtype=torch.long)
    with _running(model, model.generator, precision):
        x = torch.cat([_generate(model, zc, None if labels is None else labels[: len(zc)], psi=psi)
                       for zc in z.split(16)])
    frames_img = _to_images(model, x)
    params = _base_params(model, "interpolate", precision, seed_a=seed_a, seed_b=seed_b, frames=frames, space=space)
    if label is not None:
        params["label"] = label
    return Animation(frames_img, imgs.animation_bytes(frames_img, fps=fps), params, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# image-to-image


def _palette_to_onehot(img: Image.Image, palette: list[dict[str, Any]]) -> torch.Tensor:
    """Colour label map -> one-hot [1, L, H, W], each pixel assigned to the nearest palette colour."""
    rgb = imgs.pil_to_tensor(img.convert("RGB"), (0.0, 255.0))[0]  # [3, H, W]
    cols = torch.tensor([p["color"] for p in palette], dtype=torch.float32)  # [L, 3]
    d = ((rgb[None] - cols[:, :, None, None]) ** 2).sum(1)  # [L, H, W]
    idx = d.argmin(0)
    return torch.nn.functional.one_hot(idx, len(palette)).permute(2, 0, 1)[None].float()


def translate_modes(model: GanModel) -> tuple[options.TranslateMode, ...]:
    """The modes that differ for this model's generators: "per-image" always, "paper" with dropout,
    "eval" with stored batch-norm statistics."""
    gens = [m for name, m in model.modules.items() if name in ("generator", "generator_ba")]
    parts = [sub for g in gens for sub in g.modules()]
    has_dropout = any(isinstance(m, nn.Dropout) for m in parts)
    has_stats = any(isinstance(m, nn.modules.batchnorm._NormBase) and m.running_mean is not None for m in parts)
    return ("per-image",) + (("paper",) if has_dropout else ()) + (("eval",) if has_stats else ())


def default_translate_mode(model: GanModel) -> options.TranslateMode:
    """The model's own ``meta.translate_mode`` where it applies (e.g. "eval": batch-norm statistics gathered
    over training batches suit it best), else "per-image"."""
    wanted = options.NORM_MODE_ALIASES.get(model.meta.translate_mode or "", model.meta.translate_mode)
    return wanted if wanted in translate_modes(model) else options.DEFAULT_TRANSLATE_MODE


def translate(model: GanModel, image: Image.Image | bytes | str, *, direction: options.Direction = "AB",
              fit: options.FitMode = "pad", mode: options.TranslateMode | None = None, seed: int = 0,
              precision: Precision = "exact", truncate: bool = False) -> Translation:
    """Translate ``image`` with a pix2pix / CycleGAN / DiscoGAN / SPADE generator.

    - ``direction``: "AB" uses ``generator``, "BA" the reverse ``generator_ba`` (CycleGAN, DiscoGAN).
    - ``fit``: "pad" reflects the borders out to the size the net accepts and crops back; "resize" squashes to
      the training size (the reference test pipeline) and resizes the output back.
    - ``mode``: "per-image" = norms on each input's own statistics, dropout off; "paper" = as the pix2pix
      paper (dropout on as the noise source, seeded by ``seed``); "eval" = stored running statistics.
      Stored statistics never change. None: the model's default (:func:`default_translate_mode`). The old
      name "deterministic" still means "per-image".
    - ``truncate``: convert to uint8 by truncation (as the junyanz scripts do) instead of rounding.
    """
    _need(model, Task.TRANSLATE)
    direction = options.choice("direction", direction, options.DIRECTIONS)
    mode = options.choice("mode", mode or default_translate_mode(model), options.TRANSLATE_MODES,
                          options.NORM_MODE_ALIASES)
    g = _module(model, "generator" if direction == "AB" else "generator_ba")
    t0 = time.perf_counter()
    cfg = model.config
    # the input as read and the output are written at the input's size
    src = imgs.open_image(image, **output_budget(2, "(an image-to-image result is two images of its size)"))
    palette = model.meta.palette
    if palette:
        src = src.convert("RGB")
    else:
        src = imgs.to_mode(src, cfg.in_channels)  # TranslateConfig
    resample = Image.NEAREST if palette else Image.BICUBIC
    fitted, how = imgs.fit_image(src, mode=fit, image_size=cfg.image_size,
                                 size_multiple=g.size_multiple, resample=resample)
    if palette:
        x = _palette_to_onehot(fitted, palette)
        if how.mode == "pad" and any(how.pad):
            l, r, t, b = how.pad
            x = torch.nn.functional.pad(x, (l, r, t, b), mode="replicate")
    else:
        x = imgs.to_network(fitted, how, model.meta.value_range)
    fork = torch.random.fork_rng(devices=[model.device] if model.device.type == "cuda" else [])
    with _running(model, g, precision) as dev, fork:
        torch.manual_seed(seed)  # the dropout noise of paper mode
        x = x.to(dev, memory_format=memory_format(dev, precision))
        norm_ctx = (contextlib.nullcontext() if mode == "eval"
                    else norm_statistics_from_input(g, dropout=(mode == "paper")))
        with norm_ctx:
            y = g(x)
    y = imgs.from_network(y.float().cpu(), how)
    out = imgs.restore_size(imgs.tensor_to_pil(y[0], model.meta.value_range, truncate=truncate), how)
    params = _base_params(model, "translate", precision, direction=direction, fit=fit, mode=mode, seed=seed)
    return Translation(src, out, how.describe(), params, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# StarGAN attribute editing


def attribute_names(model: GanModel) -> list[str]:
    names = model.meta.attribute_names
    return list(names) if names else [f"attribute {i}" for i in range(model.config.c_dim)]


def _group_of(model: GanModel, name: str) -> list[str] | None:
    for g in model.meta.attribute_groups or []:
        if name in g:
            return list(g)
    return None


def read_attributes(model: GanModel, x: torch.Tensor) -> list[float]:
    """The input's attributes as the discriminator's class head sees them (sigmoid), or zeros without one."""
    d = model.modules.get("discriminator")
    if d is None:
        return [0.0] * model.config.c_dim
    d.eval()
    with torch.no_grad():
        _, cls = d(x.to(model.device).float())
    return torch.sigmoid(cls.float())[0].cpu().tolist()


def _edit(model: GanModel, x: torch.Tensor, labels: torch.Tensor, mode: options.EditMode,
          precision: Precision) -> torch.Tensor:
    g = model.generator
    with _running(model, g, precision) as dev:
        ctx = norm_statistics_from_input(g) if mode == "per-image" else contextlib.nullcontext()
        with ctx:
            # one call per label: per-image InstanceNorm statistics make a batch equal to single calls
            return torch.cat([g(x.to(dev), c[None].to(dev)).float().cpu() for c in labels])


def edit_attributes(model: GanModel, image: Image.Image | bytes | str, *, target: dict[str, bool] | None = None,
                    intensity: float = options.INTENSITY.default, all_single_edits: bool = False,
                    fit: options.FitMode = "resize", mode: options.EditMode = "per-image",
                    precision: Precision = "exact") -> AttributeEdits:
    """StarGAN edits of ``image``.

    The label vector starts from the input's own attributes (read by the discriminator's class head when the
    checkpoint has one). ``target`` sets attributes (an attribute of a mutually exclusive group clears the
    others); ``intensity`` interpolates the label from the source (0) to the target (1).
    ``all_single_edits`` instead returns every single-attribute edit at once, as in the StarGAN paper's figures
    (each group member set in turn; other attributes flipped).
    ``mode``: "per-image" = norms on the input's own statistics, as the StarGAN test script runs (its old
    name "reference" is still accepted); "eval" = stored running statistics.
    """
    _need(model, Task.EDIT)
    options.INTENSITY.check("intensity", intensity)
    mode = options.choice("mode", mode, options.EDIT_MODES, options.NORM_MODE_ALIASES)
    t0 = time.perf_counter()
    cfg = model.config
    names = attribute_names(model)
    n_edits = len(names) if all_single_edits else 1
    # a row of edits writes each edit, plus a grid of the input and every edit, at the input's size
    shown = 2 * n_edits + 1 if all_single_edits else 1
    src = imgs.to_mode(imgs.open_image(image, **output_budget(
        shown, f"(a row of {n_edits} edits writes {shown} images of its size)" if all_single_edits else "")),
        cfg.channels)
    crop = model.meta.preprocess.get("center_crop")
    if crop:
        w, h = src.size
        c = min(int(crop), w, h)
        src = src.crop(((w - c) // 2, (h - c) // 2, (w - c) // 2 + c, (h - c) // 2 + c))
    # one network pass per edit (and one of D): large padded inputs are shrunk to keep the work bounded
    side = min(options.MAX_NET_SIDE, math.isqrt(options.MAX_NET_PIXELS // (n_edits + 1)))
    fitted, how = imgs.fit_image(src, mode=fit, image_size=cfg.image_size, size_multiple=model.generator.size_multiple,
                                 max_side=side)
    x = imgs.to_network(fitted, how, model.meta.value_range)
    source = read_attributes(model, x)
    base = torch.tensor([round(v) for v in source], dtype=torch.float32)
    edits: list[tuple[str, torch.Tensor]] = []
    if all_single_edits:
        for i, name in enumerate(names):
            c = base.clone()
            group = _group_of(model, name)
            if group:
                for other in group:
                    c[names.index(other)] = 0.0
                c[i] = 1.0
                edits.append((name, c))
            else:
                c[i] = 1.0 - c[i]
                edits.append((("+" if c[i] else "-") + name, c))
    else:
        c = base.clone()
        for name, on in (target or {}).items():
            if name not in names:
                raise InferenceError(f"unknown attribute {name!r}; this model has {names}")
            group = _group_of(model, name)
            if on and group:
                for other in group:
                    c[names.index(other)] = 0.0
            c[names.index(name)] = 1.0 if on else 0.0
        edits.append(("edit", torch.tensor(source) + intensity * (c - torch.tensor(source))))
    labels = torch.stack([c for _, c in edits])
    y = imgs.from_network(_edit(model, x, labels, mode, precision), how)
    out = [imgs.restore_size(imgs.tensor_to_pil(yi, model.meta.value_range), how) for yi in y]
    grid = imgs.make_grid([src.resize(out[0].size)] + out, len(out) + 1)
    params = _base_params(model, "edit_attributes", precision, target=target or {}, intensity=intensity,
                          all_single_edits=all_single_edits, fit=fit, mode=mode)
    return AttributeEdits(src, out, [n for n, _ in edits], labels.tolist(), source, grid, params,
                          time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# StyleGAN: style mixing and noise


def style_layers(model: GanModel, preset_or_layers: str | Sequence[int]) -> list[int]:
    """W+ indices for a preset ("coarse" / "middle" / "fine") or an explicit list (validated)."""
    _need(model, Task.STYLE)
    g = model.generator
    if isinstance(preset_or_layers, str):
        groups = g.layer_groups()
        if preset_or_layers not in groups:
            raise InferenceError(f"preset must be one of {sorted(groups)}")
        return list(groups[preset_or_layers])
    layers = sorted({int(i) for i in preset_or_layers})
    if any(not 0 <= i < g.n_latent for i in layers):
        raise InferenceError(f"layers must be in 0..{g.n_latent - 1}")
    return layers


def _ws(model: GanModel, seeds: Sequence[int]) -> torch.Tensor:
    """W+ [len(seeds), n_latent, style_dim] for each seed's z."""
    g = model.generator
    z = torch.cat([g.sample_latent(1, _rng(s)) for s in seeds]).to(model.device)
    w = g.mapping(z)
    return w[:, None, :].repeat(1, g.n_latent, 1)


def _noise_strengths(model: GanModel, strength: float | Sequence[float]) -> float | list[float]:
    if isinstance(strength, (int, float)):
        options.NOISE_STRENGTH.check("noise strength", strength)
        return float(strength)
    s = [float(v) for v in strength]
    if len(s) != model.generator.num_noise_layers:
        raise InferenceError(f"give one noise strength per layer ({model.generator.num_noise_layers})")
    for v in s:
        options.NOISE_STRENGTH.check("noise strength", v)
    return s


def _synthesize(model: GanModel, ws: torch.Tensor, *, psi: float, cutoff: int | None, noise_mode: options.NoiseMode,
                noise_strength: float | list[float], noise_seed: int) -> torch.Tensor:
    g = model.generator
    noise_mode = options.choice("noise mode", noise_mode, options.NOISE_MODES)
    ws = g.truncate(ws, psi, cutoff or None)  # cutoff 0 / None: truncate every layer
    # Every image gets the same noise draw (only the styles differ): one [1, 1, R, R] draw per layer, broadcast
    # over a batch. Batches run ~10x faster than one image at a time on a CPU; chunks bound the memory.
    noise = g.random_noise(1, _rng(noise_seed)) if noise_mode == "random" else None
    chunk = 8 if g.size <= 256 else 1
    return torch.cat([g.synthesis(w, noise=noise, noise_mode=noise_mode, noise_strength=noise_strength).float().cpu()
                      for w in ws.split(chunk)])


def style_mix(model: GanModel, *, row_seeds: Sequence[int], col_seeds: Sequence[int],
              layers: str | Sequence[int] = "coarse", psi: float = 1.0, cutoff: int | None = None,
              noise_mode: options.NoiseMode = options.DEFAULT_NOISE_MODE, noise_strength: float | Sequence[float] = 1.0,
              noise_seed: int = 0, precision: Precision = "exact") -> Generated:
    """The StyleGAN style-mixing figure: row seeds x column seeds; ``layers`` of W+ come from the columns.

    The grid's first row shows the column sources, its first column the row sources.
    """
    _need(model, Task.STYLE)
    if not row_seeds or not col_seeds or max(len(row_seeds), len(col_seeds)) > options.MIX_SEEDS:
        raise InferenceError(f"give 1 to {options.MIX_SEEDS} row seeds and column seeds")
    options.PSI.check("psi", psi)
    t0 = time.perf_counter()
    idx = style_layers(model, layers)
    strength = _noise_strengths(model, noise_strength)
    g = model.generator
    with _running(model, g, precision):
        w_rows, w_cols = _ws(model, row_seeds), _ws(model, col_seeds)
        mixed = w_rows[:, None].repeat(1, len(col_seeds), 1, 1)  # [R, C, n_latent, D]
        mixed[:, :, idx] = w_cols[None, :, idx]
        all_ws = torch.cat([w_rows, w_cols, mixed.flatten(0, 1)])
        x = _synthesize(model, all_ws, psi=psi, cutoff=cutoff, noise_mode=noise_mode,
                        noise_strength=strength, noise_seed=noise_seed)
    pics = _to_images(model, x)
    r, c = len(row_seeds), len(col_seeds)
    rows_img, cols_img, mixed_img = pics[:r], pics[r:r + c], pics[r + c:]
    blank = Image.new("RGB", pics[0].size, (255, 255, 255))
    cells = [blank] + cols_img
    for i in range(r):
        cells += [rows_img[i]] + mixed_img[i * c:(i + 1) * c]
    params = _base_params(model, "style_mix", precision, row_seeds=list(row_seeds), col_seeds=list(col_seeds),
                          layers=idx, psi=psi, cutoff=cutoff, noise_mode=noise_mode,
                          noise_strength=strength, noise_seed=noise_seed)
    captions = [f"row {a} x col {b}" for a in row_seeds for b in col_seeds]
    return Generated(mixed_img, imgs.make_grid(cells, c + 1), params, captions, time.perf_counter() - t0)


def render_style(model: GanModel, *, seed: int = 0, psi: float = 1.0, cutoff: int | None = None,
                 noise_mode: options.NoiseMode = options.DEFAULT_NOISE_MODE,
                 noise_strength: float | Sequence[float] = 1.0,
                 noise_seed: int = 0, precision: Precision = "exact") -> Generated:
    """One StyleGAN image with full control of truncation and per-layer noise."""
    _need(model, Task.STYLE)
    t0 = time.perf_counter()
    strength = _noise_strengths(model, noise_strength)
    with _running(model, model.generator, precision):
        x = _synthesize(model, _ws(model, [seed]), psi=psi, cutoff=cutoff, noise_mode=noise_mode,
                        noise_strength=strength, noise_seed=noise_seed)
    pics = _to_images(model, x)
    params = _base_params(model, "render_style", precision, seed=seed, psi=psi, cutoff=cutoff,
                          noise_mode=noise_mode, noise_strength=strength, noise_seed=noise_seed)
    return Generated(pics, pics[0], params, [], time.perf_counter() - t0)


def noise_variation(model: GanModel, *, seed: int = 0, psi: float = 1.0, noise_seeds: int = 4,
                    noise_strength: float | Sequence[float] = 1.0, precision: Precision = "exact") -> Generated:
    """What the per-layer noise changes: the same styles under ``noise_seeds`` random noise draws, then the
    per-pixel standard deviation across draws (bright = stochastic detail such as hair strands)."""
    _need(model, Task.STYLE)
    t0 = time.perf_counter()
    strength = _noise_strengths(model, noise_strength)
    with _running(model, model.generator, precision):
        ws = _ws(model, [seed])
        x = torch.cat([_synthesize(model, ws, psi=psi, cutoff=None, noise_mode="random",
                                   noise_strength=strength, noise_seed=k) for k in range(noise_seeds)])
    std = x.std(dim=0).mean(dim=0, keepdim=True)  # [1, H, W]
    std_img = imgs.tensor_to_pil((std / std.max().clamp_min(1e-8)) * 2 - 1)  # normalised, grey
    pics = _to_images(model, x) + [std_img.convert("RGB")]
    params = _base_params(model, "noise_variation", precision, seed=seed, psi=psi, noise_seeds=noise_seeds,
                          noise_strength=strength)
    captions = [f"noise seed {k}" for k in range(noise_seeds)] + ["std. dev. across noise"]
    return Generated(pics, imgs.make_grid(pics, len(pics)), params, captions, time.perf_counter() - t0)
