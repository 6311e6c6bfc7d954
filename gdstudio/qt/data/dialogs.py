"""Dialogs of data mode: generate a dataset, and refusals shown without blocking."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from gdstudio.problems.expression import ExpressionError, check_syntax
from gdstudio.qt.panels.numbers import NumberSpinBox

__all__ = ["GenerateDialog", "GenerateSettings", "show_refusal"]


@dataclass(frozen=True)
class GenerateSettings:
    """What :func:`gdstudio.problems.dataset.generate_dataset` is asked for."""

    function: str = "2*x + 1"
    noise: float = 0.0
    n_points: int = 5
    x_range: tuple[float, float] = (0.0, 4.0)
    seed: int = 0


def show_refusal(parent: QWidget, title: str, message: str) -> QMessageBox:
    """Show why something was refused in a window-modal box that does not block the
    caller (``open()``, not a modal loop); returns the box (object name ``refusalBox``)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                      parent)
    box.setObjectName("refusalBox")
    box.setAccessibleName(title)
    box.open()
    return box


class GenerateDialog(QDialog):
    """Ask for synthetic data: y = function(x) + noise on evenly spaced x.

    Parameters
    ----------
    settings : GenerateSettings
        The values shown first (the last ones used).
    """

    def __init__(self, settings: GenerateSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generateDialog")
        self.setWindowTitle("Generate data")
        form = QFormLayout(self)
        self.function_edit = QLineEdit(settings.function)
        self.function_edit.setObjectName("generateFunctionEdit")
        self.function_edit.setToolTip("y as a function of x, e.g. 2*x + 1 or 0.5*x**2 - x + 2")
        self.function_edit.setAccessibleName("Function")
        self.function_error = QLabel()
        self.function_error.setStyleSheet("color: #b00020;")
        self.function_error.setWordWrap(True)
        self.function_error.hide()
        self.noise_spin = self._number("generateNoiseSpin", 0.0, 1e6, settings.noise,
                                       "Noise: standard deviation of the random error added "
                                       "to each y (0 for none)")
        self.points_spin = QSpinBox()
        self.points_spin.setObjectName("generatePointsSpin")
        self.points_spin.setRange(1, 1_000_000)
        self.points_spin.setGroupSeparatorShown(True)
        self.points_spin.setValue(settings.n_points)
        self.points_spin.setToolTip("Number of points (rows)")
        self.points_spin.setAccessibleName("Number of points")
        self.low_spin = self._number("generateFromSpin", -1e6, 1e6, settings.x_range[0],
                                     "First x")
        self.high_spin = self._number("generateToSpin", -1e6, 1e6, settings.x_range[1],
                                      "Last x")
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("generateSeedSpin")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(settings.seed)
        self.seed_spin.setToolTip("Seed of the noise: the same seed gives the same data")
        self.seed_spin.setAccessibleName("Seed")
        form.addRow("y =", self.function_edit)
        form.addRow(self.function_error)
        form.addRow("Noise (std)", self.noise_spin)
        form.addRow("Points", self.points_spin)
        form.addRow("x from", self.low_spin)
        form.addRow("x to", self.high_spin)
        form.addRow("Seed", self.seed_spin)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.function_edit.textChanged.connect(self._check)

    def _number(self, name: str, low: float, high: float, value: float,
                tip: str) -> NumberSpinBox:
        spin = NumberSpinBox(low, high, self)
        spin.setObjectName(name)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.setAccessibleName(tip.split(":")[0])
        return spin

    def settings(self) -> GenerateSettings:
        """The values entered."""
        return GenerateSettings(self.function_edit.text(), self.noise_spin.value(),
                                self.points_spin.value(),
                                (self.low_spin.value(), self.high_spin.value()),
                                self.seed_spin.value())

    def _check(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            check_syntax(text)
        except ExpressionError as error:
            where = f" (column {error.column})" if error.column else ""
            self.function_error.setText(error.message + where)
            self.function_error.show()
            ok.setEnabled(False)
        else:
            self.function_error.hide()
            ok.setEnabled(True)
