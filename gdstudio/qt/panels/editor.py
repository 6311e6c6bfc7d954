"""The problem editor: the function, where to start, and how to descend."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gdstudio.engine.limits import MAX_STEPS
from gdstudio.engine.optimizers import HYPERPARAMETERS, OPTIMIZERS
from gdstudio.engine.schedules import SCHEDULES, make_schedule
from gdstudio.problems.curvature import (
    curvature_is_constant,
    limit_tooltip,
    rate_warning,
    ready_limit,
)
from gdstudio.problems.expression import ExpressionError, check_syntax
from gdstudio.qt.data.mode_switch import ModeSwitch
from gdstudio.qt.model import StudioModel

if TYPE_CHECKING:
    from gdstudio.qt.data.editor import DataEditor
from gdstudio.qt.panels.numbers import NumberSpinBox, RateControl, let_space_through

__all__ = ["ProblemEditor"]


def _hyperparameter_field(key: str) -> tuple[float, float, int, str]:
    """(lowest, highest, decimals, tooltip) of a hyperparameter's field (engine's list)."""
    spec = HYPERPARAMETERS[key]
    low = spec.low + (1e-15 if spec.low_open and spec.low == 0.0 else 0.0)
    high = 1e6 if math.isinf(spec.high) else spec.high - (1e-4 if spec.high_open else 0.0)
    return low, high, 0 if spec.whole else 12, spec.help


_SCHEDULE_TITLES = {
    "constant": "Constant",
    "step": "Step decay (×γ every n steps)",
    "exponential": "Exponential (γ^k)",
    "inverse_time": "Inverse time (1/(1+d·k))",
    "cosine": "Cosine (to a floor over a period)",
}


def fit_to_panel(combo: QComboBox, characters: int = 12) -> None:
    """Let ``combo`` be narrower than its longest entry (the panel must not outgrow its
    dock: "Gradient descent with line search (Armijo)" would cut every field beside it);
    the open list still shows every entry whole."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    view = combo.view()
    view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 8)
    for index in range(combo.count()):
        combo.setItemData(index, combo.itemText(index), Qt.ItemDataRole.ToolTipRole)


