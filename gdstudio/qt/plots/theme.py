"""Light and dark plots, presentation mode, and colours that differ in lightness as well.

:func:`apply_plot_theme` restyles every pyqtgraph plot under a widget: background and
axes, fonts, line widths and point sizes (presentation mode), and the colours of the
function plot's curve, path, current point and tangent. It remembers each item's own
style the first time it sees it, so applying a theme again never compounds.

The colours are the Okabe–Ito palette. With ``colour_safe`` on, the path (vermillion,
L* ≈ 54), the current point (orange, L* ≈ 71) and the tangent (black on light, yellow on
dark) also differ in lightness, so they stay apart in greyscale and for every kind of
colour blindness.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen
from PySide6.QtWidgets import QApplication, QWidget

from gdstudio.qt.plots.common import OKABE_ITO
from gdstudio.qt.plots.function import FunctionPlot

__all__ = ["PlotTheme", "apply_plot_theme", "fit_legend", "fit_to_size", "relative_lightness",
           "role_colour"]

_LIGHT_BACKGROUND, _LIGHT_FOREGROUND = "#FFFFFF", "#333333"
_DARK_BACKGROUND, _DARK_FOREGROUND = "#1B1C1F", "#D9D9D9"
#: Colours of the roles of the plots, per (dark, colour_safe).
_ROLES: dict[tuple[bool, bool], dict[str, str]] = {
    (False, True): {"curve": OKABE_ITO["blue"], "path": OKABE_ITO["vermillion"],
                    "tangent": OKABE_ITO["black"], "point": OKABE_ITO["orange"],
                    "loss": OKABE_ITO["blue"], "rate": OKABE_ITO["vermillion"]},
    (True, True): {"curve": OKABE_ITO["sky_blue"], "path": OKABE_ITO["vermillion"],
                   "tangent": OKABE_ITO["yellow"], "point": OKABE_ITO["orange"],
                   "loss": OKABE_ITO["sky_blue"], "rate": OKABE_ITO["vermillion"]},
    (False, False): {"curve": OKABE_ITO["blue"], "path": OKABE_ITO["vermillion"],
                     "tangent": OKABE_ITO["bluish_green"], "point": OKABE_ITO["orange"],
                     "loss": OKABE_ITO["blue"], "rate": OKABE_ITO["vermillion"]},
    (True, False): {"curve": OKABE_ITO["sky_blue"], "path": OKABE_ITO["vermillion"],
                    "tangent": OKABE_ITO["bluish_green"], "point": OKABE_ITO["orange"],
                    "loss": OKABE_ITO["sky_blue"], "rate": OKABE_ITO["vermillion"]},
}
#: On a dark background, lines in these dark colours are drawn in a light equivalent.
_DARK_SUBSTITUTES = {QColor(OKABE_ITO["blue"]).rgb(): OKABE_ITO["sky_blue"],
                     QColor(OKABE_ITO["black"]).rgb(): _DARK_FOREGROUND}
# Items of the window's plots that play a role: (attribute, role, what to colour).
_FUNCTION_ROLES = (("_curve", "curve", "pen"), ("_path", "path", "pen"),
                   ("_visits", "path", "symbol"), ("_tangent", "tangent", "pen"),
                   ("_point", "point", "symbol"))


@dataclass(frozen=True)
class PlotTheme:
    """How the plots look.

    Attributes
    ----------
    dark : bool
        Dark background with light axes.
    presentation : bool
        For projectors: fonts 1.5×, lines 2× as thick, points 1.6× as big.
    colour_safe : bool
        Path, current point and tangent differ in lightness as well as in hue.
    """

    dark: bool = False
    presentation: bool = False
    colour_safe: bool = True

    @property
    def background(self) -> str:
        """Plot background colour."""
        return _DARK_BACKGROUND if self.dark else _LIGHT_BACKGROUND

    @property
    def foreground(self) -> str:
        """Axes, ticks and label colour."""
        return _DARK_FOREGROUND if self.dark else _LIGHT_FOREGROUND

    @property
    def line_scale(self) -> float:
        """Factor on every line width."""
        return 2.0 if self.presentation else 1.0

    @property
    def symbol_scale(self) -> float:
        """Factor on every point size."""
        return 1.6 if self.presentation else 1.0

    @property
    def font_scale(self) -> float:
        """Factor on every font size."""
        return 1.5 if self.presentation else 1.0


def role_colour(theme: PlotTheme, role: str) -> str:
    """The colour of ``role`` (``curve``, ``path``, ``tangent``, ``point``, ``loss``,
    ``rate``) in ``theme``."""
    return _ROLES[(theme.dark, theme.colour_safe)][role]


def relative_lightness(colour: str) -> float:
    """CIE L* (0 black … 100 white) of a ``#RRGGBB`` colour."""
    channels = [QColor(colour).redF(), QColor(colour).greenF(), QColor(colour).blueF()]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def apply_plot_theme(root: QWidget, theme: PlotTheme, *, changed_only: bool = False) -> None:
    """Restyle every pyqtgraph plot in ``root`` (``root`` itself included) for ``theme``.

    With ``changed_only``, a plot already styled for ``theme`` whose curves and legend
    entries are the ones styled then is left alone: a new problem restyles only the plots
    it gave new curves (restyling all of them held the UI thread for tens of ms).
    """
    plots = list(root.findChildren(pg.PlotWidget))
    if isinstance(root, pg.PlotWidget):
        plots.insert(0, root)
    font = _scaled_font(theme.font_scale)
    for plot in plots:
        if changed_only and _styled_as(plot, theme):
            continue
        plot.setBackground(theme.background)
        plot_item = plot.plotItem
        for side, entry in plot_item.axes.items():
            _style_axis(entry["item"], theme, font, side)
        _style_legend(plot, theme)
        roles = _roles_of(plot)
        for item in plot_item.listDataItems():
            role = roles.get(id(item))
            _style_item(item, theme, role)
        colour_bar = getattr(plot, "_colour_bar", None)
        if isinstance(colour_bar, pg.ColorBarItem):
            _style_axis(colour_bar.axis, theme, font, "colour bar")
        if "_gdstudio_fits" not in plot.__dict__:  # legend and labels refit on resize
            plot.__dict__["_gdstudio_fits"] = True
            plot.plotItem.vb.sigResized.connect(lambda _box, plot=plot: fit_to_size(plot))
        fit_to_size(plot)
        _mark_styled(plot, theme)


