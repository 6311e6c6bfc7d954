"""``gdstudio --self-test``: prove that the installed app really works, end to end.

The self-test opens the main window as a student would see it, waits until the default
example (``x**2`` from 3, learning rate 0.1) is compiled by the expression helper
process, presses Run, lets the real worker thread descend to convergence and checks the
step log: 41 rows (x₀ … x₄₀) ending at x = 3·0.8⁴⁰ ≈ 0.000398. It then optionally saves
a screenshot, opens a two-variable example in 3-D (drawn where OpenGL works, else the map
stays with the reason), fits 20,000 rows on a run worker as data mode does (the steps
must come from the stepping helper process, with the numbers this process makes), closes
the window the normal way (worker and helper processes stopped) and prints one line. The
installers' smoke tests and the release workflow run it from the
frozen build, so a missing Qt plugin, a broken numpy library or a helper process that
cannot start in the frozen app fails the build instead of a student's first launch.

Waiting is done by the Qt event loop with a watchdog timer, never by sleeping. Set the
environment variable ``GDSTUDIO_STARTUP_TIMING=1`` to also print how long after the
process started the window was first painted, and when the example was ready to run
(Linux reads the start from ``/proc``).
"""

from __future__ import annotations

import inspect
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QTableView, QWidget

if TYPE_CHECKING:
    from gdstudio.qt.window import MainWindow

__all__ = [
    "EXPECTED_ROWS",
    "EXPECTED_X",
    "TIME_LIMIT_S",
    "SelfTestError",
    "run_self_test",
    "seconds_since_process_start",
]

#: Hard limit for the whole self-test, in seconds (a cold start compiles in ~1-3 s).
TIME_LIMIT_S = 60.0
#: Rows in the step log of the default example: the start and 40 updates.
EXPECTED_ROWS = 41
#: Where gradient descent on x² from 3 with rate 0.1 stops: 3·(1 − 2·0.1)⁴⁰.
EXPECTED_X = 3 * 0.8**40
_POLL_MS = 20
_SETTLE_S = 0.25
_TIMING_VARIABLE = "GDSTUDIO_STARTUP_TIMING"


class SelfTestError(RuntimeError):
    """A self-test check failed; the message is the one line shown to the user."""


def seconds_since_process_start() -> float | None:
    """Seconds since this process was created, or ``None`` where it cannot be known.

    Read from ``/proc/self/stat`` (Linux), so it includes the interpreter's start-up and,
    in the frozen app, the bootloader's work before any Python code ran. The resolution
    is one clock tick (usually 10 ms).

    Returns
    -------
    float or None
        The age of the process in seconds.
    """
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        ticks_per_second = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError, IndexError):
        return None
    # Field 2 (the command name) may contain spaces: count fields after its ")".
    fields = stat.rsplit(")", 1)[1].split()
    start_ticks = int(fields[19])  # field 22, "starttime", in ticks since boot
    return max(0.0, uptime - start_ticks / ticks_per_second)


class _FirstPaint(QObject):
    """Notes the first paint of any widget inside ``window`` at which ``ready()`` holds
    (by default the very first paint), then stops listening."""

    def __init__(self, window: QWidget, ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__(window)
        self._window = window
        self._ready = ready
        self.process_age: float | None = None
        self.at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.at is None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self._window
            and self._ready()
        ):
            self.at = time.perf_counter()
            self.process_age = seconds_since_process_start()
            QApplication.instance().removeEventFilter(self)
        return False


