"""The window's first example comes from its ready-made compiled form, at once, and the
helper process is started after the first paint and reused for the student's own text."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from gdstudio.app import create_application
from gdstudio.problems import _compile_service
from gdstudio.problems.expression import PrecompiledExpression, shutdown_compile_service
from gdstudio.qt.run.compiler import ExpressionCompiler
from gdstudio.qt.window import MainWindow
from tests.qt.helpers import WAIT, FakeDialogs
from tests.qt.run.test_compile_helper_ui import submit


def test_the_first_example_is_ready_made_and_the_helper_is_started_for_later(qtbot, tmp_path):
    shutdown_compile_service()
    create_application([])
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.projects.dialogs = FakeDialogs()
    # Asked for in the constructor, before any paint: no helper, no thread.
    assert window.compiler.busy and not _compile_service.SERVICE.running
    window.show()
    qtbot.waitUntil(lambda: window.session.active and window.history_model.rowCount() == 1,
                    timeout=WAIT)
    assert isinstance(window.model.objective.compiled, PrecompiledExpression)
    assert window.model.objective.value_and_grad.__self__.variables == ("x",)
    qtbot.waitUntil(lambda: _compile_service.SERVICE.running, timeout=WAIT)  # after the paint
    helper = _compile_service.SERVICE.pid
    submit(qtbot, window, "x**3 + 302")
    qtbot.waitUntil(lambda: window.model.expression_text == "x**3 + 302"
                    and window.session.active, timeout=WAIT)
    assert not isinstance(window.model.objective.compiled, PrecompiledExpression)
    assert _compile_service.SERVICE.pid == helper  # the one started ahead, reused
    window.close()


def test_an_example_text_is_answered_in_the_next_turn_with_its_hessian(qtbot):
    compiler = ExpressionCompiler()
    hessians: list[bool] = []
    compiler.hessianReady.connect(lambda: hessians.append(True))
    with qtbot.waitSignal(compiler.compiled, timeout=WAIT) as delivered:
        compiler.request("(1 - x)**2 + 100*(y - x**2)**2")
        assert compiler.busy  # not answered inside request()
    text, objective = delivered.args
    assert text == "(1 - x)**2 + 100*(y - x**2)**2"
    assert isinstance(objective.compiled, PrecompiledExpression)
    assert objective.hessian_ready and hessians == [True]
    compiler.shutdown()


def test_a_stale_example_answer_is_dropped(qtbot):
    compiler = ExpressionCompiler()
    answers: list[str] = []
    compiler.compiled.connect(lambda text, _objective: answers.append(text))
    compiler.request("x**2")
    compiler.request("x**2 + y**2")  # the newer request wins
    qtbot.waitUntil(lambda: not compiler.busy, timeout=WAIT)
    assert answers == ["x**2 + y**2"]
    compiler.shutdown()


def test_a_warm_up_asked_for_after_the_window_closed_starts_no_helper(qtbot):
    # A first paint's delayed call may come after the window closed.
    shutdown_compile_service()
    compiler = ExpressionCompiler()
    compiler.shutdown()
    compiler.warm_up()
    compiler.shutdown()  # waits for any job the warm-up started
    assert not _compile_service.SERVICE.running
