"""Preferences: light, dark or the system's theme; presentation mode; colour-safe plots.

Stored in the window's ``QSettings`` under ``preferences/`` and applied at start. An
explicit Light or Dark theme uses Qt's Fusion style with a matching ``QPalette``;
"Follow the system" keeps the platform's own style and palette and themes the plots by
``QStyleHints.colorScheme()`` (Qt 6.5+), following it when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gdstudio.qt.host import ShowsProblem
from gdstudio.qt.plots.theme import PlotTheme, apply_plot_theme

__all__ = ["THEMES", "Preferences", "PreferencesController", "PreferencesDialog",
           "PreferencesHost", "apply_application_theme", "dark_palette", "system_is_dark"]

#: Theme choices: stored value → label.
THEMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
_KEY = "preferences/"


@dataclass(frozen=True)
class Preferences:
    """The student's or teacher's choices.

    Attributes
    ----------
    theme : str
        ``"system"`` (default), ``"light"`` or ``"dark"``.
    presentation : bool
        Larger fonts (1.5×), thicker lines and bigger points, for projectors.
    colour_safe : bool
        Plot colours that differ in lightness as well as hue (default on).
    """

    theme: str = "system"
    presentation: bool = False
    colour_safe: bool = True

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        """Read the stored preferences (defaults for anything missing or unknown)."""
        theme = str(settings.value(_KEY + "theme", "system", str))
        return cls(theme=theme if theme in THEMES else "system",
                   presentation=settings.value(_KEY + "presentation", False, bool),
                   colour_safe=settings.value(_KEY + "colourSafe", True, bool))

    def save(self, settings: QSettings) -> None:
        """Store these preferences."""
        settings.setValue(_KEY + "theme", self.theme)
        settings.setValue(_KEY + "presentation", self.presentation)
        settings.setValue(_KEY + "colourSafe", self.colour_safe)

    @property
    def dark(self) -> bool:
        """Whether the window is dark (the system's choice when following it)."""
        return self.theme == "dark" or (self.theme == "system" and system_is_dark())

    def plot_theme(self) -> PlotTheme:
        """How the plots look with these preferences."""
        return PlotTheme(dark=self.dark, presentation=self.presentation,
                         colour_safe=self.colour_safe)


def system_is_dark() -> bool:
    """True when the desktop asks for a dark colour scheme (Qt 6.5+; else False)."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    """A calm dark palette for the Fusion style (readable text, Okabe–Ito highlight)."""
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for which, colour in (
        (role.Window, "#232427"), (role.WindowText, "#E6E6E6"), (role.Base, "#303237"),
        (role.AlternateBase, "#383A40"), (role.ToolTipBase, "#2D2F33"),
        (role.ToolTipText, "#F0F0F0"), (role.PlaceholderText, "#9A9A9A"),
        (role.Text, "#E6E6E6"), (role.Button, "#2D2F33"), (role.ButtonText, "#E6E6E6"),
        (role.BrightText, "#FFFFFF"), (role.Light, "#3A3C41"), (role.Midlight, "#313337"),
        (role.Mid, "#5A5C61"), (role.Dark, "#151618"), (role.Shadow, "#000000"),
        (role.Highlight, "#2F6FA8"), (role.HighlightedText, "#FFFFFF"),
        (role.Link, "#56B4E9"), (role.LinkVisited, "#CC79A7"),
    ):
        palette.setColor(which, QColor(colour))
    for which in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, which, QColor("#7C7E83"))
    return palette


def apply_application_theme(preferences: Preferences) -> None:
    """Style, palette and font of the whole application for ``preferences``."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if app.property("gdstudioBaseFont") is None:  # the platform's own look, kept once
        app.setProperty("gdstudioBaseFont", QFont(app.font()))
        app.setProperty("gdstudioBaseStyle", app.style().name())
        app.setProperty("gdstudioBasePalette", QPalette(app.palette()))
    if preferences.theme == "system":
        style, palette = app.property("gdstudioBaseStyle"), app.property("gdstudioBasePalette")
    else:
        style = "fusion"
        palette = dark_palette() if preferences.theme == "dark" else None
    if app.style().name().lower() != str(style).lower():
        app.setStyle(str(style))
    if palette is None:
        palette = app.style().standardPalette()
    if app.palette() != palette:
        app.setPalette(palette)
    font = QFont(app.property("gdstudioBaseFont"))
    if preferences.presentation:
        font.setPointSizeF(font.pointSizeF() * 1.5)
    if app.font() != font:
        app.setFont(font)


def _fit_widgets(root: QWidget, scale: float) -> None:
    """Widgets that chose their own font or row height follow the presentation scale."""
    for widget in [root, *root.findChildren(QWidget)]:
        base = widget.property("gdstudioOwnFontSize")
        if base is None and widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
            base = widget.font().pointSizeF()
            widget.setProperty("gdstudioOwnFontSize", base)
        if base is not None and base > 0:
            font = widget.font()
            font.setPointSizeF(float(base) * scale)
            widget.setFont(font)
    for table in root.findChildren(QTableView):
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)


