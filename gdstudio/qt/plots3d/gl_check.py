"""Whether this display can draw the 3-D view: asked once, safely, before any GL widget."""

from __future__ import annotations

import os

from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

__all__ = ["opengl_problem"]

#: Platforms without OpenGL (tests, remote sessions without GLX).
_NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb")
_checked: list[str | None] = []


def opengl_problem() -> str | None:
    """``None`` when the 3-D view can be shown here, else one sentence saying why not.

    Tries, in order: the ``GDSTUDIO_NO_OPENGL`` switch, the display platform, PyOpenGL
    and pyqtgraph.opengl, then a real OpenGL context made current on an offscreen
    surface (a broken driver fails here, not in a widget). The answer is remembered.
    """
    if QGuiApplication.instance() is None:  # nothing to ask yet (and nothing to remember)
        return "No 3-D view: there is no display yet."
    if not _checked:
        _checked.append(_problem())
    return _checked[0]


def _problem() -> str | None:
    if os.environ.get("GDSTUDIO_NO_OPENGL"):
        return "The 3-D view is switched off (GDSTUDIO_NO_OPENGL); the map stays."
    platform = QGuiApplication.platformName()
    if platform in _NO_GL_PLATFORMS:
        return f"No 3-D view: this display ({platform}) has no OpenGL; the map stays."
    try:
        import OpenGL.GL  # noqa: F401  (lazy: only when a 3-D view is wanted)
        import pyqtgraph.opengl  # noqa: F401
    except Exception:  # missing, or a library that fails to load
        return "No 3-D view: PyOpenGL is not installed or does not load; the map stays."
    surface = QOffscreenSurface()
    surface.create()
    context = QOpenGLContext()
    try:
        if not context.create() or not context.makeCurrent(surface):
            return "No 3-D view: OpenGL does not start on this display; the map stays."
        version = context.format().majorVersion(), context.format().minorVersion()
        context.doneCurrent()
    finally:
        surface.destroy()
    if version < (2, 0):
        return (f"No 3-D view: OpenGL {version[0]}.{version[1]} is too old (2.0 is needed); "
                "the map stays.")
    return None