def _styled_parts(plot: pg.PlotWidget) -> list[Any]:
    """What a plot's styling covers: its curves and its colour bar (new ones need it)."""
    return [*plot.plotItem.listDataItems(), getattr(plot, "_colour_bar", None) or plot]


def _texts(plot: pg.PlotWidget) -> tuple[str, ...]:
    """The legend's entries and the side axes' titles (new ones are fitted to the plot)."""
    legend = plot.plotItem.legend
    entries = [label.text for _sample, label in legend.items] if legend is not None else []
    titles = [plot.plotItem.getAxis(side).labelText for side in ("left", "right")
              if side in plot.plotItem.axes]
    return (*entries, "|", *titles)


def _mark_styled(plot: pg.PlotWidget, theme: PlotTheme) -> None:
    mark = object()  # marks the parts styled in this pass (ids could be reused)
    for part in _styled_parts(plot):
        part.__dict__["_gdstudio_mark"] = mark
    plot.__dict__["_gdstudio_styled"] = (theme, mark, _texts(plot))


def _styled_as(plot: pg.PlotWidget, theme: PlotTheme) -> bool:
    """Whether ``plot`` was styled for ``theme`` and has no new curve, legend entry or
    axis title since."""
    styled = plot.__dict__.get("_gdstudio_styled")
    if styled is None or styled[0] != theme or styled[2] != _texts(plot):
        return False
    return all(part.__dict__.get("_gdstudio_mark") is styled[1] for part in _styled_parts(plot))


def fit_to_size(plot: pg.PlotWidget) -> None:
    """Keep the legend and the side axes' titles of ``plot`` whole at its current size."""
    fit_legend(plot)
    for side in ("left", "right"):
        axis = plot.plotItem.getAxis(side) if side in plot.plotItem.axes else None
        if axis is not None and axis.isVisible() and axis.labelText:
            _fit_axis_title(axis)


def _fit_axis_title(axis: pg.AxisItem) -> None:
    """A side axis's title in a smaller font when the axis is shorter than the title."""
    font = QFont(axis.__dict__.setdefault("_gdstudio_label_font", QFont(axis.label.font())))
    room = axis.geometry().height() - 4
    needed = QFontMetrics(font).horizontalAdvance(axis.label.toPlainText().strip())
    if 0 < room < needed and font.pointSizeF() > 0:
        font.setPointSizeF(max(font.pointSizeF() * room / needed, font.pointSizeF() * 0.55))
    if axis.label.font() != font:
        axis.label.setFont(font)
        axis.resizeEvent()


def _scaled_font(scale: float) -> QFont:
    base = QFont(_base_font())
    size = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
    base.setPointSizeF(size * scale)
    return base


def _base_font() -> QFont:
    app = QApplication.instance()
    stored = app.property("gdstudioBaseFont") if app is not None else None
    if isinstance(stored, QFont):
        return stored
    return QApplication.font()


