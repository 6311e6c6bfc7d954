"""Guards against known toolkit bugs that would crash the app in the middle of a lesson."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal()


def test_signal_emit_does_not_leak_or_drop_references(qapp) -> None:
    # PySide6 6.12.0 drops a reference to True on every emit: after a few hundred emits
    # the interpreter aborts ("bool_dealloc"). pyproject.toml excludes that release.
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.fired.emit()
    assert abs(sys.getrefcount(True) - before) < 20  # the bug loses one per emit
