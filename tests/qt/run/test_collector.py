"""Cyclic garbage is collected on the GUI thread only."""

import gc
import threading

from PySide6.QtWidgets import QMenu

from gdstudio.qt.run.collector import collect_on_gui_thread


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
