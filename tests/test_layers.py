"""Imports point down: the engine, problems and API never pull in Qt."""

import subprocess
import sys

import pytest

CHECK = (
    "import sys, {module}; "
    "bad = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r}); "
    "print(','.join(bad))"
)


def imported_after(module: str, forbidden: tuple[str, ...]) -> str:
    code = CHECK.format(module=module, forbidden=forbidden)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


@pytest.mark.parametrize("module", ["gdstudio.engine", "gdstudio.problems", "gdstudio.api",
                                    "gdstudio.cli", "gdstudio", "gdstudio.lessons"])
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
