"""Sweeps: 5,000 runs of Adam on the Rosenbrock function for 200 steps, in lock step.

Compares ``gdstudio.sweep`` with calling ``gdstudio.descend`` once per run, measured in
the same process. Calling ``descend`` 5,000 times would take about a minute, so the
baseline is measured on a sample of runs (the first ``--sample``, 200 by default) and
scaled to all of them; the output says so. Each sampled run is also checked against
its row of the sweep (same status, same step count, the same parameters to the last bit).

Goal: the sweep at least 200× faster than one ``descend`` per run. Prints run-steps per
second of both, the ratio and "goal met" or "goal NOT met"; asserts nothing.

Run: ``python benchmarks/bench_sweep.py [--runs K] [--steps N] [--sample S] [--repeats R]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gdstudio

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
SPEED_UP_GOAL = 200


def make_runs(runs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start points on [-2, 2]² and learning rates from 1e-3 to 1e-1 (log-uniform)."""
    generator = np.random.default_rng(seed)
    xs, ys = generator.uniform(-2.0, 2.0, (2, runs))
    rates = 10.0 ** generator.uniform(-3.0, -1.0, runs)
    return xs, ys, rates


def time_sweep(xs: np.ndarray, ys: np.ndarray, rates: np.ndarray, steps: int) -> tuple[
        float, gdstudio.Sweep]:
    """Seconds for one sweep of every run, and its result."""
    started = time.perf_counter()
    result = gdstudio.sweep(ROSENBROCK, start={"x": xs, "y": ys}, lr=rates, optimizer="adam",
                            max_iter=steps)
    return time.perf_counter() - started, result


def time_descend(xs: np.ndarray, ys: np.ndarray, rates: np.ndarray, steps: int,
                 result: gdstudio.Sweep) -> tuple[float, int]:
    """Seconds for one ``descend`` per run; and how many runs differ from the sweep's."""
    different = 0
    elapsed = 0.0
    for index, (x, y, rate) in enumerate(zip(xs.tolist(), ys.tolist(), rates.tolist(),
                                             strict=True)):
        started = time.perf_counter()
        run = gdstudio.descend(ROSENBROCK, start={"x": x, "y": y}, lr=rate, optimizer="adam",
                               max_iter=steps)
        elapsed += time.perf_counter() - started
        same = (str(run.status) == result.status[index]
                and run.iterations == result.iterations[index]
                and np.array_equal(run.descent.params, result.params[index]))
        different += not same
    return elapsed, different


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    runs, steps, sample = options.runs, options.steps, min(options.sample, options.runs)
    xs, ys, rates = make_runs(runs)
    gdstudio.descend(ROSENBROCK, start={"x": 0.0, "y": 0.0}, max_iter=1)  # compile once
    gdstudio.sweep(ROSENBROCK, start={"x": xs[:2], "y": ys[:2]}, max_iter=1)
    timings = []
    for _ in range(options.repeats):
        seconds, result = time_sweep(xs, ys, rates, steps)
        timings.append(seconds)
    sweep_seconds = min(timings)
    run_steps = int(result.iterations.sum())
    sample_seconds, different = time_descend(xs[:sample], ys[:sample], rates[:sample], steps,
                                             result)
    sample_steps = int(result.iterations[:sample].sum())
    descend_rate = sample_steps / sample_seconds
    sweep_rate = run_steps / sweep_seconds
    scaled = sample_seconds * runs / sample
    ratio = scaled / sweep_seconds
    print(f"{runs:,} runs of Adam on {ROSENBROCK}, up to {steps} steps each "
          f"({run_steps:,} run-steps; {result!r})")
    print(f"sweep (best of {options.repeats}):       {sweep_seconds:8.3f} s   "
          f"{sweep_rate:14,.0f} run-steps/s")
    print(f"descend once per run:     {scaled:8.3f} s   {descend_rate:14,.0f} run-steps/s   "
          f"(measured on {sample} runs, {sample_seconds:.3f} s, scaled to {runs:,})")
    print(f"sampled runs that differ from their sweep row: {different} of {sample}")
    verdict = "met" if ratio >= SPEED_UP_GOAL else "NOT met"
    print(f"speed-up: {ratio:,.0f}x   goal {SPEED_UP_GOAL}x: {verdict}")


if __name__ == "__main__":
    main()
