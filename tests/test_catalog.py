import json

import pytest

from ganstudio.catalog import DEFAULT_CATALOG, ModelCache, entries_for, load_catalog
from ganstudio.checkpoint import new_model, save_folder


def write_catalog(tmp_path, models):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"models": models}))
    return path


def test_folders_resolve_and_untrained_models_are_skipped(tmp_path):
    save_folder(new_model("dcgan", {"ngf": 4, "ndf": 4, "latent_dim": 8, "image_size": 28, "channels": 1}),
                tmp_path / "tiny")
    path = write_catalog(tmp_path, [
        {"id": "tiny", "title": "Tiny", "family": "dcgan", "task": "random", "folder": "tiny"},
        {"id": "later", "family": "dcgan", "task": "random", "folder": "not-trained-yet"},
        {"id": "hub", "family": "stylegan2", "task": "style", "repo": "owner/name@v1"},
    ])
    entries = load_catalog(path)
    assert [e.id for e in entries] == ["tiny", "hub"]
    assert entries[0].source == str(tmp_path / "tiny") and entries[1].source == "owner/name@v1"
    assert [e.id for e in entries_for("style", entries)] == ["hub"]


def test_bad_entries_are_refused(tmp_path):
    with pytest.raises(ValueError, match="needs a 'folder' or a 'repo'"):
        load_catalog(write_catalog(tmp_path, [{"id": "x", "family": "dcgan", "task": "random"}]))
    with pytest.raises(ValueError):
        load_catalog(write_catalog(tmp_path, [{"id": "x", "family": "dcgan", "task": "paint", "folder": "x"}]))


def test_bundled_catalog_lists_loadable_models():
    for e in load_catalog(DEFAULT_CATALOG):
        assert (DEFAULT_CATALOG.parent / e.id / "config.json").is_file() or "/" in e.source


def test_cache_reuses_and_evicts(tmp_path):
    for name in ("a", "b"):
        save_folder(new_model("dcgan", {"ngf": 4, "ndf": 4, "latent_dim": 8, "image_size": 28, "channels": 1}),
                    tmp_path / name)
    cache = ModelCache(max_models=1)
    a = cache.get(str(tmp_path / "a"), "cpu")
    assert cache.get(str(tmp_path / "a"), "cpu") is a
    cache.get(str(tmp_path / "b"), "cpu")
    assert str(tmp_path / "a") not in cache and str(tmp_path / "b") in cache


def test_bundled_checkpoints_fit_in_80_mb():
    """The repository ships every bundled model; together they stay within 80 MB (decimal)."""
    root = DEFAULT_CATALOG.parent
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert 10e6 < total <= 80e6, f"checkpoints/ holds {total / 1e6:.1f} MB"


def test_plain_words_and_featured_tasks_are_read_and_checked(tmp_path):
    save_folder(new_model("dcgan", {"ngf": 4, "ndf": 4, "latent_dim": 8, "image_size": 28, "channels": 1}),
                tmp_path / "tiny")
    path = write_catalog(tmp_path, [{"id": "tiny", "family": "dcgan", "task": "random", "folder": "tiny",
                                     "makes": "digits, 28 px", "featured": ["random"]}])
    (entry,) = load_catalog(path)
    assert entry.makes == "digits, 28 px" and entry.featured == ("random",)
    with pytest.raises(ValueError):
        load_catalog(write_catalog(tmp_path, [{"id": "x", "family": "dcgan", "task": "random", "folder": "tiny",
                                               "featured": ["paint"]}]))


def test_bundled_catalog_says_what_each_model_makes_and_features_one_per_task():
    entries = load_catalog(DEFAULT_CATALOG)
    assert all(e.makes for e in entries)
    for task in ("random", "conditional", "translate", "edit", "style"):
        assert len([e for e in entries if task in e.featured]) == 1, task
