"""Cyclic garbage is collected on the GUI thread only."""

import gc
import threading
import weakref

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


def test_old_objects_are_frozen_while_any_run_streams_in() -> None:
    from gdstudio.qt.run.collector import freeze_while_running

    first, second = object(), object()
    assert gc.get_freeze_count() == 0
    node = _Node()
    node.me = node  # a cycle that exists when the run starts
    alive = weakref.ref(node)
    freeze_while_running(first, True)
    frozen = gc.get_freeze_count()
    assert frozen > 0
    del node
    gc.collect()
    assert alive() is not None  # frozen: the collector leaves it alone
    freeze_while_running(second, True)  # a second run: nothing more is frozen
    freeze_while_running(first, True)  # said twice: counted once
    assert gc.get_freeze_count() == frozen
    freeze_while_running(first, False)
    assert gc.get_freeze_count() == frozen  # the second still streams in
    freeze_while_running(second, False)
    freeze_while_running(second, False)  # said twice: harmless
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert alive() is None  # collected by the first collection after the runs


def test_a_running_window_freezes_old_objects_until_it_pauses(qtbot, window) -> None:
    from gdstudio.engine import StoppingRules

    window.model.set_speed(float("inf"))
    window.model.set_learning_rate(1e-9)  # a long run: it streams in until paused
    window.model.set_stopping(StoppingRules(max_iter=10_000_000))
    window.run()
    qtbot.waitUntil(lambda: window.session.playing, timeout=WAIT)
    assert gc.get_freeze_count() > 0
    window.session.pause()
    qtbot.waitUntil(lambda: not window.session.playing, timeout=WAIT)
    assert gc.get_freeze_count() == 0
