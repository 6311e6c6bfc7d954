"""The Function | Data switch at the top of the Problem panel, and data examples.

Switching by hand keeps each mode's own start point, learning rate and stopping rules:
leaving a mode remembers them, coming back restores them. The first switch to Data opens
the intercept tutorial (m fixed at 2, b from 10, SSE, rate 0.01, 30 steps). Setting
``StudioModel.mode`` from code (an example, a project) only moves the switch.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QSizePolicy, QToolButton, QWidget

from gdstudio.engine.stopping import StoppingRules
from gdstudio.qt.model import StudioModel

__all__ = ["DEFAULT_DATA_EXAMPLE", "ModeSwitch", "apply_data_example"]

#: Key of the gallery example a first switch to Data opens.
DEFAULT_DATA_EXAMPLE = "tutorial_intercept"


@dataclass(frozen=True)
class _ModeSnapshot:
    start: dict[str, float]
    learning_rate: float
    stopping: StoppingRules


def apply_data_example(model: StudioModel, key: str = DEFAULT_DATA_EXAMPLE) -> None:
    """Put a data example of the gallery into ``model`` (through its setters) and switch
    to Data mode; the window then builds the objective and starts the run.

    Parameters
    ----------
    model : StudioModel
        The studio's state.
    key : str
        A data example of :mod:`gdstudio.problems.gallery`.
    """
    # lazy: the gallery loads when data mode is first picked
    from gdstudio.problems.gallery import example

    item = example(key).experiment
    if item.mode != "data":
        raise ValueError(f"{key} is not a data example")
    model.set_data_setting("dataset", item.dataset)
    for name in ("target", "loss", "batch_size", "seed", "standardize"):
        model.set_data_setting(name, getattr(item, name))
    model.set_data_setting("fixed", dict(item.fixed))
    model.set_data_setting("model_text", item.model)
    model.set_mode("data")  # first: the settings below then start no function-mode run
    settings = item.settings
    model.set_optimizer(settings.optimizer)
    for name, value in settings.hyperparameters.items():
        model.set_hyperparameter(name, value)
    model.set_start(dict(item.start))
    model.set_learning_rate(settings.learning_rate)
    model.set_schedule(dict(settings.schedule))
    model.set_stopping(settings.stopping)


def _embolden(button: QToolButton, bold: bool) -> None:
    font = button.font()
    font.setBold(bold)
    button.setFont(font)


class ModeSwitch(QWidget):
    """Two buttons, Function and Data, that switch the studio's mode."""

    def __init__(self, model: StudioModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modeSwitch")
        self.model = model
        self._saved: dict[str, _ModeSnapshot] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QToolButton] = {}
        for mode, text, tip in (
            ("function", "Function", "Function mode: minimise a function you type"),
            ("data", "Data", "Data mode: fit a model to data (a table you edit, import or "
                             "generate)"),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setObjectName(f"{mode}ModeButton")
            button.setAccessibleName(f"{text} mode")
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setMinimumHeight(28)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _checked, m=mode: self.switch_to(m))
            self.group.addButton(button)
            layout.addWidget(button)
            self.buttons[mode] = button
        self.group.setExclusive(True)
        for button in self.buttons.values():  # the mode in use also reads in bold
            button.toggled.connect(lambda on, b=button: _embolden(b, on))
        model.modeChanged.connect(self._show_mode)
        self._show_mode(model.mode)

    def switch_to(self, mode: str) -> None:
        """Switch as the student does: keep this mode's settings, bring back the other's."""
        model = self.model
        if mode == model.mode:
            return
        self._saved[model.mode] = _ModeSnapshot(dict(model.start), model.learning_rate,
                                                model.stopping)
        if mode == "data" and model.data.dataset is None:
            apply_data_example(model)
            return
        saved = self._saved.get(mode)
        # The mode first: the settings brought back then start no run of the mode being
        # left (each one did, a wasted run and redraw on the UI thread per switch).
        model.set_mode(mode)
        if saved is not None:
            model.set_start(saved.start)
            model.set_learning_rate(saved.learning_rate)
            model.set_stopping(saved.stopping)

    def _show_mode(self, mode: str) -> None:
        button = self.buttons.get(mode)
        if button is not None and not button.isChecked():
            button.setChecked(True)
