"""The worker writes the run's history while the window reads it, without a copy.

The hand-off (see ``gdstudio/qt/run/session.py``): the worker publishes rows as views of
its arrays, the window's history adopts those arrays, and the worker never writes into a
row the window may read — new rows go past the window's length, a full array is copied
into a larger one, and a step back first moves the worker to copies of its arrays. The
one exception is documented: the rate and step size of the newest row, NaN until its
update is made.

This test hammers that: the UI thread reads every row again and again and keeps views
as the plots do, while a real worker thread runs the real engine at full speed; it steps
back at random and goes on with another learning rate, so that the rows made after a
step back differ from the ones they replace. No row may be torn (its loss and gradient
must be the objective's at its parameters), a row may not change while the window
shows it, and no view the window took may ever change.
"""

from __future__ import annotations

import numpy as np

from gdstudio.problems.experiment import Experiment
from gdstudio.qt.run.session import RunSession
from gdstudio.qt.run.worker import FULL_SPEED

STEPS = 20_000
STEP_BACKS = 12
NAMES = ("params", "loss", "grad", "lr", "step_size")


class Reader:
    """Reads the window's history as the plots do, and checks every row it reads."""

    def __init__(self, session: RunSession, objective: object) -> None:
        self.session = session
        self.objective = objective
        self.reference = {name: np.empty((0, 2) if name in ("params", "grad") else 0)
                          for name in NAMES}  # every row shown, as first seen
        self.kept: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []
        self.reads = 0

    def read(self) -> int:
        """Check the rows the window shows now; returns how many there are."""
        history = self.session.history
        n = len(history)
        views = {name: getattr(history, name)[:n] for name in NAMES}
        known = min(n, len(self.reference["loss"]))
        for name in NAMES:
            mine, seen = views[name][:known], self.reference[name][:known]
            if name in ("lr", "step_size"):  # NaN until the row's update is made
                both = ~np.isnan(mine) & ~np.isnan(seen)
                mine, seen = mine[both], seen[both]
            assert np.array_equal(mine, seen), f"a row's {name} changed while shown"
        for row in range(len(self.reference["loss"]), n):  # new rows: not torn
            loss, grad = self.objective.value_and_grad(views["params"][row])
            assert loss == views["loss"][row], f"row {row} is torn"
            assert np.array_equal(grad, views["grad"][row]), f"row {row} is torn"
        if n > len(self.reference["loss"]):
            self.reference = {name: np.concatenate([self.reference[name],
                                                    view[len(self.reference["loss"]):]])
                              for name, view in views.items()}
        self.reads += 1
        if self.reads % 5 == 0:
            self.kept.append((views, {name: view.copy() for name, view in views.items()}))
        return n

    def forget_after(self, step: int) -> None:
        """After a step back to ``step``: later rows will be made anew."""
        self.reference = {name: array[: step + 1].copy() for name, array in
                          self.reference.items()}
        self.reference["lr"][step] = self.reference["step_size"][step] = np.nan


def test_reads_during_writes_and_step_backs_see_no_torn_or_changed_row(qtbot):
    experiment = Experiment.function("x**2 + 3*y**2", start={"x": 3.0, "y": -2.0},
                                     lr=0.001, max_iter=STEPS)
    objective = experiment.objective()
    session = RunSession()
    session.set_speed(FULL_SPEED)
    session.start(objective, np.array([3.0, -2.0]), experiment.settings)
    reader = Reader(session, objective)
    rng = np.random.default_rng(13)
    try:
        session.play()
        for back in range(STEP_BACKS):
            target = int(rng.integers(200, STEPS // 2))
            qtbot.waitUntil(lambda target=target: reader.read() >= target, timeout=120_000)
            step = int(rng.integers(target // 2, target))
            session.rewind_to(step)
            session.set_learning_rate(0.001 if back % 2 else 0.0012)
            qtbot.waitUntil(lambda step=step: reader.read() == step + 1
                            and session.report.step_count == step, timeout=120_000)
            reader.forget_after(step)
            session.play()
        qtbot.waitUntil(lambda: reader.read() == STEPS + 1 and not session.playing,
                        timeout=120_000)
    finally:
        session.shutdown()  # stops the worker and waits for its thread
    assert session.report.status == "max_iter"
    assert reader.reads > 3 * STEP_BACKS
    for views, copies in reader.kept:  # views the window took never changed under it
        for name in ("params", "loss", "grad"):
            assert np.array_equal(views[name], copies[name]), f"a kept {name} view changed"
        for name in ("lr", "step_size"):  # but for the newest row's update
            assert np.array_equal(views[name][:-1], copies[name][:-1], equal_nan=True)
    rates = set(session.history.lr[:-1].tolist())
    assert rates == {0.001, 0.0012}  # both rates were used: rows were made anew
