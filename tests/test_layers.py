"""Imports point down: the layer contracts hold and no module imports itself in a circle.

The contracts live in pyproject.toml and are checked by import-linter (``lint-imports``);
what it cannot say — that the package has no import cycle at all, counting imports made
inside functions and under ``TYPE_CHECKING`` — is checked here with :mod:`ast`. The
subprocess checks also prove at run time that the core never loads Qt.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

CHECK = (
    "import sys, {module}; "
    "bad = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r}); "
    "print(','.join(bad))"
)


# ------------------------------------------------------------------------ import graph
def modules_of(package: Path) -> dict[str, Path]:
    """Dotted name → file of every module in ``package`` (a directory)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_names(path: Path, package: str) -> Iterator[str]:
    """Every module name an import statement anywhere in ``path`` names (functions and
    ``if TYPE_CHECKING:`` blocks included); ``from a import b`` names ``a.b`` and ``a``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, base] if base else parents)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports."""
    modules = modules_of(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        home = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for target in imported_names(path, home):
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert [sorted(cycle) for cycle in cycles(import_graph(ROOT / "gdstudio"))] == []


def test_the_cycle_finder_sees_imports_in_functions_and_for_type_hints(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\n"
                                  "if TYPE_CHECKING:\n    from pkg.b import B\n")
    (package / "b.py").write_text("def late():\n    from . import a\n")
    (package / "c.py").write_text("import pkg.a\n")
    assert cycles(import_graph(package)) == [frozenset({"pkg.a", "pkg.b"})]


# ------------------------------------------------------------------------ import-linter
def lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on the package and pyproject.toml in ``folder``."""
    environment = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=folder,
                          env=environment, capture_output=True, text=True, check=False)


needs_import_linter = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install .[test])")


@needs_import_linter
def test_the_layer_contracts_of_pyproject_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@needs_import_linter
def test_lint_imports_checks_this_checkout_and_catches_a_breach(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "gdstudio", tmp_path / "gdstudio",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "gdstudio" / "engine" / "objective.py").open("a") as module:
        module.write("\n\ndef _breach() -> None:\n    import sympy  # noqa: F401\n"
                     "    from gdstudio.io import project  # noqa: F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "gdstudio.engine.objective -> sympy" in result.stdout
    assert "gdstudio.engine.objective -> gdstudio.io.project" in result.stdout


# ------------------------------------------------------------------------ at run time
def imported_after(module: str, forbidden: tuple[str, ...]) -> str:
    code = CHECK.format(module=module, forbidden=forbidden)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


@pytest.mark.parametrize("module", ["gdstudio.engine", "gdstudio.problems", "gdstudio.api",
                                    "gdstudio.cli", "gdstudio", "gdstudio.lessons",
                                    "gdstudio.state"])
def test_core_imports_no_qt(module: str) -> None:
    assert imported_after(module, ("PySide6", "shiboken6", "pyqtgraph")) == ""


def test_engine_imports_neither_qt_nor_sympy() -> None:
    assert imported_after("gdstudio.engine", ("PySide6", "pyqtgraph", "sympy")) == ""


def test_package_import_is_lazy() -> None:
    assert imported_after("gdstudio", ("sympy", "numpy")) == ""


def test_lesson_files_read_without_sympy_or_the_api() -> None:
    code = ("import sys, gdstudio.io.lessons as lessons; lessons.builtin_lessons(); "
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'sympy' "
            "or m == 'gdstudio.api')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""


def test_opening_a_project_needs_no_sympy() -> None:
    assert imported_after("gdstudio.io", ("sympy",)) == ""
