"""Cyclic garbage is collected on the GUI thread only."""

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu

from gdstudio.qt.run.collector import collect_on_gui_thread
from tests.qt.helpers import WAIT, window

__all__ = ["window"]


def test_automatic_collection_is_off_and_the_gui_thread_collects(qtbot, qapp) -> None:
    collect_on_gui_thread(qapp)
    collect_on_gui_thread(qapp)  # idempotent
    assert not gc.isenabled()
    destroyed = []
    menu = QMenu()
    menu.cycle = menu  # a reference cycle: only the cyclic collector frees it
    menu.destroyed.connect(lambda: destroyed.append(threading.current_thread().name))
    del menu
    # Allocation on another thread must not free Qt objects there.
    worker = threading.Thread(target=lambda: [[] for _ in range(200_000)], name="worker")
    worker.start()
    worker.join()
    assert destroyed == []
    gc.collect()  # what the GUI-thread timer does
    qtbot.waitUntil(lambda: destroyed == ["MainThread"])


class _Node:
    """An object that can be in a reference cycle and be watched with a weak reference."""


def _cycle() -> tuple[_Node, weakref.ref]:
    node = _Node()
    node.me = node  # only the cyclic collector frees it
    return node, weakref.ref(node)


def test_the_first_collection_takes_start_ups_garbage_and_freezes_the_rest(qtbot,
                                                                           monkeypatch) -> None:
    from gdstudio.qt.run import collector as module
    from gdstudio.qt.run.collector import _Collector

    monkeypatch.setitem(module._startup, "collected", False)  # as if the app just started
    garbage, garbage_alive = _cycle()
    kept, kept_alive = _cycle()
    del garbage
    owner = QObject()
    collector = _Collector(owner)
    collector.collect()  # what its timer does first, once the window is built
    assert garbage_alive() is None
    assert gc.get_freeze_count() > 0
    del kept  # garbage now, but frozen: no collection walks it again
    gc.collect()
    assert kept_alive() is not None
    later, later_alive = _cycle()  # made after start-up: collectable as usual
    del later
    collector.collect()
    gc.collect()
    assert later_alive() is None


def test_a_run_streaming_in_before_the_first_collection_makes_it_at_once(monkeypatch) -> None:
    from gdstudio.qt.run import collector as module
    from gdstudio.qt.run.collector import mark_streaming

    monkeypatch.setitem(module._startup, "collected", False)
    garbage, garbage_alive = _cycle()
    del garbage
    run = object()
    try:
        mark_streaming(run, True)
        assert garbage_alive() is None and module._startup["collected"]
        assert gc.get_freeze_count() > 0
    finally:
        mark_streaming(run, False)


def test_the_oldest_generation_waits_while_any_run_streams_in(qtbot) -> None:
    from gdstudio.qt.run.collector import _Collector, mark_streaming, runs_streaming

    owner = QObject()
    collector = _Collector(owner)
    collector.collect()  # the first collection (see above)
    collected: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collected.append(info["generation"])

    first, second = object(), object()
    gc.callbacks.append(note)
    try:
        mark_streaming(first, True)
        mark_streaming(second, True)
        mark_streaming(first, True)  # said twice: counted once
        mark_streaming(first, False)
        assert runs_streaming()  # the second still streams in
        for _ in range(gc.get_threshold()[2] + 1):
            gc.collect(1)  # each counts once towards a collection of the oldest
        collected.clear()
        collector.collect()
        assert collected == [1]  # the middle generation instead
        mark_streaming(second, False)
        mark_streaming(second, False)  # said twice: harmless
        assert not runs_streaming()
        collected.clear()
        collector.collect()
        assert collected == [2]
    finally:
        gc.callbacks.remove(note)
        mark_streaming(first, False)
        mark_streaming(second, False)


def test_a_running_window_streams_in_until_it_pauses(qtbot, window) -> None:
    from gdstudio.engine import StoppingRules
    from gdstudio.qt.run.collector import runs_streaming

    window.model.set_speed(float("inf"))
    window.model.set_learning_rate(1e-9)  # a long run: it streams in until paused
    window.model.set_stopping(StoppingRules(max_iter=10_000_000))
    window.run()
    qtbot.waitUntil(lambda: window.session.playing, timeout=WAIT)
    assert runs_streaming()
    window.session.pause()
    qtbot.waitUntil(lambda: not window.session.playing, timeout=WAIT)
    assert not runs_streaming()
