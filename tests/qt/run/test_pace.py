"""The tutorials open at a pace a student can watch; a speed the student chose is kept."""

from __future__ import annotations

import math

import pytest

from gdstudio.problems.gallery import EXAMPLES
from gdstudio.qt.run.pace import TUTORIAL_SPEED, example_speed
from gdstudio.qt.window import SPEED_KEY, SPEEDS, speed_position
from tests.qt.helpers import make_window, wait_for_problem

pytestmark = pytest.mark.paced


def rows_shown(window) -> int:
    return window.history_model.rowCount()


def test_speed_positions_are_the_nearest_on_a_log_scale():
    assert SPEEDS[speed_position(5)] == 5
    assert SPEEDS[speed_position(4)] == 5  # nearer to 5 than to 2 on a log scale
    assert SPEEDS[speed_position(50)] == 50
    assert math.isinf(SPEEDS[speed_position(math.inf)])


def test_first_launch_runs_the_first_tutorial_at_a_watchable_pace(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path / "settings.ini")
    assert window.model.speed == TUTORIAL_SPEED == example_speed("tutorial_x_squared")
    assert window.speed_value.text() == "5 steps/s"
    assert window.session._speed == TUTORIAL_SPEED  # what the worker is told
    assert not window.speed_chosen
    assert math.isinf(SPEEDS[window.speed_slider.maximum()])  # fastest is still there
    window.run()
    qtbot.waitUntil(lambda: rows_shown(window) >= 3, timeout=20_000)
    window.session.pause()
    qtbot.waitUntil(lambda: not window.session.playing, timeout=20_000)
    # 40 steps at 5 per second take 8 s: a third step shown means the run is under way.
    assert window.session.report.status == "running"
    assert len(window.session.history) < 41
    window.close()


def test_a_speed_the_student_chose_is_kept_across_launches_and_examples(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path / "settings.ini")
    window.speed_slider.setValue(window.speed_slider.maximum())  # the student's choice
    assert window.speed_chosen and math.isinf(window.model.speed)
    assert window.examples.open_example("tutorial_x_squared")
    wait_for_problem(qtbot, window, "x**2")
    assert math.isinf(window.model.speed)  # their speed, not the tutorial's
    window.close()

    again = make_window(qtbot, tmp_path / "settings.ini")
    assert again.speed_chosen and math.isinf(again.model.speed)
    assert again.speed_value.text() == "fastest"
    again.speed_slider.setValue(SPEEDS.index(2))
    again.close()
    third = make_window(qtbot, tmp_path / "settings.ini")
    assert third.model.speed == 2 and third.speed_value.text() == "2 steps/s"
    third.close()


def test_examples_bring_their_pace_until_the_student_chooses(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path / "settings.ini")
    assert window.examples.open_example("rosenbrock")  # 20,000 steps: as fast as possible
    assert math.isinf(window.model.speed)
    assert window.examples.open_example("tutorial_intercept")
    assert window.model.speed == TUTORIAL_SPEED
    assert not window.speed_chosen  # suggestions are not remembered as a choice
    window.close()


def test_the_speed_control_shows_a_speed_set_elsewhere(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path / "settings.ini")
    window.model.set_speed(math.inf)  # a script's or a lesson's speed, not the slider's
    assert window.speed_value.text() == "fastest"
    assert math.isinf(SPEEDS[window.speed_slider.value()]) and math.isinf(window.session._speed)
    window.model.set_speed(7)  # between two positions: the words say the exact speed
    assert window.speed_value.text() == "7 steps/s"
    assert window.speed_slider.value() == speed_position(7)
    assert window.model.speed == 7  # moving the control to show it did not round it
    assert not window.speed_chosen  # and is not remembered as the student's choice
    window.close()


def test_a_broken_stored_speed_falls_back_to_the_tutorial_pace(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(SPEED_KEY, "quick")
    settings.sync()
    window = make_window(qtbot, tmp_path / "settings.ini")
    assert window.model.speed == TUTORIAL_SPEED and not window.speed_chosen
    window.close()


def test_every_tutorial_has_a_pace_and_the_others_run_fast():
    for item in EXAMPLES:
        pace = example_speed(item.key)
        if item.key.startswith("tutorial"):
            assert pace <= 50, item.key
            steps = item.experiment.settings.stopping.max_iter
            assert steps / pace <= 20, item.key  # watchable to the end
        else:
            assert math.isinf(pace), item.key

