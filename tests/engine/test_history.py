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


FIELDS = ("params", "loss", "grad", "lr", "step_size", "epoch")


def push_rows(history: History, count: int) -> None:
    for _ in range(count):
        k = len(history)
        history.push(0.1, 1.0, np.array([k, -k], float), float(k), np.zeros(2), 0)


def test_adopted_history_reads_the_source_rows_without_copying() -> None:
    source, mirror = filled(5), History(2)
    mirror.adopt(source.shared_tail(0))
    assert len(mirror) == 5 and np.shares_memory(mirror.loss, source.loss)
    push_rows(source, 2)  # the worker goes on; the window shows what it was told
    assert len(mirror) == 5
    mirror.adopt(source.shared_tail(4))
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(mirror, name), getattr(source, name))


def test_rows_handed_out_survive_a_step_back_and_a_new_continuation() -> None:
    source, mirror = filled(6), History(2)
    block = source.shared_tail(0)
    mirror.adopt(block)
    before = {name: getattr(mirror, name).copy() for name in FIELDS}
    source.truncate(3)  # copy on write: the window's rows are not touched
    push_rows(source, 4)
    assert not np.shares_memory(source.loss, mirror.loss)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(mirror, name), before[name])
        np.testing.assert_array_equal(getattr(block, name), before[name])
    mirror.adopt(source.shared_tail(2))
    np.testing.assert_array_equal(mirror.loss, [0, 1, 4, 3, 4, 5, 6])


def test_writing_to_an_adopted_history_never_changes_the_source() -> None:
    source, mirror = filled(4), History(2)
    mirror.adopt(source.shared_tail(0))
    push_rows(mirror, 3)
    mirror.truncate(2)
    assert len(source) == 4
    np.testing.assert_array_equal(source.loss, [0, 1, 4, 9])
    assert np.isnan(source.lr[-1])


def test_only_shared_blocks_of_the_same_shape_can_be_adopted() -> None:
    with pytest.raises(ValueError, match="shared_tail"):
        History(2).adopt(filled(3).tail(0))
    with pytest.raises(ValueError, match="parameters"):
        History(3).adopt(filled(3).shared_tail(0))


def test_the_newest_row_has_no_rate_after_the_arrays_grow_unfilled() -> None:
    history = History(2, capacity=1)
    history.append(np.zeros(2), 0.0, np.zeros(2))
    push_rows(history, 40)  # grows 1 → 64 rows with unfilled arrays
    history.extend([0.2, 0.2], [1.0, 1.0], np.ones((2, 2)), [1.0, 1.0], np.ones((2, 2)), 0)
    assert np.isnan(history.lr[-1]) and np.isnan(history.step_size[-1])
    assert not np.isnan(history.lr[:-1]).any()
