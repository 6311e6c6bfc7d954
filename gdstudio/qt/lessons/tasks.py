"""One widget per task on a lesson page: its prompt, a check mark, hints and the answer.

The widgets only show and ask; the lesson controller checks them against the run
(:func:`gdstudio.lessons.check`) and calls :meth:`TaskCard.show_result`.
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gdstudio.io.lessons import ChooseTask, PredictTask, ReachTask, Task
from gdstudio.lessons import TaskResult

__all__ = ["ChooseCard", "PredictCard", "ReachCard", "TaskCard", "card_for", "parse_number"]

_DONE, _OPEN = "✔", "○"
_KIND_WORDS = {"reach": "Try it", "predict": "Predict", "choose": "Choose"}


def parse_number(text: str) -> float | None:
    """The number a student typed (``2,4``, ``−0.6`` and ``1e-3`` too), or ``None``."""
    cleaned = text.strip().replace("−", "-").replace(",", ".").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _label(text: str = "", rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class TaskCard(QFrame):
    """A task: number and kind, a check mark, the prompt, feedback, hints and the answer.

    Parameters
    ----------
    task : Task
        The task shown.
    number : int
        Its place on the page, from 1.
    """

    def __init__(self, task: Task, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = task
        self.number = number
        self.done = False
        self._hints_shown = 0
        self.setObjectName(f"taskCard{number}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.mark = QLabel(_OPEN)
        self.mark.setObjectName("taskMark")
        self.mark.setAccessibleName("Task not done yet")
        font = self.mark.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.mark.setFont(font)
        heading = _label(f"<b>{number}. {_KIND_WORDS[task.kind]}</b>", rich=True)
        top = QHBoxLayout()
        top.addWidget(self.mark)
        top.addWidget(heading, 1)
        self.prompt = _label(task.prompt)
        self.feedback = _label()
        self.feedback.setObjectName("taskFeedback")
        self.feedback.hide()
        self.hints = _label()
        self.hints.setObjectName("taskHints")
        self.hints.hide()
        self.answer = _label(rich=True)
        self.answer.setObjectName("taskAnswer")
        self.answer.hide()
        self.hint_button = QPushButton(f"Hint (0/{len(task.hints)})")
        self.hint_button.setObjectName("hintButton")
        self.hint_button.setToolTip("Show the next hint")
        self.hint_button.setVisible(bool(task.hints))
        self.hint_button.clicked.connect(self.reveal_hint)
        self.answer_button = QPushButton("Show the answer")
        self.answer_button.setObjectName("answerButton")
        self.answer_button.setToolTip("The teacher has hidden the answer to this task"
                                      if task.locked else "Show the model answer and why")
        self.answer_button.setEnabled(not task.locked)
        self.answer_button.clicked.connect(self.reveal_answer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.prompt)
        self.body = QVBoxLayout()
        layout.addLayout(self.body)
        layout.addWidget(self.feedback)
        layout.addWidget(self.hints)
        layout.addWidget(self.answer)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint_button)
        buttons.addWidget(self.answer_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def reveal_hint(self) -> None:
        """Show one more hint."""
        hints = self.task.hints
        if self._hints_shown >= len(hints):
            return
        self._hints_shown += 1
        self.hints.setText("\n".join(f"Hint {i}: {hint}" for i, hint in
                                     enumerate(hints[: self._hints_shown], start=1)))
        self.hints.show()
        self.hint_button.setText(f"Hint ({self._hints_shown}/{len(hints)})")
        self.hint_button.setEnabled(self._hints_shown < len(hints))

    def reveal_answer(self) -> None:
        """Show the model answer and its explanation (not for a locked task)."""
        if self.task.locked:
            return
        text = f"<b>Answer:</b> {html.escape(self.answer_text())}"
        if self.task.explanation:
            text += f"<br>{html.escape(self.task.explanation)}"
        self.answer.setText(text)
        self.answer.show()

    def answer_text(self) -> str:
        """The model answer in words."""
        return str(self.task.answer)

    def show_result(self, result: TaskResult, *, sticky: bool = True) -> None:
        """Show a check's feedback; a task done stays done (unless ``sticky`` is off)."""
        self.feedback.setText(("✔ " if result.done else "✘ ") + result.feedback
                              if result.feedback else "")
        self.feedback.setVisible(bool(result.feedback))
        self.set_done(result.done or (sticky and self.done))

    def set_done(self, done: bool) -> None:
        """Show the check mark."""
        self.done = done
        self.mark.setText(_DONE if done else _OPEN)
        self.mark.setStyleSheet("color: #2e7d32;" if done else "color: palette(mid);")
        self.mark.setAccessibleName("Task done" if done else "Task not done yet")


