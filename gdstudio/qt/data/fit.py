"""How a data problem is fitted: the loss, the batches, the seed, standardisation.

The group writes to ``StudioModel.data`` and redraws from its ``dataSettingChanged``
signal, so settings applied from code (an example, a project) show here too.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from gdstudio.qt.model import StudioModel
from gdstudio.qt.panels.numbers import let_space_through

__all__ = ["BATCH_KINDS", "LOSS_CHOICES", "FitSettings"]

#: The losses as the combo box lists them.
LOSS_CHOICES = (("sse", "SSE: Σ r²"), ("mse", "MSE: mean r²"),
                ("half_mse", "half-MSE: Σ r² / 2n"), ("mae", "MAE: mean |r|"))
#: The batch modes as the combo box lists them.
BATCH_KINDS = (("full", "Full batch (all rows)"), ("stochastic", "Stochastic (1 row)"),
               ("mini", "Mini-batch"))


def _named(widget: QWidget, name: str, tip: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(tip.split(":")[0])
    widget.setToolTip(tip)
    return widget


def _set_quietly(spin: QSpinBox, value: int) -> None:
    blocked = spin.blockSignals(True)
    spin.setValue(int(value))
    spin.blockSignals(blocked)


class FitSettings(QGroupBox):
    """Loss, batch mode and size, seed and the standardise toggle of data mode."""

    def __init__(self, model: StudioModel, parent: QWidget | None = None) -> None:
        super().__init__("Loss and batches", parent)
        self.model = model
        form = QFormLayout(self)
        self.loss_combo = _named(QComboBox(self), "lossCombo",
                                 "Loss: how the residuals r = f − y are added up")
        for key, title in LOSS_CHOICES:
            self.loss_combo.addItem(title, key)
        self.loss_combo.activated.connect(
            lambda _i: model.set_data_setting("loss", self.loss_combo.currentData()))
        self.batch_combo = _named(QComboBox(self), "batchCombo",
                                  "Batches: which rows each step's gradient uses")
        for key, title in BATCH_KINDS:
            self.batch_combo.addItem(title, key)
        self.batch_combo.activated.connect(lambda _i: self._batch_edited())
        self.batch_spin = _named(QSpinBox(self), "batchSizeSpin", "Rows per mini-batch")
        self.batch_spin.setRange(2, 10_000_000)
        self.batch_spin.setValue(32)
        self.batch_spin.setKeyboardTracking(False)
        let_space_through(self.batch_spin)
        self.batch_spin.valueChanged.connect(lambda _v: self._batch_edited())
        self.seed_spin = _named(QSpinBox(self), "seedSpin",
                                "Seed of the shuffling: the same seed replays the same batches")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        let_space_through(self.seed_spin)
        self.seed_spin.valueChanged.connect(lambda v: model.set_data_setting("seed", v))
        self.standardize_check = _named(QCheckBox("Standardise the features", self),
                                        "standardizeCheck",
                                        "Standardise: descend on (x − mean)/std; the answer is "
                                        "reported in the data's units")
        self.standardize_check.toggled.connect(
            lambda on: model.set_data_setting("standardize", on))
        self.standardize_note = QLabel("The run works on the standardised parameters θ′: "
                                       "the step log, traces and loss map show θ′; the curve "
                                       "and the least-squares answer are in the data's units.")
        self.standardize_note.setWordWrap(True)
        form.addRow("Loss", self.loss_combo)
        form.addRow("Batches", self.batch_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow(self.standardize_check)
        form.addRow(self.standardize_note)
        model.dataSettingChanged.connect(self._show_setting)
        for name in ("loss", "batch_size", "seed", "standardize"):
            self._show_setting(name)

    def _show_setting(self, name: str) -> None:
        data = self.model.data
        if name == "loss":
            self.loss_combo.setCurrentIndex(max(self.loss_combo.findData(data.loss), 0))
        elif name == "batch_size":
            size = data.batch_size
            kind = "full" if size is None else ("stochastic" if size == 1 else "mini")
            self.batch_combo.setCurrentIndex(self.batch_combo.findData(kind))
            if kind == "mini":
                _set_quietly(self.batch_spin, size)
            self.batch_spin.setEnabled(kind == "mini")
        elif name == "seed":
            _set_quietly(self.seed_spin, data.seed)
        elif name == "standardize":
            blocked = self.standardize_check.blockSignals(True)
            self.standardize_check.setChecked(data.standardize)
            self.standardize_check.blockSignals(blocked)
            self.standardize_note.setVisible(data.standardize)

    def _batch_edited(self) -> None:
        kind = self.batch_combo.currentData()
        self.batch_spin.setEnabled(kind == "mini")
        size = {"full": None, "stochastic": 1}.get(kind, self.batch_spin.value())
        self.model.set_data_setting("batch_size", size)
