"""ganstudio.hub end to end through a local stand-in for the Hub (tests/hub_server.py): no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ganstudio.checkpoint import GanModel, load_folder, new_model, save_folder
from ganstudio.hub import HubSource, ModelSourceError, is_cached, load_model, parse_source, resolve_source

TINY = dict(latent_dim=8, ngf=4, ndf=4, channels=1, image_size=16)
REPO = "tester/tiny-dcgan"


@pytest.fixture(autouse=True)
def _no_real_hub(hf_isolated):
    """Every test here runs against a closed local port unless it asks for ``fake_hub``."""


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """These tests move bytes, not FLOPs: one thread avoids OpenMP overhead on a busy 2-core machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def backoff_sleeps(monkeypatch) -> list[float]:
    """The retry back-off sleeps huggingface_hub asks for (not slept)."""
    import time

    import huggingface_hub.file_download as hf_file_download
    import huggingface_hub.utils._http as hf_http

    slept: list[float] = []

    class Recorder:
        def __getattr__(self, name):
            return getattr(time, name)

        def sleep(self, seconds):
            slept.append(seconds)

    monkeypatch.setattr(hf_http, "time", Recorder())
    monkeypatch.setattr(hf_file_download, "time", Recorder())
    return slept


def make_model(seed: int = 0) -> GanModel:
    torch.manual_seed(seed)
    return new_model("dcgan", TINY)


def output(model: GanModel) -> torch.Tensor:
    g = model.generator.eval()
    z = g.sample_latent(3, torch.Generator().manual_seed(123))
    with torch.no_grad():
        return g(z.to(model.device))


def publish(hub, tmp_path: Path, repo_id: str = REPO, model: GanModel | None = None, *, subfolder: str | None = None,
            branch: str = "main", extra: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
            gated: bool = False) -> tuple[GanModel, str]:
    """Save ``model`` as a folder and commit its files (minus ``drop``, plus ``extra``) to the fake Hub."""
    model = model or make_model()
    folder = save_folder(model, tmp_path / f"src-{repo_id.replace('/', '_')}-{subfolder}-{branch}-{id(model)}")
    for name in drop:
        (folder / name).unlink()
    return model, hub.publish_folder(repo_id, folder, subfolder=subfolder, branch=branch, extra=extra, gated=gated)


def load(source: str, **kw) -> GanModel:
    return load_model(source, device="cpu", **kw)


# ---------------------------------------------------------------------------------------------
# parse_source


def test_parse_source_cases(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    assert parse_source(str(folder)) == folder
    assert parse_source(f"  {folder}  ") == folder
    assert parse_source("owner/name") == HubSource("owner/name", None, None)
    assert parse_source("owner/name@dev") == HubSource("owner/name", "dev", None)
    assert parse_source("owner/name/sub/dir@v1.0") == HubSource("owner/name", "v1.0", "sub/dir")
    assert parse_source("owner/name/sub") == HubSource("owner/name", None, "sub")
    sha = "a" * 40
    assert parse_source(f"Owner_1/my.model-2@{sha}") == HubSource("Owner_1/my.model-2", sha, None)
    assert str(HubSource("owner/name", "dev", "sub")) == "owner/name/sub@dev"
    for junk in ["", "   ", "name-only", "owner/name@", "owner//name", "-owner/name", "owner/na me",
                 "owner/name/../x", "owner/a--b", "owner/a..b", "owner/name.git", "https://huggingface.co/owner/name"]:
        with pytest.raises(ModelSourceError, match="no model given|neither an existing folder nor a Hub repo id"):
            parse_source(junk)
    with pytest.raises(ModelSourceError, match="does not exist"):
        parse_source(str(tmp_path / "missing"))
    with pytest.raises(ModelSourceError, match="does not exist"):
        parse_source("./no/such/folder")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ModelSourceError, match="is a file, not a model folder"):
        parse_source(str(tmp_path / "file.txt"))


def test_local_folder_needs_no_hub(tmp_path):
    model = make_model()
    folder = save_folder(model, tmp_path / "m")
    assert resolve_source(str(folder)) == folder
    assert is_cached(str(folder))
    assert torch.equal(output(load(str(folder))), output(model))


