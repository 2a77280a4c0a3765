"""Hub repos in other codebases' layouts, loaded by repo id: pick the generator weights, convert, cache.

When a repo (or subfolder) holds no GAN Studio ``config.json``, :func:`ganstudio.hub.resolve_source` imports it
with these functions (the downloads themselves go through ``hub.py``, so every Hub failure reads the same). Steps:

1. list the repo's files at the revision (one API call; it also pins the commit);
2. pick the generator weights by name (``model.safetensors`` over the same weights as ``pytorch_model.bin``,
   ``latest_net_G_A.pth`` with ``latest_net_G_B.pth`` as the reverse direction, ``G_AB_N.pth`` with
   ``G_BA_N.pth``, a generator's EMA over the raw one, a ``latest`` file over older epochs; discriminators and
   optimiser states are skipped);
   where several remain, stop and list them: the caller names one as ``owner/name/<file>``;
3. download only those files (and a mixin's ``config.json`` of constructor arguments, and the card);
4. convert them with :func:`ganstudio.convert.convert`, which executes nothing in them;
5. write the converted folder under ``<hub cache>/ganstudio-converted/<repo>/<commit>/<file>-<sha256>`` with a
   card saying where it came from, the licence the repo's card states and what was assumed, and remember
   which folder the revision resolved to, so that the next load needs no conversion and, offline, no network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from huggingface_hub import HfApi
from huggingface_hub import constants as hf_constants

from .checkpoint import CARD_NAME, CONFIG_NAME
from .errors import GanStudioError

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt", ".ckpt", ".pkl")
CONVERTED_DIR = "ganstudio-converted"
# File names that never hold a generator: discriminators, critics, optimiser and scheduler states.
_NOT_GENERATOR = re.compile(
    r"(discriminator|critic|optimi[sz]er|optim|scheduler|training_args|(^|[_\-.=])(net)?D(_[AB]|_[AB]{2})?([_\-.=]|$)|"
    r"(^|[_\-.=])D_?\d)", re.IGNORECASE)
# An exponential moving average of the generator (StudioGAN's model=G_ema-..., rosinality's g_ema): the one to sample.
_EMA = re.compile(r"(^|[_\-.=])(g_)?ema([_\-.=]|$)", re.IGNORECASE)


class ImportNotPossible(GanStudioError):
    """Raised inside this module; :mod:`ganstudio.hub` turns it into a ModelSourceError."""


@dataclass(frozen=True)
class RepoFile:
    path: str  # path in the repo
    size: int
    sha256: str | None  # LFS files: the content's sha256, as the Hub reports it


@dataclass(frozen=True)
class Choice:
    """The weights to convert: the generator and, for two-direction models, the reverse generator."""

    generator: RepoFile
    generator_ba: RepoFile | None = None


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    for suffix in WEIGHT_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def is_weight_file(path: str) -> bool:
    return path.lower().endswith(WEIGHT_SUFFIXES)


def choose_weights(files: list[RepoFile], where: str) -> Choice:
    """The generator weights among ``files`` (already limited to one folder, or one named file).

    Raises :class:`ImportNotPossible` listing the files when none or several could be the generator.
    """
    weights = [f for f in files if is_weight_file(f.path)]
    if not weights:
        raise ImportNotPossible(f"{where} has no {CONFIG_NAME} and no weight files "
                                f"({', '.join(WEIGHT_SUFFIXES)}): it is not a GAN Studio model or GAN weights")
    if len(weights) == 1:
        return Choice(weights[0])
    gens = [f for f in weights if not _NOT_GENERATOR.search(_stem(f.path))]
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in gens}
    # a Hub mixin may hold the same weights twice: prefer safetensors (no pickle at all)
    if "model.safetensors" in by_name and "pytorch_model.bin" in by_name:
        gens = [f for f in gens if f.path.rsplit("/", 1)[-1] != "pytorch_model.bin"]
    # two directions: junyanz latest_net_G_A / _B, PyTorch-GAN G_AB_N / G_BA_N
    for a, b in ((r"(.*net_G)_A$", r"\1_B"), (r"^(.*)G_AB(_.*)?$", r"\1G_BA\2")):
        pairs = []
        for f in gens:
            m = re.match(a, _stem(f.path))
            if m:
                want = re.sub(a, b, _stem(f.path))
                other = next((g for g in gens if _stem(g.path) == want and g.path.rsplit("/", 1)[0:-1] ==
                              f.path.rsplit("/", 1)[0:-1]), None)
                if other is not None:
                    pairs.append(Choice(f, other))
        if len(pairs) == 1 and len(gens) == 2:
            return pairs[0]
        if len(pairs) > 1 or (pairs and len(gens) > 2):
            latest = [c for c in pairs if "latest" in _stem(c.generator.path).lower()]
            if len(latest) == 1:
                return latest[0]
    if len(gens) > 1:
        ema = [f for f in gens if _EMA.search(_stem(f.path))]
        if len(ema) == 1 and len(gens) == 2:
            return Choice(ema[0])
        latest = [f for f in gens if re.search(r"(^|[_\-.])(latest|final|best)([_\-.]|$)", _stem(f.path), re.I)]
        if len(latest) == 1:
            return Choice(latest[0])
    if len(gens) == 1:
        return Choice(gens[0])
    listed = ", ".join(f.path for f in (gens or weights))
    raise ImportNotPossible(f"{where} holds several weight files that could be the generator ({listed}); "
                            f"name one as {where.split('@')[0]}/<file>")


# ---------------------------------------------------------------------------------------------
# listing


def list_files(repo_id: str, revision: str | None, *, endpoint: str | None) -> tuple[str, list[RepoFile]]:
    """(commit sha, files) of ``repo_id`` at ``revision``; Hub errors propagate (the caller words them)."""
    api = HfApi(endpoint=endpoint)
    info = api.model_info(repo_id, revision=revision)
    commit = info.sha
    files = []
    for entry in api.list_repo_tree(repo_id, revision=commit, recursive=True):
        if getattr(entry, "size", None) is None or not hasattr(entry, "blob_id"):
            continue  # a folder
        lfs = getattr(entry, "lfs", None)
        files.append(RepoFile(entry.path, int(entry.size), getattr(lfs, "sha256", None) if lfs else None))
    return commit, files


def _partner(path: str) -> str | None:
    """The reverse generator's path for one direction's file (junyanz G_A -> G_B, PyTorch-GAN G_AB -> G_BA)."""
    folder, _, name = path.rpartition("/")
    stem, suffix = _stem(name), name[len(_stem(name)):]
    for a, b in ((r"(.*net_G)_A$", r"\1_B"), (r"^(.*)G_AB(_.*)?$", r"\1G_BA\2")):
        if re.match(a, stem):
            return (f"{folder}/" if folder else "") + re.sub(a, b, stem) + suffix
    return None


def in_folder(files: list[RepoFile], subfolder: str | None) -> tuple[list[RepoFile], bool]:
    """Files directly in ``subfolder`` (the repo root for None); or the one file ``subfolder`` names (True),
    with its reverse direction when the repo holds it."""
    if subfolder and any(f.path == subfolder for f in files):
        partner = _partner(subfolder)
        return [f for f in files if f.path in (subfolder, partner)], True
    prefix = f"{subfolder}/" if subfolder else ""
    return [f for f in files if f.path.startswith(prefix) and "/" not in f.path[len(prefix):]], False


def read_licence(card: str) -> str:
    """The ``license:`` of a model card's YAML front matter ("" when it states none)."""
    m = re.match(r"^---\s*\n(.*?)\n---", card, re.S)
    if not m:
        return ""
    lm = re.search(r"^license:\s*['\"]?([^'\"\n#]+?)['\"]?\s*$", m.group(1), re.M)
    return lm.group(1).strip() if lm else ""