class ReachCard(TaskCard):
    """A reach task: done by running; the controller checks it as the run goes."""

    task: ReachTask

    def answer_text(self) -> str:
        """The settings that complete it."""
        if not self.task.answer:
            return "run the page's experiment as it is"
        return ", ".join(f"{key} = {_shown(value)}" for key, value in self.task.answer.items())


class PredictCard(TaskCard):
    """A predict task: a number typed before the app shows it.

    Signals
    -------
    predicted(float)
        The student's number (Check, or Enter in the box).
    """

    task: PredictTask
    predicted = Signal(float)

    def __init__(self, task: Task, number: int, parent: QWidget | None = None) -> None:
        super().__init__(task, number, parent)
        self.entry = QLineEdit()
        self.entry.setObjectName("predictionEntry")
        self.entry.setAccessibleName("Your prediction")
        self.entry.setPlaceholderText("your number")
        self.entry.setToolTip("Type the number you expect, then press Check (Enter)")
        self.check_button = QPushButton("Check and step")
        self.check_button.setObjectName("checkPredictionButton")
        self.check_button.setToolTip("Compare your number with the engine's, taking the "
                                     "step it asks about")
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(self.check_button)
        self.body.addLayout(row)
        self.entry.returnPressed.connect(self.submit)
        self.check_button.clicked.connect(self.submit)

    def submit(self) -> None:
        """Send the typed number, or say that it is not one."""
        value = parse_number(self.entry.text())
        if value is None:
            self.show_result(TaskResult(False, "Type a number, e.g. 2.4."))
            return
        self.predicted.emit(value)

    def answer_text(self) -> str:
        """The number, and what it is."""
        return f"{self.task.quantity} = {_shown(self.task.answer)} (within " \
               f"{_shown(self.task.tolerance)})"


class ChooseCard(TaskCard):
    """A multiple-choice task: one radio button per option.

    Signals
    -------
    chosen(int)
        The option picked, from 0.
    """

    task: ChooseTask
    chosen = Signal(int)

    def __init__(self, task: Task, number: int, parent: QWidget | None = None) -> None:
        super().__init__(task, number, parent)
        self.group = QButtonGroup(self)
        self.options: list[QRadioButton] = []
        for index, option in enumerate(self.task.options):
            # The text is a wrapping label beside the button: long options stay readable
            # in a narrow dock (a radio button's own text never wraps).
            button = QRadioButton()
            button.setObjectName(f"option{index + 1}")
            button.setAccessibleName(option.text)
            text = _ClickableLabel(option.text)
            text.clicked.connect(button.click)
            row = QHBoxLayout()
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(text, 1)
            self.group.addButton(button, index)
            self.body.addLayout(row)
            self.options.append(button)
        self.group.idClicked.connect(self.chosen)

    def answer_text(self) -> str:
        """The right option's text."""
        return self.task.options[self.task.correct].text


class _ClickableLabel(QLabel):
    """A wrapping label that selects its radio button when clicked."""

    clicked = Signal()

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Select the option."""
        self.clicked.emit()
        super().mouseReleaseEvent(event)


def card_for(task: Task, number: int) -> TaskCard:
    """The card of ``task``'s kind."""
    if isinstance(task, PredictTask):
        return PredictCard(task, number)
    if isinstance(task, ChooseTask):
        return ChooseCard(task, number)
    return ReachCard(task, number)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_shown(v)}" for k, v in value.items()) + "}"
    return str(value)