# ---------------------------------------------------------------------------------------------
# loading through the fake Hub


def test_load_by_repo_id_equals_original(fake_hub, tmp_path):
    model, sha = publish(fake_hub, tmp_path)
    assert not is_cached(REPO)
    loaded = load(REPO)
    # a first download costs one extra HEAD (the reachability probe), no more
    assert fake_hub.count("HEAD", "config.json") == 2 and fake_hub.count("GET", "config.json") == 1
    assert torch.equal(output(loaded), output(model))
    assert loaded.config == model.config
    assert set(loaded.modules) == {"generator", "discriminator"}
    assert loaded.source == REPO
    folder = resolve_source(REPO)
    assert folder.parts[-2:] == ("snapshots", sha)
    assert str(folder).startswith(str(fake_hub.cache_dir))
    assert is_cached(REPO)
    assert is_cached(f"{REPO}@main") and is_cached(f"{REPO}@{sha}")
    # nothing but this repo's files was asked for; huggingface_hub flags its downloads
    assert all(r.repo_id == REPO for r in fake_hub.requests)
    assert all(r.headers.get("x-hf-download-counter") == "1" for r in fake_hub.requests_of("GET"))


def test_only_config_listed_weights_and_card_are_requested(fake_hub, tmp_path):
    junk = {
        "pytorch_model.bin": b"\x80\x02pickle" * 10,
        "netG_epoch_24.pth": b"PK\x03\x04" * 10,
        "unlisted.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
        "samples.png": b"\x89PNG....",
        "sub/other/config.json": b"{}",
    }
    publish(fake_hub, tmp_path, extra=junk)
    load(REPO)
    assert fake_hub.requested_files() == {"config.json", "model.safetensors", "discriminator.safetensors", "README.md"}
    assert fake_hub.requested_files("GET") == {"config.json", "model.safetensors", "discriminator.safetensors",
                                               "README.md"}
    assert fake_hub.requests_of(kind="api") == []


def test_generator_only_does_not_fetch_the_discriminator(fake_hub, tmp_path):
    model, _ = publish(fake_hub, tmp_path)
    loaded = load(REPO, components=("generator",))
    assert set(loaded.modules) == {"generator"}
    assert "discriminator.safetensors" not in fake_hub.requested_files()
    assert torch.equal(output(loaded), output(model))
    # a later full load fetches the missing part
    assert set(load(REPO).modules) == {"generator", "discriminator"}
    assert "discriminator.safetensors" in fake_hub.requested_files("GET")


def test_second_load_is_one_head_request(fake_hub, tmp_path):
    publish(fake_hub, tmp_path)
    load(REPO)
    fake_hub.reset_requests()
    load(REPO)
    # the config's HEAD finds the commit; every other file is pinned to it and already cached
    assert [(r.method, r.filename) for r in fake_hub.requests] == [("HEAD", "config.json")]


def test_revision_branch_and_commit(fake_hub, tmp_path):
    v1, sha1 = publish(fake_hub, tmp_path, model=make_model(1))
    v2, sha2 = publish(fake_hub, tmp_path, model=make_model(2), branch="dev")
    assert sha1 != sha2
    assert not torch.equal(output(v1), output(v2))
    assert torch.equal(output(load(REPO)), output(v1))
    assert torch.equal(output(load(f"{REPO}@main")), output(v1))
    assert torch.equal(output(load(f"{REPO}@dev")), output(v2))
    assert torch.equal(output(load(f"{REPO}@{sha2}")), output(v2))
    # main moves on; the old commit stays reachable by its sha
    v3, sha3 = publish(fake_hub, tmp_path, model=make_model(3))
    assert torch.equal(output(load(REPO)), output(v3))
    assert torch.equal(output(load(f"{REPO}@{sha1}")), output(v1))
    # a tag
    fake_hub.tag(REPO, "v1.0", sha1)
    assert torch.equal(output(load(f"{REPO}@v1.0")), output(v1))
    # a commit sha that is cached needs no request at all
    fake_hub.reset_requests()
    assert torch.equal(output(load(f"{REPO}@{sha1}")), output(v1))
    assert fake_hub.requests == []


