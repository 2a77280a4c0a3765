"""Presets for eriklindernoren/PyTorch-GAN's generators and the Hub's ``huggan/*`` repos that reuse them.

PyTorch-GAN's scripts save plain state dicts (``generator_N.pth``, ``G_AB_N.pth``); the huggan repos hold
the same networks as ``pytorch_model.bin`` or ``model.safetensors`` beside a ``config.json`` of constructor
arguments (``{"in_channels": 3, "out_channels": 3}``, ``{"input_shape": [3, 256, 256],
"num_residual_blocks": 9}``), which :func:`ganstudio.convert.convert` passes on as ``source.extras
["hub_config"]``. Our families build these networks with ``layout="pytorch-gan"`` (or, for CycleGAN,
``upsample="resize"``) under the published key names, so most presets only read the config off the shapes.

What the weights cannot tell is never guessed:

* a ``l1`` / ``conv_blocks`` generator with no label embedding is PyTorch-GAN's DCGAN *or* its InfoGAN (whose
  input joins z, a one-hot class and continuous codes): both presets fit, so the file is refused with the
  two preset names unless its ``config.json`` says which (``n_classes`` / ``code_dim``);
* ACGAN and SGAN generators have the same keys and shapes (SGAN keeps an unused ``label_emb``), but ACGAN
  multiplies z by the label embedding and SGAN ignores it: refused the same way unless the config names
  ``n_classes`` (ACGAN's argument) or ``num_classes`` (SGAN's).
"""

from __future__ import annotations

import math
import re
from typing import Any

import torch

from .presets import (CELEBA_ATTRIBUTES, PRESETS, ConvertError, Inferred, Mapped, NeedsArguments, Preset, Source,
                      Tensors, same_keys)

PG_REFERENCE = "eriklindernoren/PyTorch-GAN implementations/"
PG_LICENCE = ("eriklindernoren/PyTorch-GAN is MIT-licensed; the licence of weights follows their release "
              "and training data")
HUGGAN_LICENCE = ("huggingface/community-events (huggan) is Apache-2.0; the licence of weights is the Hub "
                  "repo's")


def _hub(source: Source) -> dict[str, Any]:
    cfg = source.extras.get("hub_config")
    return cfg if isinstance(cfg, dict) else {}


def _hub_size(source: Source, default: int, notes: list[str], what: str = "image_size") -> int:
    """The training side from a huggan config.json (input_shape / img_shape / img_size), else ``default``."""
    cfg = _hub(source)
    for key in ("input_shape", "img_shape"):
        shape = cfg.get(key)
        if isinstance(shape, (list, tuple)) and len(shape) == 3 and isinstance(shape[1], int):
            return int(shape[1])
    for key in ("img_size", "image_size", "img_height"):
        if isinstance(cfg.get(key), int):
            return int(cfg[key])
    notes.append(f"training size is not in the weights: {what} set to {default} (pass --set {what}=N to change it)")
    return default


def _linear_weights(t: Tensors, prefix: str) -> list[str]:
    return [k for k in t if k.startswith(prefix) and k.endswith(".weight") and t[k].dim() == 2]


