"""Take the screenshots of the lesson tools: the gallery, a comparison, presentation mode.

``xvfb-run -a -s "-screen 0 1600x1000x24" python docs/make_lesson_screenshots.py [OUT_DIR]``

Writes ``gallery.png``, ``compare_rosenbrock.png``, ``presentation_dark.png`` and
``lessons.png``; and, to look at (in a temporary folder, printed at the end), the list of
lessons with progress, the same page on a 1280 × 720 projector, and the teacher's actions
(a new lesson file, a task added from a run, the File menu). With ``--lessons`` only the
lesson pictures are taken. Settings and the autosave go to a temporary folder, so the
user's own are never touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QSettings, QTimer
from PySide6.QtGui import QGuiApplication

from gdstudio.app import create_application


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Run the event loop until ``condition()`` holds or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return condition()


def settle(seconds: float = 0.8) -> None:
    """Let the frame timers and the contour recompute catch up."""
    wait_until(lambda: False, seconds)


def new_window(folder: Path, name: str):  # -> MainWindow
    from gdstudio.qt.window import MainWindow

    settings = QSettings(str(folder / f"{name}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.resize(1500, 920)
    window.show()
    assert wait_until(lambda: window.session.active), "the first example did not compile"
    window.speed_slider.setValue(window.speed_slider.maximum())  # not the tutorial's pace
    return window


def open_example(window, key: str) -> None:
    from gdstudio.problems.gallery import example

    item = example(key)
    assert window.examples.open_example(key)
    assert wait_until(lambda: not window.projects.restorer.busy
                      and window.model.expression_text == item.experiment.expression
                      and len(window.session.history) == 1), key
    settle(0.3)


def gallery(window, out: Path) -> None:
    """The gallery dialog with the zig-zag example selected."""
    dialog = window.examples.show_gallery()
    dialog.resize(900, 540)
    dialog.select("elongated_bowl")
    settle()
    dialog.grab().save(str(out / "gallery.png"))
    dialog.close()


def comparison(window, out: Path, steps: int) -> None:
    """GD, momentum and Adam on Rosenbrock after ``steps`` updates each, in lock step."""
    open_example(window, "rosenbrock")
    compare = window.comparisons.open()
    compare.resize(1500, 900)
    assert wait_until(lambda: all(s.active and s.report for s in compare.sessions))
    for session in compare.sessions:
        session.advance(steps)
    assert wait_until(lambda: all(len(s.history) == steps + 1 for s in compare.sessions))
    settle(1.2)
    compare.grab().save(str(out / "compare_rosenbrock.png"))
    compare.close()


def presentation_dark(window, out: Path) -> None:
    """Dark theme, presentation mode on a 1280 × 720 projector: two minima, 12 steps in."""
    from gdstudio.qt.preferences import Preferences

    window.resize(1280, 720)
    window.preferences.set_preferences(Preferences(theme="dark", presentation=True))
    open_example(window, "two_minima_right")
    window.session.advance(12)
    assert wait_until(lambda: len(window.session.history) == 13)
    settle(1.2)
    window.grab().save(str(out / "presentation_dark.png"))


def guided_lesson(window, out: Path, name: str = "lessons.png",
                  size: tuple[int, int] = (1600, 1000)) -> None:
    """The slope lesson: one prediction right, one wrong, a choice made."""
    window.resize(*size)
    settle(0.3)
    assert window.lessons.open_builtin("slope")
    assert wait_until(lambda: window.model.expression_text == "x^2"
                      and not window.projects.restorer.busy
                      and len(window.session.history) == 1)
    settle(0.3)
    first, second, choice = window.lessons.panel.cards
    first.entry.setText("2.4")
    first.submit()
    assert wait_until(lambda: first.done)
    second.entry.setText("1.9")
    second.submit()
    assert wait_until(lambda: "Not quite" in second.feedback.text())
    choice.options[1].click()
    second.reveal_hint()
    settle(0.8)
    window.grab().save(str(out / name))


def lessons_list(window, out: Path) -> None:
    """Help ▸ Lessons with the progress made in :func:`guided_lesson`."""
    dialog = window.lessons.show_lessons()
    settle(0.5)
    dialog.grab().save(str(out / "lessons_list.png"))
    dialog.close()


def screen_picture(window, path: Path) -> None:
    """The window as on screen, with any menu open over it."""
    screen = QGuiApplication.primaryScreen()
    frame = window.frameGeometry()
    screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(path))


def teacher(window, out: Path) -> None:
    """File ▸ New Lesson… from the window's run, a task added from it, the File menu."""
    window.resize(1600, 1000)
    open_example(window, "elongated_bowl")
    path = out / "my-lesson.gdlesson.toml"
    assert window.lessons.editor.new_lesson(path)
    assert wait_until(lambda: not window.projects.restorer.busy
                      and window.lessons.path == path and len(window.session.history) == 1)
    window.run()
    assert wait_until(lambda: not window.session.playing
                      and window.session.report.status != "running")
    window.session.flush()
    assert window.lessons.editor.add_task()
    assert wait_until(lambda: not window.projects.restorer.busy
                      and len(window.session.history) == 1)
    settle(0.8)
    window.grab().save(str(out / "lesson_editor.png"))
    menu = window.registry.menu("file")
    menu.popup(window.mapToGlobal(QPoint(4, window.menuBar().height())))
    settle(0.8)
    screen_picture(window, out / "lesson_editor_menu.png")
    menu.hide()


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "--lessons"]
    only_lessons = "--lessons" in sys.argv[1:]
    out = Path(arguments[0] if arguments else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    extra = Path(tempfile.mkdtemp(prefix="gdstudio-lessons-"))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        os.environ["GDSTUDIO_DATA_DIR"] = str(folder / "data")
        create_application(sys.argv)
        student = new_window(folder, "lessons")
        guided_lesson(student, out)
        lessons_list(student, extra)
        student.close()
        projector = new_window(folder, "projector")
        guided_lesson(projector, extra, "lessons_1280.png", (1280, 720))
        projector.close()
        writer = new_window(folder, "teacher")
        teacher(writer, extra)
        writer.close()
        if only_lessons:
            print(f"screenshots written to {out}; pictures to look at in {extra}")
            return
        window = new_window(folder, "light")
        gallery(window, out)
        comparison(window, out, steps=int(os.environ.get("COMPARE_STEPS", "2500")))
        window.close()
        dark = new_window(folder, "dark")
        presentation_dark(dark, out)
        dark.setWindowModified(False)
        dark.close()
    print(f"screenshots written to {out}; pictures to look at in {extra}")


if __name__ == "__main__":
    main()
