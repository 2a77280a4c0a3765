"""Published layouts GAN Studio imports: how to recognise each, read its hyperparameters off the tensor
shapes, and turn its keys into ours.

Each :class:`Preset` names the reference implementation whose checkpoints it reads. Our families use the
published key names, so most presets map keys one to one and only infer the config; NVlabs' StyleGAN2-ADA
layout is renamed onto rosinality's (which ``ganstudio.models.stylegan2`` follows).

Every preset offers three things:

* ``detect(tensors)``: a cheap test on key names (the pipeline then checks every key and shape exactly);
* ``infer(tensors, source)``: the family config, notes on what could not be read off the weights, and meta;
* ``to_ours(tensors, config, reference)``: our state dict, notes, and the renamed keys as (theirs, ours)
  pairs (``reference`` is a freshly built generator's state dict, for fixed buffers such as blur kernels
  that some layouts do not store);

and ``candidates(shapes)``: configs to try when keys have other names (see ``structural.py``), read from
the ordered tensor shapes alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import torch

from ..errors import GanStudioError


class ConvertError(GanStudioError):
    """A file cannot be converted; the message says why and, where possible, what to do."""


class NeedsArguments(ConvertError):
    """The weights fit a preset, but values they do not hold (e.g. InfoGAN's class / code split) must be given."""


Tensors = Mapping[str, torch.Tensor]
Shapes = Sequence[tuple[str, tuple[int, ...]]]
Mapped = tuple[dict[str, torch.Tensor], list[str], list[tuple[str, str]]]  # tensors, notes, renamed keys


@dataclass
class Source:
    """What the reader found besides the generator's tensors."""

    format: str = "state_dict"  # "state_dict" | "nvlabs_pkl"
    format_label: str = "PyTorch state dict"
    container: str = ""  # the entry the generator came from ("g_ema", "netG_state_dict", ...), "" = top level
    extras: dict[str, Any] = field(default_factory=dict)  # latent_avg, args, init_kwargs, discriminator, ...
    filename: str = ""


@dataclass
class Inferred:
    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # ModelMeta fields


@dataclass(frozen=True)
class Preset:
    name: str
    family: str
    title: str
    reference: str  # repository and file of the reference implementation
    licence: str  # a note on the weights' usual licence
    detect: Callable[[Tensors], bool]
    infer: Callable[[Tensors, Source], Inferred]
    to_ours: Callable[[Tensors, dict[str, Any], Tensors], Mapped] | None = None
    candidates: Callable[[Shapes], list[dict[str, Any]]] | None = None
    formats: tuple[str, ...] = ("state_dict",)
    require: tuple[tuple[str, Any], ...] = ()  # config values this preset insists on (variants)
    license_id: str = ""  # Hub licence identifier for the card, when the weights' licence is known
    aliases: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# helpers


def _index_keys(tensors: Tensors, pattern: str) -> list[int]:
    rx = re.compile(pattern)
    return sorted({int(m.group(1)) for k in tensors if (m := rx.match(k))})


def _four_d(shapes: Shapes) -> list[tuple[int, ...]]:
    return [s for _, s in shapes if len(s) == 4]


def _discriminator_widths(source: Source, cfg: dict[str, Any], notes: list[str], ndf_key: str = "ndf") -> None:
    """ndf (and for PatchGANs n_layers_D) from a discriminator file given beside the generator."""
    d = source.extras.get("discriminator")
    if not d:
        return
    convs = [k for k, v in d.items() if k.endswith(".weight") and v.dim() == 4]
    if not convs:
        return
    cfg[ndf_key] = int(d[convs[0]].shape[0])
    if "n_layers_D" in cfg:
        cfg["n_layers_D"] = len(convs) - 2
    notes.append(f"discriminator widths read from {source.extras.get('discriminator_entry', 'the discriminator')}: "
                 f"{ndf_key}={cfg[ndf_key]}" + (f", n_layers_D={cfg['n_layers_D']}" if "n_layers_D" in cfg else ""))


def _norm_of(tensors: Tensors, norm_key: str, conv_bias_key: str) -> str:
    """junyanz norms: convs carry a bias exactly when the norm is an InstanceNorm; BatchNorm and
    InstanceNorm2d(affine=True) have norm weights, plain InstanceNorm has none."""
    if norm_key in tensors:
        return "instance_affine" if conv_bias_key in tensors else "batch"
    return "instance" if conv_bias_key in tensors else "none"


def same_keys(tensors: Tensors, config: dict[str, Any], reference: Tensors) -> Mapped:
    """The identity mapping plus the fixes every torch.nn layout needs.

    * InstanceNorm running statistics of old files, where the current layout has none (the junyanz loader
      deletes them too);
    * ``num_batches_tracked`` missing from PyTorch 0.3-era files (set to 0; only used by momentum=None).
    """
    out: dict[str, torch.Tensor] = {}
    notes: list[str] = []
    stale = [k for k in tensors if k not in reference and k.rsplit(".", 1)[-1] in
             ("running_mean", "running_var", "num_batches_tracked")
             and f"{k.rsplit('.', 1)[0]}.running_mean" not in reference]
    for k, v in tensors.items():
        if k not in stale:
            out[k] = v
    if stale:
        notes.append(f"removed {len(stale)} stale InstanceNorm running-statistics tensors "
                     f"(e.g. {stale[0]}); the network never uses them")
    filled = [k for k in reference if k.endswith("num_batches_tracked") and k not in out
              and k.replace("num_batches_tracked", "running_mean") in out]
    for k in filled:
        out[k] = torch.tensor(0, dtype=torch.long)
    if filled:
        notes.append(f"added {len(filled)} num_batches_tracked counters (set to 0) missing from an old file")
    return out, notes, []


# ---------------------------------------------------------------------------------------------
# PyTorch DCGAN example / tutorial


def _dcgan_detect(t: Tensors) -> bool:
    return ("main.0.weight" in t and t["main.0.weight"].dim() == 4 and all(k.startswith("main.") for k in t)
            and not any(re.match(r"main\.\d+\.main\.", k) for k in t))


def _dcgan_dropout(t: Tensors) -> float:
    """0.5 when a parameter-free layer follows every hidden ReLU (transposed convs at main.0, 4, 8, ...)."""
    idx = [int(k.split(".")[1]) for k in t if k.endswith(".weight") and t[k].dim() == 4]
    steps = {b - a for a, b in zip(idx, idx[1:])}
    return 0.5 if steps == {4} else 0.0


def _dcgan_config(first: tuple[int, ...], last: tuple[int, ...], n_convs: int) -> dict[str, Any] | None:
    if len(first) != 4 or first[2] not in (4, 7) or n_convs < 2:
        return None
    ups = n_convs - 1
    if first[1] % 2 ** (ups - 1):
        return None
    ngf = first[1] // 2 ** (ups - 1)
    return dict(latent_dim=first[0], ngf=ngf, ndf=ngf, channels=last[1], image_size=first[2] * 2 ** ups)


def _dcgan_infer(t: Tensors, source: Source) -> Inferred:
    convs = [k for k in t if k.endswith(".weight") and t[k].dim() == 4]
    cfg = _dcgan_config(tuple(t[convs[0]].shape), tuple(t[convs[-1]].shape), len(convs))
    if cfg is None:
        raise ConvertError(f"main.0.weight {list(t['main.0.weight'].shape)} is not a DCGAN generator's first "
                           "transposed convolution [nz, 8*ngf, 4, 4]: another network that names its layers main.*")
    notes: list[str] = []
    if _dcgan_dropout(t):
        cfg["g_dropout"] = 0.5
        notes.append("a parameter-free layer follows every hidden ReLU (keys main.0, 4, 8, ...): read as Dropout, "
                     "p=0.5 assumed (it only acts in train mode)")
    if source.extras.get("discriminator"):
        _discriminator_widths(source, cfg, notes)
    else:
        notes.append("ndf (discriminator width) is not in a generator file; set equal to ngf")
    return Inferred(cfg, notes, {"description": "DCGAN generator converted from the PyTorch DCGAN example layout."})


def _dcgan_candidates(shapes: Shapes) -> list[dict[str, Any]]:
    w = _four_d(shapes)
    cfg = _dcgan_config(w[0], w[-1], len(w)) if w else None
    return [cfg] if cfg else []


def _cgan_onehot_infer(t: Tensors, source: Source) -> Inferred:
    """A DCGAN-layout generator whose first transposed conv takes z joined to a one-hot label."""
    base = _dcgan_infer(t, source)
    hub = source.extras.get("hub_config") or {}
    k = (source.extras.get("overrides") or {}).get("num_classes") or hub.get("num_classes") or hub.get("n_classes")
    if not isinstance(k, int) or k < 2:
        raise ConvertError("the number of classes is not in the weights: pass --set num_classes=K "
                           "(the first layer takes latent_dim + K inputs)")
    nz = base.config["latent_dim"] - k
    if nz < 1:
        raise ConvertError(f"the first layer takes {base.config['latent_dim']} inputs, not more than {k} classes")
    cfg = {k_: v for k_, v in base.config.items() if k_ not in ("layout", "g_dropout")}
    cfg.update(num_classes=k, latent_dim=nz, embed_dim=k, embedding="onehot")
    notes = [f"one-hot conditional DCGAN: z {nz} joined to a one-hot label of {k} classes (label after z)"]
    notes += [n for n in base.notes if not n.startswith("a parameter-free")]
    return Inferred(cfg, notes, {"description": "Conditional DCGAN (one-hot label joined to z) converted from the "
                                                "PyTorch DCGAN layout."})


# ---------------------------------------------------------------------------------------------
# PyTorch-StudioGAN deep_conv (its CIFAR-10 DCGAN)


def _studiogan_detect(t: Tensors) -> bool:
    """The unconditional deep_conv generator only: plain BatchNorm (running stats), no attention, no spectral norm."""
    blocks = {k.split(".")[1] for k in t if k.startswith("blocks.")}
    return ("linear0.weight" in t and "conv4.weight" in t and bool(blocks)
            and all(f"blocks.{b}.0.bn0.running_mean" in t and f"blocks.{b}.0.deconv0.weight" in t for b in blocks)
            and all(re.match(r"(linear0|conv4)\.(weight|bias)$|blocks\.\d+\.0\.(deconv0|bn0)\.", k) for k in t))


def _studiogan_infer(t: Tensors, source: Source) -> Inferred:
    n = len({k.split(".")[1] for k in t if k.startswith("blocks.")})
    conv4 = t["conv4.weight"]
    nz = int(t["linear0.weight"].shape[1])
    cfg = dict(layout="studiogan", latent_dim=nz, ngf=int(conv4.shape[1]), ndf=int(conv4.shape[1]),
               channels=int(conv4.shape[0]), image_size=4 * 2**n)
    if int(t["linear0.weight"].shape[0]) != cfg["ngf"] * 2**n * 16:
        raise ConvertError(f"linear0.weight {list(t['linear0.weight'].shape)} does not give "
                           f"[{cfg['ngf'] * 2**n}, 4, 4]")
    notes = [f"StudioGAN deep_conv generator: z {nz}, {cfg['image_size']} px",
             "the activation is set by the run's config (g_act_fn), not the weights: ReLU assumed, StudioGAN's "
             "default and its DCGAN configs' value"]
    return Inferred(cfg, notes, {"description": "DCGAN generator converted from PyTorch-StudioGAN (deep_conv)."})


# ---------------------------------------------------------------------------------------------
# junyanz pix2pix (UnetGenerator)


def _pix2pix_detect(t: Tensors) -> bool:
    return "model.model.0.weight" in t and "model.model.3.weight" in t


def _unet_config(first: tuple[int, ...], last: tuple[int, ...], n_convs: int, norm: str) -> dict[str, Any] | None:
    if len(first) != 4 or first[2:] != (4, 4) or n_convs % 2 or n_convs < 10:
        return None
    num_downs = n_convs // 2
    return dict(in_channels=first[1], channels=last[1], ngf=first[0], ndf=64, n_layers_D=3, num_downs=num_downs,
                image_size=2 ** num_downs, norm=norm, use_dropout=True)


def _pix2pix_infer(t: Tensors, source: Source) -> Inferred:
    convs = [k for k in t if k.endswith(".weight") and t[k].dim() == 4]
    norm = _norm_of(t, "model.model.1.model.2.weight", "model.model.1.model.1.bias")
    cfg = _unet_config(tuple(t["model.model.0.weight"].shape), tuple(t["model.model.3.weight"].shape), len(convs), norm)
    if cfg is None:
        raise ConvertError("the model.model.* tensors do not form a junyanz UnetGenerator")
    notes = [f"unet_{2 ** cfg['num_downs']} ({cfg['num_downs']} levels), {norm} norm",
             "dropout has no weights: assumed on, as in pix2pix training (pass --set use_dropout=false "
             "for a model trained with --no_dropout)"]
    _discriminator_widths(source, cfg, notes)
    meta = {"description": f"pix2pix unet_{2 ** cfg['num_downs']} generator converted from the junyanz layout.",
            "preprocess": {"resize": "bicubic", "size": cfg["image_size"]}}
    return Inferred(cfg, notes, meta)


def _pix2pix_candidates(shapes: Shapes) -> list[dict[str, Any]]:
    w = _four_d(shapes)
    out = []
    for norm in ("batch", "instance", "instance_affine", "none"):
        cfg = _unet_config(w[0], w[-1], len(w), norm) if w else None
        if cfg:
            out.append(cfg)
    return out


# ---------------------------------------------------------------------------------------------
# junyanz CycleGAN (ResnetGenerator)


def _cyclegan_detect(t: Tensors) -> bool:
    return "model.1.weight" in t and any(".conv_block." in k for k in t)


def _resnet_config(first: tuple[int, ...], last: tuple[int, ...], n_convs: int, norm: str,
                   dropout: bool) -> dict[str, Any] | None:
    if len(first) != 4 or first[2:] != (7, 7) or n_convs < 6 or n_convs % 2:
        return None
    n_blocks = (n_convs - 6) // 2
    return dict(in_channels=first[1], channels=last[0], ngf=first[0], ndf=64, n_layers_D=3, n_blocks=n_blocks,
                image_size=256 if n_blocks >= 9 else 128, norm=norm, use_dropout=dropout)


def _cyclegan_infer(t: Tensors, source: Source) -> Inferred:
    convs = [k for k in t if k.endswith(".weight") and t[k].dim() == 4]
    norm = _norm_of(t, "model.2.weight", "model.1.bias")
    # with dropout the second conv of a block moves from conv_block.5 to conv_block.6 (stale InstanceNorm
    # statistics of old files also sit at conv_block.6, so look for the conv weight)
    dropout = any(k.endswith(".conv_block.6.weight") and t[k].dim() == 4 for k in t)
    cfg = _resnet_config(tuple(t["model.1.weight"].shape), tuple(t[convs[-1]].shape), len(convs), norm, dropout)
    blocks = _index_keys(t, r"model\.(\d+)\.conv_block\.")
    if cfg is None or len(blocks) != cfg["n_blocks"]:
        raise ConvertError("the model.* tensors do not form a junyanz ResnetGenerator")
    notes = [f"resnet_{cfg['n_blocks']}blocks, {norm} norm, dropout {'on' if dropout else 'off'}",
             f"training size is not in the weights: image_size set to {cfg['image_size']} "
             "(pass --set image_size=N to change it)"]
    _discriminator_widths(source, cfg, notes)
    meta = {"description": f"CycleGAN resnet_{cfg['n_blocks']}blocks generator converted from the junyanz layout.",
            "preprocess": {"resize": "bicubic", "size": cfg["image_size"]}}
    return Inferred(cfg, notes, meta)


def _cyclegan_candidates(shapes: Shapes) -> list[dict[str, Any]]:
    w = _four_d(shapes)
    out = []
    for norm in ("instance", "instance_affine", "batch", "none"):
        cfg = _resnet_config(w[0], w[-1], len(w), norm, False) if w else None
        if cfg:
            out.append(cfg)
    return out


# ---------------------------------------------------------------------------------------------
# yunjey StarGAN

CELEBA_ATTRIBUTES = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]