def test_subfolder(fake_hub, tmp_path):
    root, _ = publish(fake_hub, tmp_path, model=make_model(4))
    small, _ = publish(fake_hub, tmp_path, model=make_model(5), subfolder="gens/small")
    other, sha = publish(fake_hub, tmp_path, model=make_model(6), subfolder="gens/small", branch="exp")
    assert torch.equal(output(load(REPO)), output(root))
    assert torch.equal(output(load(f"{REPO}/gens/small")), output(small))
    assert torch.equal(output(load(f"{REPO}/gens/small@main")), output(small))
    assert torch.equal(output(load(f"{REPO}/gens/small@exp")), output(other))
    assert torch.equal(output(load(f"{REPO}/gens/small@{sha}")), output(other))
    assert resolve_source(f"{REPO}/gens/small@exp").parts[-3:] == (sha, "gens", "small")
    assert is_cached(f"{REPO}/gens/small@exp")
    assert {f for f in fake_hub.requested_files() if f.startswith("gens/")} == {
        "gens/small/config.json", "gens/small/model.safetensors", "gens/small/discriminator.safetensors",
        "gens/small/README.md"}
    with pytest.raises(ModelSourceError, match=r"tester/tiny-dcgan/gens/none has no config\.json"):
        load(f"{REPO}/gens/none")


def test_optional_parts_may_be_missing(fake_hub, tmp_path):
    model, _ = publish(fake_hub, tmp_path, drop=("discriminator.safetensors", "README.md"))
    loaded = load(REPO)
    assert set(loaded.modules) == {"generator"}
    assert torch.equal(output(loaded), output(model))
    assert is_cached(REPO)
    # the absence of the card and of D is remembered: a second load asks only for the config
    fake_hub.reset_requests()
    load(REPO)
    assert [(r.method, r.filename) for r in fake_hub.requests] == [("HEAD", "config.json")]


def test_snapshot_download_works_against_the_fake_hub(fake_hub, tmp_path):
    from huggingface_hub import snapshot_download

    model, sha = publish(fake_hub, tmp_path, extra={"extra/notes.txt": b"hello"})
    folder = Path(snapshot_download(REPO, cache_dir=fake_hub.cache_dir))
    assert folder.name == sha
    assert (folder / "extra" / "notes.txt").read_bytes() == b"hello"
    assert torch.equal(output(load_folder(folder)), output(model))
    assert {r.path for r in fake_hub.requests_of(kind="api")} == {
        f"/api/models/{REPO}/revision/main", f"/api/models/{REPO}/tree/{sha}"}


def test_endpoint_is_read_from_the_environment_at_call_time(fake_hub, tmp_path, monkeypatch):
    from huggingface_hub import constants

    model, _ = publish(fake_hub, tmp_path)
    # huggingface_hub's import-time copy points elsewhere; HF_ENDPOINT (set after import) wins
    dead = "http://127.0.0.1:9"
    monkeypatch.setattr(constants, "ENDPOINT", dead)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", dead + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url + "/")
    assert torch.equal(output(load(REPO)), output(model))


def test_cache_dir_argument(fake_hub, tmp_path):
    model, _ = publish(fake_hub, tmp_path)
    other = tmp_path / "elsewhere"
    assert torch.equal(output(load(REPO, cache_dir=str(other))), output(model))
    assert any(other.rglob("config.json"))
    assert is_cached(REPO, cache_dir=str(other))
    assert not is_cached(REPO)  # the default cache of this test is still empty


# ---------------------------------------------------------------------------------------------
# errors


def test_unknown_repo(fake_hub):
    with pytest.raises(ModelSourceError, match=r"Hub repo 'tester/nope' was not found"):
        load("tester/nope")
    assert not is_cached("tester/nope")


def test_unknown_repo_with_401_like_the_real_hub(fake_hub):
    fake_hub.repo_not_found_status = 401
    with pytest.raises(ModelSourceError, match=r"Hub repo 'tester/nope' was not found"):
        load("tester/nope")


