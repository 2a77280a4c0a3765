"""Marked copies: code a family file keeps on purpose, held identical to its source.

A family file must read alone, and its layers must give exactly the published state-dict keys, so some code
is repeated rather than imported (the DCGAN-style conv stacks of the conditional families, the junyanz norm
table and PatchGAN layers of CycleGAN). Each such copy is marked on the line above it::

    # Copied from ganstudio.models.pix2pix.patch_layers
    def patch_layers(...):

    # Copied from ganstudio.models.cgan.Generator.sample_latent with CGAN->ACGAN, cgan->acgan
    def sample_latent(self, ...):

The marked function, class, method or top-level assignment must equal its source (indentation aside) after
the ``with`` renames (plain text replacements, applied in order). ``python -m ganstudio.models.copies`` lists
the copies that drifted; ``--fix`` rewrites them from their sources. ``tests/models/test_copies.py`` runs the
check, so a change to a source fails the tests until its copies follow.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

import ganstudio

PACKAGE_ROOT = Path(ganstudio.__file__).resolve().parent  # .../ganstudio
MARK = re.compile(r"^(?P<indent>[ \t]*)# Copied from (?P<target>[\w.]+)(?:\s+with\s+(?P<renames>.+?))?\s*$")
_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


@dataclass(frozen=True)
class MarkedCopy:
    """One ``# Copied from`` marker: where it is, what it copies, and the renames it applies."""

    path: Path
    line: int  # 1-based line of the marker
    target: str  # dotted: ganstudio.models.<module>.<name>[.<member>]
    renames: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CopyProblem:
    """A marked copy that differs from its source, or whose marker cannot be followed."""

    copy: MarkedCopy
    message: str

    def __str__(self) -> str:
        return f"{self.copy.path}:{self.copy.line}: copy of {self.copy.target}: {self.message}"


def parse_renames(text: str | None) -> tuple[tuple[str, str], ...]:
    """``"A->B, C->D"`` -> ``(("A", "B"), ("C", "D"))``."""
    if not text:
        return ()
    pairs = []
    for part in text.split(","):
        old, sep, new = part.strip().partition("->")
        if not sep or not old.strip():
            raise ValueError(f"a rename must read OLD->NEW, got {part.strip()!r}")
        pairs.append((old.strip(), new.strip()))
    return tuple(pairs)


def find_marks(path: Path, text: str) -> list[MarkedCopy]:
    """Every ``# Copied from`` marker in ``text`` (the contents of ``path``)."""
    marks = []
    lines = text.splitlines()
    # comments only: a marker quoted in a docstring (as in this module's) is not a marker
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            m = MARK.match(lines[tok.start[0] - 1])
            if m:
                marks.append(MarkedCopy(path, tok.start[0], m.group("target"), parse_renames(m.group("renames"))))
    return marks


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", None) or []  # classes and functions only
    return min([node.lineno] + [d.lineno for d in decorators])


def _node_text(lines: list[str], node: ast.AST) -> str:
    """The node's source lines (decorators included), dedented."""
    return textwrap.dedent("\n".join(lines[_first_line(node) - 1:node.end_lineno]))


def _defines(node: ast.AST, name: str) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _find(body: list[ast.stmt], names: list[str]) -> ast.AST | None:
    for node in body:
        if _defines(node, names[0]):
            if len(names) == 1:
                return node
            return _find(node.body, names[1:]) if isinstance(node, ast.ClassDef) else None
    return None


def source_of(target: str, root: Path = PACKAGE_ROOT) -> tuple[Path, ast.AST, list[str]]:
    """(file, node, file lines) of a dotted target such as ``ganstudio.models.pix2pix.patch_layers``."""
    parts = target.split(".")
    if parts[0] != root.name:
        raise LookupError(f"the target must start with {root.name}.")
    for split in range(len(parts) - 1, 1, -1):  # the longest module path that is a file
        path = root.joinpath(*parts[1:split]).with_suffix(".py")
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            node = _find(ast.parse(text).body, parts[split:])
            if node is None:
                raise LookupError(f"{path.name} defines no {'.'.join(parts[split:])}")
            return path, node, text.splitlines()
    raise LookupError("no such module")


