"""The record of a run: preallocated numpy arrays that double when full.

Row k describes the point θ_k: the parameters, the loss and gradient there (on batch k in
mini-batch mode), the epoch, and — once the update from θ_k has been made — the learning
rate it used and the length of that step ‖θ_{k+1} − θ_k‖. Until then those two are NaN.
No Python object is kept per step.

Two optimizers record more about each update, in columns that are empty (zero wide) for
the others, so they cost nothing there:

* Newton's method: ``fallback[k]``, a code saying whether the update from θ_k was a
  Newton step (0) or the documented fallback, a gradient step, because the Hessian there
  was not positive definite (1) or not available (2);
* backtracking line search (Armijo): ``trials_lr[k]`` and ``trials_loss[k]``, the rates α
  tried at the update from θ_k and the loss f(θ_k − α∇f) at each, in order, padded with
  NaN to the width ``max_backtracks + 1``. The last one tried is the accepted one (the
  row's ``lr``) unless the search failed (then the row's ``lr`` is NaN).

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

__all__ = [
    "FALLBACK_NOT_POSITIVE",
    "FALLBACK_NO_HESSIAN",
    "NEWTON_STEP",
    "History",
    "HistoryBlock",
]

_FIELDS = ("params", "loss", "grad", "lr", "step_size", "epoch", "fallback", "trials_lr",
           "trials_loss")
# Columns whose rows describe the update made from a row, not the row's point: the newest
# row's are "not yet" (NaN, or 0 for the fallback code).
_UPDATE_FIELDS = ("lr", "step_size", "fallback", "trials_lr", "trials_loss")
#: Fallback codes (see the module docstring).
NEWTON_STEP, FALLBACK_NOT_POSITIVE, FALLBACK_NO_HESSIAN = 0, 1, 2


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
    fallback: np.ndarray | None = None
    trials_lr: np.ndarray | None = None
    trials_loss: np.ndarray | None = None
    store: tuple[np.ndarray, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # The method columns may be left out (zero wide); ``fallback`` is stored 2-D,
        # ``(rows, 1)`` for a Newton run and ``(rows, 0)`` otherwise.
        rows = int(self.loss.shape[0])
        if self.fallback is None:
            object.__setattr__(self, "fallback", np.zeros((rows, 0), dtype=np.int8))
        for name in ("trials_lr", "trials_loss"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros((rows, 0)))

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
            name: _filled((span, *_widest(blocks, name)), getattr(blocks[0], name).dtype)
            for name in _FIELDS
        }
        for block in blocks:
            offset = block.start - start
            for name, column in columns.items():
                _write_rows(column, offset, getattr(block, name))
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
    fallback : bool, optional
        Keep the :attr:`fallback` code of every update (Newton's method).
    trial_width : int, optional
        Most line-search trials one update may record (0: none are recorded).
    """

    def __init__(
        self, n_params: int, capacity: int = 1024, *, fallback: bool = False,
        trial_width: int = 0,
    ) -> None:
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
        self._fallback = np.zeros((capacity, 1 if fallback else 0), dtype=np.int8)
        self._trials_lr = np.empty((capacity, trial_width))
        self._trials_loss = np.empty((capacity, trial_width))
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
    def fallback(self) -> np.ndarray:
        """How the update from θ_k was made, shape ``(len,)``, int8: 0 a Newton step (or
        any other optimizer's own step), 1 a gradient step because the Hessian was not
        positive definite, 2 because it was not available; 0 for the newest row."""
        if self._fallback.shape[1] == 0:
            return np.zeros(self._length, dtype=np.int8)
        return self._fallback[: self._length, 0]

    @property
    def records_fallback(self) -> bool:
        """True when the history keeps Newton's fallback code of every update."""
        return bool(self._fallback.shape[1])

    @property
    def trial_width(self) -> int:
        """Most line-search trials a row can hold (0 unless the run is a line search)."""
        return int(self._trials_lr.shape[1])

    @property
    def trials_lr(self) -> np.ndarray:
        """Rates tried by the line search at the update from θ_k, in order, shape
        ``(len, trial_width)``, padded with NaN."""
        return self._trials_lr[: self._length]

    @property
    def trials_loss(self) -> np.ndarray:
        """f(θ_k − α∇f(θ_k)) for each rate in :attr:`trials_lr` (NaN padded)."""
        return self._trials_loss[: self._length]

    def trials(self, index: int) -> tuple[np.ndarray, np.ndarray, int | None]:
        """The line search of the update from row ``index``.

        Returns
        -------
        rates, losses : numpy.ndarray
            The rates tried and the loss at each, in order (copies; empty for none).
        accepted : int or None
            Index of the accepted trial (the last one), or ``None`` where none was
            accepted (a failed search) or no update was made.
        """
        if not 0 <= index < self._length:
            raise IndexError(f"there is no row {index}; the history has {self._length}")
        rates = self._trials_lr[index]
        count = int(np.count_nonzero(~np.isnan(rates)))
        accepted = count - 1 if count and np.isfinite(self._lr[index]) else None
        return rates[:count].copy(), self._trials_loss[index, :count].copy(), accepted

    def set_trial_width(self, width: int) -> None:
        """Let every row hold up to ``width`` trials (never narrower than now)."""
        if width <= self.trial_width:
            return
        if self._published or self._borrowed:
            self._own()
        for name in ("_trials_lr", "_trials_loss"):
            old = getattr(self, name)
            new = np.full((old.shape[0], width), np.nan)
            new[: self._length, : old.shape[1]] = old[: self._length]
            setattr(self, name, new)

    def record_trials(self, index: int, rates: Sequence[float], losses: Sequence[float]) -> None:
        """Record the line-search trials of the update from row ``index``."""
        if self._borrowed:
            self._own()
        _write_trials(self._trials_lr, self._trials_loss, index, rates, losses)

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
        self._epoch[index] = epoch
        self._clear_update(index)
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
        fallback: int = 0,
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
        if self._fallback.shape[1]:
            self._fallback[index - 1] = fallback
        self._params[index] = params
        self._loss[index] = loss
        self._grad[index] = grad
        self._epoch[index] = epoch
        self._clear_update(index)
        self._length = index + 1

    def extend(
        self,
        lrs: Sequence[float],
        step_sizes: Sequence[float],
        params: np.ndarray,
        losses: Sequence[float],
        grads: np.ndarray,
        epochs: Sequence[int] | int,
        fallbacks: Sequence[int] | None = None,
        trials: Sequence[tuple[Sequence[float], Sequence[float]]] | None = None,
    ) -> None:
        """:meth:`push` for many steps at once: row i of the arguments is one push.

        ``fallbacks`` and ``trials`` (``(rates, losses)`` per update) fill the method
        columns of the updates, when the history keeps them.
        """
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
        self._fallback[start - 1 : stop] = 0
        self._trials_lr[start - 1 : stop] = self._trials_loss[start - 1 : stop] = np.nan
        if fallbacks is not None and self._fallback.shape[1]:
            self._fallback[start - 1 : stop - 1, 0] = fallbacks
        if trials is not None and self.trial_width:
            for offset, (rates, losses) in enumerate(trials):
                _write_trials(self._trials_lr, self._trials_loss, start - 1 + offset, rates,
                              losses)
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
        self._clear_update(length - 1)
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
        self.set_trial_width(block.trials_lr.shape[1])
        if block.fallback.shape[1] > self._fallback.shape[1]:
            self._fallback = _widened(self._fallback, block.fallback.shape[1])
        for name in _FIELDS:
            _write_rows(getattr(self, "_" + name), block.start, getattr(block, name))
        self._length = block.stop  # rows past it are never read

    def copy(self) -> History:
        """An independent copy with just enough capacity."""
        other = History(self.n_params, capacity=max(self._length, 1),
                        fallback=bool(self._fallback.shape[1]), trial_width=self.trial_width)
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

    def _clear_update(self, index: int) -> None:
        """Mark the update from row ``index`` as not made yet."""
        self._lr[index] = self._step_size[index] = np.nan
        self._fallback[index] = 0
        self._trials_lr[index] = self._trials_loss[index] = np.nan


