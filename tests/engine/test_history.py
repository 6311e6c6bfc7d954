"""History blocks: what the worker sends and the window mirrors."""

import numpy as np
import pytest

from gdstudio.engine import History, HistoryBlock


def filled(n: int) -> History:
    history = History(2, capacity=2)
    for k in range(n):
        if k:
            history.complete(k - 1, 0.1, float(k))
        history.append(np.array([k, -k], float), float(k * k), np.array([2 * k, 0], float), k // 3)
    return history


def test_append_complete_and_views() -> None:
    history = filled(5)
    assert len(history) == 5 and history.capacity == 8
    np.testing.assert_array_equal(history.loss, [0, 1, 4, 9, 16])
    np.testing.assert_array_equal(history.epoch, [0, 0, 0, 1, 1])
    assert np.isnan(history.lr[-1]) and history.lr[0] == 0.1


def test_mirror_follows_blocks_including_step_back() -> None:
    source, mirror = filled(3), History(2)
    mirror.write_block(source.tail(0))
    for k in range(3, 9):
        source.complete(k - 1, 0.1, 1.0)
        source.append(np.array([k, -k], float), float(k), np.zeros(2), 0)
        mirror.write_block(source.tail(k - 1))
    source.truncate(4)
    mirror.write_block(source.tail(3))
    assert len(mirror) == 4
    for name in ("params", "loss", "grad", "lr", "step_size", "epoch"):
        np.testing.assert_array_equal(getattr(mirror, name), getattr(source, name))


def test_concatenated_blocks_equal_applying_them_one_by_one() -> None:
    source = filled(10)
    blocks = [source.tail(4, 7), source.tail(6, 10), source.tail(2, 5)]
    one_by_one = filled(10)
    for block in blocks:
        one_by_one.write_block(block)
    merged = HistoryBlock.concatenate(blocks)
    at_once = filled(10)
    at_once.write_block(merged)
    assert merged.start == 2 and len(at_once) == len(one_by_one) == 5
    np.testing.assert_array_equal(at_once.params, one_by_one.params)


def test_truncate_and_block_bounds() -> None:
    history = filled(4)
    history.truncate(2)
    assert len(history) == 2 and np.isnan(history.step_size[1])
    with pytest.raises(IndexError):
        history.truncate(0)
    with pytest.raises(IndexError):
        history.write_block(filled(6).tail(4))


def test_copy_is_independent() -> None:
    history = filled(3)
    twin = history.copy()
    twin.truncate(1)
    assert len(history) == 3 and len(twin) == 1
