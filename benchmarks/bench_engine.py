"""Engine throughput with history recording, against hand-written float loops doing the same work.

Two runs, each measured in interleaved pairs with its baseline:

* ``x**2`` from 3 with gradient descent (rate 1e-7, so that it never converges), and
* the Rosenbrock function ``(1 - x)**2 + 100*(y - x**2)**2`` from (-1.5, 2) with Adam.

The engine is ``Descent.run()`` on the compiled function (on its scalar fast path). The
baseline is the loop a careful student would write in plain Python floats: it calls the
same compiled function (``scalar_value_and_grad``), makes the same update, checks a
step-size rule at every step, and records the same history — rate, step size,
parameters, loss and gradient of every step, and for Adam its state (t, m, v), which
step back needs — into preallocated numpy arrays, in blocks. It does not watch for
divergence, overflow or schedules; the engine does.

Goals (issue 18): at least 400,000 recorded steps/s for x²/GD and 150,000 for
Rosenbrock/Adam, and the engine's time at most 1.5× the baseline's (median of the pairs).

Run: ``python benchmarks/bench_engine.py [--steps N] [--pairs K]``
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import numpy as np
from goals import record, verdict

from gdstudio.engine import Descent, StoppingRules, fast_path, make_optimizer
from gdstudio.problems.function import FunctionObjective

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
_BLOCK = 4096  # steps the baselines gather before writing them to their arrays
_RATE_GOALS = {"gd": 400_000, "adam": 150_000}
_RATIO_GOAL = 1.5


def baseline_gd(f: Callable[..., tuple[float, float]], x: float, rate: float, steps: int,
                precision: float) -> tuple[int, np.ndarray]:
    """Gradient descent on one parameter; returns the steps made and the history."""
    history = np.full((steps + 1, 5), math.nan)  # rate, step size, x, loss, gradient
    loss, g = f(x)
    history[0, 2:] = x, loss, g
    made, stopped = 0, False
    while made < steps and not stopped:
        rows: list[float] = []
        keep = rows.extend
        for _ in range(min(_BLOCK, steps - made)):
            step = -rate * g
            x = x + step
            size = abs(step)
            loss, g = f(x)
            keep((rate, size, x, loss, g))
            if size < precision:
                stopped = True
                break
        block = np.fromiter(rows, float, len(rows)).reshape(-1, 5)
        history[made : made + len(block), :2] = block[:, :2]
        history[made + 1 : made + 1 + len(block), 2:] = block[:, 2:]
        made += len(block)
    return made, history[: made + 1]


def baseline_adam(f: Callable[..., tuple[float, float, float]], x: float, y: float,
                  rate: float, steps: int, precision: float) -> tuple[int, np.ndarray]:
    """Adam (torch's form) on two parameters; returns the steps made and the history."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    # rate, step size, x, y, loss, gx, gy, t, mx, my, vx, vy
    history = np.full((steps + 1, 12), math.nan)
    loss, gx, gy = f(x, y)
    history[0, 2:] = x, y, loss, gx, gy, 0.0, 0.0, 0.0, 0.0, 0.0
    t = mx = my = vx = vy = 0.0
    made, stopped = 0, False
    while made < steps and not stopped:
        rows: list[float] = []
        keep = rows.extend
        for _ in range(min(_BLOCK, steps - made)):
            t += 1.0
            mx = mx * beta1 + (1.0 - beta1) * gx
            my = my * beta1 + (1.0 - beta1) * gy
            vx = vx * beta2 + (1.0 - beta2) * gx * gx
            vy = vy * beta2 + (1.0 - beta2) * gy * gy
            first, second = 1.0 - beta1**t, 1.0 - beta2**t
            dx = -rate * (mx / first) / (math.sqrt(vx / second) + eps)
            dy = -rate * (my / first) / (math.sqrt(vy / second) + eps)
            x, y = x + dx, y + dy
            size = math.hypot(dx, dy)
            loss, gx, gy = f(x, y)
            keep((rate, size, x, y, loss, gx, gy, t, mx, my, vx, vy))
            if size < precision:
                stopped = True
                break
        block = np.fromiter(rows, float, len(rows)).reshape(-1, 12)
        history[made : made + len(block), :2] = block[:, :2]
        history[made + 1 : made + 1 + len(block), 2:] = block[:, 2:]
        made += len(block)
    return made, history[: made + 1]


def timed(work: Callable[[], int]) -> tuple[int, float]:
    """Steps made by ``work`` and the seconds it took."""
    started = time.perf_counter()
    made = work()
    return made, time.perf_counter() - started


def measure(case: str, steps: int, pairs: int) -> tuple[list[float], list[float]]:
    """Steps/s of the engine and the baseline, ``pairs`` interleaved pairs."""
    if case == "gd":
        objective = FunctionObjective.from_text("x**2")
        start, rate, precision = [3.0], 1e-7, 1e-12
        baseline = lambda: baseline_gd(  # noqa: E731
            objective.scalar_value_and_grad, 3.0, rate, steps, precision)[0]
    else:
        objective = FunctionObjective.from_text(ROSENBROCK)
        start, rate, precision = [-1.5, 2.0], 1e-3, 1e-300
        baseline = lambda: baseline_adam(  # noqa: E731
            objective.scalar_value_and_grad, -1.5, 2.0, rate, steps, precision)[0]
    rules = StoppingRules(max_iter=steps, tol_step=precision)
    engine_rates, baseline_rates = [], []
    for pair in range(pairs):
        descent = Descent(objective, start, optimizer=make_optimizer(case), lr=rate,
                          stopping=rules)
        assert fast_path.applies(descent)
        runs = [("engine", descent.run), ("baseline", baseline)]
        if pair % 2:  # alternate which goes first
            runs.reverse()
        results = {name: timed(work) for name, work in runs}
        for name, (made, _) in results.items():
            assert made == steps, f"{name} made {made} of {steps} steps"
        engine_rates.append(steps / results["engine"][1])
        baseline_rates.append(steps / results["baseline"][1])
        print(f"  pair {pair + 1}: engine {engine_rates[-1]:11,.0f} steps/s   baseline "
              f"{baseline_rates[-1]:11,.0f} steps/s   time ratio "
              f"{baseline_rates[-1] / engine_rates[-1]:5.2f}")
    return engine_rates, baseline_rates


def numpy_loop_rate(case: str, steps: int) -> float:
    """Steps/s of the same run on the engine's numpy loop (the fast path switched off)."""
    text, start, rate = ("x**2", [3.0], 1e-7) if case == "gd" else (ROSENBROCK, [-1.5, 2.0], 1e-3)
    descent = Descent(FunctionObjective.from_text(text), start, optimizer=make_optimizer(case),
                      lr=rate, stopping=StoppingRules(max_iter=steps))
    applies = fast_path.applies
    fast_path.applies = lambda descent: False  # type: ignore[assignment]
    try:
        made, seconds = timed(descent.run)
    finally:
        fast_path.applies = applies
    assert made == steps
    return steps / seconds


def check_same_numbers() -> None:
    """The baselines compute what the engine computes (so they do the same work)."""
    objective = FunctionObjective.from_text(ROSENBROCK)
    descent = Descent(objective, [-1.5, 2.0], optimizer=make_optimizer("adam"), lr=1e-3,
                      stopping=StoppingRules(max_iter=5000))
    descent.run()
    _, history = baseline_adam(objective.scalar_value_and_grad, -1.5, 2.0, 1e-3, 5000, 0.0)
    assert np.array_equal(history[:, 2:4], descent.history.params)
    assert np.array_equal(history[:, 5:7], descent.history.grad)
    assert np.array_equal(history[1:, 7:], descent._states[1:5001])


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--pairs", type=int, default=7)
    options = parser.parse_args()
    check_same_numbers()
    for case, title in (("gd", "x**2, gradient descent"), ("adam", "Rosenbrock, Adam")):
        print(f"{title} ({options.steps:,} steps per run):")
        engine, baseline = measure(case, options.steps, options.pairs)
        ratios = [b / e for e, b in zip(engine, baseline, strict=True)]
        rate, ratio = statistics.median(engine), statistics.median(ratios)
        goal = _RATE_GOALS[case]
        print(f"  engine   min {min(engine):11,.0f}  median {rate:11,.0f} steps/s   "
              f"goal ≥ {goal:,}: {verdict(rate >= goal)}")
        record(f"{title}: recorded steps/s, median of {options.pairs} runs", rate, "steps/s",
               f"≥ {goal:,}", rate >= goal, f"runs {min(engine):,.0f}–{max(engine):,.0f}")
        print(f"  baseline min {min(baseline):11,.0f}  median "
              f"{statistics.median(baseline):11,.0f} steps/s")
        print(f"  time ratio engine/baseline  min {min(ratios):.2f}  median {ratio:.2f}   "
              f"goal ≤ {_RATIO_GOAL}: {verdict(ratio <= _RATIO_GOAL)}")
        record(f"{title}: time / a plain-float loop recording the same history, median of "
               f"{options.pairs} pairs", ratio, "×", f"≤ {_RATIO_GOAL}×", ratio <= _RATIO_GOAL,
               f"pairs {min(ratios):.2f}–{max(ratios):.2f}")
        numpy_rate = numpy_loop_rate(case, options.steps // 4)
        print(f"  for reference, the numpy loop (fast path off), one run: {numpy_rate:,.0f} "
              f"steps/s; the fast path is {rate / numpy_rate:.1f}x faster")


if __name__ == "__main__":
    main()