class PreferencesDialog(QDialog):
    """Theme, presentation mode and colour-safe plots; changes apply at once.

    Signals
    -------
    changed(object)
        The new :class:`Preferences`.
    """

    changed = Signal(object)

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self._preferences = preferences
        theme_box = QGroupBox("Theme", self)
        theme_layout = QVBoxLayout(theme_box)
        self.theme_buttons: dict[str, QRadioButton] = {}
        for key, label in THEMES.items():
            button = QRadioButton(label, theme_box)
            button.setObjectName(f"theme_{key}Radio")
            button.setChecked(key == preferences.theme)
            button.toggled.connect(lambda on, k=key: on and self._set(theme=k))
            theme_layout.addWidget(button)
            self.theme_buttons[key] = button
        self.presentation_check = QCheckBox("Presentation mode (for projectors): larger text, "
                                            "thicker lines, bigger points", self)
        self.presentation_check.setObjectName("presentationCheck")
        self.presentation_check.setChecked(preferences.presentation)
        self.presentation_check.toggled.connect(lambda on: self._set(presentation=on))
        self.colour_check = QCheckBox("Colour-blind-safe plot colours (Okabe–Ito; path, "
                                      "point and tangent also differ in lightness)", self)
        self.colour_check.setObjectName("colourSafeCheck")
        self.colour_check.setChecked(preferences.colour_safe)
        self.colour_check.toggled.connect(lambda on: self._set(colour_safe=on))
        note = QLabel("Changes apply at once and are remembered.", self)
        note.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (theme_box, self.presentation_check, self.colour_check, note, buttons):
            layout.addWidget(widget)

    def _set(self, **changes: object) -> None:
        self._preferences = replace(self._preferences, **changes)
        self.changed.emit(self._preferences)


@runtime_checkable
class PreferencesHost(ShowsProblem, Protocol):
    """What the preferences use of the window beyond its widgets (which they restyle):
    the problem, whose change makes a new plot to theme; and its ``panels``, if any,
    which fit their sizes to the text."""


class PreferencesController(QObject):
    """Applies and stores the preferences of one main window (``window.preferences``).

    Signals
    -------
    themeChanged(object)
        The new :class:`~gdstudio.qt.plots.theme.PlotTheme` (compare windows follow it).
    """

    themeChanged = Signal(object)

    def __init__(self, window: PreferencesHost, settings: QSettings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self.preferences = Preferences.load(settings)
        self.dialog: PreferencesDialog | None = None
        self.action = QAction("&Preferences…", window)
        self.action.setObjectName("actionPreferences")
        # The platform's own key (Cmd+, on macOS); Linux and Windows have none: Ctrl+,.
        native = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
        self.action.setShortcuts(native or [QKeySequence("Ctrl+,")])
        self.action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.action.setToolTip("Theme, presentation mode and plot colours")
        self.action.triggered.connect(self.show_dialog)
        # Plots rebuilt for a new problem (parameter curves) are themed again.
        window.model.problemChanged.connect(self._theme_new_plots)
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._system_changed)
        self.apply()

    @property
    def plot_theme(self) -> PlotTheme:
        """How plots look now."""
        return self.preferences.plot_theme()

    def set_preferences(self, preferences: Preferences) -> None:
        """Use, store and apply ``preferences``."""
        self.preferences = preferences
        preferences.save(self._settings)
        self.apply()

    def apply(self) -> None:
        """Apply the preferences to the application, this window and its plots."""
        apply_application_theme(self.preferences)
        scale = 1.5 if self.preferences.presentation else 1.0
        _fit_widgets(self._window, scale)
        panels = getattr(self._window, "panels", None)
        if panels is not None:  # reflow: the main plot keeps at least half the width
            panels.set_scale(scale)
        self._theme_plots()
        self.themeChanged.emit(self.plot_theme)

    def style_page(self, page: QWidget) -> None:
        """Style a part of the window made after start-up (a plot made on first use)."""
        _fit_widgets(page, 1.5 if self.preferences.presentation else 1.0)
        apply_plot_theme(page, self.plot_theme)

    def show_dialog(self) -> PreferencesDialog:
        """Show the preferences dialog (without blocking) and return it."""
        if self.dialog is None:
            self.dialog = PreferencesDialog(self.preferences, self._window)
            self.dialog.changed.connect(self.set_preferences)
        self.dialog.open()
        return self.dialog

    def _theme_plots(self) -> None:
        apply_plot_theme(self._window, self.plot_theme)

    def _theme_new_plots(self) -> None:
        """Style what a new problem added (new curves), leaving styled plots alone."""
        apply_plot_theme(self._window, self.plot_theme, changed_only=True)

    def _system_changed(self, *_args: object) -> None:
        if self.preferences.theme == "system":
            self.apply()
