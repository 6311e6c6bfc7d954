"""The Sweeps tool: the finder, the phase map and the basins, computed in the background."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gdstudio.io.files import atomic_write_bytes
from gdstudio.qt.plots.export import render_png, render_svg
from gdstudio.qt.plots.theme import PlotTheme, apply_plot_theme
from gdstudio.qt.sweeps.basins import BasinsPanel
from gdstudio.qt.sweeps.finder import FinderPanel
from gdstudio.qt.sweeps.panel import SweepPanel, SweepSource
from gdstudio.qt.sweeps.phase import PhasePanel
from gdstudio.qt.sweeps.runner import SweepRunner

__all__ = ["MAX_STEPS", "SweepsWindow"]

#: The most steps a sweep's runs may make (the picture should come in seconds).
MAX_STEPS = 100_000
_DEFAULT_STEPS = 5000
_DEFAULT_TOLERANCE = 1e-6

#: Asks where to save: (title, suffix, filters) → a path, or None when cancelled.
AskPath = Callable[[str, str, str], Path | None]


class SweepsWindow(QMainWindow):
    """Many runs of the problem on screen, drawn as three pictures (one tab each).

    Parameters
    ----------
    source : SweepSource
        The problem on screen, read each time a picture is computed, and where choices go.
    optimizer : str
        The main window's optimizer (checked in the finder; the phase map's if it has
        momentum).
    max_iter : int
        The main window's step limit (the default, up to 5,000).
    tol_step : float or None
        The main window's step tolerance (default 1e-6 when it has none).
    ask_path : callable, optional
        Asks where to export; exports are then also available by path.
    parent : QWidget, optional
        The main window.
    """

    def __init__(self, source: SweepSource, optimizer: str = "gd", max_iter: int = 1000,
                 tol_step: float | None = None, ask_path: AskPath | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setObjectName("sweepsWindow")
        self.setWindowTitle("Sweeps — many runs at once")
        self._ask_path = ask_path
        self.runner = SweepRunner(self)
        self.finder = FinderPanel(source, optimizer)
        self.phase = PhasePanel(source, optimizer)
        self.basins = BasinsPanel(source)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sweepTabs")
        for panel in (self.finder, self.phase, self.basins):
            self.tabs.addTab(panel, panel.title)
        self._computing: SweepPanel | None = None
        self._started = 0.0
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(self._build_bar(max_iter, tol_step))
        self.setCentralWidget(central)
        self._build_menu()
        self.runner.progressed.connect(lambda f: self.progress.setValue(round(1000 * f)))
        self.runner.finished.connect(self._finished)
        self.runner.cancelled.connect(lambda: self._ended("Cancelled: the picture was not "
                                                         "changed."))
        self.runner.failed.connect(self._failed)
        self.resize(1100, 760)
        self._show_busy(False)

    # ================================================================ building
    def _build_bar(self, max_iter: int, tol_step: float | None) -> QHBoxLayout:
        self.steps = QSpinBox()
        self.steps.setObjectName("sweepSteps")
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setGroupSeparatorShown(True)
        self.steps.setValue(min(max_iter, _DEFAULT_STEPS))
        self.steps.setToolTip("The most steps each run may make")
        self.tolerance = QLineEdit(f"{tol_step or _DEFAULT_TOLERANCE:g}")
        self.tolerance.setObjectName("sweepTolerance")
        self.tolerance.setMaximumWidth(90)
        self.tolerance.setToolTip("A run has converged when a step is shorter than this")
        self.compute_button = QPushButton("Compute")
        self.compute_button.setObjectName("sweepCompute")
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        self.progress = QProgressBar()
        self.progress.setObjectName("sweepProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("sweepCancel")
        self.cancel_button.clicked.connect(self.cancel)
        bar = QHBoxLayout()
        for widget in (QLabel("At most"), self.steps, QLabel("steps; converged when a step is "
                       "shorter than"), self.tolerance, self.compute_button, self.progress,
                       self.cancel_button):
            bar.addWidget(widget)
        bar.setStretch(5, 1)
        self.steps.setMinimumWidth(90)
        return bar

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&Export")
        for name, text, slot in (("sweepExportPng", "Picture as &PNG…", self.ask_png),
                                 ("sweepExportSvg", "Picture as &SVG…", self.ask_svg),
                                 ("sweepExportCsv", "Grid as &CSV…", self.ask_csv)):
            item = menu.addAction(text)
            item.setObjectName(name)
            item.triggered.connect(slot)

    def set_limits(self, max_iter: int, tol_step: float | None) -> None:
        """Take the step limit and tolerance of a new problem on screen as the defaults."""
        self.steps.setValue(min(max_iter, _DEFAULT_STEPS))
        self.tolerance.setText(f"{tol_step or _DEFAULT_TOLERANCE:g}")

    # ================================================================ computing
    @property
    def panel(self) -> SweepPanel:
        """The picture on the tab shown."""
        panel = self.tabs.currentWidget()
        assert isinstance(panel, SweepPanel)
        return panel

    @property
    def busy(self) -> bool:
        """True while a picture is being computed."""
        return self.runner.busy

    def compute(self) -> bool:
        """Compute the picture of the tab shown, in the background (False on bad input)."""
        panel = self.panel
        try:
            job = panel.job(self.steps.value(), self._tolerance())
        except ValueError as error:
            self._say(panel, f"Cannot compute: {error}.".replace("..", "."))
            return False
        self._computing = panel
        self._started = time.perf_counter()
        self.progress.setValue(0)
        self._show_busy(True)
        self.statusBar().showMessage(f"Computing the {panel.title.lower()} …")
        self.runner.start(job)
        return True

    def cancel(self) -> None:
        """Stop the picture being computed (the one shown before stays)."""
        self.runner.cancel()

    def _tolerance(self) -> float:
        text = self.tolerance.text().strip()
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"the step tolerance must be a number such as 1e-6, not "
                             f"{text!r}") from None
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"the step tolerance must be a positive number, not {text}")
        return value

    def _finished(self, result: object) -> None:
        panel = self._computing
        if panel is not None:
            panel.show_result(result)
        self._ended(f"Done in {time.perf_counter() - self._started:.1f} s.")

    def _failed(self, message: str) -> None:
        if self._computing is not None:
            self._say(self._computing, f"Cannot compute: {message}.".replace("..", "."))
        self._ended(None)

    def _ended(self, message: str | None) -> None:
        self._computing = None
        self._show_busy(False)
        if message:
            self.statusBar().showMessage(message)

    def _say(self, panel: SweepPanel, sentence: str) -> None:
        panel.note.setText(sentence)
        self.statusBar().showMessage(sentence)

    def _show_busy(self, busy: bool) -> None:
        self.compute_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.progress.setValue(0)

    # ================================================================ exporting
    def _ask(self, title: str, suffix: str, filters: str) -> Path | None:
        return self._ask_path(title, suffix, filters) if self._ask_path else None

    def ask_png(self) -> bool:
        """Ask where, then :meth:`export_png`."""
        path = self._ask("Save the picture as PNG", ".png", "PNG pictures (*.png)")
        return path is not None and self.export_png(path)

    def ask_svg(self) -> bool:
        """Ask where, then :meth:`export_svg`."""
        path = self._ask("Save the picture as SVG", ".svg", "SVG drawings (*.svg)")
        return path is not None and self.export_svg(path)

    def ask_csv(self) -> bool:
        """Ask where, then :meth:`export_csv`."""
        path = self._ask("Save the grid as CSV", ".csv", "CSV tables (*.csv)")
        return path is not None and self.export_csv(path)

    def export_png(self, path: Path) -> bool:
        """Save the picture shown as a PNG, twice its size on screen."""
        return self._export(path, lambda: render_png(self.panel.plot, path))

    def export_svg(self, path: Path) -> bool:
        """Save the picture shown as an SVG drawing."""
        return self._export(path, lambda: render_svg(self.panel.plot, path))

    def export_csv(self, path: Path) -> bool:
        """Save the grid of the picture shown (one row per run) as CSV."""
        text = self.panel.csv_text()
        if text is None:
            self.statusBar().showMessage("Not exported: compute the picture first.")
            return False
        return self._export(path, lambda: atomic_write_bytes(path, text.encode("utf-8")))

    def _export(self, path: Path, write: Callable[[], object]) -> bool:
        try:
            write()
        except Exception as error:  # a full disk, a folder that is not there …
            self.statusBar().showMessage(f"Not exported: {error}")
            return False
        self.statusBar().showMessage(f"Exported {path.name}.", 8000)
        return True

    # ================================================================ lifetime
    def set_theme(self, theme: PlotTheme) -> None:
        """Restyle the plots (light or dark, presentation mode)."""
        apply_plot_theme(self, theme)

    def shutdown(self) -> None:
        """Stop the sweep thread and wait for it (safe to repeat)."""
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the sweep thread before the window goes."""
        self.shutdown()
        super().closeEvent(event)

