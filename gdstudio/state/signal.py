"""A change event that plain Python objects emit and anyone may subscribe to.

A few lines instead of a library: :mod:`psygnal` (napari's choice) was measured against
this class (docs/architecture.md, "Hand-written where a library could do it") and buys
nothing the model needs: it emits a handful of events per user action, on one thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Signal"]

T = TypeVar("T")


class Signal(Generic[T]):
    """One kind of change: callbacks connected to it are called in order with its value.

    Parameters
    ----------
    name : str
        What changed, for messages (``"start_changed"``).

    Examples
    --------
    >>> changed: Signal[float] = Signal("speed_changed")
    >>> seen = []
    >>> _ = changed.connect(seen.append)
    >>> changed.emit(2.0)
    >>> seen
    [2.0]
    """

    __slots__ = ("_callbacks", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[[T], object]] = []

    def connect(self, callback: Callable[[T], object]) -> Callable[[T], object]:
        """Call ``callback(value)`` on every :meth:`emit`; returns ``callback``."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[[T], object]) -> None:
        """Stop calling ``callback`` (a callback that was not connected is ignored)."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        """Call every connected callback with ``value``, in the order they connected.

        A callback may connect or disconnect others while it runs: this emit still
        calls the callbacks that were connected when it began.
        """
        for callback in tuple(self._callbacks):
            callback(value)

    def __len__(self) -> int:
        return len(self._callbacks)

    def __repr__(self) -> str:
        return f"<Signal {self.name}: {len(self._callbacks)} connected>"
