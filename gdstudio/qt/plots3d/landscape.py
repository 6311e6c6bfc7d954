"""A two-variable page: the contour map, the 3-D surface, or both side by side.

:class:`LandscapeView` wraps a :class:`~gdstudio.qt.plots.contour.ContourPlot` (the
function's map or data mode's loss map) and adds a 3-D view that shows the same region:
the 3-D mesh follows the map's region and function, and both follow the run. The choice
(map, 3-D, both) is remembered per user in QSettings. The 3-D view is made on first use;
where OpenGL is not available, the bar says so in one line and the map stays.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gdstudio.qt.plots3d.gl_check import opengl_problem

__all__ = ["LAYOUTS", "SETTINGS_KEY", "LandscapeView", "height_name"]

#: The layouts, in the order of the buttons: (key, label, tooltip).
LAYOUTS = (
    ("map", "Map", "The contour map, seen from above"),
    ("3d", "3-D", "The surface in 3-D: drag to rotate, scroll to zoom"),
    ("both", "Both", "The map and the 3-D surface side by side (for wide screens)"),
)
SETTINGS_KEY = "plots/landscape"
#: After a pan or zoom of the map, the 3-D mesh follows this much later (ms).
FOLLOW_MAP_MS = 120


class LandscapeView(QWidget):
    """The map of a function of two variables, with a 3-D view beside it or instead.

    Parameters
    ----------
    plot : ContourPlot
        The 2-D map (kept as it is: its signals and methods are used directly).
    settings : QSettings, optional
        Where the layout is remembered (default: the top-level window's ``settings``,
        else the application's).
    """

    def __init__(self, plot: Any, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("landscapeView")
        self.plot = plot
        self.surface: Any | None = None  # the SurfaceView, once made
        self._settings = settings
        self._history: Any | None = None
        self._shown_source: Any | None = None
        self._shown_rect: QRectF | None = None
        self.layout_key = "map"
        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MAP_MS)
        self._follow.timeout.connect(self._sync_region)
        plot.plotItem.vb.sigRangeChanged.connect(lambda *_: self._follow.start())
        plot.mapDrawn.connect(self._follow.start)  # a map made off the UI thread came in
        self._build()
        self._restored = False

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        for key, text, tip in LAYOUTS:
            button = QPushButton(text)
            button.setObjectName(f"landscape_{key}")
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setAccessibleName(f"Show: {text}")
            button.setChecked(key == "map")
            button.clicked.connect(lambda _checked, k=key: self.set_layout(k, remember=True))
            self.buttons.addButton(button)
            bar.addWidget(button)
        self.options = QWidget()
        options = QHBoxLayout(self.options)
        options.setContentsMargins(8, 0, 0, 0)
        self.floor_check = QCheckBox("Floor contours")
        self.floor_check.setObjectName("floorContoursCheck")
        self.floor_check.setToolTip("Draw the map's iso-lines on the floor under the surface")
        self.floor_check.setChecked(True)
        self.log_check = QCheckBox("Log height")
        self.log_check.setObjectName("logHeightCheck")
        self.log_check.setToolTip("Height log10(f − min + δ): a flat valley floor shows its "
                                  "slope (the colours always follow it)")
        self.reset_button = QPushButton("Reset view")
        self.reset_button.setObjectName("resetViewButton")
        self.reset_button.setToolTip("Look at the surface from the front again")
        for widget in (self.floor_check, self.log_check, self.reset_button):
            options.addWidget(widget)
        self.options.setVisible(False)
        bar.addWidget(self.options)
        self.message = QLabel()
        self.message.setObjectName("landscapeMessage")
        self.message.setVisible(False)
        bar.addWidget(self.message, 1)
        bar.addStretch(0)
        layout.addLayout(bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.plot)
        layout.addWidget(self.splitter, 1)

    # ------------------------------------------------------------------ public
    def set_layout(self, key: str, remember: bool = False) -> bool:
        """Show ``map``, ``3d`` or ``both``; returns whether the 3-D view could be shown.

        Where OpenGL is missing the map stays, and the bar says why in one line.
        """
        if key not in {k for k, _text, _tip in LAYOUTS}:
            key = "map"
        if remember:
            self._store(key)
        if key != "map" and not self._ensure_surface():
            key = "map"
        self.layout_key = key
        for button in self.buttons.buttons():
            button.setChecked(button.objectName() == f"landscape_{key}")
        self.plot.setVisible(key != "3d")
        if self.surface is not None:
            self.surface.setVisible(key != "map")
        self.options.setVisible(key != "map")
        if key != "map":
            self._sync_region()
            if self._history is not None:
                self.surface.set_history(self._history)
        return key != "map" or self.message.isHidden()

    def set_history(self, history: Any) -> None:
        """Follow the run: the map always, the 3-D view while it is shown."""
        self._restore_once()
        self._history = history
        self.plot.set_history(history)
        if self._surface_shown():
            self._sync_region()
            self.surface.set_history(history)

    def set_live(self, live: bool) -> None:
        """Forwarded to the map (see ``ContourPlot.set_live``)."""
        self.plot.set_live(live)

    def showEvent(self, event: Any) -> None:
        """Restore the remembered layout the first time the page is shown."""
        super().showEvent(event)
        self._restore_once()

    # ------------------------------------------------------------------ internals
    def _settings_store(self) -> QSettings:
        if self._settings is None:
            found = getattr(self.window(), "settings", None)
            self._settings = found if isinstance(found, QSettings) else QSettings()
        return self._settings

    def _store(self, key: str) -> None:
        self._settings_store().setValue(SETTINGS_KEY, key)

    def _restore_once(self) -> None:
        if not self._restored:
            self._restored = True
            remembered = self._settings_store().value(SETTINGS_KEY, "map")
            if remembered != "map":
                self.set_layout(str(remembered))

    def _surface_shown(self) -> bool:
        return self.surface is not None and self.layout_key != "map"

    def _ensure_surface(self) -> bool:
        if self.surface is not None:
            return True
        problem = opengl_problem()
        if problem is not None:
            self.message.setText(problem)
            self.message.setToolTip(problem)
            self.message.setVisible(True)
            return False
        from gdstudio.qt.plots3d.view import SurfaceView  # lazy: loads PyOpenGL

        try:
            self.surface = SurfaceView()
        except Exception as error:  # a driver that passed the check yet fails here
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.message.setText(f"No 3-D view: {reason}; the map stays.")
            self.message.setVisible(True)
            return False
        preferences = getattr(self.window(), "preferences", None)  # the app's theme
        if preferences is not None and hasattr(preferences, "themeChanged"):
            self.surface.set_theme(preferences.plot_theme)
            preferences.themeChanged.connect(self.surface.set_theme)
        self.floor_check.toggled.connect(self.surface.set_floor_contours)
        self.log_check.toggled.connect(self.surface.set_log_height)
        self.reset_button.clicked.connect(self.surface.reset_view)
        self.splitter.addWidget(self.surface)
        self.splitter.setSizes([1, 1])
        return True

    def _sync_region(self) -> None:
        """Recompute the mesh if the map's function or region changed since the last one."""
        if not self._surface_shown():
            return
        source, rect = self.plot.source, self.plot.grid_rect
        if source is self._shown_source and rect is self._shown_rect:
            return
        self._shown_source, self._shown_rect = source, rect
        region = None if rect is None else (rect.left(), rect.top(), rect.width(),
                                            rect.height())
        self.surface.height_name = height_name(self.plot, source)
        self.surface.set_region(source, region)


def height_name(plot: Any, source: Any) -> str:
    """What the height of ``plot``'s surface is called: ``f(x, y)``, or ``L(b, m)`` for
    data mode's loss (as the map's colour bar says)."""
    names = ", ".join(getattr(source, "param_names", ()) or ("x", "y"))
    return f"{'L' if plot.objectName() == 'lossSurfacePlot' else 'f'}({names})"
