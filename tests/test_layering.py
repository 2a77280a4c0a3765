"""What each family knows lives on its ``Family`` descriptor: no module outside the family layers names a family.

Adding a family touches its model file, its trainer, one registry line and its tests; a module elsewhere
that compares against or looks up a family by a literal name is a table nobody would know to edit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ganstudio
from ganstudio import registry

PACKAGE = Path(ganstudio.__file__).resolve().parent
ROOT = PACKAGE.parent

# Where family names may be written: the families' own layers.
FAMILY_LAYERS = ("ganstudio/models/", "ganstudio/train/", "ganstudio/convert/", "ganstudio/data/")
FAMILY_FILES = ("ganstudio/registry.py",)

# Modules allowed to name families outside those layers, with the names they may use (None: any).
ALLOWED: dict[str, frozenset[str] | None] = {}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def family_literals(path: Path, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every string literal in ``path`` that equals a family name, docstrings excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docs = _docstrings(tree)
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
                  and id(node) not in docs)


def _in_family_layers(rel: str) -> bool:
    return rel.startswith(FAMILY_LAYERS) or rel in FAMILY_FILES


def test_no_family_name_outside_the_family_layers():
    names = set(registry.family_names())
    problems = []
    for path in _modules():
        rel = _rel(path)
        if _in_family_layers(rel):
            continue
        allowed = ALLOWED.get(rel, frozenset())
        for line, name in family_literals(path, names):
            if allowed is not None and name not in allowed:
                problems.append(f"{rel}:{line}: {name!r}")
    assert not problems, ("family names written outside the family layers (put what the code needs to know on "
                          "the Family descriptor): " + "; ".join(problems))


def test_the_check_finds_a_family_name_and_skips_docstrings(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""The dcgan docstring."""\n\n\ndef f(family):\n    """About cyclegan."""\n'
                      '    return family == "spade" or f"{family}" == "stargan-like"\n')
    assert family_literals(module, set(registry.family_names())) == [(6, "spade")]


def test_models_never_import_train():
    """Family descriptors name their trainers as strings; the model layer stays importable without ``train``."""
    for path in sorted((PACKAGE / "models").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = ("." * node.level) + (node.module or "")
                assert not (target.startswith("..train") or target.startswith("ganstudio.train")), \
                    f"{_rel(path)} imports {target}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("ganstudio.train") for a in node.names), f"{_rel(path)}"
