"""A local stand-in for the Hugging Face Hub's download protocol, for tests.

It serves what ``huggingface_hub.hf_hub_download`` and ``snapshot_download`` ask for:

* ``HEAD`` / ``GET /{owner}/{name}/resolve/{revision}/{path}``: ``X-Repo-Commit`` (40-hex commit),
  ``ETag`` (quoted: the git blob sha1 of small files, the sha256 of "LFS" files such as
  ``*.safetensors``, which also get ``X-Linked-Etag`` / ``X-Linked-Size``), ``Content-Length``,
  ``Accept-Ranges: bytes``; ``Range: bytes=N-[M]`` gives 206 with ``Content-Range``.
* ``GET /api/models/{owner}/{name}[/revision/{revision}]``: model info with ``sha`` and ``siblings``.
* ``GET /api/models/{owner}/{name}/tree/{revision}[/{path}]?recursive=true``: file / directory entries.

Errors follow the Hub: the ``X-Error-Code`` header is what ``huggingface_hub.utils.hf_raise_for_status``
maps to an exception (``RepoNotFound`` -> RepositoryNotFoundError, ``RevisionNotFound`` ->
RevisionNotFoundError, ``EntryNotFound`` -> RemoteEntryNotFoundError, ``GatedRepo`` -> GatedRepoError),
with ``X-Error-Message`` and a JSON body ``{"error": ...}``. A missing entry's 404 carries
``X-Repo-Commit`` (the client caches the non-existence under that commit).

Repos live in memory as git-like histories: each :meth:`FakeHub.commit` makes a new commit (a 40-hex sha)
from its parent's files plus the given ones, and moves a branch to it. Test knobs: :meth:`truncate`
(connection dropped mid-body, or a body shorter than the HEAD said), :meth:`garble` (full-length wrong
bytes), ``omit_headers``, ``outage`` (answer every request with a status), ``bytes_per_s`` (a slow Hub),
request log and counters, :meth:`stop` / :meth:`start` (same port) to make the Hub go away and come back.

Only the standard library is used; the server binds to 127.0.0.1 on a free port.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt", ".ckpt", ".pkl", ".h5", ".msgpack", ".onnx", ".npz")
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d+)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Request:
    """One request the server received (recorded before any knob acts)."""

    method: str
    path: str  # unquoted path, no query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    kind: str = "other"  # "resolve" | "api" | "other"
    repo_id: str | None = None
    revision: str | None = None
    filename: str | None = None  # resolve: the file path in the repo


@dataclass
class _Repo:
    branches: dict[str, str] = field(default_factory=dict)  # branch or tag -> commit sha
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)  # sha -> {path: bytes}
    gated: bool = False
    tokens: set[str] = field(default_factory=set)  # bearer tokens allowed through the gate


@dataclass
class _Truncation:
    nbytes: int
    mode: str  # "drop" | "short"
    times: int | None  # how many more GETs to spoil; None: all


class FakeHub:
    """An in-memory Hub. Use as a context manager, or :meth:`start` / :meth:`stop`."""

    #: status of a missing repo (the real Hub answers 401 to anonymous callers; both map to RepositoryNotFoundError)
    repo_not_found_status = 404

    def __init__(self) -> None:
        self.repos: dict[str, _Repo] = {}
        self.requests: list[Request] = []
        self.omit_headers: set[str] = set()  # e.g. {"X-Repo-Commit"}: answer like a server that is not the Hub
        self.outage: int | None = None  # e.g. 503: every request gets this status
        self.bytes_per_s: int | None = None  # e.g. 1024: every body trickles out at this rate (a slow Hub)
        self._truncations: dict[tuple[str, str], _Truncation] = {}
        self._garbled: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._counter = 0
        self.cache_dir: Path | None = None  # set by the pytest fixture: the Hub cache the test uses

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the fake Hub was never started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> "FakeHub":
        """Start serving (on the same port as before after a :meth:`stop`)."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", self._port or 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port: connections are refused until :meth:`start`."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ content

    def add_repo(self, repo_id: str, files: Mapping[str, bytes] | Mapping[str, Mapping[str, bytes]] | None = None,
                 *, revision: str = "main", gated: bool = False) -> str:
        """Create (or extend) ``repo_id``; returns the sha of the commit ``revision`` points to.

        ``files`` is ``{path: bytes}`` (committed on ``revision``) or ``{revision: {path: bytes}}``
        (one commit per branch, each starting from an empty tree).
        """
        with self._lock:
            repo = self.repos.setdefault(repo_id, _Repo())
            repo.gated = repo.gated or gated
        files = dict(files or {})
        if files and all(isinstance(v, Mapping) for v in files.values()):
            shas = {rev: self.commit(repo_id, tree, branch=rev, base=None) for rev, tree in files.items()}
            return shas.get(revision) or list(shas.values())[-1]
        return self.commit(repo_id, files, branch=revision)

    def commit(self, repo_id: str, files: Mapping[str, bytes | None], *, branch: str = "main",
               base: str | None | bool = True) -> str:
        """Commit ``files`` (``None`` deletes a path) on ``branch``; returns the new commit sha.

        ``base``: True = the branch's current commit (if any), None = an empty tree, or a commit sha / branch.
        """
        with self._lock:
            repo = self.repos.setdefault(repo_id, _Repo())
            if base is True:
                parent = repo.branches.get(branch)
            elif base is None or base is False:
                parent = None
            else:
                parent = repo.branches.get(base, base)
            tree = dict(repo.commits[parent]) if parent else {}
            for path, data in files.items():
                path = path.strip("/")
                if data is None:
                    tree.pop(path, None)
                else:
                    tree[path] = bytes(data)
            self._counter += 1
            h = hashlib.sha1(f"{repo_id}\n{parent}\n{self._counter}\n".encode())
            for path in sorted(tree):
                h.update(f"{path}\0{sha256(tree[path])}\n".encode())
            sha = h.hexdigest()
            repo.commits[sha] = tree
            repo.branches[branch] = sha
            return sha

    def publish_folder(self, repo_id: str, folder: str | Path, *, subfolder: str | None = None,
                       branch: str = "main", extra: Mapping[str, bytes] | None = None, gated: bool = False) -> str:
        """Commit every file under ``folder`` (under ``subfolder`` in the repo) plus ``extra``; returns the sha."""
        folder = Path(folder)
        prefix = f"{subfolder.strip('/')}/" if subfolder else ""
        files: dict[str, bytes] = {
            prefix + p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
        }
        files.update(extra or {})
        with self._lock:
            repo = self.repos.setdefault(repo_id, _Repo())
            repo.gated = repo.gated or gated
        return self.commit(repo_id, files, branch=branch)

    def tag(self, repo_id: str, name: str, revision: str = "main") -> str:
        """Point ``name`` (a tag or branch) at ``revision``'s commit."""
        with self._lock:
            repo = self.repos[repo_id]
            sha = repo.branches.get(revision, revision)
            if sha not in repo.commits:
                raise KeyError(f"{repo_id} has no revision {revision!r}")
            repo.branches[name] = sha
            return sha

    def delete_repo(self, repo_id: str) -> None:
        with self._lock:
            self.repos.pop(repo_id, None)

    def set_gated(self, repo_id: str, gated: bool = True, *, tokens: Iterable[str] = ()) -> None:
        """Gate ``repo_id``: file downloads need ``Authorization: Bearer <one of tokens>``."""
        with self._lock:
            repo = self.repos.setdefault(repo_id, _Repo())
            repo.gated = gated
            repo.tokens |= set(tokens)

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        with self._lock:
            repo = self.repos[repo_id]
            return dict(repo.commits[repo.branches.get(revision, revision)])

    def sha(self, repo_id: str, revision: str = "main") -> str:
        with self._lock:
            return self.repos[repo_id].branches[revision]

    # ------------------------------------------------------------------ knobs

    def truncate(self, repo_id: str, path: str, nbytes: int | None = None, *, mode: str = "drop",
                 times: int | None = None) -> None:
        """Spoil GETs of ``path`` (any revision).

        ``mode="drop"``: headers announce the full length, the body stops at byte ``nbytes`` (of the file) and the
        connection closes; a resumed ``Range`` request is cut at the same place.
        ``mode="short"``: the GET sends only ``nbytes`` bytes with a matching ``Content-Length`` while the HEAD
        announced the full size.
        ``nbytes`` defaults to half the file; ``times`` limits how many GETs are spoiled (None: all).
        """
        if mode not in ("drop", "short"):
            raise ValueError(f"unknown truncation mode {mode!r}")
        with self._lock:
            self._truncations[(repo_id, path)] = _Truncation(-1 if nbytes is None else nbytes, mode, times)

    def garble(self, repo_id: str, path: str, data: bytes | None = None) -> None:
        """Serve ``data`` (default: the file's bytes XOR 0x5A) for ``path``, with the real file's ETag and size."""
        with self._lock:
            self._garbled[(repo_id, path)] = b"" if data is None else data

    def clear_knobs(self) -> None:
        with self._lock:
            self._truncations.clear()
            self._garbled.clear()
            self.omit_headers.clear()
            self.outage = None
            self.bytes_per_s = None

    # ------------------------------------------------------------------ request log

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def requests_of(self, method: str | None = None, kind: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if (method is None or r.method == method)
                    and (kind is None or r.kind == kind)]

    def requested_files(self, method: str | None = None) -> set[str]:
        """Paths (relative to the repo root) named by resolve requests."""
        return {r.filename for r in self.requests_of(method, "resolve") if r.filename}

    def count(self, method: str | None = None, filename: str | None = None) -> int:
        return sum(1 for r in self.requests_of(method) if filename is None or r.filename == filename)

    # ------------------------------------------------------------------ internals used by the handler

    def _log(self, req: Request) -> None:
        with self._lock:
            self.requests.append(req)

    def _lookup_repo(self, repo_id: str) -> _Repo | None:
        with self._lock:
            return self.repos.get(repo_id)

    def _take_truncation(self, repo_id: str, path: str, size: int) -> _Truncation | None:
        with self._lock:
            t = self._truncations.get((repo_id, path))
            if t is None or t.times == 0:
                return None
            if t.times is not None:
                t.times -= 1
            return _Truncation(size // 2 if t.nbytes < 0 else min(t.nbytes, size), t.mode, t.times)

    def _garbled_bytes(self, repo_id: str, path: str, data: bytes) -> bytes | None:
        with self._lock:
            g = self._garbled.get((repo_id, path))
        if g is None:
            return None
        return g or bytes(b ^ 0x5A for b in data)


def is_lfs(path: str) -> bool:
    return path.endswith(LFS_SUFFIXES)


def _make_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so a stopped server really refuses the next request
        # (no pooled keep-alive connection served by a leftover handler thread).
        protocol_version = "HTTP/1.0"
        server_version = "FakeHub/1.0"

        def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
            pass

        def do_HEAD(self):
            self._handle(head=True)

        def do_GET(self):
            self._handle(head=False)

        # -------------------------------------------------------------- plumbing

        def _send(self, status: int, headers: Mapping[str, str], body: bytes = b"", *, head: bool,
                  length: int | None = None) -> None:
            self.send_response(status)
            for k, v in headers.items():
                if k not in hub.omit_headers:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            if not head and body:
                rate = hub.bytes_per_s
                if rate is None:
                    self.wfile.write(body)
                    return
                for i in range(0, len(body), max(1, rate // 10)):  # a tenth of a second's worth at a time
                    try:
                        self.wfile.write(body[i:i + max(1, rate // 10)])
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return
                    time.sleep(0.1)

        def _error(self, status: int, code: str | None, message: str, *, head: bool,
                   extra: Mapping[str, str] | None = None) -> None:
            headers = {"Content-Type": "application/json; charset=utf-8", "X-Error-Message": message}
            if code:
                headers["X-Error-Code"] = code
            headers.update(extra or {})
            self._send(status, headers, json.dumps({"error": message}).encode(), head=head)

        def _json(self, data, *, head: bool) -> None:
            self._send(200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(data).encode(), head=head)

        def _authorized(self, repo: _Repo) -> bool:
            if not repo.gated:
                return True
            auth = self.headers.get("Authorization", "")
            return auth.startswith("Bearer ") and auth[len("Bearer "):] in repo.tokens

        def _resolve_revision(self, repo_id: str, repo: _Repo, revision: str, *, head: bool) -> str | None:
            with hub._lock:
                sha = repo.branches.get(revision)
                if sha is None and _SHA_RE.match(revision) and revision in repo.commits:
                    sha = revision
            if sha is None:
                self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}", head=head)
            return sha

        # -------------------------------------------------------------- routing

        def _handle(self, *, head: bool) -> None:
            split = urlsplit(self.path)
            raw_parts = split.path.split("/")[1:]
            req = Request(self.command, unquote(split.path), parse_qs(split.query),
                          {k.lower(): v for k, v in self.headers.items()})
            try:
                if len(raw_parts) >= 5 and raw_parts[2] == "resolve":
                    req.kind = "resolve"
                    req.repo_id = f"{unquote(raw_parts[0])}/{unquote(raw_parts[1])}"
                    req.revision = unquote(raw_parts[3])
                    req.filename = unquote("/".join(raw_parts[4:]))
                elif len(raw_parts) >= 4 and raw_parts[0] == "api" and raw_parts[1] == "models":
                    req.kind = "api"
                    req.repo_id = f"{unquote(raw_parts[2])}/{unquote(raw_parts[3])}"
                    rest = raw_parts[4:]
                    if rest and rest[0] in ("revision", "tree") and len(rest) >= 2:
                        req.revision = unquote(rest[1])
            finally:
                hub._log(req)

            if hub.outage is not None:
                self._error(hub.outage, None, "Service unavailable", head=head)
                return
            if req.kind == "resolve":
                self._resolve(req, head=head)
            elif req.kind == "api":
                self._api(req, raw_parts[4:], head=head)
            else:
                self._error(404, None, "Not Found", head=head)

        def _repo_or_404(self, repo_id: str, *, head: bool) -> _Repo | None:
            repo = hub._lookup_repo(repo_id)
            if repo is None:
                self._error(hub.repo_not_found_status, "RepoNotFound", "Repository not found", head=head)
            return repo

        def _resolve(self, req: Request, *, head: bool) -> None:
            repo_id, path = req.repo_id or "", req.filename or ""
            repo = self._repo_or_404(repo_id, head=head)
            if repo is None:
                return
            if not self._authorized(repo):
                self._error(403, "GatedRepo",
                            f"Access to model {repo_id} is restricted. You must have access to it and be "
                            "authenticated to access it. Please log in.", head=head)
                return
            sha = self._resolve_revision(repo_id, repo, req.revision or "", head=head)
            if sha is None:
                return
            with hub._lock:
                data = repo.commits[sha].get(path)
            if data is None:
                self._error(404, "EntryNotFound", "Entry not found", head=head, extra={"X-Repo-Commit": sha})
                return
            size = len(data)
            etag = sha256(data) if is_lfs(path) else git_blob_sha1(data)
            headers = {
                "X-Repo-Commit": sha,
                "ETag": f'"{etag}"',
                "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream",
            }
            if is_lfs(path):
                headers["X-Linked-Etag"] = f'"{etag}"'
                headers["X-Linked-Size"] = str(size)
            if head:
                self._send(200, headers, head=True, length=size)
                return

            body = hub._garbled_bytes(repo_id, path, data) or data
            start, end = 0, size - 1
            status = 200
            rng = self.headers.get("Range")
            if rng:
                m = _RANGE_RE.match(rng)
                if m is None or int(m.group(1)) >= size:
                    self._error(416, None, "Range Not Satisfiable", head=False,
                                extra={"Content-Range": f"bytes */{size}"})
                    return
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
                status = 206
                headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            chunk = body[start:end + 1]
            cut = hub._take_truncation(repo_id, path, size)
            if cut is None:
                self._send(status, headers, chunk, head=False)
            elif cut.mode == "short":
                self._send(status, headers, chunk[: max(0, cut.nbytes - start)], head=False)
            else:  # drop: promise the whole range, send up to byte `nbytes` of the file, hang up
                self._send(status, headers, chunk[: max(0, cut.nbytes - start)], head=False, length=len(chunk))
                self.wfile.flush()
                self.close_connection = True

        def _api(self, req: Request, rest: list[str], *, head: bool) -> None:
            repo_id = req.repo_id or ""
            repo = self._repo_or_404(repo_id, head=head)
            if repo is None:
                return
            if not rest or rest[0] == "revision":
                sha = self._resolve_revision(repo_id, repo, req.revision or "main", head=head)
                if sha is None:
                    return
                with hub._lock:
                    tree = repo.commits[sha]
                    siblings = [{"rfilename": p} for p in sorted(tree)]
                self._json({
                    "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24], "id": repo_id, "modelId": repo_id,
                    "author": repo_id.split("/")[0], "sha": sha, "private": False,
                    "gated": "manual" if repo.gated else False, "disabled": False, "tags": [],
                    "siblings": siblings,
                }, head=head)
                return
            if rest[0] == "tree" and len(rest) >= 2:
                sha = self._resolve_revision(repo_id, repo, req.revision or "", head=head)
                if sha is None:
                    return
                sub = unquote("/".join(rest[2:])).strip("/")
                recursive = req.query.get("recursive", ["false"])[0].lower() in ("1", "true")
                with hub._lock:
                    tree = dict(repo.commits[sha])
                entries = _tree_entries(tree, sub, recursive)
                if entries is None:
                    self._error(404, "EntryNotFound", f"{sub} does not exist on \"{req.revision}\"", head=head,
                                extra={"X-Repo-Commit": sha})
                    return
                self._json(entries, head=head)
                return
            self._error(404, None, "Not Found", head=head)

    return Handler


def _tree_entries(tree: Mapping[str, bytes], sub: str, recursive: bool) -> list[dict] | None:
    """Hub tree-listing entries under ``sub`` (None if ``sub`` is neither the root nor a folder)."""
    prefix = f"{sub}/" if sub else ""
    under = {p: d for p, d in tree.items() if p.startswith(prefix)}
    if sub and not under:
        return None
    files: list[dict] = []
    folders: set[str] = set()
    for path, data in sorted(under.items()):
        rel = path[len(prefix):]
        parts = rel.split("/")
        for i in range(1, len(parts)):
            if recursive or i == 1:
                folders.add(prefix + "/".join(parts[:i]))
        if not recursive and len(parts) > 1:
            continue
        entry: dict = {"type": "file", "oid": git_blob_sha1(data), "size": len(data), "path": path}
        if is_lfs(path):
            entry["lfs"] = {"oid": sha256(data), "size": len(data), "pointerSize": 134}
        files.append(entry)
    dirs = [{"type": "directory", "oid": hashlib.sha1(f.encode()).hexdigest(), "size": 0, "path": f}
            for f in sorted(folders)]
    return dirs + files
