"""Work done later, one piece per pass of the event loop: order, spacing, stopping."""

from PySide6.QtCore import QObject, QTimer

from gdstudio.qt.run.idle_work import IdleWork
from tests.qt.helpers import WAIT


def test_pieces_run_in_order_each_in_a_later_pass(qtbot) -> None:
    owner = QObject()
    work = IdleWork(owner, gap_ms=0)
    done: list[int] = []
    for number in range(3):
        work.add(lambda number=number: done.append(number))
    assert done == [] and work.pending == 3  # nothing in the pass that asked
    qtbot.waitUntil(lambda: done == [0, 1, 2], timeout=WAIT)
    assert work.pending == 0


def test_a_piece_added_by_a_piece_comes_after_the_others(qtbot) -> None:
    owner = QObject()
    work = IdleWork(owner, gap_ms=0)
    done: list[str] = []
    work.add(lambda: (done.append("first"), work.add(lambda: done.append("added"))))
    work.add(lambda: done.append("second"))
    qtbot.waitUntil(lambda: len(done) == 3, timeout=WAIT)
    assert done == ["first", "second", "added"]


def test_stopped_work_drops_what_is_left(qtbot) -> None:
    owner = QObject()
    work = IdleWork(owner, gap_ms=0)
    done: list[int] = []
    work.add(lambda: (done.append(1), work.stop()))
    work.add(lambda: done.append(2))
    qtbot.waitUntil(lambda: done == [1], timeout=WAIT)
    assert work.pending == 0
    finished: list[bool] = []
    work.add(lambda: finished.append(True))  # it can be used again
    qtbot.waitUntil(lambda: finished == [True], timeout=WAIT)
    assert done == [1]


def test_pieces_wait_while_a_run_streams_in(qtbot) -> None:
    from gdstudio.qt.run.collector import mark_streaming

    owner = QObject()
    work = IdleWork(owner, gap_ms=0)
    done: list[int] = []
    run = object()
    mark_streaming(run, True)
    try:
        work.add(lambda: done.append(1))
        later = QTimer(owner)
        later.setSingleShot(True)
        with qtbot.waitSignal(later.timeout, timeout=WAIT):
            later.start(50)  # due after the piece's own timer has come and gone
        assert done == [] and work.pending == 1
    finally:
        mark_streaming(run, False)
    qtbot.waitUntil(lambda: done == [1], timeout=WAIT)