def _describe(widget: QWidget, name: str, tip: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(tip.split(":")[0] if ":" in tip[:20] else tip)
    widget.setToolTip(tip)
    return widget


class ProblemEditor(QWidget):
    """Edit the model: expression, start point, optimizer, rate, schedule, stopping.

    Signals
    -------
    expressionSubmitted(str)
        The student finished editing a syntactically valid expression (compile it).
    validityChanged(bool)
        Whether the expression field (in data mode: the model) is valid.
    dataEditorCreated(object)
        The data editor was made (on first use), for those that connect to it.

    Notes
    -----
    The Function | Data switch sits at the top; in data mode the data editor
    (:attr:`data_editor`) replaces the cost function and start point groups, and the
    optimizer, rate, schedule and stopping groups are shared.
    """

    expressionSubmitted = Signal(str)
    validityChanged = Signal(bool)
    dataEditorCreated = Signal(object)

    def __init__(self, model: StudioModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._valid = True
        layout = QVBoxLayout(self)
        self.mode_switch = ModeSwitch(model, self)
        self._data_editor: QWidget | None = None  # made on first use (see data_editor)
        self.function_group = self._build_function_group()
        for widget in (self.mode_switch, self.function_group):
            layout.addWidget(widget)
        layout.addWidget(self._build_start_group())
        layout.addWidget(self._build_optimizer_group())
        layout.addWidget(self._build_schedule_group())
        layout.addWidget(self._build_stopping_group())
        layout.addStretch(1)
        model.problemChanged.connect(self._rebuild_start_fields)
        model.startChanged.connect(self._show_start)
        model.settingChanged.connect(self._show_setting)
        model.modeChanged.connect(self._show_mode)
        model.problemChanged.connect(self.show_stable_limit)
        model.startChanged.connect(self.show_stable_limit)
        self._show_all_settings()
        self._rebuild_start_fields()
        self._show_mode(model.mode)

    # ------------------------------------------------------------ construction
    def _build_function_group(self) -> QGroupBox:
        group = QGroupBox("Cost function", self)
        form = QVBoxLayout(group)
        self.expression_edit = _describe(
            QLineEdit(self.model.expression_text, group), "expressionEdit",
            "Cost function: type it with * for times and ** (or ^) for powers, "
            "e.g. (x-3)**2 + 10*(y+1)**2",
        )
        self.expression_edit.setPlaceholderText("e.g. x**2 or (x-3)**2 + 10*(y+1)**2")
        self.expression_error = QLabel(group)
        self.expression_error.setObjectName("expressionError")
        self.expression_error.setWordWrap(True)
        self.expression_error.setStyleSheet("color: #b00020;")
        self.expression_error.setAccessibleName("Expression error")
        self.expression_error.hide()
        self.derivative_label = QLabel(group)
        self.derivative_label.setObjectName("derivativeLabel")
        self.derivative_label.setWordWrap(True)
        self.derivative_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.derivative_label.setAccessibleName("Derivative")
        self.derivative_label.setToolTip("The derivative the descent follows, worked out for you")
        form.addWidget(self.expression_edit)
        form.addWidget(self.expression_error)
        form.addWidget(self.derivative_label)
        self.expression_edit.textEdited.connect(self._check_as_you_type)
        self.expression_edit.editingFinished.connect(self._submit_expression)
        return group

    def _build_start_group(self) -> QGroupBox:
        self.start_group = QGroupBox("Start point", self)
        self.start_form = QFormLayout(self.start_group)
        self.start_spins: dict[str, NumberSpinBox] = {}
        hint = QLabel("Tip: click on the plot to start there.", self.start_group)
        hint.setStyleSheet("color: palette(mid);")
        self.start_form.addRow(hint)
        return self.start_group

    def _build_optimizer_group(self) -> QGroupBox:
        group = QGroupBox("Optimizer", self)
        self.optimizer_form = QFormLayout(group)
        self.optimizer_combo = _describe(
            QComboBox(group), "optimizerCombo",
            "Optimizer: the update rule, as in torch.optim",
        )
        for name, cls in OPTIMIZERS.items():
            self.optimizer_combo.addItem(cls.title, name)
        fit_to_panel(self.optimizer_combo)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_picked)
        self.optimizer_form.addRow("Method", self.optimizer_combo)
        self.rate_control = RateControl(parent=group)
        _describe(self.rate_control.spin, "learningRateSpin",
                  "Learning rate α: the size of each step relative to the slope; "
                  "you can change it while the descent runs")
        _describe(self.rate_control.slider, "learningRateSlider",
                  "Learning rate on a logarithmic scale, from 0.000001 to 10")
        self._rate_tips = (self.rate_control.spin.toolTip(), self.rate_control.slider.toolTip())
        self.rate_control.rateChanged.connect(self.model.set_learning_rate)
        self.optimizer_form.addRow("Learning rate", self.rate_control)
        self.rate_warning = QLabel(group)
        self.rate_warning.setObjectName("rateWarning")
        self.rate_warning.setWordWrap(True)
        self.rate_warning.setStyleSheet("color: #b00020;")
        self.rate_warning.setAccessibleName("Learning-rate warning")
        self.rate_warning.hide()
        self.optimizer_form.addRow(self.rate_warning)
        self._stable_limit: tuple[float | None, bool] = (None, False)  # limit, is it certain
        self.hyper_spins: dict[str, NumberSpinBox] = {}
        return group

    def _build_schedule_group(self) -> QGroupBox:
        group = QGroupBox("Learning-rate schedule", self)
        self.schedule_form = QFormLayout(group)
        self.schedule_combo = _describe(
            QComboBox(group), "scheduleCombo",
            "Schedule: multiplies the learning rate by a factor that depends on the step",
        )
        for kind in SCHEDULES:
            self.schedule_combo.addItem(_SCHEDULE_TITLES[kind], kind)
        fit_to_panel(self.schedule_combo)
        self.schedule_combo.currentIndexChanged.connect(self._schedule_picked)
        self.schedule_form.addRow("Kind", self.schedule_combo)
        self.schedule_spins: dict[str, NumberSpinBox] = {}
        return group

    def _build_stopping_group(self) -> QGroupBox:
        group = QGroupBox("Stop when", self)
        form = QFormLayout(group)
        self.max_iter_spin = _describe(QSpinBox(group), "maxIterSpin",
                                       "Maximum number of steps")
        self.max_iter_spin.setRange(0, MAX_STEPS)
        self.max_iter_spin.setGroupSeparatorShown(True)
        self.max_iter_spin.setKeyboardTracking(False)
        let_space_through(self.max_iter_spin)
        form.addRow("Steps at most", self.max_iter_spin)
        self.tolerance_rows: dict[str, tuple[QCheckBox, NumberSpinBox]] = {}
        for key, label, tip, default in (
            ("tol_step", "Step smaller than", "Precision: stop when a step moves less than this",
             1e-4),
            ("tol_grad", "Slope smaller than",
             "Gradient tolerance: stop when the slope's size is below this", 1e-6),
            ("tol_loss", "Loss change below", "Stop when the loss changes by less than this",
             1e-9),
        ):
            check = _describe(QCheckBox(label, group), f"{key}Check", tip)
            spin = _describe(NumberSpinBox(1e-15, 1e6, group), f"{key}Spin", tip)
            spin.setValue(default)
            check.toggled.connect(self._stopping_edited)
            spin.valueChanged.connect(self._stopping_edited)
            form.addRow(check, spin)
            self.tolerance_rows[key] = (check, spin)
        self.max_iter_spin.valueChanged.connect(self._stopping_edited)
        return group

    # ------------------------------------------------------------ expression
    @property
    def valid(self) -> bool:
        """Whether the expression field (in data mode: the model) is valid."""
        return self.data_editor.valid if self.model.mode == "data" else self._valid

    @property
    def data_editor(self) -> DataEditor:
        """The data-mode panel (:class:`~gdstudio.qt.data.editor.DataEditor`), made on first
        use so that a session in function mode never pays for it."""
        if self._data_editor is None:
            # lazy: data mode's editor loads on its first use
            from gdstudio.qt.data.editor import DataEditor

            editor = DataEditor(self.model, self)
            editor.setVisible(self.model.mode == "data")
            editor.validityChanged.connect(lambda _valid: self.validityChanged.emit(self.valid))
            self.layout().insertWidget(1, editor)
            self._data_editor = editor
            self.dataEditorCreated.emit(editor)
        return self._data_editor

    def _show_mode(self, mode: str) -> None:
        data = mode == "data"
        if data or self._data_editor is not None:
            self.data_editor.setVisible(data)
        self.function_group.setVisible(not data)
        self.start_group.setVisible(not data)
        self.validityChanged.emit(self.valid)

    def show_expression_error(self, message: str, column: int | None) -> None:
        """Show why the expression cannot be used (Run stays disabled)."""
        where = f" (column {column})" if column else ""
        self.expression_error.setText(f"{message}{where}")
        self.expression_error.show()
        self._set_valid(False)

    def show_expression(self, text: str) -> None:
        """Show ``text`` in the function field, as if typed (it is not submitted)."""
        self.expression_edit.setText(text)

    def show_problem(self) -> None:
        """Show the current valid problem's derivative and clear any error."""
        objective = self.model.objective
        if self.model.mode == "data":
            return  # the data editor shows data problems (see gdstudio.qt.data.mode)
        self.expression_error.hide()
        self._set_valid(True)
        if objective is None:
            return
        names, texts = objective.param_names, objective.gradient_texts
        if len(names) == 1:
            lines = [f"f′({names[0]}) = {texts[0]}"]
        else:
            lines = [f"∂f/∂{name} = {text}" for name, text in zip(names, texts, strict=True)]
        self.derivative_label.setText("\n".join(lines))

    def _check_as_you_type(self, text: str) -> None:
        try:
            check_syntax(text)
        except ExpressionError as error:
            self.show_expression_error(error.message, error.column)
        else:
            self.expression_error.hide()
            self._set_valid(True)

    def _submit_expression(self) -> None:
        text = self.expression_edit.text()
        if self._valid and text != self.model.expression_text:
            self.expressionSubmitted.emit(text)

    def _set_valid(self, valid: bool) -> None:
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)

    # ------------------------------------------------------------ start point
    def _rebuild_start_fields(self) -> None:
        for spin in self.start_spins.values():
            self.start_form.removeRow(spin)
        self.start_spins = {}
        for name in self.model.param_names:
            spin = _describe(NumberSpinBox(-1e6, 1e6, self.start_group), f"startSpin_{name}",
                             f"Start value of {name}")
            spin.setValue(self.model.start.get(name, 0.0))
            spin.valueChanged.connect(lambda value, n=name: self.model.set_start({n: value}))
            self.start_form.addRow(f"{name}₀", spin)
            self.start_spins[name] = spin
        self._show_stopping()  # the step limit depends on the number of parameters
        self.show_problem()

    def _show_start(self) -> None:
        for name, spin in self.start_spins.items():
            blocked = spin.blockSignals(True)
            spin.setValue(self.model.start.get(name, 0.0))
            spin.blockSignals(blocked)

    # ------------------------------------------------------------ settings
    def _show_all_settings(self) -> None:
        for which in ("optimizer", "learning_rate", "schedule", "stopping"):
            self._show_setting(which)

    def _show_setting(self, which: str) -> None:
        model = self.model
        if which in ("optimizer", "hyperparameters"):
            _select(self.optimizer_combo, model.optimizer)
            self._rebuild_hyperparameters()
            self._show_stopping()  # the step limit depends on the optimizer's state
            self.show_stable_limit()
        elif which == "learning_rate":
            self.rate_control.set_value(model.learning_rate)
            self._show_rate_tips()
        elif which == "schedule":
            _select(self.schedule_combo, model.schedule["kind"])
            self._rebuild_schedule_fields()
        elif which == "stopping":
            self._show_stopping()

    def show_stable_limit(self) -> None:
        """Mark the stable learning-rate limit at the start point on the rate slider.

        The mark and the tooltip "stable while α < 0.2 here (2/λmax)" follow the
        function, the start and the optimizer; there is none where the Hessian is not
        available (not compiled yet, ``abs``, the mae loss), not positive, or for an
        optimizer without such a limit.
        """
        model, objective = self.model, self.model.objective
        limit, start = None, None
        if objective is not None:
            if hasattr(objective, "start_point"):  # data mode: start in original units
                start = objective.start_point(
                    {name: model.start.get(name, 0.0) for name in objective.param_names})
            else:
                start = model.start_vector()
            momentum = model.effective_hyperparameters().get("momentum", 0.0)
            limit = ready_limit(objective, start, model.optimizer, momentum)
        tip = limit_tooltip(model.optimizer, limit)
        self.rate_control.slider.set_mark(limit if tip else None)
        self.stable_limit_text = tip
        certain = bool(tip) and curvature_is_constant(objective, start)
        self._stable_limit = (limit if tip else None, certain)
        self._show_rate_tips()

    def _show_rate_tips(self) -> None:
        """The limit in the rate's tooltips, and a warning when the rate is beyond it."""
        tip = self.stable_limit_text
        limit, certain = self._stable_limit
        warning = rate_warning(self.model.learning_rate, limit, certain)
        self.rate_warning.setText(warning)
        self.rate_warning.setVisible(bool(warning))
        lines = [line for line in (tip[:1].upper() + tip[1:], warning) if line]  # "α" stays
        for widget, base in zip((self.rate_control.spin, self.rate_control.slider),
                                self._rate_tips, strict=True):
            widget.setToolTip("\n".join([base, *lines]))

    def _optimizer_picked(self) -> None:
        name = self.optimizer_combo.currentData()
        self.model.set_optimizer(name)
        default_rate = OPTIMIZERS[name].default_learning_rate
        if default_rate is not None:  # Newton: α = 1, the full step to the model's bottom
            self.model.set_learning_rate(default_rate)

    def _rebuild_hyperparameters(self) -> None:
        values = self.model.effective_hyperparameters()
        if set(values) == set(self.hyper_spins):
            for key, spin in self.hyper_spins.items():
                _set_quietly(spin, values[key])
            return
        for spin in self.hyper_spins.values():
            self.optimizer_form.removeRow(spin)
        self.hyper_spins = {}
        for key, value in values.items():
            low, high, decimals, tip = _hyperparameter_field(key)
            spin = _describe(NumberSpinBox(low, high, self), f"hyper_{key}Spin", tip)
            spin.setDecimals(decimals)  # 0: a count (backtracks), typed as a whole number
            _set_quietly(spin, value)
            spin.valueChanged.connect(lambda v, k=key: self.model.set_hyperparameter(k, v))
            self.optimizer_form.addRow(key, spin)
            self.hyper_spins[key] = spin

    def _schedule_picked(self) -> None:
        self.model.set_schedule({"kind": self.schedule_combo.currentData()})

    def _rebuild_schedule_fields(self) -> None:
        for spin in self.schedule_spins.values():
            self.schedule_form.removeRow(spin)
        self.schedule_spins = {}
        schedule = make_schedule(self.model.schedule)
        for key, value in schedule.parameters().items():
            whole = key in ("step_size", "period")
            high = 1e7 if whole else (1.0 if key == "min_factor" else 1e3)
            spin = _describe(NumberSpinBox(1.0 if whole else 0.0, high, self),
                             f"schedule_{key}Spin", f"{key} of the {schedule.kind} schedule")
            if whole:
                spin.setDecimals(0)
            _set_quietly(spin, value)
            spin.valueChanged.connect(self._schedule_edited)
            self.schedule_form.addRow(key.replace("_", " "), spin)
            self.schedule_spins[key] = spin

    def _schedule_edited(self) -> None:
        spec: dict[str, object] = {"kind": self.schedule_combo.currentData()}
        for key, spin in self.schedule_spins.items():
            spec[key] = int(spin.value()) if key in ("step_size", "period") else spin.value()
        try:
            self.model.set_schedule(spec)
        except ValueError as error:
            self.window().statusBar().showMessage(str(error), 5000)

    def _show_stopping(self) -> None:
        rules = self.model.stopping
        limit = self.model.step_limit
        blocked = self.max_iter_spin.blockSignals(True)
        self.max_iter_spin.setMaximum(limit)
        self.max_iter_spin.blockSignals(blocked)
        self.max_iter_spin.setToolTip(f"Maximum number of steps (at most {limit:,} for this "
                                      "problem: every step is kept in memory)")
        _set_quietly(self.max_iter_spin, rules.max_iter)
        for key, (check, spin) in self.tolerance_rows.items():
            value = getattr(rules, key)
            blocked = check.blockSignals(True)
            check.setChecked(value is not None)
            check.blockSignals(blocked)
            spin.setEnabled(value is not None)
            if value is not None:
                _set_quietly(spin, value)

    def _stopping_edited(self) -> None:
        changes: dict[str, object] = {"max_iter": self.max_iter_spin.value()}
        for key, (check, spin) in self.tolerance_rows.items():
            spin.setEnabled(check.isChecked())
            changes[key] = spin.value() if check.isChecked() else None
        self.model.set_stopping(self.model.stopping.with_changes(**changes))


def _select(combo: QComboBox, data: str) -> None:
    index = combo.findData(data)
    if index >= 0 and index != combo.currentIndex():
        blocked = combo.blockSignals(True)
        combo.setCurrentIndex(index)
        combo.blockSignals(blocked)


def _set_quietly(spin: QSpinBox | NumberSpinBox, value: float) -> None:
    blocked = spin.blockSignals(True)
    spin.setValue(value if not isinstance(spin, QSpinBox) else int(value))
    spin.blockSignals(blocked)
