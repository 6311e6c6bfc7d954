"""File ▸ Export: the central plot as PNG or SVG, the step log as CSV, a Python script, an
animation.

Questions go through the window's project dialogs (``window.projects.dialogs``), so tests
answer them in code; every export can also be called directly with a path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from gdstudio.io import export_python_script, history_to_csv
from gdstudio.io.files import atomic_write_bytes
from gdstudio.qt.files.project_actions import WorkHost, project_from_window
from gdstudio.qt.host import HasDataMode, HasProjects, PlotsHost, StatusSink
from gdstudio.qt.plots.export import PNG_SCALE
from gdstudio.qt.plots.export import render_svg as _render_svg

__all__ = ["PNG_SCALE", "ExportsHost", "ExportsMenu", "central_plot"]


@runtime_checkable
class ExportsHost(WorkHost, PlotsHost, HasDataMode, HasProjects, StatusSink, Protocol):
    """What File ▸ Export uses of the window: the work and its run (the step log, the
    script), the plots (pictures, an animation), the project's dialogs and path, and the
    status bar."""


def central_plot(window: PlotsHost) -> pg.PlotWidget | None:
    """The plot in the centre of the window (or the first plot inside it), if any."""
    page: QWidget = window.plot_stack.currentWidget()
    if isinstance(page, pg.PlotWidget):
        return page
    found = page.findChildren(pg.PlotWidget) if page is not None else []
    return next((plot for plot in found if plot.isVisible()), found[0] if found else None)


class ExportsMenu(QObject):
    """The Export submenu of one main window (``window.exports``)."""

    def __init__(self, window: ExportsHost) -> None:
        super().__init__(window)
        self._window = window
        self.menu = QMenu("&Export", window)
        self.menu.setObjectName("exportMenu")
        for name, text, tip, slot in (
            ("actionExportPng", "Plot as &PNG…", "Save the plot in the centre as a picture",
             self.ask_png),
            ("actionExportSvg", "Plot as &SVG…", "Save the plot as a vector drawing (for "
             "slides and documents)", self.ask_svg),
            ("actionExportCsv", "Step Log as &CSV…", "Save every step's numbers for a "
             "spreadsheet", self.ask_csv),
            ("actionExportScript", "Python &Script…", "Save a numpy-only Python script that "
             "reproduces this run and prints the same steps", self.ask_script),
            ("actionExportAnimation", "&Animation…", "Save the run as an animated GIF drawn "
             "by a plot (for slides)", self.ask_animation),
        ):
            item = self.menu.addAction(text)
            item.setObjectName(name)
            item.setToolTip(tip)
            item.setStatusTip(tip)
            item.triggered.connect(slot)

    # ---------------------------------------------------------------- asking
    def _ask(self, title: str, name: str, filters: str) -> Path | None:
        projects = self._window.projects
        folder = projects.path.parent if projects.path else Path.home()
        stem = projects.path.stem if projects.path else "gradient-descent"
        path = projects.dialogs.save_path(self._window, title, str(folder / f"{stem}{name}"),
                                          filters)
        if path is not None and not path.suffix:
            path = path.with_name(path.name + name)
        return path

    def _done(self, path: Path | None, error: Exception | None = None) -> bool:
        window = self._window
        if error is not None:
            window.statusBar().showMessage(f"Not exported: {error}")
            window.projects.dialogs.error(window, "The export failed", str(error))
            return False
        if path is not None:
            window.statusBar().showMessage(f"Exported {path.name}.", 8000)
        return path is not None

    def ask_png(self) -> bool:
        """Ask where, then :meth:`export_png`."""
        path = self._ask("Save the plot as PNG", ".png", "PNG pictures (*.png)")
        return path is not None and self.export_png(path)

    def ask_svg(self) -> bool:
        """Ask where, then :meth:`export_svg`."""
        path = self._ask("Save the plot as SVG", ".svg", "SVG drawings (*.svg)")
        return path is not None and self.export_svg(path)

    def ask_csv(self) -> bool:
        """Ask where, then :meth:`export_csv`."""
        path = self._ask("Save the step log as CSV", ".csv", "CSV tables (*.csv)")
        return path is not None and self.export_csv(path)

    def ask_script(self) -> bool:
        """Ask where, then :meth:`export_script`."""
        path = self._ask("Save a Python script", ".py", "Python scripts (*.py)")
        return path is not None and self.export_script(path)

    def ask_animation(self) -> QDialog | None:
        """Pause the run and open the animation dialog (see :mod:`gdstudio.qt.animation`)."""
        # lazy: loaded when this export is first used
        from gdstudio.qt.animation.dialog import AnimationDialog
        from gdstudio.qt.animation.targets import window_targets

        window = self._window
        session = window.session
        if session.playing:
            session.pause()
        session.flush()
        if len(session.history) < 2:
            window.statusBar().showMessage("Not exported: make a few steps first.", 8000)
            return None
        dialog = AnimationDialog(window_targets(window), session.history, lambda: self._ask(
            "Save the run as an animation", ".gif", "GIF animations (*.gif)"), window)
        dialog.saved.connect(lambda path, _size: self._done(path))
        dialog.failed.connect(lambda message: self._done(None, OSError(message)))
        dialog.finished.connect(dialog.deleteLater)
        self.animation_dialog = dialog
        dialog.open()
        return dialog

    # ---------------------------------------------------------------- exporting
    def export_png(self, path: Path) -> bool:
        """Save the central plot as a PNG, :data:`PNG_SCALE` times its size on screen."""
        from pyqtgraph.exporters import ImageExporter  # lazy: loaded when this export is first used

        plot = central_plot(self._window)
        if plot is None:
            return self._done(None, ValueError("there is no plot to export"))
        try:
            exporter = ImageExporter(plot.scene())
            width = max(int(plot.width() * PNG_SCALE), 16)
            exporter.parameters()["width"] = width
            exporter.export(str(path))
        except Exception as error:  # a full disk, a bad folder …
            return self._done(None, error)
        return self._done(path)

    def export_svg(self, path: Path) -> bool:
        """Save the central plot as an SVG drawing."""
        plot = central_plot(self._window)
        if plot is None:
            return self._done(None, ValueError("there is no plot to export"))
        try:
            _render_svg(plot, path)
        except Exception as error:
            return self._done(None, error)
        return self._done(path)

    def export_csv(self, path: Path) -> bool:
        """Save the window's own history (every step so far) as CSV."""
        session = self._window.session
        session.flush()
        try:
            history_to_csv(session.history, session.param_names, path)
        except OSError as error:
            return self._done(None, error)
        return self._done(path)

    def export_script(self, path: Path) -> bool:
        """Save a standalone script that reproduces the run from the start."""

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            project = project_from_window(self._window, False)
            source = export_python_script(project, filename=path.name)
            atomic_write_bytes(path, source.encode("utf-8"))
        except Exception as error:  # an expression too hard to differentiate in time …
            return self._done(None, error)
        finally:
            QGuiApplication.restoreOverrideCursor()
        return self._done(path)