def _stargan_detect(t: Tensors) -> bool:
    return "main.0.weight" in t and any(re.match(r"main\.\d+\.main\.\d+\.weight$", k) for k in t)


def _stargan_config(first: tuple[int, ...], last: tuple[int, ...], n_convs: int) -> dict[str, Any] | None:
    if len(first) != 4 or first[2:] != (7, 7) or len(last) != 4 or n_convs < 6 or n_convs % 2:
        return None
    channels = last[0]
    if first[1] <= channels:
        return None
    return dict(c_dim=first[1] - channels, channels=channels, image_size=128, conv_dim=first[0],
                repeat_num=(n_convs - 6) // 2, d_conv_dim=64, d_repeat_num=6)


def _stargan_infer(t: Tensors, source: Source) -> Inferred:
    convs = [k for k in t if k.endswith(".weight") and t[k].dim() == 4]
    cfg = _stargan_config(tuple(t["main.0.weight"].shape), tuple(t[convs[-1]].shape), len(convs))
    if cfg is None:
        raise ConvertError("the main.* tensors do not form a yunjey StarGAN generator")
    notes: list[str] = []
    d = source.extras.get("discriminator")
    if d is not None and "conv2.weight" in d and "main.0.weight" in d:
        # the class head's kernel covers the whole final map: image_size = kernel * 2**d_repeat_num
        d_convs = _index_keys(d, r"main\.(\d+)\.weight$")
        k = int(d["conv2.weight"].shape[-1])
        cfg.update(d_repeat_num=len(d_convs), d_conv_dim=int(d["main.0.weight"].shape[0]),
                   image_size=k * 2 ** len(d_convs))
        notes.append(f"image size {cfg['image_size']} read from the discriminator's class head "
                     f"(kernel {k}, {len(d_convs)} stride-2 convs)")
    else:
        notes.append("image size is only in the discriminator: set to 128 (give the matching -D.ckpt with "
                     "--discriminator, or pass --set image_size=256)")
    meta: dict[str, Any] = {"description": "StarGAN generator converted from the yunjey layout."}
    if cfg["c_dim"] == 5:
        meta.update(attribute_names=list(CELEBA_ATTRIBUTES), attribute_groups=[CELEBA_ATTRIBUTES[:3]],
                    preprocess={"center_crop": 178, "resize": "bilinear"})
        notes.append("c_dim 5: attribute names assumed to be the CelebA defaults "
                     "(Black_Hair, Blond_Hair, Brown_Hair, Male, Young); pass --attributes to name them")
    elif cfg["c_dim"] == 8:
        meta.update(attribute_groups=None, preprocess={"center_crop": 256, "resize": "bilinear"})
        notes.append("c_dim 8: RaFD expressions (one-hot); pass --attributes to name them")
    return Inferred(cfg, notes, meta)


def _stargan_candidates(shapes: Shapes) -> list[dict[str, Any]]:
    w = _four_d(shapes)
    cfg = _stargan_config(w[0], w[-1], len(w)) if w else None
    return [cfg] if cfg else []


# ---------------------------------------------------------------------------------------------
# StyleGAN2: rosinality layout (ours) and NVlabs StyleGAN2-ADA


def _blur_taps(kernel2d: torch.Tensor) -> list[float] | None:
    """The separable 1-D taps of a normalised 2-D FIR kernel, as small integers when they are (1, 3, 3, 1)."""
    k = kernel2d.detach().double()
    if k.dim() != 2 or k.shape[0] != k.shape[1] or float(k.sum()) == 0:
        return None
    taps = k.sum(0)  # marginal of an outer product is proportional to the taps
    taps = taps / taps.min() if float(taps.min()) > 0 else taps
    outer = taps[:, None] * taps[None, :]
    if not torch.allclose(outer / outer.sum(), k / k.sum(), atol=1e-6):
        return None
    rounded = [round(float(v)) for v in taps]
    if all(abs(float(v) - r) < 1e-6 for v, r in zip(taps, rounded)):
        return rounded
    return [float(v) for v in taps]


def _fit_channels(widths: dict[int, int]) -> tuple[int, int, int] | None:
    """(channel_multiplier, channel_base, channel_max) giving ``widths`` (resolution -> channels)."""
    cmax = max(widths.values())
    below = {r: c for r, c in widths.items() if c < cmax}
    if not below:
        return 2, 16384, cmax  # rosinality's default; any multiplier gives these shapes
    for cm in (2, 1, 4, 8):  # rosinality's base 16384 with a multiplier, as its model.py
        if all(min(cmax, cm * 16384 // r) == c for r, c in widths.items()):
            return cm, 16384, cmax
    r0 = min(below)
    for base in range(below[r0] * r0, (below[r0] + 1) * r0):
        if all(min(cmax, base // r) == c for r, c in widths.items()):
            return 1, base, cmax
    return None


def _rosinality_detect(t: Tensors) -> bool:
    return "input.input" in t and "conv1.conv.weight" in t and "style.1.weight" in t


def _rosinality_infer(t: Tensors, source: Source) -> Inferred:
    n_rgb = len(_index_keys(t, r"to_rgbs\.(\d+)\."))
    size = 2 ** (n_rgb + 2)
    n_mlp = len(_index_keys(t, r"style\.(\d+)\.weight$"))
    style_dim = int(t["style.1.weight"].shape[1])
    widths = {4: int(t["input.input"].shape[1])}
    for j in range(n_rgb):
        widths[2 ** (j + 3)] = int(t[f"to_rgbs.{j}.conv.weight"].shape[2])
    fit = _fit_channels(widths)
    if fit is None:
        raise ConvertError(f"channel widths {widths} follow no min(channel_max, multiplier * base / R) rule")
    cm, base, cmax = fit
    taps = _blur_taps(t["convs.0.conv.blur.kernel"]) if "convs.0.conv.blur.kernel" in t else [1, 3, 3, 1]
    if taps is None:
        raise ConvertError("the blur kernel is not a separable FIR filter")
    cfg = dict(image_size=size, style_dim=style_dim, n_mlp=n_mlp, channel_multiplier=cm, channel_base=base,
               channel_max=cmax, channels=int(t["to_rgb1.conv.weight"].shape[1]), blur_kernel=taps, lr_mlp=0.01)
    notes = [f"{size} px, {n_mlp} mapping layers, style_dim {style_dim}, channel multiplier {cm}"
             + ("" if any(c < cmax for c in widths.values()) else " (any multiplier fits below 64 px)"),
             "lr_mlp (mapping learning-rate multiplier) is not in the weights: 0.01, rosinality's default"]
    args = source.extras.get("args")
    if isinstance(args, dict):
        for ours, theirs in (("image_size", "size"), ("n_mlp", "n_mlp"), ("style_dim", "latent"),
                             ("channel_multiplier", "channel_multiplier")):
            if theirs in args and args[theirs] != cfg[ours] and not (ours == "channel_multiplier" and
                                                                   all(c == cmax for c in widths.values())):
                notes.append(f"training args say {theirs}={args[theirs]}, the weights say {ours}={cfg[ours]}")
        if "channel_multiplier" in args and all(c == cmax for c in widths.values()):
            cfg["channel_multiplier"] = int(args["channel_multiplier"])
    return Inferred(cfg, notes, {"description": f"StyleGAN2 {size} px generator converted from the rosinality layout."})


def _rosinality_to_ours(t: Tensors, config: dict[str, Any], reference: Tensors) -> Mapped:
    out, notes, _ = same_keys({k: v for k, v in t.items() if k != "latent_avg"}, config, reference)
    if "latent_avg" in t:
        out["latent_avg"] = t["latent_avg"].reshape(-1)
    return out, notes, []


def _nvlabs_detect(t: Tensors) -> bool:
    return "synthesis.b4.const" in t and "mapping.fc0.weight" in t


def _nvlabs_infer(t: Tensors, source: Source) -> Inferred:
    kw = source.extras.get("init_kwargs") or {}
    if "mapping.embed.weight" in t or int(kw.get("c_dim") or 0) > 0:
        raise ConvertError("this is a class-conditional StyleGAN2-ADA generator (mapping.embed); GAN Studio's "
                           "stylegan2 family is unconditional, so it cannot be converted")
    if any(k.endswith(".skip.weight") for k in t if k.startswith("synthesis.")):
        raise ConvertError("this generator uses the 'resnet' synthesis architecture; only 'skip' (StyleGAN2's) converts")
    res = sorted(int(r) for r in _index_keys(t, r"synthesis\.b(\d+)\."))
    missing_rgb = [r for r in res if f"synthesis.b{r}.torgb.weight" not in t]
    if missing_rgb:
        raise ConvertError(f"blocks {missing_rgb} have no torgb: the 'orig' synthesis architecture does not convert")
    size = res[-1]
    n_mlp = len(_index_keys(t, r"mapping\.fc(\d+)\.weight$"))
    z_dim = int(t["mapping.fc0.weight"].shape[1])
    w_dim = int(t[f"mapping.fc{n_mlp - 1}.weight"].shape[0])
    widths = {r: int(t[f"synthesis.b{r}.conv1.weight"].shape[0]) for r in res}
    if z_dim != w_dim or any(int(t[f"mapping.fc{i}.weight"].shape[0]) != w_dim for i in range(n_mlp)):
        raise ConvertError(f"z_dim {z_dim} / mapping widths differ from w_dim {w_dim}; ours needs one style_dim")
    fit = _fit_channels(widths)
    if fit is None:
        raise ConvertError(f"channel widths {widths} follow no min(channel_max, channel_base / R) rule")
    cm, base, cmax = fit
    taps = _blur_taps(t[f"synthesis.b{res[1]}.resample_filter"]) if len(res) > 1 and \
        f"synthesis.b{res[1]}.resample_filter" in t else [1, 3, 3, 1]
    if taps is None:
        raise ConvertError("the resample filter is not a separable FIR filter")
    mk = kw.get("mapping_kwargs") or {}
    lr_mlp = float(mk.get("lr_multiplier", 0.01))
    cfg = dict(image_size=size, style_dim=w_dim, n_mlp=n_mlp, channel_multiplier=cm, channel_base=base,
               channel_max=cmax, channels=int(t[f"synthesis.b{size}.torgb.weight"].shape[0]),
               blur_kernel=taps, lr_mlp=lr_mlp)
    notes = [f"{size} px, {n_mlp} mapping layers, w_dim {w_dim}, NVlabs channel_base {cm * base}, "
             f"channel_max {cmax}"]
    sk = kw.get("synthesis_kwargs") or {}
    if sk.get("conv_clamp") is not None:
        notes.append(f"the source clamps conv outputs to +-{sk['conv_clamp']} (an fp16 safeguard); GAN Studio "
                     "does not, which only changes outputs where activations exceed it")
    if not kw:
        notes.append("mapping lr multiplier not recorded in a bare state dict: 0.01, the NVlabs default")
    meta = {"description": f"StyleGAN2 {size} px generator converted from NVlabs StyleGAN2-ADA ({source.container or 'G'})."}
    return Inferred(cfg, notes, meta)


def _nvlabs_to_ours(t: Tensors, config: dict[str, Any], reference: Tensors) -> Mapped:
    out: dict[str, torch.Tensor] = {}
    notes: list[str] = []
    used: set[str] = set()
    pairs: list[tuple[str, str]] = []

    def put(ours: str, theirs: str, shape: Sequence[int] | None = None) -> None:
        v = t[theirs]
        out[ours] = v.reshape(shape) if shape is not None else v
        used.add(theirs)
        pairs.append((theirs, ours))

    for i in range(config["n_mlp"]):
        put(f"style.{i + 1}.weight", f"mapping.fc{i}.weight")
        put(f"style.{i + 1}.bias", f"mapping.fc{i}.bias")
    if "mapping.w_avg" in t:
        put("latent_avg", "mapping.w_avg")
    c4 = t["synthesis.b4.const"]
    put("input.input", "synthesis.b4.const", (1, *c4.shape))

    log_size = int(math.log2(config["image_size"]))
    layers = [("conv1", "synthesis.b4.conv1", 0)]
    for j in range(log_size - 2):
        r = 2 ** (j + 3)
        layers += [(f"convs.{2 * j}", f"synthesis.b{r}.conv0", 2 * j + 1),
                   (f"convs.{2 * j + 1}", f"synthesis.b{r}.conv1", 2 * j + 2)]
    no_noise = 0
    for ours, theirs, k in layers:
        w = t[f"{theirs}.weight"]
        put(f"{ours}.conv.weight", f"{theirs}.weight", (1, *w.shape))
        put(f"{ours}.conv.modulation.weight", f"{theirs}.affine.weight")
        put(f"{ours}.conv.modulation.bias", f"{theirs}.affine.bias")
        put(f"{ours}.activate.bias", f"{theirs}.bias")
        if f"{theirs}.noise_strength" in t:
            put(f"{ours}.noise.weight", f"{theirs}.noise_strength", (1,))
            put(f"noises.noise_{k}", f"{theirs}.noise_const", (1, 1, *t[f"{theirs}.noise_const"].shape))
        else:  # use_noise=False: a zero noise weight is the same network
            out[f"{ours}.noise.weight"] = torch.zeros(1)
            out[f"noises.noise_{k}"] = reference[f"noises.noise_{k}"].clone()
            no_noise += 1
        used.add(f"{theirs}.resample_filter")
    if no_noise:
        notes.append(f"{no_noise} layers had no noise input; their noise weight is set to 0")
    for j in range(-1, log_size - 2):
        ours, theirs = ("to_rgb1", "synthesis.b4.torgb") if j < 0 else (f"to_rgbs.{j}", f"synthesis.b{2 ** (j + 3)}.torgb")
        w = t[f"{theirs}.weight"]
        put(f"{ours}.conv.weight", f"{theirs}.weight", (1, *w.shape))
        put(f"{ours}.conv.modulation.weight", f"{theirs}.affine.weight")
        put(f"{ours}.conv.modulation.bias", f"{theirs}.affine.bias")
        put(f"{ours}.bias", f"{theirs}.bias", (1, -1, 1, 1))
    used |= {k for k in t if k.endswith("resample_filter")}
    # fixed FIR kernels: NVlabs keeps one normalised filter per block, ours stores the scaled kernels
    for k, v in reference.items():
        if k not in out and (k.endswith("blur.kernel") or k.endswith("upsample.kernel")):
            out[k] = v.clone()
    if "latent_avg" not in out:
        notes.append("no mapping.w_avg in the file: latent_avg is computed from 4096 random z (seed 0)")
    left = sorted(set(t) - used)
    if left:
        raise ConvertError(f"NVlabs tensors with no place in StyleGAN2: {left[:8]}")
    return out, notes, pairs


# ---------------------------------------------------------------------------------------------
# the table

_JUNYANZ_LICENCE = ("junyanz/pytorch-CycleGAN-and-pix2pix is BSD-licensed; the licence of weights follows "
                    "their release and training data")

PRESETS: dict[str, Preset] = {}


def _add(p: Preset) -> None:
    PRESETS[p.name] = p


_add(Preset("dcgan", "dcgan", "PyTorch DCGAN example / tutorial generator (netG_epoch_N.pth)",
            "pytorch/examples dcgan/main.py", "pytorch/examples is BSD-3-Clause; weights follow their training data",
            _dcgan_detect, _dcgan_infer, same_keys, _dcgan_candidates, aliases=("pytorch-dcgan",)))
_add(Preset("studiogan-dcgan", "dcgan", "PyTorch-StudioGAN unconditional deep_conv generator (its CIFAR-10 DCGAN)",
            "POSTECH-CVLab/PyTorch-StudioGAN src/models/deep_conv.py",
            "PyTorch-StudioGAN is MIT-licensed; the licence of weights follows their release and training data",
            _studiogan_detect, _studiogan_infer, same_keys))
_add(Preset("cgan-onehot", "cgan", "conditional DCGAN: one-hot label joined to z, PyTorch DCGAN keys (main.*); "
            "only with --preset and --set num_classes=K", "pytorch/examples dcgan/main.py (conditioned)",
            "weights follow their release and training data", _dcgan_detect, _cgan_onehot_infer, same_keys,
            require=(("embedding", "onehot"),)))
_add(Preset("pix2pix", "pix2pix", "junyanz pix2pix UnetGenerator (latest_net_G.pth; unet_128 or unet_256)",
            "junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py", _JUNYANZ_LICENCE,
            _pix2pix_detect, _pix2pix_infer, same_keys, _pix2pix_candidates))
_add(Preset("pix2pix-unet256", "pix2pix", "junyanz pix2pix unet_256", "junyanz/pytorch-CycleGAN-and-pix2pix "
            "models/networks.py", _JUNYANZ_LICENCE, _pix2pix_detect, _pix2pix_infer, same_keys,
            require=(("num_downs", 8),)))
_add(Preset("pix2pix-unet128", "pix2pix", "junyanz pix2pix unet_128", "junyanz/pytorch-CycleGAN-and-pix2pix "
            "models/networks.py", _JUNYANZ_LICENCE, _pix2pix_detect, _pix2pix_infer, same_keys,
            require=(("num_downs", 7),)))
_add(Preset("cyclegan", "cyclegan", "junyanz CycleGAN ResnetGenerator (latest_net_G_A.pth; 6 or 9 blocks)",
            "junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py", _JUNYANZ_LICENCE,
            _cyclegan_detect, _cyclegan_infer, same_keys, _cyclegan_candidates))
_add(Preset("cyclegan-resnet9", "cyclegan", "junyanz CycleGAN resnet_9blocks", "junyanz/pytorch-CycleGAN-and-pix2pix "
            "models/networks.py", _JUNYANZ_LICENCE, _cyclegan_detect, _cyclegan_infer, same_keys,
            require=(("n_blocks", 9),)))
_add(Preset("cyclegan-resnet6", "cyclegan", "junyanz CycleGAN resnet_6blocks", "junyanz/pytorch-CycleGAN-and-pix2pix "
            "models/networks.py", _JUNYANZ_LICENCE, _cyclegan_detect, _cyclegan_infer, same_keys,
            require=(("n_blocks", 6),)))
_add(Preset("stargan", "stargan", "yunjey StarGAN generator (200000-G.ckpt)", "yunjey/stargan model.py",
            "yunjey/stargan is MIT-licensed; CelebA / RaFD weights are for non-commercial research",
            _stargan_detect, _stargan_infer, same_keys, _stargan_candidates))
_add(Preset("stylegan2-rosinality", "stylegan2", "rosinality stylegan2-pytorch generator (g_ema, latent_avg)",
            "rosinality/stylegan2-pytorch model.py",
            "rosinality/stylegan2-pytorch is MIT-licensed; weights converted from NVIDIA's follow NVIDIA's licence",
            _rosinality_detect, _rosinality_infer, _rosinality_to_ours, aliases=("rosinality",)))
_add(Preset("stylegan2-ada", "stylegan2", "NVlabs StyleGAN2-ADA network pickle (G_ema)",
            "NVlabs/stylegan2-ada-pytorch training/networks.py",
            "NVIDIA Source Code License-NC: research and evaluation only, non-commercial",
            _nvlabs_detect, _nvlabs_infer, _nvlabs_to_ours, formats=("nvlabs_pkl", "state_dict"),
            license_id="other", aliases=("nvlabs", "stylegan2-ada-pytorch")))


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (or one of its aliases); :class:`ConvertError` lists the known ones."""
    if name in PRESETS:
        return PRESETS[name]
    for p in PRESETS.values():
        if name in p.aliases:
            return p
    raise ConvertError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")


def unsupported_layout(t: Tensors) -> str | None:
    """A clear refusal for layouts we recognise but cannot represent, else None."""
    if "synthesis.input.affine.weight" in t or any(re.match(r"synthesis\.L\d+_\d+_\d+\.", k) for k in t):
        return ("this is a StyleGAN3 generator (synthesis.input / L*_ layers: alias-free, no noise inputs). "
                "GAN Studio has no StyleGAN3 family, so it cannot be converted")
    if any(k.startswith(("G_mapping/", "G_synthesis/")) for k in t):
        return "this is a TensorFlow StyleGAN checkpoint; convert it with NVlabs' legacy.py first"
    if any(k.startswith("linear0.") for k in t) and any(re.match(r"blocks\.\d+\.\d+\.", k) for k in t) \
            and not _studiogan_detect(t):
        return ("this is a PyTorch-StudioGAN generator (linear0 + blocks.N.0.*): its layout, spectral-norm tensors "
                "and (in conditional models) class-conditional batch norm have no GAN Studio family variant, and its "
                "activation is set by the run's config, not the weights. Closest supported layout: dcgan "
                "(studiogan-dcgan: StudioGAN's unconditional deep_conv generator); it cannot be converted")
    return None


__all__ = ["CELEBA_ATTRIBUTES", "ConvertError", "NeedsArguments", "Inferred", "PRESETS", "Preset", "Source",
           "get_preset",
           "same_keys", "unsupported_layout"]
