"""The app's entry point: the automation contract and a clear word when no display exists."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import gdstudio.app
from gdstudio.app import display_problem


def test_main_window_is_part_of_the_automation_contract() -> None:
    from gdstudio.qt.window import MainWindow

    assert gdstudio.app.MainWindow is MainWindow
    assert "MainWindow" in gdstudio.app.__all__


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = gdstudio.app.NoSuchThing  # type: ignore[attr-defined]


def test_importing_the_entry_point_loads_no_qt() -> None:
    code = "import sys, gdstudio.app; print('PySide6' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "False"


def test_importing_the_entry_point_switches_automatic_collection_off() -> None:
    # before the window's modules load: their imports then set off no collections
    code = "import gc; before = gc.isenabled(); import gdstudio.app; print(before, gc.isenabled())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "True False"


def test_the_window_ready_to_run_has_not_loaded_what_only_later_problems_need() -> None:
    code = """
import os, sys
from PySide6.QtWidgets import QApplication
from gdstudio.app import create_application
from gdstudio.qt.window import MainWindow
app = create_application([])
window = MainWindow()
window.show()
while not (window.session.active and window.history_model.rowCount()):
    app.processEvents()
print(sorted({"gdstudio.qt.plots.contour", "concurrent.futures", "html", "sympy"}
             & set(sys.modules)), flush=True)
os._exit(0)  # at once: the run's thread and the after-paint work are not this test's
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("environ", "platform", "refused"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "freebsd14", True),
        ({}, "win32", False),
        ({}, "darwin", False),
    ],
)
def test_display_problem(environ: dict[str, str], platform: str, refused: bool) -> None:
    problem = display_problem(environ, platform)
    assert bool(problem) is refused
    if refused:
        assert problem == "no display found: run it on a desktop, or under xvfb-run"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
def test_launching_without_a_display_says_so_and_exits_1() -> None:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "gdstudio"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 1
    expected = "gdstudio: no display found: run it on a desktop, or under xvfb-run"
    assert done.stderr.strip() == expected


def test_the_app_gives_numpys_linear_algebra_one_thread_unless_told_otherwise() -> None:
    from gdstudio.app import BLAS_THREAD_VARIABLES, limit_blas_threads

    chosen = {"OPENBLAS_NUM_THREADS": "4"}
    limit_blas_threads(chosen)
    assert chosen["OPENBLAS_NUM_THREADS"] == "4"  # the user's choice stands
    assert all(chosen[name] == "1" for name in BLAS_THREAD_VARIABLES[1:])
    fresh: dict[str, str] = {}
    limit_blas_threads(fresh)
    assert fresh == dict.fromkeys(BLAS_THREAD_VARIABLES, "1")


def test_the_function_plots_percentiles_are_numpys() -> None:
    import numpy as np

    from gdstudio.qt.plots.function import _percentiles

    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 801):
        values = rng.standard_normal(size)
        assert np.allclose(_percentiles(values, (2.0, 98.0)),
                           np.percentile(values, [2.0, 98.0]), rtol=0, atol=1e-12)
