"""File ▸ Export ▸ Animation…: which plot, size, frames per second, steps per frame.

Frames are drawn by the real plot in slices of the event loop (the window stays
responsive, Cancel works at once); the GIF is encoded in a thread at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gdstudio.qt.animation.frames import default_steps_per_frame, frame_lengths
from gdstudio.qt.animation.gif import HOLD_LAST_SECONDS
from gdstudio.qt.animation.render import AnimationTarget, FrameRenderer, GifThread

__all__ = ["MAX_FRAME_BYTES", "MP4_NOTE", "AnimationDialog"]

#: Why there is no MP4 (checked for 0.1: PyAV 18.1's wheel installs 106 MB,
#: imageio-ffmpeg 165 MB; the installed app is 187 MiB of a 250 MB limit).
MP4_NOTE = ("Animated GIF. MP4 is not offered: every packaged video encoder (FFmpeg) "
            "would add over 100 MB to the app.")

#: Frames are kept in memory until they are encoded: at most this many bytes of them.
MAX_FRAME_BYTES = 600 * 1024 * 1024


class AnimationDialog(QDialog):
    """Options, progress and Cancel for saving a run as an animated GIF.

    Parameters
    ----------
    targets : sequence of AnimationTarget
        The plots offered (the first is chosen).
    history : History
        The run (rows once shown never change).
    ask_path : callable
        Asks where to save; ``None`` when the student changed their mind.

    Signals
    -------
    saved(object, int)
        The path written and its size in bytes.
    failed(str)
        One sentence.
    """

    saved = Signal(object, int)
    failed = Signal(str)

    def __init__(self, targets: Sequence[AnimationTarget], history: Any,
                 ask_path: Callable[[], Path | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("animationDialog")
        self.setWindowTitle("Export an animation")
        self.targets, self.history, self._ask_path = list(targets), history, ask_path
        self.rows = len(history)
        self._renderer: FrameRenderer | None = None
        self._encoder: GifThread | None = None
        self._path: Path | None = None
        self._build()
        self._suggest_steps()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        form = QFormLayout()
        self.plot_combo = QComboBox()
        self.plot_combo.setObjectName("animationPlotCombo")
        self.plot_combo.addItems([target.label for target in self.targets])
        self.plot_combo.setToolTip("The plot drawn in each frame")
        self.width_spin = _spin("animationWidthSpin", 64, 3840, 640, " px")
        self.height_spin = _spin("animationHeightSpin", 64, 3840, 480, " px")
        size = QHBoxLayout()
        size.addWidget(self.width_spin)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height_spin)
        self.fps_spin = _spin("animationFpsSpin", 1, 60, 10, " frames/s")
        self.steps_spin = _spin("animationStepsSpin", 1, max(self.rows - 1, 1), 1, " steps")
        self.steps_spin.setToolTip("Steps of the run from one frame to the next (the default "
                                   "shows the whole run in about 10 s)")
        self.summary = QLabel()
        self.summary.setObjectName("animationSummary")
        form.addRow("Plot", self.plot_combo)
        form.addRow("Size", size)
        form.addRow("Speed", self.fps_spin)
        form.addRow("Each frame", self.steps_spin)
        form.addRow("", self.summary)
        self.format_note = QLabel(MP4_NOTE)
        self.format_note.setObjectName("animationFormatNote")
        self.format_note.setWordWrap(True)
        form.addRow("Format", self.format_note)
        self.progress = QProgressBar()
        self.progress.setObjectName("animationProgress")
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("animationExportButton")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("animationCancelButton")
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.export_button.clicked.connect(self.export)
        self.cancel_button.clicked.connect(self.reject)
        self.fps_spin.valueChanged.connect(self._suggest_steps)
        self.steps_spin.valueChanged.connect(self._describe)
        for spin in (self.width_spin, self.height_spin):
            spin.valueChanged.connect(self._describe)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    # ------------------------------------------------------------------ public
    @property
    def busy(self) -> bool:
        """Whether frames are being drawn or the file is being written."""
        return (self._renderer is not None and self._renderer.running) or (
            self._encoder is not None and self._encoder.isRunning())

    def lengths(self) -> list[int]:
        """Rows shown by each frame with the current options."""
        return frame_lengths(self.rows, self.steps_spin.value())

    def export(self) -> bool:
        """Ask where, then draw the frames (in slices) and write the GIF (in a thread)."""
        if self.busy:
            return False
        problem = self._problem()
        if problem is not None:
            self.summary.setText(problem)
            return False
        path = self._ask_path()
        if path is None:
            return False
        self._path = path
        target = self.targets[self.plot_combo.currentIndex()]
        size = (self.width_spin.value(), self.height_spin.value())
        self._renderer = FrameRenderer(target, self.history, self.lengths(), size, self)
        self._renderer.progressed.connect(self._progressed)
        self._renderer.finished.connect(self._rendered)
        self._set_running(True, "Drawing frames …")
        self._renderer.start()
        return True

    def reject(self) -> None:
        """Cancel what runs (nothing is written), else close."""
        if self._renderer is not None and self._renderer.running:
            self._renderer.cancel()
            return
        if self._encoder is not None and self._encoder.isRunning():
            self._encoder.cancel()
            self._encoder.wait()
            self._set_running(False, "Cancelled: nothing was saved.")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing stops the drawing and the writing first."""
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop everything and wait for the encoder thread."""
        if self._renderer is not None and self._renderer.running:
            self._renderer.cancel()
        if self._encoder is not None:
            self._encoder.cancel()
            self._encoder.wait()

    # ------------------------------------------------------------------ internals
    def _problem(self) -> str | None:
        frames = len(self.lengths())
        size = self.width_spin.value() * self.height_spin.value() * 3
        if frames * size > MAX_FRAME_BYTES:
            return (f"{frames} frames at this size need too much memory: take more steps per "
                    "frame or a smaller size.")
        return None

    def _suggest_steps(self) -> None:
        self.steps_spin.setValue(default_steps_per_frame(self.rows, self.fps_spin.value()))
        self._describe()

    def _describe(self) -> None:
        frames = len(self.lengths())
        seconds = frames / self.fps_spin.value() + HOLD_LAST_SECONDS
        self.summary.setText(self._problem() or f"{frames} frames, about {seconds:.0f} s "
                                                f"(the last frame stays {HOLD_LAST_SECONDS:g} s)")

    def _set_running(self, running: bool, text: str) -> None:
        for widget in (self.plot_combo, self.width_spin, self.height_spin, self.fps_spin,
                       self.steps_spin, self.export_button):
            widget.setEnabled(not running)
        self.progress.setVisible(running)
        self.summary.setText(text)

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _rendered(self, frames: list | None) -> None:
        if frames is None:
            self._set_running(False, "Cancelled: nothing was saved.")
            return
        self.progress.setRange(0, 0)  # busy: the encoder reports no steps
        self.summary.setText("Writing the GIF …")
        self._encoder = GifThread(frames, self._path, self.fps_spin.value(), self)
        self._encoder.saved.connect(self._saved)
        self._encoder.failed.connect(self._failed)
        self._encoder.start()

    def _saved(self, size: int) -> None:
        self._encoder.wait()
        self._set_running(False, f"Saved {self._path.name} ({size / 1024:.0f} KB).")
        self.saved.emit(self._path, size)
        self.accept()

    def _failed(self, message: str) -> None:
        self._encoder.wait()
        self._set_running(False, message[0].upper() + message[1:] + ".")
        self.failed.emit(message)


def _spin(name: str, low: int, high: int, value: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin
