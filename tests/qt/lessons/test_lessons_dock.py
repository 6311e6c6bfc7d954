"""Lessons in the real window: the list, the dock, tasks worked through the real controls,
progress remembered in the window's QSettings, lesson files, and the teacher's actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel

from gdstudio.app import open_project_argument
from gdstudio.io.lessons import load_lesson
from gdstudio.qt.lessons.tasks import ChooseCard, PredictCard, ReachCard, parse_number
from gdstudio.qt.window import SPEEDS, MainWindow
from tests.qt.helpers import WAIT, make_window, window

__all__ = ["window"]  # the fixture



def wait_for_page(qtbot, studio: MainWindow, expression: str = "x^2") -> None:
    """Wait until the page's experiment is the window's run (paused at step 0)."""
    qtbot.waitUntil(lambda: studio.model.expression_text == expression
                    and studio.session.active and not studio.projects.restorer.busy
                    and studio.session.report is not None
                    and studio.session.report.step_count == 0, timeout=WAIT)


def open_slope(qtbot, studio: MainWindow, page: int | None = None) -> None:
    assert studio.lessons.open_builtin("slope")
    if page is not None:
        studio.lessons.show_page(page)
    wait_for_page(qtbot, studio)


def predict(qtbot, card: PredictCard, text: str) -> None:
    card.entry.clear()
    qtbot.keyClicks(card.entry, text)
    qtbot.mouseClick(card.check_button, Qt.MouseButton.LeftButton)


def choose(qtbot, card: ChooseCard, index: int) -> None:
    button = card.options[index]  # a radio button takes clicks on its circle
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))


def run_fastest_to_end(qtbot, studio: MainWindow) -> None:
    studio.speed_slider.setValue(len(SPEEDS) - 1)
    studio.action_run.trigger()
    qtbot.waitUntil(lambda: studio.session.report.status != "running"
                    and not studio.session.playing, timeout=60_000)


def test_help_lessons_lists_the_builtin_lessons_with_progress(qtbot, window) -> None:
    help_menu = window.registry.menu("help")
    assert window.lessons.action_lessons in help_menu.actions()
    window.lessons.builtin_progress("slope").mark_done((1, 2))
    dialog = window.lessons.show_lessons()
    assert dialog.list.count() == 8
    first = dialog.list.item(0).text()
    assert "The slope tells the way" in first and "1 of 7 tasks done" in first
    with qtbot.waitSignal(window.lessons.lessonOpened, timeout=WAIT):
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert window.lessons.lesson.id == "slope"
    assert window.lessons.dock.isVisible()
    wait_for_page(qtbot, window)
    assert window.model.learning_rate == pytest.approx(0.1)
    assert window.model.start == {"x": 3.0}
    assert window.speed_slider.value() == SPEEDS.index(2)  # the page's speed = 2
    assert "Where is downhill?" in window.lessons.panel.text.toPlainText()
    kinds = [type(card) for card in window.lessons.panel.cards]
    assert kinds == [PredictCard, PredictCard, ChooseCard]
    assert [card.done for card in window.lessons.panel.cards] == [False, True, False]


def test_predict_right_then_wrong_then_right_again_through_the_controls(qtbot, window) -> None:
    open_slope(qtbot, window, page=1)
    first, second = window.lessons.panel.cards[:2]
    predict(qtbot, first, "2.4")  # x₁ = 3 − 0.1·6
    qtbot.waitUntil(lambda: first.done, timeout=WAIT)
    assert window.session.report.step_count == 1  # the step was taken for the student
    assert "Right: x after step 1 is 2.4" in first.feedback.text()
    qtbot.waitUntil(lambda: not window.side_panels_pending)  # the explanation
    assert "2.4" in window.explain_view.toPlainText()  # the arithmetic is shown
    assert (1, 1) in window.lessons.builtin_progress("slope").done()

    predict(qtbot, second, "1.9")  # wrong: x₂ = 1.92
    qtbot.waitUntil(lambda: "Not quite" in second.feedback.text(), timeout=WAIT)
    assert not second.done and window.session.report.step_count == 2
    assert "1.92" in second.feedback.text()

    predict(qtbot, second, "1.92")  # the value is on screen: refused, nothing stepped
    assert "on screen already" in second.feedback.text()
    window.action_step_back.trigger()
    qtbot.waitUntil(lambda: window.session.report.step_count == 1, timeout=WAIT)
    predict(qtbot, second, "1,92")
    qtbot.waitUntil(lambda: second.done, timeout=WAIT)
    assert window.lessons.builtin_progress("slope").done() == {(1, 1), (1, 2)}


def test_predict_asks_for_the_steps_before_the_one_it_is_about(qtbot, window) -> None:
    open_slope(qtbot, window, page=1)
    second = window.lessons.panel.cards[1]
    predict(qtbot, second, "1.92")
    assert "first make 1 step with Step" in second.feedback.text()
    assert window.session.report.step_count == 0 and not second.done
    predict(qtbot, second, "two")
    assert "Type a number" in second.feedback.text()


def test_a_choice_gives_feedback_per_answer(qtbot, window) -> None:
    open_slope(qtbot, window, page=1)
    choice = window.lessons.panel.cards[2]
    choose(qtbot, choice, 0)
    assert not choice.done and "minus a negative number" in choice.feedback.text()
    label = choice.findChildren(QLabel)  # the option's text selects it too
    qtbot.mouseClick(next(item for item in label if item.text() == "To the right, towards 0"),
                     Qt.MouseButton.LeftButton)
    assert choice.options[1].isChecked()
    assert choice.done and "Yes: the slope is negative" in choice.feedback.text()
    assert (1, 3) in window.lessons.builtin_progress("slope").done()


def test_hints_one_at_a_time_and_the_answer(qtbot, window) -> None:
    open_slope(qtbot, window, page=1)
    card = window.lessons.panel.cards[0]
    assert card.hints.isHidden() and card.answer.isHidden()
    qtbot.mouseClick(card.hint_button, Qt.MouseButton.LeftButton)
    assert "Hint 1: The slope at x = 3" in card.hints.text() and "Hint 2" not in card.hints.text()
    qtbot.mouseClick(card.hint_button, Qt.MouseButton.LeftButton)
    assert "Hint 2: x₁ = 3 − 0.1·6." in card.hints.text()
    assert not card.hint_button.isEnabled()
    qtbot.mouseClick(card.answer_button, Qt.MouseButton.LeftButton)
    assert "x = 2.4" in card.answer.text() and "3 − 0.1·6 = 2.4" in card.answer.text()


def test_reach_tasks_are_completed_by_running(qtbot, window) -> None:
    open_slope(qtbot, window, page=1)
    qtbot.mouseClick(window.lessons.panel.next_button, Qt.MouseButton.LeftButton)
    wait_for_page(qtbot, window)
    assert window.lessons.page_number == 2
    reach, _, _, faster = window.lessons.panel.cards
    assert isinstance(reach, ReachCard) and isinstance(faster, ReachCard)
    run_fastest_to_end(qtbot, window)
    qtbot.waitUntil(lambda: reach.done, timeout=WAIT)
    assert window.session.report.step_count == 40  # the tutorial: 40 steps to 0.000399
    assert not faster.done and "more than 20" in faster.feedback.text()
    # The model answer, through the learning-rate box: α = 0.3 stops after 12 steps.
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(0.3)
    window.action_reset.trigger()
    run_fastest_to_end(qtbot, window)
    qtbot.waitUntil(lambda: faster.done, timeout=WAIT)
    assert window.lessons.builtin_progress("slope").done() == {(2, 1), (2, 4)}


def test_reset_page_and_restart_forget_progress(qtbot, window) -> None:
    open_slope(qtbot, window, page=1)
    cards = window.lessons.panel.cards
    qtbot.mouseClick(cards[2].options[1], Qt.MouseButton.LeftButton)
    window.lessons.builtin_progress("slope").mark_done((2, 2))
    qtbot.mouseClick(window.lessons.panel.reset_button, Qt.MouseButton.LeftButton)
    wait_for_page(qtbot, window)
    assert not any(card.done for card in window.lessons.panel.cards)
    assert window.lessons.builtin_progress("slope").done() == {(2, 2)}
    qtbot.mouseClick(window.lessons.panel.restart_button, Qt.MouseButton.LeftButton)
    assert window.lessons.builtin_progress("slope").done() == set()
    assert window.lessons.page_number == 1


def test_progress_is_restored_in_a_new_window(qtbot, tmp_path: Path) -> None:
    settings_file = tmp_path / "shared-settings.ini"
    first = make_window(qtbot, settings_file)
    try:
        open_slope(qtbot, first, page=1)
        choice = first.lessons.panel.cards[2]
        choose(qtbot, choice, 1)
        first.lessons.show_page(2)
        wait_for_page(qtbot, first)
    finally:
        first.close()
    second = make_window(qtbot, settings_file)
    try:
        dialog = second.lessons.show_lessons()
        assert "1 of 7 tasks done" in dialog.list.item(0).text()
        dialog.close()
        open_slope(qtbot, second)
        assert second.lessons.page_number == 2  # where the student left it
        second.lessons.show_page(1)
        wait_for_page(qtbot, second)
        assert [card.done for card in second.lessons.panel.cards] == [False, False, True]
    finally:
        second.close()


BAD_LESSONS = {
    "empty.gdlesson.toml": b"",
    "binary.gdlesson.toml": b"\x00\x01\x02",
    "hostile.gdlesson.toml": (
        b'format = "gdstudio-lesson"\nversion = 1\nid = "bad"\ntitle = "Bad"\n\n[[page]]\n'
        b'title = "P"\ntext = "t"\n\n[page.experiment]\n'
        b'expression = "__import__(\'os\').system(\'echo hi\')"\nstart = { x = 1 }\n'),
}


@pytest.mark.parametrize("name", sorted(BAD_LESSONS))
def test_a_bad_lesson_file_is_refused_with_one_sentence(qtbot, window, tmp_path: Path,
                                                        name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_LESSONS[name])
    with qtbot.waitSignal(window.lessons.fileRefused, timeout=WAIT) as refused:
        assert window.projects.open_file(path)  # File ▸ Open takes lessons too
    sentence = refused.args[0]
    assert sentence.startswith(name) and "\n" not in sentence and "Traceback" not in sentence
    assert window.projects.dialogs.messages[-1] == ("error", "This lesson cannot be opened",
                                                    sentence)
    assert window.lessons.lesson is None and not window.lessons.dock.isVisible()


def test_a_lesson_file_opens_from_the_command_line(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "copy.gdlesson.toml"
    source = Path(__file__).parents[3] / "gdstudio/resources/lessons/04-intercept.gdlesson.toml"
    path.write_bytes(source.read_bytes())
    with qtbot.waitSignal(window.lessons.lessonOpened, timeout=WAIT):
        assert open_project_argument(window, path)
    assert window.lessons.lesson.id == "intercept" and window.lessons.path == path
    qtbot.waitUntil(lambda: window.model.mode == "data" and window.session.active
                    and window.model.data.model_text == "m*x + b", timeout=WAIT)
    first = window.lessons.panel.cards[0]  # the loss at the start: 405
    qtbot.waitUntil(lambda: window.session.report.step_count == 0
                    and tuple(window.session.param_names) == ("b",), timeout=WAIT)
    predict(qtbot, first, "405")
    qtbot.waitUntil(lambda: first.done, timeout=WAIT)


def test_teacher_writes_a_lesson_from_the_window(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "My First Lesson.gdlesson.toml"
    expression = window.model.expression_text  # the first tutorial, x² from 3
    window.projects.dialogs.save_paths.append(path)
    window.lessons.editor.action_new.trigger()
    lesson = load_lesson(path)
    assert lesson.id == "my-first-lesson" and len(lesson.pages) == 1
    assert lesson.pages[0].experiment["expression"] == expression
    assert window.lessons.path == path and window.lessons.panel.teacher_bar.isVisibleTo(
        window.lessons.panel)
    wait_for_page(qtbot, window, expression)
    run_fastest_to_end(qtbot, window)
    window.session.flush()
    window.lessons.editor.action_add_task.trigger()
    task = load_lesson(path).pages[0].tasks[0]
    assert task.kind == "reach" and task.max_steps == 40 and task.status == ("converged",)
    assert task.prompt == "Reach a loss of at most 1.59e-07 in at most 40 steps."
    wait_for_page(qtbot, window, expression)  # the page is open again, for a test drive
    card = window.lessons.panel.cards[0]
    assert not card.done
    run_fastest_to_end(qtbot, window)
    qtbot.waitUntil(lambda: card.done, timeout=WAIT)
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(0.3)
    window.lessons.editor.action_add_page.trigger()
    pages = load_lesson(path).pages
    assert len(pages) == 2 and pages[1].experiment["lr"] == pytest.approx(0.3)
    assert window.lessons.page_number == 2


def test_a_task_from_another_problem_is_refused(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "two.gdlesson.toml"
    assert window.lessons.editor.new_lesson(path), window.projects.dialogs.messages
    wait_for_page(qtbot, window, window.model.expression_text)
    window.editor.expression_edit.setText("x^4")
    window.compiler.request("x^4")
    qtbot.waitUntil(lambda: window.model.expression_text == "x^4" and window.session.active,
                    timeout=WAIT)
    window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 2, timeout=WAIT)
    assert not window.lessons.editor.add_task()
    assert "another problem" in window.projects.dialogs.messages[-1][2]
    assert load_lesson(path).pages[0].tasks == ()


@pytest.mark.parametrize(("text", "value"), [("2.4", 2.4), ("−0.6", -0.6), ("1,5", 1.5),
                                             ("1e-3", 0.001), ("", None), ("nan", None)])
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_the_examples_gallery_has_a_lessons_section(qtbot, window) -> None:
    window.lessons.builtin_progress("learning-rate").mark_done((1, 1))
    dialog = window.examples.show_gallery()
    rows = [dialog.list.item(row) for row in range(dialog.list.count())]
    titles = [row.text() for row in rows]
    start = titles.index("Lessons")
    assert len(titles) - start - 1 == 8
    second = rows[start + 2]
    assert "The learning rate" in second.text() and "1 of " in second.text()
    dialog.list.setCurrentItem(second)
    assert "Your progress: 1 of" in dialog.text.toPlainText()
    with qtbot.waitSignal(window.lessons.lessonOpened, timeout=WAIT):
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert window.lessons.lesson.id == "learning-rate"


def test_on_a_projector_the_lesson_and_the_traces_share_the_column(qtbot, window) -> None:
    window.resize(1280, 720)  # a projector: a short window
    qtbot.waitUntil(lambda: window.height() <= 720, timeout=WAIT)
    open_slope(qtbot, window)
    assert window.lessons.dock.isVisible()
    assert window.lessons.dock in window.tabifiedDockWidgets(window.traces_dock)
    assert window.lessons.panel.text.height() > 150  # the page has room to be read


def test_on_a_tall_window_the_traces_stay_below_the_lesson(qtbot, window) -> None:
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.height() >= 900, timeout=WAIT)
    open_slope(qtbot, window)
    assert window.tabifiedDockWidgets(window.lessons.dock) == []
    assert window.traces_dock.isVisible() and window.lessons.dock.isVisible()
    assert window.traces_dock.y() > window.lessons.dock.y()


def test_a_locked_answer_stays_hidden(qtbot) -> None:
    import dataclasses

    from gdstudio.io.lessons import builtin_lesson
    from gdstudio.qt.lessons.tasks import card_for

    task = dataclasses.replace(builtin_lesson("slope").pages[0].tasks[0], locked=True)
    card = card_for(task, 1)
    qtbot.addWidget(card)
    assert not card.answer_button.isEnabled() and "hidden" in card.answer_button.toolTip()
    card.reveal_answer()
    assert card.answer.isHidden() and card.answer.text() == ""
