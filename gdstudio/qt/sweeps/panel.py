"""What the three sweep pictures share: a clickable plot, and the panel around it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gdstudio.problems.experiment import Experiment
from gdstudio.qt.plots.axes import DecadeAxis, decade_labels
from gdstudio.qt.plots.common import LazyMenuViewBox, style_light
from gdstudio.qt.sweeps.runner import Job

__all__ = ["SweepPanel", "SweepPlot", "SweepSource", "decade_ticks"]


def decade_ticks(low: float, high: float) -> list[list[tuple[float, str]]]:
    """Ticks of a log axis from ``low`` to ``high`` (values, not logs): decades labelled in
    one style (:func:`~gdstudio.qt.plots.axes.decade_labels`), unlabelled 2 … 9 between
    them (positions in log10, as pyqtgraph's log mode wants)."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    powers = [float(k) for k in range(first, last + 1)]
    labels = decade_labels(powers) or []  # whole powers always have labels
    major = list(zip(powers, labels, strict=True))
    minor = [(math.log10(m * 10.0 ** k), "") for k in range(first, last) for m in range(2, 10)]
    return [major, minor]


class SweepSource(Protocol):
    """What the Sweeps tool needs of the main window: the problem on screen, the region
    on screen, and a way to hand a choice back."""

    def experiment(self) -> Experiment:
        """The problem, start and settings on screen (``ValueError`` if there is none)."""
        ...

    def region(self) -> list[tuple[float, float]] | None:
        """The visible range of each variable of the centre plot (None if it has none)."""
        ...

    def use_rate(self, optimizer: str, learning_rate: float,
                 hyperparameters: Mapping[str, float]) -> None:
        """Set the main window's optimizer, rate and hyperparameters."""
        ...

    def use_start(self, point: Mapping[str, float]) -> None:
        """Set the main window's start point."""
        ...


class SweepPlot(pg.PlotWidget):
    """A light plot that reports left clicks in data coordinates.

    Signals
    -------
    clicked(float, float)
        A left click inside the plot area, at (x, y) in the view's coordinates (log10 of
        the value on a log axis).
    """

    clicked = Signal(float, float)

    def __init__(self, object_name: str, description: str) -> None:
        super().__init__(viewBox=LazyMenuViewBox(),
                         axisItems={side: DecadeAxis(side) for side in ("left", "bottom")})
        self.setObjectName(object_name)
        self.setAccessibleName(description)
        style_light(self)
        self.scene().sigMouseClicked.connect(self._on_click)

    def data_to_widget(self, x: float, y: float) -> QPointF:
        """Position in the viewport of the view point (x, y) (for tests and tools)."""
        scene_point = self.plotItem.vb.mapViewToScene(QPointF(x, y))
        return QPointF(self.mapFromScene(scene_point))

    def _on_click(self, event: Any) -> None:  # pyqtgraph's MouseClickEvent
        view = self.plotItem.vb
        if (event.button() != Qt.MouseButton.LeftButton or event.double()
                or not view.sceneBoundingRect().contains(event.scenePos())):
            return
        point = view.mapSceneToView(event.scenePos())
        event.accept()
        self.clicked.emit(point.x(), point.y())


class SweepPanel(QWidget):
    """One sweep picture: its controls in a row, the plot, and a line of explanation.

    Subclasses build :attr:`controls` and :attr:`plot`, and implement :meth:`job`,
    :meth:`show_result` and :meth:`csv_text`.

    Attributes
    ----------
    result : object or None
        The last result shown.
    """

    #: The tab's title.
    title = ""

    def __init__(self, source: SweepSource, plot: SweepPlot) -> None:
        super().__init__()
        self.source = source
        self.plot = plot
        self.result: Any = None
        self.controls = QHBoxLayout()
        self.note = QLabel()
        self.note.setObjectName(f"{plot.objectName()}Note")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(self.controls)
        layout.addWidget(plot, 1)
        layout.addWidget(self.note)

    def job(self, max_iter: int, tol_step: float) -> Job:
        """The sweep to compute from the controls, each run at most ``max_iter`` steps and
        converged at a step shorter than ``tol_step`` (``ValueError`` in one sentence)."""
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        """Draw ``result`` (from :meth:`job`)."""
        raise NotImplementedError

    def csv_text(self) -> str | None:
        """The grid of the picture shown as CSV (None before a result)."""
        raise NotImplementedError