def _style_axis(axis: pg.AxisItem, theme: PlotTheme, font: QFont, side: str) -> None:
    axis.setPen(theme.foreground)
    axis.setTextPen(theme.foreground)
    axis.setTickFont(font)
    axis.label.setFont(font)
    axis.__dict__["_gdstudio_label_font"] = QFont(font)
    base = axis.__dict__.setdefault("_gdstudio_width", axis.fixedWidth)
    if side in ("left", "right") and base is not None:
        axis.setWidth(int(base * theme.font_scale))


def _style_legend(plot: pg.PlotWidget, theme: PlotTheme) -> None:
    legend = plot.plotItem.legend
    if legend is None:
        return
    size = f"{9 * theme.font_scale:g}pt"
    legend.setLabelTextSize(size)
    if getattr(plot, "_image", None) is None:  # a map's legend stays dark, with white text
        legend.setLabelTextColor(theme.foreground)
        background = QColor(theme.background)
        background.setAlpha(215)
        legend.setBrush(pg.mkBrush(background))
    for _sample, label in legend.items:
        label.setText(label.text)  # pyqtgraph applies new label attributes on the next text
    legend.__dict__.setdefault("_gdstudio_columns", legend.columnCount)  # the plot's own


def fit_legend(plot: pg.PlotWidget) -> None:
    """Give the plot's legend as many columns as fit in the plot (up to its own choice).

    In a narrow plot, or with presentation mode's larger text, a one-row legend would run
    past the plot's edge and be cut ("curren…"); it wraps onto more rows instead.
    """
    legend = plot.plotItem.legend
    if legend is None or not legend.items:
        return
    most = max(1, int(legend.__dict__.get("_gdstudio_columns", legend.columnCount)))
    room = plot.plotItem.vb.width() - abs(legend.opts["offset"][0]) - 4
    columns = next((c for c in range(most, 0, -1) if _legend_width(legend, c) <= room), 1)
    if columns != legend.columnCount:
        legend.setColumnCount(columns)
    legend.layout.activate()
    legend.updateSize()


def _legend_width(legend: pg.LegendItem, columns: int) -> float:
    """The width the legend's entries need in ``columns`` columns."""
    widths = [0.0] * columns
    for index, (sample, label) in enumerate(legend.items):
        entry = (sample.boundingRect().width() + label.item.boundingRect().width()
                 + 2 * legend.layout.horizontalSpacing() + 6)
        widths[index % columns] = max(widths[index % columns], entry)
    left, _top, right, _bottom = legend.layout.getContentsMargins()
    return sum(widths) + left + right


def _roles_of(plot: pg.PlotWidget) -> dict[int, tuple[str, str]]:
    roles: dict[int, tuple[str, str]] = {}
    if isinstance(plot, FunctionPlot):
        for attribute, role, part in _FUNCTION_ROLES:
            item = getattr(plot, attribute, None)
            if item is not None:
                roles[id(item)] = (role, part)
    role = {"lossPlot": "loss", "learningRatePlot": "rate"}.get(plot.objectName())
    for series in getattr(plot, "series", ()) if role else ():
        roles[id(series.item)] = (role, "pen")
    return roles


def _style_item(item: pg.PlotDataItem, theme: PlotTheme, role: tuple[str, str] | None) -> None:
    opts: dict[str, Any] = item.opts
    base = item.__dict__.get("_gdstudio_base")
    if base is None:
        base = {"pen": _copied_pen(opts.get("pen")), "symbolSize": opts.get("symbolSize"),
                "symbolPen": _copied_pen(opts.get("symbolPen"))}
        item.__dict__["_gdstudio_base"] = base
    colour = role_colour(theme, role[0]) if role is not None else None
    pen = base["pen"]
    if pen is not None:
        pen = QPen(pen)
        pen.setWidthF(max(pen.widthF(), 1.0) * theme.line_scale)
        if colour is not None and role[1] == "pen":
            pen.setColor(QColor(colour))
        elif theme.dark and pen.color().rgb() in _DARK_SUBSTITUTES:
            pen.setColor(QColor(_DARK_SUBSTITUTES[pen.color().rgb()]))
        item.setPen(pen)
    if opts.get("symbol") is not None and base["symbolSize"] is not None:
        item.setSymbolSize(base["symbolSize"] * theme.symbol_scale)
        if base["symbolPen"] is not None:
            symbol_pen = QPen(base["symbolPen"])
            symbol_pen.setWidthF(max(symbol_pen.widthF(), 0.5) * theme.line_scale)
            item.setSymbolPen(symbol_pen)
        if colour is not None and role[1] == "symbol":
            item.setSymbolBrush(pg.mkBrush(colour))


def _copied_pen(value: object) -> QPen | None:
    if value is None:
        return None
    pen = pg.mkPen(value)
    return None if pen.style() == Qt.PenStyle.NoPen else QPen(pen)
