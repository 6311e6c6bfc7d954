"""Which data rows each step uses: full batch, stochastic (1) or mini-batch (k).

The rows of step k are a pure function of (seed, k): epoch e shuffles the rows with a
generator seeded by ``(seed, e)``, and the batches of an epoch are consecutive slices of
that permutation, the last one possibly shorter (torch's ``drop_last=False``). So any
step can be replayed exactly, which is what makes "step back" exact.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["BatchPlan"]


class BatchPlan:
    """Mini-batches over ``n_samples`` rows.

    Parameters
    ----------
    n_samples : int
        Number of rows in the data.
    batch_size : int or None
        Rows per step; ``None`` (or ``n_samples`` or more) means full batch.
    seed : int
        Seed of the shuffling.
    """

    def __init__(self, n_samples: int, batch_size: int | None = None, seed: int = 0) -> None:
        if n_samples < 1:
            raise ValueError("there are no data rows to learn from")
        if batch_size is not None and (int(batch_size) != batch_size or batch_size < 1):
            raise ValueError(f"batch size must be a whole number of at least 1, not {batch_size}")
        self.n_samples = int(n_samples)
        full = batch_size is None or batch_size >= n_samples
        self.batch_size = self.n_samples if full else int(batch_size)
        self.seed = int(seed)
        self.batches_per_epoch = math.ceil(self.n_samples / self.batch_size)
        self._cached_epoch = -1
        self._permutation = np.arange(0)

    @property
    def is_full_batch(self) -> bool:
        """True when every step uses every row."""
        return self.batch_size == self.n_samples

    def epoch_of(self, step: int) -> int:
        """Epoch that step ``step`` belongs to."""
        return step // self.batches_per_epoch

    def rows(self, step: int) -> np.ndarray | None:
        """Row indices for ``step``, or ``None`` for a full batch."""
        if self.is_full_batch:
            return None
        epoch, position = divmod(step, self.batches_per_epoch)
        if epoch != self._cached_epoch:
            generator = np.random.default_rng([self.seed, epoch])
            self._permutation = generator.permutation(self.n_samples)
            self._cached_epoch = epoch
        start = position * self.batch_size
        return self._permutation[start : start + self.batch_size]
