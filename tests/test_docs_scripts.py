"""The screenshot scripts under ``docs/`` import only names that exist.

They are run by hand (under Xvfb) to make the README's pictures, so nothing else notices
when a refactor moves a name they import: this test reads their imports (without running
them) and checks that every ``from gdstudio… import name`` resolves.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCRIPTS = sorted(DOCS.glob("*.py"))


def gdstudio_imports(path: Path) -> list[tuple[str, str, int]]:
    """``(module, name, line)`` for every ``from gdstudio… import name`` in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.module, alias.name, node.lineno)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            and node.module.split(".")[0] == "gdstudio"
            for alias in node.names]


def test_there_are_scripts_to_check() -> None:
    assert len(SCRIPTS) >= 4
    assert all(gdstudio_imports(path) for path in SCRIPTS)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_every_gdstudio_name_a_script_imports_exists(path: Path) -> None:
    missing = []
    for module_name, name, line in gdstudio_imports(path):
        module = importlib.import_module(module_name)
        if not hasattr(module, name):
            try:
                importlib.import_module(f"{module_name}.{name}")
            except ModuleNotFoundError:
                missing.append(f"{path.name}:{line}: {module_name}.{name}")
    assert not missing, "names the script imports that do not exist: " + ", ".join(missing)


def test_the_check_sees_a_missing_name(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("def f():\n    from gdstudio.qt.lessons.host import top_menu\n",
                      encoding="utf-8")
    (module_name, name, line), = gdstudio_imports(script)
    assert (module_name, name, line) == ("gdstudio.qt.lessons.host", "top_menu", 2)
    assert not hasattr(importlib.import_module(module_name), name)