def _copied_node(tree: ast.AST, line: int) -> ast.AST | None:
    """The function, class or assignment that starts on ``line``."""
    for node in ast.walk(tree):
        if isinstance(node, _NODES) and _first_line(node) == line:
            return node
    return None


def expected_text(copy: MarkedCopy, root: Path = PACKAGE_ROOT) -> str:
    """The source of ``copy`` after its renames (dedented)."""
    _, node, lines = source_of(copy.target, root)
    text = _node_text(lines, node)
    for old, new in copy.renames:
        text = text.replace(old, new)
    return text


def check_text(path: Path, text: str, root: Path = PACKAGE_ROOT) -> list[CopyProblem]:
    """The problems of every marked copy in ``text`` (the contents of ``path``)."""
    try:
        marks = find_marks(path, text)
    except ValueError as e:
        return [CopyProblem(MarkedCopy(path, 0, "?"), str(e))]
    if not marks:
        return []
    tree, lines = ast.parse(text), text.splitlines()
    problems = []
    for mark in marks:
        node = _copied_node(tree, mark.line + 1)
        if node is None:
            problems.append(CopyProblem(mark, "the marker is not directly above a function, class or assignment"))
            continue
        try:
            want = expected_text(mark, root)
        except LookupError as e:
            problems.append(CopyProblem(mark, f"cannot find the source ({e})"))
            continue
        have = _node_text(lines, node)
        if have != want:
            problems.append(CopyProblem(mark, _first_difference(want, have, _first_line(node))))
    return problems


def _first_difference(want: str, have: str, first_line: int) -> str:
    a, b = want.splitlines(), have.splitlines()
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"line {first_line + i} differs from the source: {y.strip()!r} instead of {x.strip()!r}"
    return f"the copy has {len(b)} lines, the source {len(a)}"


def python_files(root: Path = PACKAGE_ROOT) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def check_copies(root: Path = PACKAGE_ROOT) -> list[CopyProblem]:
    """Every marked copy under ``root`` (the ``ganstudio`` package) that differs from its source."""
    problems = []
    for path in python_files(root):
        problems += check_text(path, path.read_text(encoding="utf-8"), root)
    return problems


def marked_copies(root: Path = PACKAGE_ROOT) -> list[MarkedCopy]:
    """Every ``# Copied from`` marker under ``root``."""
    return [m for p in python_files(root) for m in find_marks(p, p.read_text(encoding="utf-8"))]


def fix_text(path: Path, text: str, root: Path = PACKAGE_ROOT) -> str:
    """``text`` with every drifted copy replaced by its source (renamed, re-indented to the copy's place)."""
    for problem in reversed(check_text(path, text, root)):  # bottom-up: earlier line numbers stay valid
        mark = problem.copy
        node = _copied_node(ast.parse(text), mark.line + 1)
        if node is None:
            continue
        try:
            want = expected_text(mark, root)
        except LookupError:
            continue
        lines = text.splitlines(keepends=True)
        indent = MARK.match(lines[mark.line - 1]).group("indent")
        new = textwrap.indent(want, indent) + "\n"
        text = "".join(lines[:_first_line(node) - 1]) + new + "".join(lines[node.end_lineno:])
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganstudio.models.copies",
                                     description="Check (or --fix) the '# Copied from' copies in ganstudio.")
    parser.add_argument("--fix", action="store_true", help="rewrite drifted copies from their sources")
    args = parser.parse_args(argv)
    if args.fix:
        for path in python_files():
            text = path.read_text(encoding="utf-8")
            fixed = fix_text(path, text)
            if fixed != text:
                path.write_text(fixed, encoding="utf-8")
                print(f"fixed {path}")
    problems = check_copies()
    for p in problems:
        print(p)
    print(f"{len(marked_copies())} marked copies, {len(problems)} differ from their source")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
