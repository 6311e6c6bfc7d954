"""Number inputs that suit gradient descent: values from 1e-8 to 1e6 typed as 0.001 or 1e-3."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent, QPen, QPolygonF, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QWidget,
)

__all__ = ["LogSlider", "NumberSpinBox", "RateControl", "let_space_through"]


class _SpaceIsNotANumber(QObject):
    """Commits a spin box's typed text on Space and leaves the key to the shortcuts."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Claim nothing on Space: commit the text, then let a shortcut (Run) have it."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and isinstance(watched, QAbstractSpinBox)
        ):
            # Qt would pass Space to the line edit, which claims every printable key:
            # it replaced the selected number (selected after Enter) by a blank.
            watched.interpretText()  # the typed value is used by what Space does
            if not watched.hasAcceptableInput() and hasattr(watched, "value"):
                watched.setValue(watched.value())  # an unfinished "1e": show the value used
            return True  # the override stays unclaimed, so the shortcut map gets Space
        return False


def let_space_through(spin: QAbstractSpinBox) -> None:
    """Make Space commit ``spin``'s text and reach the window's shortcuts (Run/Pause).

    A number has no spaces, so a spin box has no use for the key; without this its line
    edit swallows Space like any printable character.
    """
    spin.installEventFilter(_SpaceIsNotANumber(spin))


class NumberSpinBox(QDoubleSpinBox):
    """A double spin box that shows ``.6g`` numbers and accepts scientific notation.

    Arrow keys step by a tenth of the value's order of magnitude (0.1 → 0.11 → 0.12),
    Qt's adaptive decimal stepping.
    """

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(110)
        let_space_through(self)

    def textFromValue(self, value: float) -> str:
        """Show the shortest faithful form, e.g. ``0.0001`` or ``1e-06``."""
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        """Read ``0.001``, ``1e-3``, ``1E-3`` or ``.5``."""
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int) -> object:  # Qt override
        """Accept anything that is, or may become, a number in range."""
        stripped = text.strip().replace(",", ".")
        try:
            value = float(stripped)
        except ValueError:
            partial = stripped in ("", "-", "+", ".") or stripped[-1:] in ("e", "E", "-", "+")
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, position
        if self.minimum() <= value <= self.maximum() and math.isfinite(value):
            return QValidator.State.Acceptable, text, position
        return QValidator.State.Intermediate, text, position


class LogSlider(QSlider):
    """A horizontal slider on a logarithmic scale between two positive values.

    Signals
    -------
    numberChanged(float)
        Emitted when the user moves the slider.
    """

    numberChanged = Signal(float)

    STEPS_PER_DECADE = 100

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._low = math.log10(minimum)
        self._high = math.log10(maximum)
        self.setRange(0, round((self._high - self._low) * self.STEPS_PER_DECADE))
        self.setPageStep(self.STEPS_PER_DECADE // 4)
        self.valueChanged.connect(self._emit_number)
        self.mark: float | None = None

    def set_mark(self, value: float | None) -> None:
        """Draw a red tick at ``value`` (the stable limit), or none for ``None``."""
        if value != self.mark:
            self.mark = value
            self.update()

    def mark_position(self) -> int | None:
        """The slider position of the mark, or ``None`` when there is none in range."""
        if self.mark is None or not math.isfinite(self.mark) or self.mark <= 0:
            return None
        position = (math.log10(self.mark) - self._low) * self.STEPS_PER_DECADE
        return round(position) if self.minimum() <= position <= self.maximum() else None

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        """The slider, then the mark: a tick across the groove with a small triangle."""
        super().paintEvent(event)
        position = self.mark_position()
        if position is None:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderHandle, self)
        span = groove.width() - handle.width()
        x = groove.x() + handle.width() / 2 + style.sliderPositionFromValue(
            self.minimum(), self.maximum(), position, span)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(214, 39, 40)
        painter.setPen(QPen(colour, 2))
        painter.drawLine(QPointF(x, 1), QPointF(x, self.height() - 1))
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([QPointF(x - 4, 0), QPointF(x + 4, 0), QPointF(x, 5)]))
        painter.end()

    def number(self) -> float:
        """The value the slider stands for."""
        return 10 ** (self._low + self.value() / self.STEPS_PER_DECADE)

    def set_number(self, value: float) -> None:
        """Move to ``value`` (clamped) without emitting ``numberChanged``."""
        position = round((math.log10(max(value, 1e-300)) - self._low) * self.STEPS_PER_DECADE)
        blocked = self.blockSignals(True)
        self.setValue(max(self.minimum(), min(self.maximum(), position)))
        self.blockSignals(blocked)

    def _emit_number(self) -> None:
        self.numberChanged.emit(float(f"{self.number():.3g}"))


class RateControl(QWidget):
    """A learning rate as a spin box plus a logarithmic slider, kept in step.

    Signals
    -------
    rateChanged(float)
        Emitted when the user changes the rate with either control.
    """

    rateChanged = Signal(float)

    def __init__(self, minimum: float = 1e-6, maximum: float = 10.0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = NumberSpinBox(minimum, maximum, self)
        self.slider = LogSlider(minimum, maximum, self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin)
        layout.addWidget(self.slider, 1)
        self.spin.valueChanged.connect(self._from_spin)
        self.slider.numberChanged.connect(self._from_slider)

    def value(self) -> float:
        """The current rate."""
        return self.spin.value()

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``rateChanged``."""
        blocked = self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(blocked)
        self.slider.set_number(value)

    def _from_spin(self, value: float) -> None:
        self.slider.set_number(value)
        self.rateChanged.emit(value)

    def _from_slider(self, value: float) -> None:
        blocked = self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(blocked)
        self.rateChanged.emit(value)