def test_repo_without_config_or_weights_is_not_a_model(fake_hub):
    fake_hub.add_repo("tester/other", {"notes.txt": b"x", "README.md": b"# hi"})
    with pytest.raises(ModelSourceError, match=r"tester/other has no config\.json and no weight files .*: it is not a "
                                               r"GAN Studio model"):
        load("tester/other")
    assert fake_hub.requested_files("GET") == set()


def test_config_lists_weights_the_repo_lacks(fake_hub, tmp_path):
    publish(fake_hub, tmp_path, drop=("model.safetensors",))
    with pytest.raises(ModelSourceError, match=r"tester/tiny-dcgan lacks model\.safetensors, which its config\.json "
                                               r"lists"):
        load(REPO)


def test_wrong_revision(fake_hub, tmp_path):
    publish(fake_hub, tmp_path)
    with pytest.raises(ModelSourceError, match=r"tester/tiny-dcgan has no revision 'nope'"):
        load(f"{REPO}@nope")
    with pytest.raises(ModelSourceError, match="has no revision"):
        load(f"{REPO}@{'0' * 40}")


def test_not_a_ganstudio_config_on_the_hub(fake_hub):
    fake_hub.add_repo("tester/hf-model", {"config.json": json.dumps({"model_type": "bert"}).encode()})
    with pytest.raises(ModelSourceError, match=r"tester/hf-model: .*not a GAN Studio config"):
        load("tester/hf-model")


def test_unknown_family_on_the_hub_fetches_no_weights(fake_hub, tmp_path):
    model = make_model()
    folder = save_folder(model, tmp_path / "m")
    cfg = json.loads((folder / "config.json").read_text())
    cfg["family"] = "no-such-gan"
    (folder / "config.json").write_text(json.dumps(cfg))
    fake_hub.publish_folder(REPO, folder)
    with pytest.raises(ModelSourceError, match=r"unknown model family 'no-such-gan'; known: .*dcgan"):
        load(REPO)
    assert fake_hub.requested_files() == {"config.json"}


def test_gated_repo(fake_hub, tmp_path, monkeypatch):
    model, _ = publish(fake_hub, tmp_path, gated=True)
    with pytest.raises(ModelSourceError, match=r"tester/tiny-dcgan is gated: accept its terms on the Hub and log in"):
        load(REPO)
    assert fake_hub.requests_of("GET") == []
    # with access granted, the token (HF_TOKEN) opens the gate
    fake_hub.set_gated(REPO, tokens=["hf_test_token"])
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    fake_hub.reset_requests()
    assert torch.equal(output(load(REPO)), output(model))
    assert all(r.headers.get("authorization") == "Bearer hf_test_token" for r in fake_hub.requests_of(kind="resolve"))


def test_truncated_download_is_reported_and_not_cached(fake_hub, tmp_path):
    model, _ = publish(fake_hub, tmp_path)
    # the connection drops half-way through the weights, every time
    fake_hub.truncate(REPO, "model.safetensors", mode="drop")
    with pytest.raises(ModelSourceError, match=r"download of tester/tiny-dcgan \(model\.safetensors\) was interrupted"):
        load(REPO)
    assert fake_hub.count("GET", "model.safetensors") > 1  # huggingface_hub retried
    assert not is_cached(REPO)
    # fewer bytes than the HEAD announced, with a consistent GET
    fake_hub.truncate(REPO, "model.safetensors", mode="short")
    with pytest.raises(ModelSourceError, match=r"download of tester/tiny-dcgan \(model\.safetensors\) was truncated"):
        load(REPO)
    assert not is_cached(REPO)
    fake_hub.clear_knobs()
    assert torch.equal(output(load(REPO)), output(model))


def test_download_dropped_once_is_retried(fake_hub, tmp_path):
    model, _ = publish(fake_hub, tmp_path)
    fake_hub.truncate(REPO, "model.safetensors", 100, mode="drop", times=1)
    assert torch.equal(output(load(REPO)), output(model))
    assert fake_hub.count("GET", "model.safetensors") == 2