# ---------------------------------------------------------------------------------------------
# the converted cache


def converted_root(cache_dir: str | None) -> Path:
    return Path(cache_dir or hf_constants.HF_HUB_CACHE) / CONVERTED_DIR


def _repo_dir(root: Path, repo_id: str) -> Path:
    return root / repo_id.replace("/", "--")


def variant_tag(preset: str | None, overrides: dict | None) -> str:
    """A short tag for a conversion made with a chosen preset / config values ("" for the automatic one)."""
    if not preset and not overrides:
        return ""
    text = json.dumps({"preset": preset, "overrides": overrides or {}}, sort_keys=True)
    return "v" + hashlib.sha256(text.encode()).hexdigest()[:8]


def _ref_file(root: Path, repo_id: str, revision: str | None, subfolder: str | None, variant: str) -> Path:
    key = quote(revision or "main", safe="") + ("@" + quote(subfolder, safe="") if subfolder else "")
    return _repo_dir(root, repo_id) / "refs" / (key + (f"+{variant}" if variant else ""))


def converted_folder(root: Path, repo_id: str, commit: str, choice: Choice, variant: str = "") -> Path:
    """Keyed by repo, commit and the weights' sha256 (and the preset / values chosen, if any)."""
    g = choice.generator
    tag = (g.sha256 or f"size{g.size}")[:16]
    if choice.generator_ba is not None:
        tag += "-" + (choice.generator_ba.sha256 or f"size{choice.generator_ba.size}")[:8]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", g.path)
    return _repo_dir(root, repo_id) / commit / (f"{name}-{tag}" + (f"-{variant}" if variant else ""))