class _Runner:
    """Drives one self-test through the event loop; see :func:`run_self_test`."""

    def __init__(self, app: QApplication, screenshot: Path | None) -> None:
        self.app = app
        self.screenshot = screenshot
        self.loop = QEventLoop()
        self.failure: str | None = None
        self.window: MainWindow | None = None
        self._settings_dir = tempfile.TemporaryDirectory(prefix="gdstudio-selftest-")

    # ------------------------------------------------------------------ waiting
    def wait_until(self, condition: Callable[[], bool], what: str, deadline: float) -> None:
        """Run the event loop until ``condition()`` holds; fail after ``deadline``."""
        if condition():
            return
        poll = QTimer()
        poll.setInterval(_POLL_MS)
        watchdog = QTimer()
        watchdog.setSingleShot(True)
        watchdog.setInterval(max(1, int((deadline - time.perf_counter()) * 1000)))

        def check() -> None:
            if self.failure is not None or condition():
                self.loop.quit()

        def expire() -> None:
            self.fail(f"timed out after {TIME_LIMIT_S:g} s waiting until {what}")

        poll.timeout.connect(check)
        watchdog.timeout.connect(expire)
        poll.start()
        watchdog.start()
        try:
            self.loop.exec()
        finally:
            poll.stop()
            watchdog.stop()
        if self.failure is not None:
            raise SelfTestError(self.failure)

    def fail(self, message: str) -> None:
        """Record the first failure and leave the event loop."""
        if self.failure is None:
            self.failure = message
        self.loop.quit()

    def excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        """An exception raised in a slot during the test fails it (traceback on stderr)."""
        traceback.print_exception(kind, error, tb, file=sys.stderr)
        self.fail(f"unexpected {kind.__name__} in the app: {error}")

    # ------------------------------------------------------------------ steps
    def open_window(self) -> MainWindow:
        """Create and show the main window with throw-away settings."""
        from gdstudio.qt.window import MainWindow  # lazy: loaded when the self-test runs

        settings_file = Path(self._settings_dir.name) / "settings.ini"
        settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        if "settings" in inspect.signature(MainWindow).parameters:
            window = MainWindow(settings=settings)
        else:  # pragma: no cover - older or newer window without the argument
            window = MainWindow()
        self.window = window
        failed = getattr(getattr(window, "session", None), "failed", None)
        if failed is not None:
            failed.connect(lambda details: self.fail(
                f"the run worker failed: {str(details).strip().splitlines()[-1]}"))
        return window

    def find_action(self, name: str) -> QAction:
        """The window's QAction called ``name``, from its registry of actions by name."""
        registry = getattr(self.window, "registry", None)
        action = registry.action(name) if registry is not None else None
        if action is None:
            raise SelfTestError(f"the main window has no action named {name!r}")
        return action

    def status(self) -> str | None:
        """The current run's status, or ``None`` before a run exists."""
        report = getattr(self.window.session, "report", None)
        return None if report is None else str(report.status)

    def final_x(self, table: QTableView) -> float:
        """The last value in the step log's ``x`` column."""
        model = table.model()
        columns = {
            str(model.headerData(column, Qt.Orientation.Horizontal)): column
            for column in range(model.columnCount())
        }
        if "x" not in columns:
            raise SelfTestError(f"the step log has no x column (columns: {list(columns)})")
        index = model.index(model.rowCount() - 1, columns["x"])
        value = model.data(index, Qt.ItemDataRole.UserRole)
        if value is None:
            value = model.data(index, Qt.ItemDataRole.DisplayRole)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise SelfTestError(f"the step log shows x = {value!r}, not a number") from None

    def close_window(self) -> None:
        """Close the window the way a user does and let it stop its threads."""
        window, self.window = self.window, None
        if window is None:
            return
        window.close()
        window.deleteLater()
        self.app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.app.processEvents()
        self._settings_dir.cleanup()


def _check_run(runner: _Runner, started: float) -> tuple[int, float]:
    """Open, run and check; returns (rows, final x)."""
    deadline = started + TIME_LIMIT_S
    window = runner.open_window()
    first_paint = _FirstPaint(window)
    ready_paint = _FirstPaint(window, lambda: _ready_to_run(window))
    runner.app.installEventFilter(first_paint)
    runner.app.installEventFilter(ready_paint)
    window.show()
    runner.wait_until(lambda: first_paint.at is not None, "the window was painted", deadline)
    _report_startup(first_paint, started)

    if window.windowIcon().isNull():
        raise SelfTestError("the window has no icon (is gdstudio/resources/icons/gdstudio.svg "
                            "missing from the installation?)")
    speed = getattr(window, "speed_slider", None)
    if speed is not None:  # the installation is checked, not the tutorial's pace
        speed.setValue(speed.maximum())
    run = runner.find_action("actionRun")
    table = getattr(window, "history_table", None)
    if table is None or table.model() is None:
        raise SelfTestError("the main window has no step log (its history_table)")
    runner.wait_until(lambda: run.isEnabled() and runner.status() is not None,
                      "the example x**2 was compiled and Run was enabled", deadline)
    runner.wait_until(lambda: ready_paint.at is not None, "the example was drawn", deadline)
    _report_startup(ready_paint, started, "ready to run (the example drawn, step 0 logged)")
    run.trigger()
    runner.wait_until(lambda: runner.status() not in (None, "running"),
                      "the run ended", deadline)
    if runner.status() != "converged":
        report = window.session.report
        raise SelfTestError(f"the run ended as {runner.status()!r}, expected 'converged' "
                            f"({getattr(report, 'message', '')})")
    runner.wait_until(lambda: table.model().rowCount() >= EXPECTED_ROWS,
                      f"the step log showed {EXPECTED_ROWS} rows", deadline)
    rows = table.model().rowCount()
    if rows != EXPECTED_ROWS:
        raise SelfTestError(f"the step log has {rows} rows, expected {EXPECTED_ROWS}")
    x = runner.final_x(table)
    if not math.isclose(x, EXPECTED_X, rel_tol=1e-3):
        raise SelfTestError(f"the run ended at x = {x:.6g}, expected {EXPECTED_X:.6g}")
    if runner.screenshot is not None:
        settle = time.perf_counter() + _SETTLE_S  # let the plots draw their last frame
        runner.wait_until(lambda: time.perf_counter() >= settle, "the plots settled", deadline)
        path = runner.screenshot
        path.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(path)):
            raise SelfTestError(f"could not save the screenshot to {path}")
    return rows, x


def _check_3d(runner: _Runner, started: float) -> str:
    """Open a two-variable example in 3-D; returns ``drawn`` or why there is no 3-D view.

    Where OpenGL works (a desktop, or Xvfb with Mesa), the surface must be drawn: a
    missing PyOpenGL or GL library in an installer fails here. Without OpenGL (the
    offscreen platform) the map must stay, with the one-line reason.
    """
    from gdstudio.qt.plots3d import opengl_problem  # lazy: loaded when the self-test runs

    deadline = started + TIME_LIMIT_S
    window = runner.window
    window.examples.open_example("convex_bowl")
    runner.wait_until(lambda: window.model.expression_text == "x**2 + y**2"
                      and window.session.active, "the bowl x**2 + y**2 was compiled", deadline)
    page = window.contour_page
    shown = page.set_layout("3d")
    problem = opengl_problem()
    if problem is not None:
        if shown or not page.plot.isVisible() or page.message.text() != problem:
            raise SelfTestError("without OpenGL the map should stay, with the reason shown")
        return f"not available ({problem})"
    if not shown or page.surface is None:
        raise SelfTestError(f"the 3-D view did not open: {page.message.text()}")
    surface = page.surface
    runner.wait_until(lambda: surface.mesh is not None, "the 3-D surface was computed",
                      deadline)
    image = surface.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 11)
               for y in range(0, image.height(), 11)}
    if len(colours) < 20:
        raise SelfTestError("the 3-D view is blank (OpenGL drew nothing)")
    return "drawn"


