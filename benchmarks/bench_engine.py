"""Engine throughput with history recording, against the tutorial's plain loop.

Prints iterations per second for ``x**2`` and for a two-variable function, and the ratio
to the tutorial's loop (``new_x = x - rate * df(x)`` with a lambdified derivative and a
``step_size`` check) measured in the same run. Goal: at least 200,000 iterations/s.

Run: ``python benchmarks/bench_engine.py [--steps N]``
"""

from __future__ import annotations

import argparse
import time

import sympy

import gdstudio
from gdstudio.engine import StoppingRules
from gdstudio.engine.settings import RunSettings
from gdstudio.problems.function import FunctionObjective


def tutorial_loop(steps: int) -> float:
    """The first tutorial's loop, run for ``steps`` updates; returns seconds."""
    x = sympy.Symbol("x")
    df = sympy.lambdify(x, (x**2).diff(x))
    new_x, learning_rate, precision = 3.0, 1e-7, 1e-300
    started = time.perf_counter()
    for _ in range(steps):
        previous_x = new_x
        new_x = previous_x - learning_rate * df(previous_x)
        step_size = abs(new_x - previous_x)
        if step_size < precision:
            break
    return time.perf_counter() - started


def engine_run(expression: str, start: list[float], steps: int) -> float:
    """A recorded descent of ``steps`` updates; returns seconds (compile excluded)."""
    objective = FunctionObjective.from_text(expression)
    settings = RunSettings(learning_rate=1e-7, stopping=StoppingRules(max_iter=steps))
    descent = settings.build(objective, start)
    started = time.perf_counter()
    descent.run()
    elapsed = time.perf_counter() - started
    assert descent.step_count == steps, descent.message
    return elapsed


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    steps = parser.parse_args().steps
    gdstudio.descend("x**2", start={"x": 3}, max_iter=1)  # start the compile helper once
    baseline = min(tutorial_loop(steps) for _ in range(3))
    print(f"tutorial loop (no history):   {steps / baseline:12,.0f} it/s")
    for label, expression, start in (
        ("x**2", "x**2", [3.0]),
        ("(x-3)**2 + 10*(y+1)**2", "(x-3)**2 + 10*(y+1)**2", [0.0, 0.0]),
    ):
        seconds = min(engine_run(expression, start, steps) for _ in range(3))
        rate = steps / seconds
        print(f"engine, {label:24s}{rate:12,.0f} it/s   "
              f"{seconds / baseline:5.2f}x the tutorial loop's time   "
              f"goal 200,000 it/s: {'met' if rate >= 200_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
