"""The loss plots read a run's parameter columns as views, never copies; a loss map's legend
covers neither the path nor the star."""

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


@pytest.mark.parametrize("size", [(300, 340), (520, 520)])
def test_a_loss_maps_legend_leaves_the_path_and_the_star_uncovered(qtbot, size) -> None:
    # In a narrow map (a projector's 1280 × 720) the legend wraps onto four rows: the
    # fitted view leaves room above the path for all of them.
    from PySide6.QtCore import QPointF

    from gdstudio.qt.data.plots import LossContourPlot
    from tests.qt.plots.test_plots import MOVED_BOWL, bowl_path, shown

    plot = shown(qtbot, LossContourPlot(), size)
    plot.set_source(MOVED_BOWL)
    plot.set_best((0.5, 0.0))
    path = bowl_path()
    plot.set_history(path)
    plot.reset_view()
    legend, box = plot.plotItem.legend, plot.plotItem.vb
    assert legend.isVisible() and legend.columnCount == (1 if size[0] < 400 else 2)
    lowest_edge = legend.sceneBoundingRect().bottom()
    for x, y in [*path.params.tolist(), (0.5, 0.0)]:
        assert box.mapViewToScene(QPointF(x, y)).y() > lowest_edge