def _square_image(numel: int, source: Source) -> tuple[int, int] | None:
    """(channels, side) of a flattened image of ``numel`` values: the config's, else 1 x s*s or 3 x s*s."""
    cfg = _hub(source)
    if isinstance(cfg.get("channels"), int) and isinstance(cfg.get("img_size"), int):
        return int(cfg["channels"]), int(cfg["img_size"])
    for c in (1, 3):
        s = math.isqrt(numel // c)
        if numel % c == 0 and s * s * c == numel:
            return c, s
    return None


# ---------------------------------------------------------------------------------------------
# l1 + conv_blocks (DCGAN, LSGAN, ACGAN, SGAN, InfoGAN)


def _conv_stack_detect(t: Tensors) -> bool:
    return "l1.0.weight" in t and any(k.startswith("conv_blocks.") for k in t) and \
        all(k.startswith(("l1.", "conv_blocks.", "label_emb.")) for k in t)


def _conv_stack(t: Tensors) -> dict[str, Any]:
    """in_features, ngf, channels, image_size, first_norm of a ``l1`` / ``conv_blocks`` generator."""
    convs = [k for k in t if k.startswith("conv_blocks.") and k.endswith(".weight") and t[k].dim() == 4]
    last = t[convs[-1]]
    ngf = int(last.shape[1])
    out, in_features = (int(s) for s in t["l1.0.weight"].shape)
    init = math.isqrt(out // (2 * ngf)) if out % (2 * ngf) == 0 else 0
    if init * init * 2 * ngf != out:
        raise ConvertError(f"l1.0.weight {list(t['l1.0.weight'].shape)} is not a Linear to [{2 * ngf}, S/4, S/4]")
    first_norm = t.get("conv_blocks.0.weight") is not None and t["conv_blocks.0.weight"].dim() == 1
    return dict(in_features=in_features, ngf=ngf, channels=int(last.shape[0]), image_size=4 * init,
                first_norm=first_norm)


def _no_label(t: Tensors, what: str) -> None:
    if "label_emb.weight" in t:
        raise ConvertError(f"the file has a label embedding (label_emb): not PyTorch-GAN's {what} generator")


def _dcgan_infer(t: Tensors, source: Source) -> Inferred:
    _no_label(t, "DCGAN")
    s = _conv_stack(t)
    if not s["first_norm"]:
        raise ConvertError("conv_blocks starts with a convolution: PyTorch-GAN's LSGAN generator, not its DCGAN")
    if {"n_classes", "code_dim"} & set(_hub(source)):
        raise ConvertError("config.json names n_classes / code_dim: an InfoGAN generator, not a DCGAN")
    cfg = dict(layout="pytorch-gan", latent_dim=s["in_features"], ngf=s["ngf"], ndf=s["ngf"] // 2,
               channels=s["channels"], image_size=s["image_size"])
    notes = [f"PyTorch-GAN DCGAN generator: z {s['in_features']}, {s['image_size']} px, {s['channels']} channels"]
    return Inferred(cfg, notes, {"description": "DCGAN generator converted from eriklindernoren/PyTorch-GAN."})


def _lsgan_infer(t: Tensors, source: Source) -> Inferred:
    _no_label(t, "LSGAN")
    s = _conv_stack(t)
    if s["first_norm"]:
        raise ConvertError("conv_blocks starts with a BatchNorm: not PyTorch-GAN's LSGAN generator")
    cfg = dict(layout="pytorch-gan", g_first_norm=False, latent_dim=s["in_features"], ngf=s["ngf"],
               ndf=s["ngf"] // 2, channels=s["channels"], image_size=s["image_size"])
    notes = [f"PyTorch-GAN LSGAN generator: z {s['in_features']}, {s['image_size']} px, {s['channels']} channels"]
    return Inferred(cfg, notes, {"description": "LSGAN generator converted from eriklindernoren/PyTorch-GAN.",
                                 "training": {"loss": "lsgan"}})


def _labelled_infer(family: str, arg: str, other: str):
    def infer(t: Tensors, source: Source) -> Inferred:
        if "label_emb.weight" not in t:
            raise ConvertError(f"no label embedding (label_emb): not PyTorch-GAN's {family.upper()} generator")
        if other in _hub(source) and arg not in _hub(source):
            raise ConvertError(f"config.json names {other}, which is not PyTorch-GAN's {family.upper()} argument")
        s = _conv_stack(t)
        k, nz = (int(v) for v in t["label_emb.weight"].shape)
        if nz != s["in_features"]:
            raise ConvertError(f"label_emb.weight {[k, nz]} does not match l1's input {s['in_features']}")
        cfg = dict(layout="pytorch-gan", num_classes=k, latent_dim=nz, ngf=s["ngf"], ndf=s["ngf"] // 2,
                   channels=s["channels"], image_size=s["image_size"])
        notes = [f"PyTorch-GAN {family.upper()} generator: {k} classes, z {nz}, {s['image_size']} px"]
        if family == "sgan":
            notes.append("label_emb is kept as published; SGAN's generator never uses it (it is unconditional)")
        return Inferred(cfg, notes, {"description": f"{family.upper()} generator converted from "
                                                    "eriklindernoren/PyTorch-GAN."})
    return infer


def _infogan_infer(t: Tensors, source: Source) -> Inferred:
    _no_label(t, "InfoGAN")
    s = _conv_stack(t)
    if not s["first_norm"]:
        raise ConvertError("conv_blocks starts with a convolution: PyTorch-GAN's LSGAN generator, not its InfoGAN")
    given = source.extras.get("overrides") or {}  # --set num_classes / num_continuous win over config.json
    hub = {**_hub(source), **{theirs: given[ours] for ours, theirs in (("num_classes", "n_classes"),
                                                                      ("num_continuous", "code_dim"))
                              if isinstance(given.get(ours), int)}}
    notes: list[str] = []
    k = hub.get("n_classes")
    code = hub.get("code_dim")
    if not isinstance(k, int) or not isinstance(code, int):
        if source.extras.get("preset") != "pytorch-gan-infogan":
            raise NeedsArguments(f"PyTorch-GAN InfoGAN needs the split of l1's {s['in_features']} inputs into z, "
                                 "classes and codes: --preset pytorch-gan-infogan --set num_classes=K "
                                 "--set num_continuous=C")
        k, code = (k if isinstance(k, int) else 10), (code if isinstance(code, int) else 2)
        notes.append(f"the split of l1's {s['in_features']} inputs into z, classes and codes is not in the "
                     f"weights: {k} classes and {code} codes assumed (PyTorch-GAN's defaults; --set num_classes / "
                     "num_continuous to change)")
    latent = s["in_features"] - k - code
    if latent < 1:
        raise ConvertError(f"l1 takes {s['in_features']} inputs, fewer than {k} classes + {code} codes + z")
    cfg = dict(layout="pytorch-gan", latent_dim=latent, num_classes=k, num_continuous=code, ngf=s["ngf"],
               ndf=s["ngf"] // 2, channels=s["channels"], image_size=s["image_size"])
    notes.insert(0, f"PyTorch-GAN InfoGAN generator: z {latent}, {k} classes, {code} codes, {s['image_size']} px")
    return Inferred(cfg, notes, {"description": "InfoGAN generator converted from eriklindernoren/PyTorch-GAN."})


# ---------------------------------------------------------------------------------------------
# MLP generators (GAN / WGAN / WGAN-GP, CGAN)


def _mlp_detect(t: Tensors) -> bool:
    return "model.0.weight" in t and t["model.0.weight"].dim() == 2 and \
        all(k.startswith(("model.", "label_emb.")) for k in t)


def _mlp_shape(t: Tensors, source: Source) -> tuple[int, list[int], int, int]:
    lin = _linear_weights(t, "model.")
    if len(lin) < 2:
        raise ConvertError("model.* holds fewer than two Linear layers")
    hidden = [int(t[k].shape[0]) for k in lin[:-1]]
    numel = int(t[lin[-1]].shape[0])
    img = _square_image(numel, source)
    if img is None:
        raise ConvertError(f"the last Linear gives {numel} values: not a square 1- or 3-channel image "
                           "(give config.json or --set channels=C --set image_size=S)")
    return int(t[lin[0]].shape[1]), hidden, img[0], img[1]


def _mlp_infer(t: Tensors, source: Source) -> Inferred:
    _no_label(t, "GAN / WGAN")
    nz, hidden, c, s = _mlp_shape(t, source)
    cfg = dict(layout="pytorch-gan", latent_dim=nz, g_hidden=hidden, channels=c, image_size=s)
    notes = [f"PyTorch-GAN fully connected generator (gan / wgan / wgan_gp): z {nz}, hidden {hidden}, {c}x{s}x{s}",
             "the training loss (GAN, WGAN or WGAN-GP) is not in the weights; sampling does not depend on it"]
    return Inferred(cfg, notes, {"description": "Fully connected generator converted from "
                                                "eriklindernoren/PyTorch-GAN."})


def _cgan_infer(t: Tensors, source: Source) -> Inferred:
    if "label_emb.weight" not in t:
        raise ConvertError("no label embedding (label_emb): not PyTorch-GAN's CGAN generator")
    k, e = (int(v) for v in t["label_emb.weight"].shape)
    if k != e:
        raise ConvertError(f"label_emb.weight {[k, e]} is not PyTorch-GAN's Embedding(n_classes, n_classes)")
    n_in, hidden, c, s = _mlp_shape(t, source)
    cfg = dict(layout="pytorch-gan", num_classes=k, embed_dim=k, latent_dim=n_in - k, g_hidden=hidden, channels=c,
               image_size=s)
    notes = [f"PyTorch-GAN CGAN generator: {k} classes, z {n_in - k}, hidden {hidden}, {c}x{s}x{s}"]
    return Inferred(cfg, notes, {"description": "CGAN generator converted from eriklindernoren/PyTorch-GAN."})


# ---------------------------------------------------------------------------------------------
# U-Nets (pix2pix, DiscoGAN)


def _unet_detect(t: Tensors) -> bool:
    return "down1.model.0.weight" in t and "final.2.weight" in t


def _unet_shape(t: Tensors) -> dict[str, Any]:
    downs = sorted({int(m.group(1)) for k in t if (m := re.match(r"down(\d+)\.", k))})
    ups = sorted({int(m.group(1)) for k in t if (m := re.match(r"up(\d+)\.", k))})
    if downs != list(range(1, len(downs) + 1)) or ups != list(range(1, len(downs))):
        raise ConvertError(f"down / up levels {downs} / {ups} do not form a PyTorch-GAN U-Net")
    w = t["down1.model.0.weight"]
    return dict(num_downs=len(downs), ngf=int(w.shape[0]), in_channels=int(w.shape[1]),
                channels=int(t["final.2.weight"].shape[0]), bias="down1.model.0.bias" in t)


def _pix2pix_infer(t: Tensors, source: Source) -> Inferred:
    u = _unet_shape(t)
    if u["bias"]:
        raise ConvertError("the U-Net's convolutions have biases: PyTorch-GAN's DiscoGAN generator, not its pix2pix")
    n = u["num_downs"]
    if n < 5:
        raise ConvertError(f"a {n}-level U-Net is not PyTorch-GAN's pix2pix generator (8 levels)")
    cfg = dict(layout="pytorch-gan", num_downs=n, ngf=u["ngf"], in_channels=u["in_channels"], channels=u["channels"],
               norm="instance", use_bias=False, down_dropout=n - 3, up_dropout=n - 4, image_size=2**n)
    notes = [f"PyTorch-GAN / huggan GeneratorUNet: {n} levels, {u['in_channels']} -> {u['channels']} channels",
             f"dropout has no weights: placed as the reference (down{n - 4}..down{n}, up1..up{n - 4})"]
    meta = {"description": "pix2pix GeneratorUNet converted from eriklindernoren/PyTorch-GAN (huggan layout).",
            "preprocess": {"resize": "bicubic", "size": 2**n}}
    return Inferred(cfg, notes, meta)


def _discogan_infer(t: Tensors, source: Source) -> Inferred:
    u = _unet_shape(t)
    if not u["bias"]:
        raise ConvertError("the U-Net's convolutions have no biases: PyTorch-GAN's pix2pix generator, not its DiscoGAN")
    notes = [f"PyTorch-GAN DiscoGAN GeneratorUNet: {u['num_downs']} levels"]
    size = _hub_size(source, 64, notes)
    cfg = dict(layout="pytorch-gan", unet_downs=u["num_downs"], ngf=u["ngf"], in_channels=u["in_channels"],
               channels=u["channels"], image_size=size)
    return Inferred(cfg, notes, {"description": "DiscoGAN generator converted from eriklindernoren/PyTorch-GAN."})


# ---------------------------------------------------------------------------------------------
# ResNet generators (CycleGAN, StarGAN)


def _cyclegan_detect(t: Tensors) -> bool:
    return "model.1.weight" in t and any(re.match(r"model\.\d+\.block\.\d+\.weight$", k) for k in t)


def _cyclegan_infer(t: Tensors, source: Source) -> Inferred:
    blocks = sorted({int(m.group(1)) for k in t if (m := re.match(r"model\.(\d+)\.block\.", k))})
    convs = [k for k in t if k.endswith(".weight") and t[k].dim() == 4 and ".block." not in k]
    first, last = t["model.1.weight"], t[convs[-1]]
    c_in, c_out = int(first.shape[1]), int(last.shape[0])
    if c_in != 3 or c_out != 3:
        raise ConvertError(f"GeneratorResNet pads by `channels` pixels around its 7x7 convs; only 3-channel images "
                           f"keep their size, this one has {c_in} -> {c_out}")
    notes = [f"PyTorch-GAN / huggan GeneratorResNet: {len(blocks)} residual blocks, Upsample + conv up-sampling"]
    hub = _hub(source)
    if isinstance(hub.get("num_residual_blocks"), int) and hub["num_residual_blocks"] != len(blocks):
        notes.append(f"config.json says num_residual_blocks={hub['num_residual_blocks']}, the weights {len(blocks)}")
    size = _hub_size(source, 256, notes)
    cfg = dict(in_channels=c_in, channels=c_out, ngf=int(first.shape[0]), n_blocks=len(blocks), norm="instance",
               use_dropout=False, upsample="resize", image_size=size)
    meta = {"description": "CycleGAN GeneratorResNet converted from eriklindernoren/PyTorch-GAN (huggan layout).",
            "preprocess": {"resize": "bicubic", "size": size}}
    return Inferred(cfg, notes, meta)


def _rename(t: Tensors, rules: list[tuple[str, str]]) -> tuple[dict[str, torch.Tensor], list[tuple[str, str]]]:
    out: dict[str, torch.Tensor] = {}
    pairs = []
    for k, v in t.items():
        new = k
        for pattern, repl in rules:
            new = re.sub(pattern, repl, new)
        out[new] = v
        if new != k:
            pairs.append((k, new))
    return out, pairs


def _cyclegan_to_ours(t: Tensors, config: dict[str, Any], reference: Tensors) -> Mapped:
    renamed, pairs = _rename(t, [(r"^(model\.\d+)\.block\.", r"\1.conv_block.")])
    out, notes, _ = same_keys(renamed, config, reference)
    return out, notes, pairs


def _stargan_detect(t: Tensors) -> bool:
    return "model.0.weight" in t and any(re.match(r"model\.\d+\.conv_block\.\d+\.weight$", k) for k in t)


def _stargan_infer(t: Tensors, source: Source) -> Inferred:
    convs = [k for k in t if k.endswith(".weight") and t[k].dim() == 4]
    first, last = t["model.0.weight"], t[convs[-1]]
    channels = int(last.shape[0])
    c_dim = int(first.shape[1]) - channels
    if c_dim < 1 or last.shape[-1] != 7:
        raise ConvertError("the model.* tensors do not form PyTorch-GAN's StarGAN GeneratorResNet")
    blocks = sorted({int(m.group(1)) for k in t if (m := re.match(r"model\.(\d+)\.conv_block\.", k))})
    notes = [f"PyTorch-GAN StarGAN GeneratorResNet: c_dim {c_dim}, {len(blocks)} residual blocks"]
    size = _hub_size(source, 128, notes)
    cfg = dict(c_dim=c_dim, channels=channels, conv_dim=int(first.shape[0]), repeat_num=len(blocks), image_size=size,
               final_bias=True)
    meta: dict[str, Any] = {"description": "StarGAN generator converted from eriklindernoren/PyTorch-GAN."}
    if c_dim == 5:
        meta.update(attribute_names=list(CELEBA_ATTRIBUTES), attribute_groups=[CELEBA_ATTRIBUTES[:3]],
                    preprocess={"resize": "bicubic"})
        notes.append("c_dim 5: attribute names assumed to be the reference's default selected_attrs (Black_Hair, "
                     "Blond_Hair, Brown_Hair, Male, Young); pass --attributes to name them")
    return Inferred(cfg, notes, meta)


def _stargan_to_ours(t: Tensors, config: dict[str, Any], reference: Tensors) -> Mapped:
    renamed, pairs = _rename(t, [(r"^model\.", "main."), (r"\.conv_block\.", ".main.")])
    out, notes, _ = same_keys(renamed, config, reference)
    return out, notes, pairs


# ---------------------------------------------------------------------------------------------
# huggan DCGAN (the PyTorch DCGAN tutorial's network under ``model``)


def _huggan_dcgan_detect(t: Tensors) -> bool:
    return "model.0.weight" in t and t["model.0.weight"].dim() == 4 and all(k.startswith("model.") for k in t) \
        and not any(".block." in k or ".conv_block." in k for k in t)


def _huggan_dcgan_infer(t: Tensors, source: Source) -> Inferred:
    convs = [k for k in t if k.endswith(".weight") and t[k].dim() == 4]
    first, last = t[convs[0]], t[convs[-1]]
    if len(convs) != 5 or first.shape[2:] != (4, 4):
        raise ConvertError(f"model.0.weight {list(first.shape)} is not huggan DCGAN's first transposed convolution "
                           "[latent_dim, 8*hidden_size, 4, 4] with 5 layers")
    cfg = dict(layout="dcgan", latent_dim=int(first.shape[0]), ngf=int(first.shape[1]) // 8,
               ndf=int(first.shape[1]) // 8, channels=int(last.shape[1]), image_size=64)
    hub = _hub(source)
    notes = [f"huggan DCGAN generator: z {cfg['latent_dim']}, hidden_size {cfg['ngf']}, 64 px"]
    for ours, theirs in (("latent_dim", "latent_dim"), ("ngf", "hidden_size"), ("channels", "num_channels")):
        if theirs in hub and hub[theirs] != cfg[ours]:
            raise ConvertError(f"config.json says {theirs}={hub[theirs]}, the weights {ours}={cfg[ours]}")
    return Inferred(cfg, notes, {"description": "DCGAN generator converted from a huggan (community-events) repo."})


def _huggan_dcgan_to_ours(t: Tensors, config: dict[str, Any], reference: Tensors) -> Mapped:
    renamed, pairs = _rename(t, [(r"^model\.", "main.")])
    out, notes, _ = same_keys(renamed, config, reference)
    return out, notes, pairs


# ---------------------------------------------------------------------------------------------
# the table


def _add(p: Preset) -> None:
    PRESETS[p.name] = p


def _pg(name: str, family: str, title: str, file: str, detect, infer, to_ours=same_keys,
        licence: str = PG_LICENCE) -> None:
    _add(Preset(name, family, title, PG_REFERENCE + file, licence, detect, infer, to_ours,
                formats=("state_dict",), license_id="", aliases=()))


_pg("pytorch-gan-dcgan", "dcgan", "PyTorch-GAN DCGAN generator (l1 + conv_blocks)", "dcgan/dcgan.py",
    _conv_stack_detect, _dcgan_infer)
_pg("pytorch-gan-lsgan", "dcgan", "PyTorch-GAN LSGAN generator (l1 + conv_blocks, no first BatchNorm)",
    "lsgan/lsgan.py", _conv_stack_detect, _lsgan_infer)
_pg("pytorch-gan-acgan", "acgan", "PyTorch-GAN ACGAN generator (label_emb x z, l1 + conv_blocks)",
    "acgan/acgan.py", _conv_stack_detect, _labelled_infer("acgan", "n_classes", "num_classes"))
_pg("pytorch-gan-sgan", "sgan", "PyTorch-GAN SGAN generator (l1 + conv_blocks, unused label_emb)",
    "sgan/sgan.py", _conv_stack_detect, _labelled_infer("sgan", "num_classes", "n_classes"))
_pg("pytorch-gan-infogan", "infogan", "PyTorch-GAN InfoGAN generator (z + one-hot + codes, l1 + conv_blocks)",
    "infogan/infogan.py", _conv_stack_detect, _infogan_infer)
_pg("pytorch-gan-mlp", "mlp", "PyTorch-GAN GAN / WGAN / WGAN-GP generator (fully connected)",
    "wgan_gp/wgan_gp.py", _mlp_detect, _mlp_infer)
_pg("pytorch-gan-cgan", "cgan", "PyTorch-GAN CGAN generator (label_emb + fully connected)", "cgan/cgan.py",
    _mlp_detect, _cgan_infer)
_pg("pytorch-gan-pix2pix", "pix2pix", "PyTorch-GAN / huggan pix2pix GeneratorUNet", "pix2pix/models.py",
    _unet_detect, _pix2pix_infer)
_pg("pytorch-gan-discogan", "discogan", "PyTorch-GAN DiscoGAN GeneratorUNet (G_AB_N.pth)", "discogan/models.py",
    _unet_detect, _discogan_infer)
_pg("pytorch-gan-cyclegan", "cyclegan", "PyTorch-GAN / huggan CycleGAN GeneratorResNet", "cyclegan/models.py",
    _cyclegan_detect, _cyclegan_infer, _cyclegan_to_ours)
_pg("pytorch-gan-stargan", "stargan", "PyTorch-GAN StarGAN GeneratorResNet (generator_N.pth)", "stargan/models.py",
    _stargan_detect, _stargan_infer, _stargan_to_ours)
_add(Preset("huggan-dcgan", "dcgan", "huggan DCGAN generator (community-events, model.*)",
            "huggingface/community-events huggan/pytorch/dcgan/modeling_dcgan.py", HUGGAN_LICENCE,
            _huggan_dcgan_detect, _huggan_dcgan_infer, _huggan_dcgan_to_ours))

__all__ = ["HUGGAN_LICENCE", "PG_LICENCE"]
