"""Progress per lesson and origin: a built-in lesson and a file with the same id stay
apart; an edited file keeps the tasks that did not change and never marks another task
done in their place; a moved file keeps its progress."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from gdstudio.io.lessons import Lesson, Page, builtin_lesson, lesson_from_text, lesson_to_text
from gdstudio.qt.lessons.progress import ProgressStore
from tests.qt.helpers import WAIT
from tests.qt.helpers import window as window  # the fixture


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def as_file(lesson: Lesson, name: str = "copy.gdlesson.toml") -> Lesson:
    """``lesson`` as a teacher's file of it reads."""
    return lesson_from_text(lesson_to_text(lesson), name)


def with_page_inserted(lesson: Lesson, at: int) -> Lesson:
    extra = Page(title="A new first look", text="Look first.")
    pages = list(lesson.pages)
    pages.insert(at, extra)
    return as_file(dataclasses.replace(lesson, pages=tuple(pages)))


def test_a_file_with_a_builtin_id_does_not_share_its_progress(store: ProgressStore) -> None:
    slope = builtin_lesson("slope")
    copy = as_file(slope)
    assert copy.id == slope.id
    store.of(slope, builtin=True).mark_done((1, 3))
    store.of(slope, builtin=True).set_last_page(2)
    assert store.of(copy, builtin=False).done() == set()
    assert store.of(copy, builtin=False).last_page() == 1
    store.of(copy, builtin=False).mark_done((1, 1))
    store.of(copy, builtin=False).restart()
    assert store.of(slope, builtin=True).done() == {(1, 3)}
    assert store.of(slope, builtin=True).last_page() == 2


def test_an_inserted_page_moves_the_progress_with_its_tasks(store: ProgressStore) -> None:
    lesson = as_file(builtin_lesson("slope"))
    store.of(lesson, builtin=False).mark_done((1, 3))
    store.of(lesson, builtin=False).mark_done((2, 1))
    store.of(lesson, builtin=False).set_last_page(2)
    edited = with_page_inserted(lesson, 0)
    record = store.of(edited, builtin=False)
    assert record.done() == {(2, 3), (3, 1)}  # the same tasks, one page later
    assert record.last_page() == 3  # the page read last, where it is now
    assert record.counts() == (2, len(edited.tasks))


def test_a_changed_task_is_open_again_and_wording_keeps_it_done(store: ProgressStore) -> None:
    lesson = as_file(builtin_lesson("slope"))
    store.of(lesson, builtin=False).mark_done((1, 1))
    store.of(lesson, builtin=False).mark_done((1, 2))
    first, second = lesson.pages[0].tasks[:2]
    reworded = dataclasses.replace(first, hints=("Look at the slope.",),
                                   explanation="Another explanation.")
    changed = dataclasses.replace(second, answer=1.5)  # a different question now
    page = dataclasses.replace(lesson.pages[0], tasks=(reworded, changed,
                                                       *lesson.pages[0].tasks[2:]))
    edited = as_file(dataclasses.replace(lesson, pages=(page, *lesson.pages[1:])))
    assert store.of(edited, builtin=False).done() == {(1, 1)}


def test_a_new_experiment_on_the_page_opens_its_tasks(store: ProgressStore) -> None:
    lesson = as_file(builtin_lesson("slope"))
    store.of(lesson, builtin=False).mark_done((1, 3))
    page = lesson.pages[0]
    moved = dataclasses.replace(page, experiment={**page.experiment, "start": {"x": -3.0}})
    edited = as_file(dataclasses.replace(lesson, pages=(moved, *lesson.pages[1:])))
    assert store.of(edited, builtin=False).done() == set()
    assert store.of(edited, builtin=False).last_page() == 1


def test_the_same_task_twice_is_remembered_twice(store: ProgressStore) -> None:
    lesson = as_file(builtin_lesson("slope"))
    page = lesson.pages[0]
    twice = dataclasses.replace(page, tasks=(page.tasks[2], page.tasks[2]))
    lesson = as_file(dataclasses.replace(lesson, pages=(twice,)))
    store.of(lesson, builtin=False).mark_done((1, 2))
    assert store.of(lesson, builtin=False).done() == {(1, 2)}


def test_a_moved_lesson_file_keeps_its_progress(qtbot, window, tmp_path: Path) -> None:
    source = Path(__file__).parents[3] / "gdstudio/resources/lessons/01-slope.gdlesson.toml"
    first = tmp_path / "here" / "slope.gdlesson.toml"
    first.parent.mkdir()
    first.write_bytes(source.read_bytes())
    with qtbot.waitSignal(window.lessons.lessonOpened, timeout=WAIT):
        window.lessons.open_file(first)
    assert window.lessons.path == first and window.lessons.record.group == "lessons/file/slope"
    window.lessons.record.mark_done((1, 3))
    assert window.lessons.builtin_progress("slope").done() == set()  # not the built-in's
    moved = tmp_path / "there" / "renamed.gdlesson.toml"
    moved.parent.mkdir()
    first.rename(moved)
    with qtbot.waitSignal(window.lessons.lessonOpened, timeout=WAIT):
        window.lessons.open_file(moved)
    assert window.lessons.path == moved
    assert [card.done for card in window.lessons.panel.cards] == [False, False, True]
    assert window.lessons.open_builtin("slope")
    assert [card.done for card in window.lessons.panel.cards] == [False, False, False]
