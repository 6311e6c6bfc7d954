"""The record of a run: preallocated numpy arrays that double when full.

Row k describes the point θ_k: the parameters, the loss and gradient there (on batch k in
mini-batch mode), the epoch, and — once the update from θ_k has been made — the learning
rate it used and the length of that step ‖θ_{k+1} − θ_k‖. Until then those two are NaN.
No Python object is kept per step.

The window reads a run's history while the worker thread extends it, without a copy of
its own: :meth:`History.shared_tail` hands out views of the arrays, and :meth:`History.adopt`
makes another history read them. Rows handed out are never changed afterwards, with one
exception: the newest row's rate and step size are filled in by the next step. A step back
(truncate) first moves the history to new arrays (copy on write), and a history that reads
another's arrays copies them before it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["History", "HistoryBlock"]

_FIELDS = ("params", "loss", "grad", "lr", "step_size", "epoch")


@dataclass(frozen=True)
class HistoryBlock:
    """Consecutive rows ``start, start+1, …`` of a history (a copy, or shared views).

    It is the unit the worker sends to the window: "rows from ``start`` on are these",
    which covers new steps, the completion of the previous last row, and step back.
    A block from :meth:`History.shared_tail` also carries ``store``: the whole arrays the
    rows are views of, which :meth:`History.adopt` reads from.
    """

    start: int
    params: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    lr: np.ndarray
    step_size: np.ndarray
    epoch: np.ndarray
    store: tuple[np.ndarray, ...] | None = field(default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return int(self.loss.shape[0])

    @property
    def stop(self) -> int:
        """One past the last row index the block covers."""
        return self.start + len(self)

    @staticmethod
    def concatenate(blocks: list[HistoryBlock]) -> HistoryBlock:
        """Merge blocks in arrival order into one (later rows overwrite earlier ones)."""
        if len(blocks) == 1:
            return blocks[0]
        # Every row from the lowest start on is written by the block that starts there
        # or by a later one, so only that span needs room.
        start = min(block.start for block in blocks)
        span = max(block.stop for block in blocks) - start
        columns = {
            name: np.empty((span, *getattr(blocks[0], name).shape[1:]),
                           dtype=getattr(blocks[0], name).dtype)
            for name in _FIELDS
        }
        for block in blocks:
            offset = block.start - start
            for name, column in columns.items():
                column[offset : offset + len(block)] = getattr(block, name)
        length = blocks[-1].stop - start
        return HistoryBlock(start, **{name: column[:length] for name, column in columns.items()},
                            store=blocks[-1].store)


class History:
    """Growable columns of a descent run.

    Parameters
    ----------
    n_params : int
        Number of parameters.
    capacity : int, optional
        Initial number of rows; doubled whenever full.
    """

    def __init__(self, n_params: int, capacity: int = 1024) -> None:
        self.n_params = n_params
        self._length = 0
        capacity = max(int(capacity), 1)
        self._params = np.empty((capacity, n_params))
        self._loss = np.empty(capacity)
        self._grad = np.empty((capacity, n_params))
        # Rows past the end are never read; the newest row's rate and step size are NaN
        # (every method that adds or removes rows keeps it so).
        self._lr = np.empty(capacity)
        self._step_size = np.empty(capacity)
        self._epoch = np.zeros(capacity, dtype=np.int64)
        self._published = False  # views of the arrays were handed out (shared_tail)
        self._borrowed = False  # the arrays belong to another history (adopt)

    def __len__(self) -> int:
        return self._length

    @property
    def capacity(self) -> int:
        """Rows allocated (at least ``len(self)``)."""
        return int(self._loss.shape[0])

    @property
    def step(self) -> np.ndarray:
        """Step index k of each row: 0, 1, …, len − 1."""
        return np.arange(self._length)

    @property
    def params(self) -> np.ndarray:
        """θ_k, shape ``(len, n_params)`` (a view: copy it to keep it)."""
        return self._params[: self._length]

    @property
    def loss(self) -> np.ndarray:
        """f(θ_k), shape ``(len,)``."""
        return self._loss[: self._length]

    @property
    def grad(self) -> np.ndarray:
        """∇f(θ_k), shape ``(len, n_params)``."""
        return self._grad[: self._length]

    @property
    def lr(self) -> np.ndarray:
        """Learning rate used for the update from θ_k (NaN for the newest row)."""
        return self._lr[: self._length]

    @property
    def step_size(self) -> np.ndarray:
        """‖θ_{k+1} − θ_k‖ (NaN for the newest row)."""
        return self._step_size[: self._length]

    @property
    def epoch(self) -> np.ndarray:
        """Epoch of each row's batch (0 for full-batch runs)."""
        return self._epoch[: self._length]

    @property
    def nbytes(self) -> int:
        """Bytes allocated by the arrays."""
        return sum(getattr(self, "_" + name).nbytes for name in _FIELDS)

    def append(self, params: np.ndarray, loss: float, grad: np.ndarray, epoch: int = 0) -> int:
        """Add the row of a new point (rate and step size NaN); return its index."""
        if self._borrowed:
            self._own()
        index = self._length
        if index == self._loss.shape[0]:
            self._grow(index + 1)
        self._params[index] = params
        self._loss[index] = loss
        self._grad[index] = grad
        self._lr[index] = np.nan
        self._step_size[index] = np.nan
        self._epoch[index] = epoch
        self._length = index + 1
        return index

    def push(
        self,
        lr: float,
        step_size: float,
        params: np.ndarray,
        loss: float,
        grad: np.ndarray,
        epoch: int,
    ) -> None:
        """Complete the newest row with its update and append the point it led to.

        The same as :meth:`complete` then :meth:`append`, in one call for speed.
        """
        if self._borrowed:
            self._own()
        index = self._length
        if index == self._loss.shape[0]:
            self._grow(index + 1)
        self._lr[index - 1] = lr
        self._step_size[index - 1] = step_size
        self._params[index] = params
        self._loss[index] = loss
        self._grad[index] = grad
        self._epoch[index] = epoch
        self._lr[index] = self._step_size[index] = np.nan
        self._length = index + 1

    def extend(
        self,
        lrs: Sequence[float],
        step_sizes: Sequence[float],
        params: np.ndarray,
        losses: Sequence[float],
        grads: np.ndarray,
        epochs: Sequence[int] | int,
    ) -> None:
        """:meth:`push` for many steps at once: row i of the arguments is one push."""
        if self._borrowed:
            self._own()
        count = len(losses)
        start = self._length
        stop = start + count
        if stop > self._loss.shape[0]:
            self._grow(stop)
        self._lr[start - 1 : stop - 1] = lrs
        self._step_size[start - 1 : stop - 1] = step_sizes
        self._params[start:stop] = params
        self._loss[start:stop] = losses
        self._grad[start:stop] = grads
        self._epoch[start:stop] = epochs
        self._lr[stop - 1] = self._step_size[stop - 1] = np.nan
        self._length = stop

    def complete(self, index: int, lr: float, step_size: float) -> None:
        """Fill in the rate and step size of the update made from row ``index``."""
        if self._borrowed:
            self._own()
        self._lr[index] = lr
        self._step_size[index] = step_size

    def truncate(self, length: int) -> None:
        """Keep the first ``length`` rows; the last kept row has no update yet."""
        if not 0 < length <= self._length:
            raise IndexError(f"cannot keep {length} rows of a history of {self._length}")
        if self._published or self._borrowed:
            self._own()  # rows already handed out stay as they were
        self._lr[length - 1] = self._step_size[length - 1] = np.nan
        self._length = length

    def tail(self, start: int, stop: int | None = None) -> HistoryBlock:
        """Copy rows ``start`` to ``stop`` (default: the end) into a block."""
        stop = self._length if stop is None else stop
        return HistoryBlock(
            start,
            *(getattr(self, "_" + name)[start:stop].copy() for name in _FIELDS),
        )

    def shared_tail(self, start: int) -> HistoryBlock:
        """Rows ``start`` to the end as views of this history's arrays (no copy).

        Until the history is truncated, the rows keep their values, except that the rate
        and step size of the newest row are filled in when the next step is made.
        """
        self._published = True
        stop = self._length
        return HistoryBlock(
            start,
            *(getattr(self, "_" + name)[start:stop] for name in _FIELDS),
            store=tuple(getattr(self, "_" + name) for name in _FIELDS),
        )

    def adopt(self, block: HistoryBlock) -> None:
        """Become rows ``0 … block.stop`` of the history ``block`` was shared from.

        The arrays are read, not copied; any later write makes a copy first.

        Raises
        ------
        ValueError
            If ``block`` was not made by :meth:`shared_tail` or is for another number
            of parameters.
        """
        if block.store is None:
            raise ValueError("only a block from shared_tail can be adopted")
        arrays = dict(zip(_FIELDS, block.store, strict=True))
        if arrays["params"].shape[1:] != (self.n_params,):
            raise ValueError(f"the block has {arrays['params'].shape[1]} parameters, "
                             f"not {self.n_params}")
        for name, array in arrays.items():
            setattr(self, "_" + name, array)
        self._length = block.stop
        self._borrowed, self._published = True, False

    def write_block(self, block: HistoryBlock) -> None:
        """Make rows ``block.start …`` equal to the block and drop any rows after it."""
        if block.start > self._length:
            raise IndexError(f"block starts at row {block.start} but only {self._length} exist")
        if self._borrowed or (self._published and block.start < self._length):
            self._own()
        if block.stop > self._loss.shape[0]:
            self._grow(block.stop)
        for name in _FIELDS:
            getattr(self, "_" + name)[block.start : block.stop] = getattr(block, name)
        self._length = block.stop  # rows past it are never read

    def copy(self) -> History:
        """An independent copy with just enough capacity."""
        other = History(self.n_params, capacity=max(self._length, 1))
        if self._length:
            other.write_block(self.tail(0))
        return other

    def _own(self) -> None:
        """Move to new arrays of the same capacity holding the same rows."""
        self._replace_arrays(self.capacity)

    def _grow(self, needed: int) -> None:
        capacity = self.capacity
        while capacity < needed:
            capacity *= 2
        self._replace_arrays(capacity)

    def _replace_arrays(self, capacity: int) -> None:
        # Rows past the length are never read (push, extend and append write every
        # field of the rows they add), so the new arrays are left unfilled: the memory
        # of the spare capacity is then only touched when rows are written to it.
        for name in _FIELDS:
            old = getattr(self, "_" + name)
            new = np.empty((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: self._length] = old[: self._length]
            setattr(self, "_" + name, new)
        self._published = self._borrowed = False
