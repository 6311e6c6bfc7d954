"""Entry point of the desktop app: ``gdstudio`` (or ``python -m gdstudio``)."""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gdstudio._version import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from gdstudio.qt.window import MainWindow

__all__ = [
    "MainWindow",
    "create_application",
    "display_problem",
    "limit_blas_threads",
    "main",
    "open_project_argument",
    "parse_arguments",
]

#: Environment variables that cap the threads of numpy's linear algebra (OpenBLAS, MKL,
#: OpenMP builds): see limit_blas_threads.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")

# The app collects cyclic garbage on the GUI thread only, on a timer, with automatic
# collection off (gdstudio.qt.run.collector). Off from here already, before the window's
# modules and libraries load: their imports set off about 150 automatic collections,
# 50-70 ms of a 0.7 s start-up on this project's 2-core machine. The timer's first
# collection (half a second after create_application, once the window is ready) takes
# the start-up's garbage instead, in one pass of 40-100 ms, and freezes the rest.
gc.disable()

# Platforms that draw without a display server (tests, screenshots, remote viewers).
_HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "vkkhrdisplay", "linuxfb", "eglfs"})


def __getattr__(name: str) -> object:
    """``gdstudio.app.MainWindow``, imported on first use.

    The window class is part of the automation contract; importing it lazily keeps
    ``import gdstudio.app`` (and so the launcher) from loading Qt before it must.
    """
    if name == "MainWindow":
        from gdstudio.qt.window import MainWindow  # lazy: Qt loads only when asked for

        return MainWindow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def display_problem(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str:
    """Why no window can open here, or ``""`` when a display (or a headless Qt) is there.

    On Linux and the BSDs a window needs an X11 or Wayland display; without one Qt would
    abort with a message about ``libxcb-cursor0``, which sends students hunting for a
    library they do not need.
    """
    env = os.environ if environ is None else environ
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return ""
    requested = {name.split(":")[0] for name in env.get("QT_QPA_PLATFORM", "").split(";")}
    if requested & _HEADLESS_PLATFORMS:
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return "no display found: run it on a desktop, or under xvfb-run"


def limit_blas_threads(environ: dict[str, str] | None = None) -> None:
    """Give numpy's linear algebra one thread in the app (unless the user chose a number).

    The app already runs two busy threads, the descent and the window. A BLAS that splits
    every dot product over all cores keeps threads spinning for cores the window needs:
    on this project's 2-core machine under load, one MAE step over 100,000 rows took
    96 ms with OpenBLAS's threads and 9 ms with one, and the window missed its frames
    meanwhile. Effective only before numpy is first imported (``main`` calls it first).
    """
    env = os.environ if environ is None else environ
    for name in BLAS_THREAD_VARIABLES:
        env.setdefault(name, "1")


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The app's own options (Qt's, such as ``-platform``, are left to Qt)."""
    parser = argparse.ArgumentParser(prog="gdstudio", description="Gradient Descent Studio")
    parser.add_argument("project", nargs="?", type=Path,
                        help="a .gdstudio project or a .gdlesson.toml lesson to open")
    parser.add_argument("--self-test", action="store_true",
                        help="open the window, run the default example to convergence, "
                             "check it and exit (0 on success)")
    parser.add_argument("--screenshot", type=Path, help="with --self-test: save a PNG here")
    arguments, _qt_arguments = parser.parse_known_args(list(argv))
    return arguments


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, created once, with the names QSettings files are kept under."""
    # lazy: Qt loads only once the app starts (parsing options needs none)
    from PySide6.QtWidgets import QApplication

    from gdstudio.qt.icons import app_icon
    from gdstudio.qt.run.collector import collect_on_gui_thread

    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setOrganizationName("Gradient Descent Studio")
    app.setApplicationName("gdstudio")
    app.setApplicationDisplayName("Gradient Descent Studio")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    collect_on_gui_thread(app)
    app.setDesktopFileName("gdstudio")  # lets desktops match the window to gdstudio.desktop
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Open the studio window with the first tutorial ready, and run until it closes."""
    limit_blas_threads()  # before anything imports numpy
    multiprocessing.freeze_support()  # the expression helper process, in frozen builds
    argv = list(sys.argv if argv is None else argv)
    arguments = parse_arguments(argv[1:])
    problem = display_problem()
    if problem:
        print(f"gdstudio: {problem}", file=sys.stderr)
        return 1
    app = create_application(argv)
    if arguments.self_test:
        # lazy: Qt loads only once the app starts (parsing options needs none)
        from gdstudio.qt.selftest import run_self_test

        return run_self_test(app, arguments.screenshot)
    # lazy: Qt loads only once the app starts (parsing options needs none)
    from gdstudio.qt.window import MainWindow

    window = MainWindow()
    window.show()
    if arguments.project is not None:
        # lazy: Qt loads only once the app starts (parsing options needs none)
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: open_project_argument(window, arguments.project))
    return app.exec()


def open_project_argument(window: MainWindow, path: Path) -> bool:
    """Open the project named on the command line in ``window``.

    A file that cannot be opened is explained in a message box, and the window keeps the
    default example. Returns True when reading started (see ``ProjectController.openFinished``).
    """
    # lazy: Qt loads only once the app starts (parsing options needs none)
    from gdstudio.qt.lessons.files import is_lesson_path

    if is_lesson_path(path):  # gdstudio my-lesson.gdlesson.toml: opens in the lesson dock
        return window.lessons.open_file(path, ask=False)
    return window.projects.open_file(path, ask=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