@pytest.mark.parametrize("where", ["everywhere", "data-only"])
def test_corrupt_weights_full_length(fake_hub, tmp_path, where):
    model, _ = publish(fake_hub, tmp_path)
    good = fake_hub.files(REPO)["model.safetensors"]
    if where == "everywhere":
        fake_hub.garble(REPO, "model.safetensors")  # every byte XOR 0x5A: the header is unreadable too
    else:
        # the header is intact, the tensor bytes are not: safetensors alone would load garbage silently
        fake_hub.garble(REPO, "model.safetensors", good[:-64] + bytes(b ^ 0xFF for b in good[-64:]))
    with pytest.raises(ModelSourceError, match=r"model\.safetensors of tester/tiny-dcgan is corrupt: its checksum does "
                                               r"not match the Hub's"):
        load(REPO)
    assert not is_cached(REPO)
    fake_hub.clear_knobs()  # the bad copy was removed: the next try downloads a good one
    assert torch.equal(output(load(REPO)), output(model))


def test_offline_with_nothing_cached(fake_hub, tmp_path, monkeypatch):
    publish(fake_hub, tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # set after huggingface_hub was imported
    with pytest.raises(ModelSourceError, match=r"offline mode \(HF_HUB_OFFLINE\) is on and tester/tiny-dcgan is not in "
                                               r"the local cache"):
        load(REPO)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(ModelSourceError, match=r"tester/tiny-dcgan is not in the local cache and downloads are off"):
        load(REPO, local_files_only=True)
    assert fake_hub.requests == []


def test_offline_as_read_at_import(fake_hub, tmp_path, monkeypatch):
    from huggingface_hub import constants

    model, _ = publish(fake_hub, tmp_path)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelSourceError, match=r"offline mode \(HF_HUB_OFFLINE\) is on"):
        load(REPO)
    assert fake_hub.requests == []
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    load(REPO)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    fake_hub.reset_requests()
    assert torch.equal(output(load(REPO)), output(model))
    assert fake_hub.requests == []


def test_the_status_line_and_loading_agree_on_what_offline_means(fake_hub, monkeypatch):
    from huggingface_hub import constants

    from ganstudio import hub

    monkeypatch.setattr(hub, "_HUB_PROBE", {})
    assert hub.hub_status().startswith("online") and not hub.offline_mode()
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # as huggingface_hub read it at import
    assert hub.offline_mode() and hub.hub_status().startswith("offline (HF_HUB_OFFLINE is on)")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    assert hub.offline_mode() and hub.hub_status().startswith("offline (HF_HUB_OFFLINE is on)")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    fake_hub.stop()  # not offline by choice: the Hub cannot be reached, and loads say so
    monkeypatch.setattr(hub, "_HUB_PROBE", {})
    assert hub.hub_status().startswith("unreachable") and not hub.offline_mode()


def test_offline_with_a_cached_copy_makes_no_request(fake_hub, tmp_path, monkeypatch):
    model, _ = publish(fake_hub, tmp_path)
    v2, sha2 = publish(fake_hub, tmp_path, model=make_model(7), branch="dev")
    load(REPO)
    load(f"{REPO}@dev")
    fake_hub.reset_requests()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert torch.equal(output(load(REPO)), output(model))
    assert torch.equal(output(load(f"{REPO}@dev")), output(v2))
    assert torch.equal(output(load(f"{REPO}@{sha2}")), output(v2))
    assert is_cached(REPO)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    loaded = load(REPO, local_files_only=True)
    assert torch.equal(output(loaded), output(model))
    assert set(loaded.modules) == {"generator", "discriminator"}
    assert fake_hub.requests == []


def test_hub_gone_after_first_download_uses_the_cache(fake_hub, tmp_path, backoff_sleeps):
    model, _ = publish(fake_hub, tmp_path)
    v2, _ = publish(fake_hub, tmp_path, model=make_model(8), subfolder="b", branch="dev")
    load(REPO)
    load(f"{REPO}/b@dev", components=("generator",))
    fake_hub.stop()
    loaded = load(REPO)
    assert torch.equal(output(loaded), output(model))
    assert set(loaded.modules) == {"generator", "discriminator"}
    # the discriminator was never downloaded: it is optional, so the cached generator is enough
    loaded = load(f"{REPO}/b@dev")
    assert set(loaded.modules) == {"generator"}
    assert torch.equal(output(loaded), output(v2))
    assert is_cached(REPO) and is_cached(f"{REPO}/b@dev")
    with pytest.raises(ModelSourceError, match=r"cannot reach the Hub at http://127\.0\.0\.1:\d+ to fetch "
                                               r"tester/never-seen, and no cached copy exists"):
        load("tester/never-seen")
    assert backoff_sleeps == []  # nothing waited for a Hub that is gone
    # back online: a new commit on main is picked up
    fake_hub.start()
    v3, _ = publish(fake_hub, tmp_path, model=make_model(9))
    assert torch.equal(output(load(REPO)), output(v3))


def test_unreachable_hub_with_nothing_cached(backoff_sleeps):
    with pytest.raises(ModelSourceError, match=r"cannot reach the Hub at http://127\.0\.0\.1:\d+ to fetch "
                                               r"tester/tiny-dcgan, and no cached copy exists"):
        load(REPO)
    assert backoff_sleeps == []  # the message comes at once, not after huggingface_hub's ~23 s of retries
    assert not is_cached(REPO)


def test_hub_outage_uses_the_cache_or_says_so(fake_hub, tmp_path):
    model, _ = publish(fake_hub, tmp_path)
    with pytest.raises(ModelSourceError, match=r"the Hub at http://127\.0\.0\.1:\d+ answered HTTP 503"):
        fake_hub.outage = 503
        load(REPO)
    fake_hub.outage = None
    load(REPO)
    fake_hub.outage = 503
    assert torch.equal(output(load(REPO)), output(model))


def test_server_that_is_not_the_hub(fake_hub, tmp_path):
    publish(fake_hub, tmp_path)
    fake_hub.omit_headers.add("X-Repo-Commit")
    with pytest.raises(ModelSourceError, match=r"does not answer like the Hugging Face Hub .*check HF_ENDPOINT"):
        load(REPO)


def test_is_cached_needs_the_required_weights(fake_hub, tmp_path):
    _, sha = publish(fake_hub, tmp_path)
    assert not is_cached(REPO)
    load(REPO, components=("generator",))
    assert is_cached(REPO) and is_cached(f"{REPO}@{sha}")
    assert not is_cached(f"{REPO}@dev")
    assert not is_cached(f"{REPO}/sub")
    # a cached config without its generator weights is not enough
    blob = Path(resolve_source(REPO, local_files_only=True)) / "model.safetensors"
    blob.unlink()
    assert not is_cached(REPO)


# ---------------------------------------------------------------------------------------------
# the stand-in itself speaks the protocol huggingface_hub expects


def test_fake_hub_protocol(fake_hub):
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub import errors as hf_errors

    sha = fake_hub.add_repo("tester/proto", {"config.json": b"{}", "a/b/w.safetensors": b"0123456789", "a/x.txt": b"x"})
    fake_hub.add_repo("tester/locked", {"config.json": b"{}"}, gated=True)
    cache = fake_hub.cache_dir
    for kw, error in [
        (dict(repo_id="tester/missing", filename="config.json"), hf_errors.RepositoryNotFoundError),
        (dict(repo_id="tester/proto", filename="config.json", revision="nope"), hf_errors.RevisionNotFoundError),
        (dict(repo_id="tester/proto", filename="nope.json"), hf_errors.RemoteEntryNotFoundError),
        (dict(repo_id="tester/locked", filename="config.json"), hf_errors.GatedRepoError),
    ]:
        with pytest.raises(error):
            hf_hub_download(**kw, cache_dir=cache)
    path = hf_hub_download("tester/proto", "w.safetensors", subfolder="a/b", revision=sha, cache_dir=cache)
    assert Path(path).read_bytes() == b"0123456789"
    head = fake_hub.requests_of("HEAD")[-1]
    assert head.revision == sha and head.filename == "a/b/w.safetensors"

    api = HfApi(endpoint=fake_hub.url)
    info = api.model_info("tester/proto")
    assert info.sha == sha and sorted(s.rfilename for s in info.siblings) == ["a/b/w.safetensors", "a/x.txt",
                                                                              "config.json"]
    top = {(type(e).__name__, e.path) for e in api.list_repo_tree("tester/proto")}
    assert top == {("RepoFolder", "a"), ("RepoFile", "config.json")}
    files = {e.path: e for e in api.list_repo_tree("tester/proto", recursive=True)}
    assert set(files) == {"a", "a/b", "a/b/w.safetensors", "a/x.txt", "config.json"}
    assert files["a/b/w.safetensors"].lfs.size == 10 and files["a/x.txt"].lfs is None
    assert {e.path for e in api.list_repo_tree("tester/proto", path_in_repo="a")} == {"a/b", "a/x.txt"}


