"""The loss plots read a run's parameter columns as views, never copies."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine.history import History, HistoryBlock
from gdstudio.qt.data.plots import PairHistory


@pytest.mark.parametrize("columns", [(0,), (2,), (0, 1), (1, 0), (0, 2), (2, 0), (3, 1)])
def test_pair_history_columns_are_views_of_the_run(columns) -> None:
    rows = 50
    params = np.arange(rows * 4, dtype=float).reshape(rows, 4)
    history = History(4)
    history.write_block(HistoryBlock(0, params, np.arange(float(rows)), -params,
                                     np.full(rows, 0.1), np.zeros(rows),
                                     np.zeros(rows, dtype=np.int64)))
    pair = PairHistory(history, columns)
    assert np.array_equal(pair.params, history.params[:, list(columns)])
    assert np.array_equal(pair.grad, history.grad[:, list(columns)])
    assert np.shares_memory(pair.params, history.params)
    assert len(pair) == rows and np.array_equal(pair.loss, history.loss)
