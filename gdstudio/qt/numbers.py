"""Number inputs that suit gradient descent: values from 1e-8 to 1e6 typed as 0.001 or 1e-3."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QHBoxLayout, QSlider, QWidget

__all__ = ["LogSlider", "NumberSpinBox", "RateControl"]


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
