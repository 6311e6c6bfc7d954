"""Entry point of the desktop app: ``gdstudio`` (or ``python -m gdstudio``)."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence

__all__ = ["create_application", "main"]


def create_application(argv: Sequence[str] | None = None):
    """The QApplication, created once, with the names QSettings files are kept under."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(list(argv or sys.argv))
    app.setOrganizationName("Gradient Descent Studio")
    app.setApplicationName("gdstudio")
    app.setApplicationDisplayName("Gradient Descent Studio")
    from gdstudio._version import __version__

    app.setApplicationVersion(__version__)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Open the studio window with the first tutorial ready, and run until it closes."""
    multiprocessing.freeze_support()  # the expression helper process, in frozen builds
    app = create_application(argv)
    from gdstudio.qt.window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()


def __getattr__(name: str):
    if name == "MainWindow":
        from gdstudio.qt.window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'gdstudio.app' has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
