"""The application icon and the run controls' icons, drawn from SVGs shipped as package data.

Only the SVG is shipped inside the package; each size is rendered when the icon is made
(a few milliseconds), with the same drawing the installers' PNG, ICO and ICNS files are
made with (``resources/icons/make_icons.py`` calls :func:`render_icon`).

The run controls (Run, Pause, Step, Back, Reset) are drawn from ``control-<name>.svg``
in the colour of the text around them, so they show in light and dark themes alike and
never depend on a font having a glyph such as ⏸.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QRectF, QSize
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QToolBar, QWidget

__all__ = ["CONTROLS", "ICON_SIZES", "ICON_SVG", "SIMPLE_UP_TO", "ControlIcons", "app_icon",
           "control_icon", "paint_control_icons", "render_icon"]

#: The icon's source: ``gdstudio/resources/icons/gdstudio.svg`` (package data).
ICON_SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "gdstudio.svg"
#: The sizes the window icon is rendered at.
ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256)
#: Largest size drawn without the small step dots, which would only blur.
SIMPLE_UP_TO = 24
_SIMPLE_ELEMENTS = ("background", "bowl", "ball")
#: The run controls that have an icon (``control-<name>.svg`` beside :data:`ICON_SVG`).
CONTROLS: tuple[str, ...] = ("run", "pause", "step", "back", "reset")
_CONTROL_SIZES: tuple[int, ...] = (16, 20, 24, 32, 36, 48, 64)


def render_icon(size: int, svg: Path | QSvgRenderer = ICON_SVG) -> QImage:
    """Draw the icon as a ``size`` × ``size`` image with a transparent background.

    Parameters
    ----------
    size : int
        Width and height in pixels. Up to :data:`SIMPLE_UP_TO` only the SVG elements
        ``background``, ``bowl`` and ``ball`` are drawn.
    svg : Path or QSvgRenderer, optional
        The SVG source (default: the packaged one), or a renderer that has it loaded.

    Returns
    -------
    QImage
        In ``Format_ARGB32``; a null image if the SVG cannot be read.
    """
    renderer = svg if isinstance(svg, QSvgRenderer) else QSvgRenderer(str(svg))
    if not renderer.isValid():
        return QImage()
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    if size <= SIMPLE_UP_TO and all(renderer.elementExists(e) for e in _SIMPLE_ELEMENTS):
        scale = size / renderer.viewBoxF().width()
        for element in _SIMPLE_ELEMENTS:
            bounds = renderer.boundsOnElement(element)
            target = QRectF(bounds.x() * scale, bounds.y() * scale,
                            bounds.width() * scale, bounds.height() * scale)
            renderer.render(painter, element, target)
    else:
        renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def app_icon() -> QIcon:
    """Gradient Descent Studio's icon, a ball descending a bowl, at every size.

    Needs a ``QGuiApplication``.

    Returns
    -------
    QIcon
        The icon (empty, never an error, if the SVG is missing).
    """
    icon = QIcon()
    if not ICON_SVG.is_file():
        return icon
    renderer = QSvgRenderer(str(ICON_SVG))
    for size in ICON_SIZES:
        image = render_icon(size, renderer)
        if not image.isNull():
            icon.addPixmap(QPixmap.fromImage(image))
    return icon


def control_icon(name: str, colour: QColor | str) -> QIcon:
    """The icon of run control ``name`` (one of :data:`CONTROLS`), drawn in ``colour``.

    Needs a ``QGuiApplication``. Disabled and selected looks are left to the style.

    Parameters
    ----------
    name : str
        ``"run"``, ``"pause"``, ``"step"``, ``"back"`` or ``"reset"``.
    colour : QColor or str
        Fill and stroke colour (the SVGs draw in ``currentColor``), e.g. the palette's
        button text.

    Returns
    -------
    QIcon
        The icon at several sizes (empty, never an error, if its SVG is missing).
    """
    icon = QIcon()
    path = ICON_SVG.parent / f"control-{name}.svg"
    if not path.is_file():
        return icon
    text = path.read_text(encoding="utf-8").replace("currentColor", QColor(colour).name())
    renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    if not renderer.isValid():
        return icon
    for size in _CONTROL_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(QPixmap.fromImage(image))
    return icon


def paint_control_icons(root: QWidget) -> None:
    """Give every action of ``root`` with a ``controlIcon`` property its icon.

    Drawn in the colour of ``root``'s button text; call it again when the palette changes
    (a new theme), so the icons stay visible on light and dark backgrounds.
    """
    colour = root.palette().color(QPalette.ColorRole.ButtonText)
    for action in root.findChildren(QAction):
        name = action.property("controlIcon")
        if name:
            action.setIcon(control_icon(str(name), colour))


class ControlIcons(QObject):
    """Keeps a window's control icons in its text colour and its toolbar's icons text-sized.

    Paints them at once, again when the palette changes (a new theme) and resizes the
    toolbar's icons when the font changes (presentation mode).

    Parameters
    ----------
    window : QWidget
        The window whose actions have a ``controlIcon`` property.
    toolbar : QToolBar
        The toolbar that shows them.
    """

    def __init__(self, window: QWidget, toolbar: QToolBar) -> None:
        super().__init__(window)
        self._window, self._toolbar = window, toolbar
        window.installEventFilter(self)
        paint_control_icons(window)
        self.fit_size()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Repaint on palette changes, resize on font changes."""
        if watched is self._window:
            if event.type() == QEvent.Type.PaletteChange:
                paint_control_icons(self._window)
            elif event.type() == QEvent.Type.FontChange:
                self.fit_size()
        return False

    def fit_size(self) -> None:
        """Icons a little taller than the text beside them."""
        side = round(self._toolbar.fontMetrics().height() * 1.3)
        self._toolbar.setIconSize(QSize(side, side))
