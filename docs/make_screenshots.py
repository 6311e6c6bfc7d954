"""Take the README's screenshots of the real window (run under Xvfb).

``xvfb-run -a -s "-screen 0 1600x1000x24" python docs/make_screenshots.py [OUT_DIR]``
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QComboBox, QLineEdit

from gdstudio.app import create_application
from gdstudio.qt.window import MainWindow


def wait_until(condition, timeout: float = 30.0) -> bool:
    """Run the event loop until ``condition()`` holds or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return condition()


def settle(seconds: float = 0.6) -> None:
    """Let the frame timer and the contour recompute catch up."""
    wait_until(lambda: False, seconds)


def new_window(settings_dir: Path) -> MainWindow:
    settings = QSettings(tempfile.mktemp(suffix=".ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.projects.dialogs.ask_unsaved = lambda *_args: "discard"  # nothing to keep
    window.resize(1500, 920)
    window.show()
    assert wait_until(lambda: window.session.active), "the example did not compile"
    window.speed_slider.setValue(window.speed_slider.maximum())  # not the tutorial's pace
    return window


def use_expression(window: MainWindow, text: str) -> None:
    edit = window.findChild(QLineEdit, "expressionEdit")
    edit.setText(text)
    edit.editingFinished.emit()
    assert wait_until(lambda: window.model.expression_text == text), text


def run_to_end(window: MainWindow) -> None:
    window.run()
    assert wait_until(lambda: not window.session.playing and window.session.report.step_count > 0)
    settle()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GDSTUDIO_DATA_DIR", tempfile.mkdtemp())  # no autosave of ours left
    create_application(sys.argv)

    window = new_window(out)
    for _ in range(4):
        window.session.step()
    settle()
    window.grab().save(str(out / "one_variable.png"))

    use_expression(window, "(1-x)**2 + 100*(y-x**2)**2")
    window.model.set_start({"x": -1.5, "y": 2.0})
    combo = window.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("adam"))
    window.model.set_learning_rate(0.05)
    window.model.set_stopping(window.model.stopping.with_changes(max_iter=3000, tol_step=None))
    run_to_end(window)
    window.grab().save(str(out / "rosenbrock_adam.png"))

    use_expression(window, "x**2")
    combo.setCurrentIndex(combo.findData("gd"))
    window.model.set_start({"x": 3.0})
    window.model.set_learning_rate(1.05)
    window.model.set_stopping(window.model.stopping.with_changes(max_iter=100000))
    run_to_end(window)
    window.grab().save(str(out / "diverged.png"))
    window.close()
    print(f"saved screenshots in {out}")


if __name__ == "__main__":
    main()
