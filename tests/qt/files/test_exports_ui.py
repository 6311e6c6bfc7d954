"""File ▸ Export in the real window: pictures of the plot, the step log, and a script whose
numbers are compared with the window's own history."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PySide6.QtGui import QImage

from gdstudio.engine import StoppingRules
from gdstudio.io import Project, history_csv_text
from tests.io.test_exports import NUMPY_ONLY
from tests.qt.helpers import run_to_end, wait_for_problem, window

__all__ = ["window"]

ROSENBROCK_MOMENTUM = Project(
    expression="(1 - x)**2 + 100*(y - x**2)**2", start={"x": -1.5, "y": 2.0},
    optimizer="momentum", hyperparameters={"momentum": 0.8}, learning_rate=0.0005,
    schedule={"kind": "step", "step_size": 50, "gamma": 0.5},
    stopping=StoppingRules(max_iter=300, tol_grad=1e-9),
)


def trigger(window, name: str) -> None:
    found = window.registry.action(name)
    assert found is not None, name
    found.trigger()


def test_plot_as_png_and_svg(qtbot, window, tmp_path):
    run_to_end(qtbot, window)
    dialogs = window.projects.dialogs
    dialogs.save_paths += [tmp_path / "curve.png", tmp_path / "curve"]
    trigger(window, "actionExportPng")
    trigger(window, "actionExportSvg")
    image = QImage(str(tmp_path / "curve.png"))
    plot = window.plot_stack.currentWidget()
    assert not image.isNull() and image.width() == 2 * plot.width()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # a curve, a path, axes: not a blank picture
    svg = (tmp_path / "curve.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<path" in svg
    assert window.statusBar().currentMessage() == "Exported curve.svg."


def test_step_log_as_csv_is_the_windows_history(qtbot, window, tmp_path):
    run_to_end(qtbot, window)
    window.projects.dialogs.save_paths.append(tmp_path / "steps.csv")
    trigger(window, "actionExportCsv")
    text = (tmp_path / "steps.csv").read_text(encoding="utf-8")
    assert text == history_csv_text(window.session.history, ("x",))
    lines = text.splitlines()
    assert lines[0] == "step,x,loss,grad_x,lr,step_size,epoch" and len(lines) == 42


def test_exported_script_prints_the_windows_numbers(qtbot, window, tmp_path):
    window.projects.open_project(ROSENBROCK_MOMENTUM, None)
    wait_for_problem(qtbot, window, ROSENBROCK_MOMENTUM.expression)
    run_to_end(qtbot, window)
    script = tmp_path / "reproduce.py"
    window.projects.dialogs.save_paths.append(script)
    trigger(window, "actionExportScript")
    assert window.statusBar().currentMessage() == "Exported reproduce.py."
    # Run with sympy and gdstudio made unimportable: the script needs numpy only.
    result = subprocess.run([sys.executable, "-c", NUMPY_ONLY, str(script), "--digits", "17"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.split("\n\n")[0].splitlines()[2:]
    printed = np.array([[float(cell) for cell in line.split("|")] for line in lines])
    history = window.session.history
    mine = np.column_stack([history.step, history.params, history.loss, history.grad])
    assert printed.shape == mine.shape == (301, 6)
    np.testing.assert_allclose(printed, mine, rtol=1e-12, atol=1e-300)
    assert "max_iter" in result.stdout or "300" in result.stdout.split("\n\n")[1]


def test_a_failed_export_says_why(qtbot, window, tmp_path):
    window.projects.dialogs.save_paths.append(tmp_path / "no such folder" / "steps.csv")
    trigger(window, "actionExportCsv")
    kind, title, text = window.projects.dialogs.messages[-1]
    assert kind == "error" and title == "The export failed" and "No such file" in text
    assert window.statusBar().currentMessage().startswith("Not exported:")
