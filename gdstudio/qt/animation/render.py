"""Frames from the real plots: set the plot to a step, grab it, scale it to the size asked.

:class:`FrameRenderer` does this in timer slices (the window stays responsive and Cancel
works); :func:`render_frames` does it in one go (the command line, where nothing waits).
:class:`GifThread` encodes the frames off the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRect, QSize, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from gdstudio.qt.animation.frames import HistoryPrefix
from gdstudio.qt.animation.gif import CancelledError, encode_gif

__all__ = ["AnimationTarget", "FrameRenderer", "GifThread", "grab_frame", "render_frames",
           "widget_image"]

#: A slice of frame rendering lasts at most this long (s) before the UI gets a turn.
SLICE_SECONDS = 0.04


@dataclass
class AnimationTarget:
    """A plot to animate.

    Attributes
    ----------
    label : str
        Its name in the dialog (``Main plot``, ``3-D surface``, ``Loss``).
    widget : QWidget
        What is grabbed.
    draw : callable
        ``draw(history)``: show a run (a :class:`HistoryPrefix` frame by frame).
    """

    label: str
    widget: QWidget
    draw: Callable[[Any], None]


def widget_image(widget: QWidget) -> QImage:
    """What ``widget`` shows. An OpenGL view is drawn again into an image
    (``grabFramebuffer``): ``QWidget.grab`` would drop what it paints over the GL scene
    with a QPainter, such as the 3-D view's axis labels."""
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    if isinstance(widget, QOpenGLWidget):
        return widget.grabFramebuffer()
    return widget.grab().toImage()


def grab_frame(widget: QWidget, size: tuple[int, int]) -> np.ndarray:
    """``widget`` as an RGB array of exactly ``size`` (width, height).

    A widget of another shape is scaled to fit and centred on its own background colour.
    """
    image = widget_image(widget).convertToFormat(QImage.Format.Format_RGB888)
    width, height = size
    if (image.width(), image.height()) != (width, height):
        scaled = image.scaled(QSize(width, height), Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
        canvas = QImage(width, height, QImage.Format.Format_RGB888)
        canvas.fill(QColor(image.pixel(0, image.height() - 1)) if not image.isNull()
                    else QColor("white"))
        painter = QPainter(canvas)
        painter.drawImage(QRect((width - scaled.width()) // 2,
                                (height - scaled.height()) // 2,
                                scaled.width(), scaled.height()), scaled)
        painter.end()
        image = canvas
    line = image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=line * height)
    return buffer.reshape(height, line)[:, : 3 * width].reshape(height, width, 3).copy()


def render_frames(target: AnimationTarget, history: Any, lengths: Sequence[int],
                  size: tuple[int, int]) -> list[np.ndarray]:
    """Every frame at once (for the command line)."""
    prefix = HistoryPrefix(history)
    frames = []
    for length in lengths:
        prefix.length = length
        target.draw(prefix)
        QApplication.processEvents()
        frames.append(grab_frame(target.widget, size))
    return frames


class FrameRenderer(QObject):
    """Renders the frames of one animation in slices of the event loop.

    Signals
    -------
    progressed(int, int)
        Frames done, frames in all.
    finished(object)
        The frames (a list of RGB arrays), or ``None`` when cancelled.
    """

    progressed = Signal(int, int)
    finished = Signal(object)

    def __init__(self, target: AnimationTarget, history: Any, lengths: Sequence[int],
                 size: tuple[int, int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target, self.history, self.size = target, history, size
        self.lengths = list(lengths)
        self.frames: list[np.ndarray] = []
        self._prefix = HistoryPrefix(history)
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)

    def start(self) -> None:
        """Begin (returns at once; frames follow in slices)."""
        self._timer.start()

    def cancel(self) -> None:
        """Stop now and put the plot back as it was."""
        if self._timer.isActive():
            self._timer.stop()
            self._finish(None)

    @property
    def running(self) -> bool:
        """Whether frames are still being rendered."""
        return self._timer.isActive()

    def _slice(self) -> None:
        started = time.perf_counter()
        while len(self.frames) < len(self.lengths):
            self._prefix.length = self.lengths[len(self.frames)]
            self.target.draw(self._prefix)
            self.frames.append(grab_frame(self.target.widget, self.size))
            if time.perf_counter() - started > SLICE_SECONDS:
                break
        self.progressed.emit(len(self.frames), len(self.lengths))
        if len(self.frames) == len(self.lengths):
            self._timer.stop()
            self._finish(self.frames)

    def _finish(self, frames: list[np.ndarray] | None) -> None:
        self.target.draw(self.history)  # the plot as it was: the whole run
        self.finished.emit(frames)


class GifThread(QThread):
    """Encodes frames to a GIF file off the UI thread.

    Signals
    -------
    saved(int)
        The file is written: its size in bytes.
    failed(str)
        One sentence (a full disk, a folder that cannot be written).
    """

    saved = Signal(int)
    failed = Signal(str)

    def __init__(self, frames: Sequence[np.ndarray], path: Path, fps: float,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.frames, self.path, self.fps = frames, path, fps
        self._cancelled = False

    def cancel(self) -> None:
        """Stop encoding (nothing is written); safe from the UI thread."""
        self._cancelled = True

    def run(self) -> None:
        """Encode (in the thread)."""
        try:
            size = encode_gif(self.frames, self.path, self.fps, lambda: self._cancelled)
        except CancelledError:
            return
        except Exception as error:  # an OSError or a Pillow error: said in one sentence
            self.failed.emit(f"the animation could not be saved: {error}")
            return
        self.saved.emit(size)
