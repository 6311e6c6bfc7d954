"""The parameters of a typed model: a start value and a "fixed" box for each.

A parameter that is learnt starts at its value (``StudioModel.start``); a fixed one is
held at it (``StudioModel.data.fixed``). The rows follow the model text as it is typed
(its names that are not columns of the data), and the values follow the studio model.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget

from gdstudio.problems.expression import ExpressionError, check_syntax
from gdstudio.qt.model import NEW_VARIABLE_START, StudioModel
from gdstudio.qt.panels.numbers import NumberSpinBox

__all__ = ["ParameterRows", "model_parameters"]


def model_parameters(text: str, columns: Sequence[str]) -> tuple[str, ...]:
    """Names in the model text that are not columns: its parameters (empty if invalid)."""

    try:
        names = check_syntax(text)
    except ExpressionError:
        return ()
    return tuple(name for name in names if name not in columns)


class ParameterRows(QWidget):
    """One row per parameter: its name, its value, and whether it is fixed."""

    def __init__(self, model: StudioModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.names: tuple[str, ...] = ()
        self.spins: dict[str, NumberSpinBox] = {}
        self.checks: dict[str, QCheckBox] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(1, 1)
        model.startChanged.connect(self.show_values)
        model.dataSettingChanged.connect(
            lambda name: self.show_values() if name == "fixed" else None)

    def set_names(self, names: tuple[str, ...]) -> None:
        """Show these parameters (rows are rebuilt only when the names change)."""
        if names == self.names:
            return
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.names, self.spins, self.checks = names, {}, {}
        if not names:
            self._grid.addWidget(QLabel("(the model has no parameters yet)"), 0, 0, 1, 3)
        for row, name in enumerate(names):
            label = QLabel(f"{name}")
            spin = NumberSpinBox(-1e9, 1e9, self)
            spin.setObjectName(f"paramSpin_{name}")
            spin.setAccessibleName(f"Value of {name}")
            spin.setToolTip(f"{name}: where the descent starts, or the value it is fixed at")
            check = QCheckBox("fixed", self)
            check.setObjectName(f"fixedCheck_{name}")
            check.setAccessibleName(f"{name} fixed")
            check.setToolTip(f"Hold {name} at this value instead of learning it")
            spin.valueChanged.connect(lambda value, n=name: self._value_edited(n, value))
            check.toggled.connect(lambda fixed, n=name: self._fixed_toggled(n, fixed))
            self._grid.addWidget(label, row, 0)
            self._grid.addWidget(spin, row, 1)
            self._grid.addWidget(check, row, 2)
            self.spins[name], self.checks[name] = spin, check
        self.show_values()

    def show_values(self) -> None:
        """Show the model's values (start, or fixed value) without writing back."""
        fixed = self.model.data.fixed
        for name, spin in self.spins.items():
            value = fixed[name] if name in fixed else self.model.start.get(
                name, NEW_VARIABLE_START)
            for widget, setter, wanted in ((spin, spin.setValue, value),
                                           (self.checks[name], self.checks[name].setChecked,
                                            name in fixed)):
                blocked = widget.blockSignals(True)
                setter(wanted)
                widget.blockSignals(blocked)

    def _value_edited(self, name: str, value: float) -> None:
        fixed = dict(self.model.data.fixed)
        if name in fixed:
            fixed[name] = value
            self.model.set_data_setting("fixed", fixed)
        else:
            self.model.set_start({name: value})

    def _fixed_toggled(self, name: str, is_fixed: bool) -> None:
        fixed = dict(self.model.data.fixed)
        value = self.spins[name].value()
        if is_fixed:
            fixed[name] = value
        else:
            fixed.pop(name, None)
            self.model.set_start({name: value})
        self.model.set_data_setting("fixed", fixed)
