"""Each run's colour and marker: Okabe–Ito colours, and a different marker shape for each.

Colour and shape together keep runs apart for every kind of colour blindness and in
greyscale. The main run keeps the path's own colour (vermillion) and round markers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from gdstudio.qt.plots.common import OKABE_ITO

__all__ = ["RunStyle", "run_icon", "run_style"]


@dataclass(frozen=True)
class RunStyle:
    """How one run is drawn: a colour, a marker (pyqtgraph's symbol names) and its name."""

    colour: str
    symbol: str
    marker_name: str


_STYLES = (
    RunStyle(OKABE_ITO["vermillion"], "o", "circles"),
    RunStyle(OKABE_ITO["sky_blue"], "t", "triangles"),
    RunStyle(OKABE_ITO["bluish_green"], "s", "squares"),
    RunStyle(OKABE_ITO["reddish_purple"], "d", "diamonds"),
    RunStyle(OKABE_ITO["yellow"], "star", "stars"),
    RunStyle(OKABE_ITO["blue"], "h", "hexagons"),
    RunStyle(OKABE_ITO["orange"], "t1", "upward triangles"),
    RunStyle(OKABE_ITO["black"], "x", "crosses"),
)


def run_style(colour_index: int) -> RunStyle:
    """The style of the run whose colour index is ``colour_index`` (the palette repeats)."""
    return _STYLES[colour_index % len(_STYLES)]


def run_icon(colour_index: int, size: int = 16) -> QIcon:
    """A small picture of the run's marker in its colour, for the list of branches."""
    style = run_style(colour_index)
    image = pg.graphicsItems.ScatterPlotItem.renderSymbol(
        style.symbol, size - 2, pg.mkPen("#333333", width=1), pg.mkBrush(QColor(style.colour)))
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.drawImage((size - image.width()) // 2, (size - image.height()) // 2, image)
    painter.end()
    return QIcon(pixmap)