def remember(root: Path, repo_id: str, revision: str | None, subfolder: str | None, variant: str,
             folder: Path) -> None:
    ref = _ref_file(root, repo_id, revision, subfolder, variant)
    ref.parent.mkdir(parents=True, exist_ok=True)
    tmp = ref.with_suffix(".tmp")
    tmp.write_text(str(folder.relative_to(_repo_dir(root, repo_id))), encoding="utf-8")
    os.replace(tmp, ref)


def recall(root: Path, repo_id: str, revision: str | None, subfolder: str | None, variant: str = "") -> Path | None:
    """The converted folder this revision resolved to last time (offline loads), if it is still there."""
    ref = _ref_file(root, repo_id, revision, subfolder, variant)
    candidates = []
    if ref.is_file():
        candidates.append(_repo_dir(root, repo_id) / ref.read_text(encoding="utf-8").strip())
    for folder in candidates:
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def write_converted(conv, folder: Path, *, repo_id: str, commit: str, choice: Choice, licence: str,
                    hub_config: dict | None) -> Path:
    """Save the conversion with its Hub provenance; all files appear together."""
    from .convert import conversion_card, save_conversion

    meta = conv.model.meta
    meta.provenance.update({"hub_repo": repo_id, "hub_commit": commit, "hub_file": choice.generator.path})
    if choice.generator_ba is not None:
        meta.provenance["hub_file_ba"] = choice.generator_ba.path
    if choice.generator.sha256:
        meta.provenance["hub_file_sha256"] = choice.generator.sha256
    if licence:
        meta.license = licence
        meta.provenance["licence_note"] = f"the Hub repo's card states license: {licence}"
    if hub_config is not None:
        meta.provenance["hub_config"] = hub_config
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=folder.parent))
    try:
        out = save_conversion(conv, tmp / "model")
        card = conversion_card(conv).rstrip("\n")
        card += "\n\n## Source\n\n" + "\n".join([
            f"- Hub repo: `{repo_id}` at commit `{commit}`",
            f"- Converted file: `{choice.generator.path}`"
            + (f" (reverse direction: `{choice.generator_ba.path}`)" if choice.generator_ba else ""),
            f"- Licence: {licence} (as the repo's card states)" if licence else
            "- Licence: the repo's card states none; check with its authors before reuse",
            "- Assumed: " + ("; ".join(conv.notes) if conv.notes else "nothing beyond the published layout"),
        ]) + "\n"
        (out / CARD_NAME).write_text(card, encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(out, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def hub_config_of(path: Path | None) -> dict | None:
    """A mixin's config.json of constructor arguments (not a GAN Studio config), or None."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and "family" not in data else None


__all__ = ["Choice", "ImportNotPossible", "RepoFile", "WEIGHT_SUFFIXES", "choose_weights", "converted_folder",
           "converted_root", "hub_config_of", "in_folder", "is_weight_file", "list_files", "read_licence", "recall",
           "remember", "variant_tag", "write_converted"]