def _check_helper(runner: _Runner, started: float) -> int:
    """Fit ``REMOTE_ROWS`` rows at full speed on a run worker, as data mode does: the steps
    must come from the stepping helper process, with the numbers this process makes.
    Returns the steps it made."""
    import numpy as np  # lazy: loaded when the self-test runs

    from gdstudio.engine import Descent, StoppingRules
    from gdstudio.problems.dataset import Dataset
    from gdstudio.problems.models import ModelObjective
    from gdstudio.problems.step_service import REMOTE_ROWS, SERVICE
    from gdstudio.qt.run.worker import FULL_SPEED, RunController

    deadline = started + TIME_LIMIT_S
    x = np.linspace(0.0, 10.0, REMOTE_ROWS)
    objective = ModelObjective("a*x**2 + b*x + c", Dataset({"x": x, "y": 0.5 * x**2 - x + 2}))

    def fit() -> Descent:
        return Descent(objective, [0.0, 0.0, 0.0], lr=5e-5,
                       stopping=StoppingRules(max_iter=1_000_000))

    descent = fit()
    controller = RunController(descent)
    try:
        controller.set_speed(FULL_SPEED)
        controller.play()
        runner.wait_until(lambda: SERVICE.playing(descent) or bool(SERVICE.last_error),
                          "the fit stepped in the helper process", deadline)
        if SERVICE.last_error:
            raise SelfTestError(f"the stepping helper failed: {SERVICE.last_error}")
        began = descent.step_count
        runner.wait_until(lambda: descent.step_count > began + 2000,
                          "the helper's steps came back", deadline)
    finally:
        if not controller.shutdown():
            raise SelfTestError("the run worker did not stop")
    if SERVICE.last_error:
        raise SelfTestError(f"the stepping helper failed: {SERVICE.last_error}")
    here = fit()
    here.run(max_steps=descent.step_count)
    if not (np.array_equal(descent.history.params, here.history.params)
            and np.array_equal(descent.history.loss, here.history.loss)):
        raise SelfTestError("the helper's steps differ from the steps made in the app")
    return descent.step_count


def _ready_to_run(window: MainWindow) -> bool:
    """The first example is ready: its curve drawn, step 0 in the step log, Run enabled."""
    curve = window.function_plot._curve.xData
    return (window.session.active and window.action_run.isEnabled()
            and window.history_model.rowCount() >= 1 and curve is not None and len(curve) > 0)


def _report_startup(paint: _FirstPaint, started: float,
                    what: str = "window first painted") -> None:
    if os.environ.get(_TIMING_VARIABLE, "") in ("", "0"):
        return
    since_test = paint.at - started
    if paint.process_age is None:
        print(f"startup: {what} {since_test:.2f} s after the self-test began "
              "(process start unknown on this platform)", flush=True)
    else:
        print(f"startup: {what} {paint.process_age:.2f} s after the "
              f"process started ({since_test:.2f} s after the self-test began)", flush=True)


def run_self_test(app: QApplication, screenshot: Path | None = None) -> int:
    """Open the window, run the default example to convergence and check it.

    Parameters
    ----------
    app : QApplication
        The application (created by :func:`gdstudio.app.create_application`).
    screenshot : Path, optional
        Where to save a PNG of the window after the run.

    Returns
    -------
    int
        0 when every check passed (one line on stdout), 1 otherwise (one line on stderr).
    """
    started = time.perf_counter()
    runner = _Runner(app, screenshot)
    previous_hook = sys.excepthook
    sys.excepthook = runner.excepthook
    try:
        rows, x = _check_run(runner, started)
        three_d = _check_3d(runner, started)
        helped = _check_helper(runner, started)
    except SelfTestError as error:
        outcome: str | None = str(error)
    except Exception as error:  # anything else is a failure too, said in one line
        traceback.print_exc(file=sys.stderr)
        outcome = f"unexpected {type(error).__name__}: {error}"
    else:
        outcome = None
    finally:
        try:
            runner.close_window()
        except Exception as error:
            runner.fail(f"closing the window failed: {error}")
        sys.excepthook = previous_hook
    if outcome is None and runner.failure is not None:
        outcome = runner.failure
    if outcome is not None:
        print(f"self-test FAILED: {outcome}", file=sys.stderr, flush=True)
        return 1
    elapsed = time.perf_counter() - started
    print(f"self-test passed: converged after {rows - 1} steps, x = {x:.6g} "
          f"in {elapsed:.2f} s; 3-D view {three_d}; a large fit stepped in the helper "
          f"process ({helped:,} steps, the app's own numbers)", flush=True)
    return 0