# ---------------------------------------------------------------------------------------------
# uploads (train / convert --push-to-hub)


def _model_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return folder


def test_push_to_an_unreachable_hub_says_so(hf_isolated, tmp_path, monkeypatch):
    from ganstudio.hub import push_folder

    monkeypatch.setenv("HF_TOKEN", "hf_test")
    folder = _model_folder(tmp_path)
    with pytest.raises(ModelSourceError, match="cannot be reached, so nothing was uploaded to me/m"):
        push_folder(folder, "me/m")
    assert (folder / "config.json").read_text() == "{}"


def test_push_refused_by_the_hub_says_so(fake_hub, tmp_path, monkeypatch):
    """The stand-in Hub speaks only the download protocol: its 404 to repo creation is a refusal."""
    from ganstudio.hub import push_folder

    monkeypatch.setenv("HF_TOKEN", "hf_test")
    with pytest.raises(ModelSourceError, match="the Hub refused the upload to me/m"):
        push_folder(_model_folder(tmp_path), "me/m")


def test_a_source_longer_than_the_file_system_allows_gets_a_sentence():
    from ganstudio.hub import ModelSourceError, parse_source

    for source in ("owner/" + "n" * 300, "x" * 300, "a\x00b"):
        with pytest.raises(ModelSourceError):
            parse_source(source)


# ---------------------------------------------------------------------------------------------
# a slow or stalled Hub: an overall deadline, a size check first, and a stop when nobody waits


def _tiny_folder(tmp_path):
    from ganstudio.checkpoint import new_model, save_folder

    return save_folder(new_model("dcgan", dict(latent_dim=8, ngf=32, ndf=4, channels=1, image_size=32)),
                       tmp_path / "tiny")  # about 800 KB of weights


def test_a_slow_hub_is_given_up_on_at_the_deadline(fake_hub, tmp_path, monkeypatch):
    import time

    from ganstudio import hub, options

    fake_hub.publish_folder("tester/slow", _tiny_folder(tmp_path))
    fake_hub.bytes_per_s = 50_000  # the weights take about 15 s
    monkeypatch.setattr(options, "HUB_DEADLINE_S", 1.5)
    t0 = time.monotonic()
    with pytest.raises(hub.ModelSourceError, match="took longer than 1.5 s"):
        hub.load_model("tester/slow", device="cpu")
    assert time.monotonic() - t0 < 6
    fake_hub.bytes_per_s = None
    assert hub.load_model("tester/slow", device="cpu").family.name == "dcgan"  # a later load completes


def test_files_over_the_size_limit_are_not_downloaded(fake_hub, tmp_path, monkeypatch):
    from ganstudio import hub, options

    fake_hub.publish_folder("tester/big", _tiny_folder(tmp_path))
    monkeypatch.setattr(options, "MAX_WEIGHTS_MB", 0)
    with pytest.raises(hub.ModelSourceError, match="the limit is 0 MB per file, so it was not downloaded"):
        hub.load_model("tester/big", device="cpu")
    assert fake_hub.count("GET", "model.safetensors") == 0


def test_a_download_nobody_waits_for_stops(fake_hub, tmp_path):
    from ganstudio import hub

    fake_hub.publish_folder("tester/gone", _tiny_folder(tmp_path))
    with hub.stop_when(lambda: True), pytest.raises(hub.ModelSourceError, match="nobody is waiting"):
        hub.load_model("tester/gone", device="cpu")