def _write_trials(
    rates_column: np.ndarray, losses_column: np.ndarray, index: int,
    rates: Sequence[float], losses: Sequence[float],
) -> None:
    count = len(rates)
    rates_column[index, :count] = rates
    rates_column[index, count:] = np.nan
    losses_column[index, :count] = losses
    losses_column[index, count:] = np.nan


def _filled(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A new array: NaN for floats, 0 for integers (the "nothing recorded" values)."""
    return np.full(shape, np.nan) if np.issubdtype(dtype, np.floating) else np.zeros(shape, dtype)


def _widest(blocks: list[HistoryBlock], name: str) -> tuple[int, ...]:
    return max((getattr(block, name).shape[1:] for block in blocks), default=())


def _write_rows(column: np.ndarray, start: int, rows: np.ndarray) -> None:
    """``column[start:start+len(rows)] = rows``, padding narrower method columns."""
    stop = start + rows.shape[0]
    if column.ndim == 2 and rows.shape[1] < column.shape[1]:
        column[start:stop] = _filled((rows.shape[0], column.shape[1]), column.dtype)
        column[start:stop, : rows.shape[1]] = rows
    else:
        column[start:stop] = rows


def _widened(column: np.ndarray, width: int) -> np.ndarray:
    new = _filled((column.shape[0], width), column.dtype)
    new[:, : column.shape[1]] = column
    return new
