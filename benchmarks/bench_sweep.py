"""Sweeps: 5,000 runs of Adam on the Rosenbrock function for 200 steps, in lock step.

Compares ``gdstudio.sweep`` with calling ``gdstudio.descend`` once per run, measured in
the same process, in pairs: a sweep of every run, then the baseline, ``--pairs`` times
(5 by default), the speed-up worked out for each pair on its own, so that a slow spell
of the machine slows both sides of a pair rather than one side of the comparison.
Calling ``descend`` 5,000 times would take several seconds, so the baseline is measured
on a sample of runs (the first ``--sample``, 200 by default) and scaled to all of them;
the output says so. Each sampled run is also checked against its row of the sweep (same
status, same step count, the same parameters to the last bit).

Goal: the sweep at least 200× faster than one ``descend`` per run. Prints run-steps per
second of both (medians over the pairs), each pair's ratio, their median and smallest,
and "goal met" or "goal NOT met" by the median; asserts nothing. It prints the same
figures in CPU time of this thread too, which others running on the same cores disturb
far less, and says "met" only when the medians on both clocks reach the goal.

For scale it also times a floor: a minimal numpy loop written by hand for exactly this
problem (Rosenbrock's loss and gradient and Adam's update on ``(2, K)`` arrays with
in-place ufuncs, and a check that the losses are finite), which does less than the sweep
does — no divergence limits, no gradient or step checks, no general objective, no
records — so it shows how fast numpy can go here, not a sweep anyone could use.

Run: ``python benchmarks/bench_sweep.py [--runs K] [--steps N] [--sample S] [--pairs P]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from goals import record, verdict

import gdstudio

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
SPEED_UP_GOAL = 200


def make_runs(runs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start points on [-2, 2]² and learning rates from 1e-3 to 1e-1 (log-uniform)."""
    generator = np.random.default_rng(seed)
    xs, ys = generator.uniform(-2.0, 2.0, (2, runs))
    rates = 10.0 ** generator.uniform(-3.0, -1.0, runs)
    return xs, ys, rates


def clocks() -> np.ndarray:
    """Wall-clock seconds and this thread's CPU seconds, now."""
    return np.array([time.perf_counter(), time.thread_time()])


def time_sweep(xs: np.ndarray, ys: np.ndarray, rates: np.ndarray, steps: int) -> tuple[
        np.ndarray, gdstudio.Sweep]:
    """Wall and CPU seconds for one sweep of every run, and its result."""
    started = clocks()
    result = gdstudio.sweep(ROSENBROCK, start={"x": xs, "y": ys}, lr=rates, optimizer="adam",
                            max_iter=steps)
    return clocks() - started, result


def time_descend(xs: np.ndarray, ys: np.ndarray, rates: np.ndarray, steps: int,
                 result: gdstudio.Sweep) -> tuple[np.ndarray, int]:
    """Wall and CPU seconds for one ``descend`` per run; and how many runs differ from the
    sweep's."""
    different = 0
    elapsed = np.zeros(2)
    for index, (x, y, rate) in enumerate(zip(xs.tolist(), ys.tolist(), rates.tolist(),
                                             strict=True)):
        started = clocks()
        run = gdstudio.descend(ROSENBROCK, start={"x": x, "y": y}, lr=rate, optimizer="adam",
                               max_iter=steps)
        elapsed += clocks() - started
        same = (str(run.status) == result.status[index]
                and run.iterations == result.iterations[index]
                and np.array_equal(run.descent.params, result.params[index]))
        different += not same
    return elapsed, different


def time_floor(xs: np.ndarray, ys: np.ndarray, rates: np.ndarray, steps: int) -> tuple[
        np.ndarray, np.ndarray]:
    """Wall and CPU seconds for the hand-written minimal loop (see the module docstring);
    its points."""
    started = clocks()
    points = np.stack([xs, ys])
    x, y = points
    grad, first, second = np.empty_like(points), np.zeros_like(points), np.zeros_like(points)
    scratch, change = np.empty_like(points), np.empty_like(points)
    loss, a, b, c = (np.empty(xs.shape[0]) for _ in range(4))
    neg_rates = -rates
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def evaluate() -> None:
        # The operations of the compiled function, in its order: x0 = x², x1 = y - x0,
        # f = 100·x1² + (1 - x)², ∇f = (-400·x·x1 + 2x - 2, 200y - 200·x0).
        np.multiply(x, x, out=a)
        np.subtract(y, a, out=b)
        np.multiply(x, -400.0, out=grad[0])
        grad[0] *= b
        np.multiply(x, 2.0, out=c)
        grad[0] += c
        grad[0] -= 2.0
        np.multiply(y, 200.0, out=grad[1])
        np.multiply(a, 200.0, out=c)
        grad[1] -= c
        np.multiply(b, b, out=loss)
        np.multiply(loss, 100.0, out=loss)
        np.subtract(1.0, x, out=c)
        np.multiply(c, c, out=c)
        np.add(loss, c, out=loss)

    evaluate()
    for t in range(1, steps + 1):
        first *= beta1
        np.multiply(grad, 1.0 - beta1, out=scratch)
        first += scratch
        second *= beta2
        np.multiply(grad, 1.0 - beta2, out=scratch)
        scratch *= grad
        second += scratch
        np.divide(first, 1.0 - beta1**t, out=change)
        change *= neg_rates
        np.divide(second, 1.0 - beta2**t, out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += eps
        change /= scratch
        points += change
        evaluate()
        if not np.isfinite(loss).all():
            break
    return clocks() - started, points.T


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=5)
    options = parser.parse_args()
    runs, steps, sample = options.runs, options.steps, min(options.sample, options.runs)
    pairs = max(options.pairs, 1)
    xs, ys, rates = make_runs(runs)
    gdstudio.descend(ROSENBROCK, start={"x": 0.0, "y": 0.0}, max_iter=1)  # compile once
    gdstudio.sweep(ROSENBROCK, start={"x": xs[:2], "y": ys[:2]}, max_iter=1)
    sweeps, floors, samples, differences = [], [], [], []
    for _ in range(pairs):  # wall and CPU seconds of each side, pair by pair
        seconds, result = time_sweep(xs, ys, rates, steps)
        sweeps.append(seconds)
        seconds, floor_points = time_floor(xs, ys, rates, steps)
        floors.append(seconds)
        seconds, different = time_descend(xs[:sample], ys[:sample], rates[:sample], steps,
                                          result)
        samples.append(seconds)
        differences.append(different)
    sweep_seconds, floor_seconds = np.array(sweeps), np.array(floors)
    scaled = np.array(samples) * runs / sample
    ratios = scaled / sweep_seconds  # (pairs, 2): wall, CPU
    run_steps = int(result.iterations.sum())
    sample_steps = int(result.iterations[:sample].sum())
    sweep_rate = run_steps / np.median(sweep_seconds, axis=0)
    descend_rate = sample_steps * runs / sample / np.median(scaled, axis=0)
    floor_rate = runs * steps / np.median(floor_seconds, axis=0)
    floor_share = np.median(sweep_seconds / floor_seconds, axis=0)
    median, smallest = np.median(ratios, axis=0), ratios.min(axis=0)
    print(f"{runs:,} runs of Adam on {ROSENBROCK}, up to {steps} steps each "
          f"({run_steps:,} run-steps; {result!r}); {pairs} pairs of a sweep and the "
          f"baseline, medians over the pairs")
    print(f"sweep:                    {np.median(sweep_seconds[:, 0]):8.3f} s   "
          f"{sweep_rate[0]:14,.0f} run-steps/s")
    print(f"descend once per run:     {np.median(scaled[:, 0]):8.3f} s   "
          f"{descend_rate[0]:14,.0f} run-steps/s   (measured on {sample} runs, "
          f"{np.median(scaled[:, 0]) * sample / runs:.3f} s, scaled to {runs:,})")
    print(f"sampled runs that differ from their sweep row: {max(differences)} of {sample}")
    same = np.array_equal(floor_points, result.params)
    print(f"floor, a minimal numpy loop for this problem only (no stopping or divergence "
          f"rules, no records; does less work): {np.median(floor_seconds[:, 0]):.3f} s   "
          f"{floor_rate[0]:,.0f} run-steps/s   {floor_rate[0] / descend_rate[0]:,.0f}x descend; "
          f"the sweep takes {floor_share[0]:.2f}x its time "
          f"(its points {'equal' if same else 'DIFFER from'} the sweep's to the last bit)")
    print(f"CPU time of this thread instead (steadier when others share the cores): sweep "
          f"{sweep_rate[1]:,.0f}, descend {descend_rate[1]:,.0f}, floor {floor_rate[1]:,.0f} "
          f"run-steps/s; floor {floor_rate[1] / descend_rate[1]:,.0f}x descend, the sweep "
          f"takes {floor_share[1]:.2f}x the floor's time")
    print("speed-up of each pair: " + ", ".join(f"{wall:,.0f}x" for wall in ratios[:, 0])
          + " (CPU time: " + ", ".join(f"{cpu:,.0f}x" for cpu in ratios[:, 1]) + ")")
    # Met only if both clocks say so: under load the wall clock can inflate descend's many
    # short calls more than the sweep's few long ones.
    met = min(median) >= SPEED_UP_GOAL
    print(f"speed-up: median {median[0]:,.0f}x, smallest {smallest[0]:,.0f}x (CPU time: median "
          f"{median[1]:,.0f}x, smallest {smallest[1]:,.0f}x)   goal {SPEED_UP_GOAL}x by the "
          f"median on both clocks: {verdict(met)}")
    record(f"{runs:,} runs of Adam on Rosenbrock, {steps} steps: `descend` once per run / one "
           f"sweep, median of {pairs} pairs (the lower clock)", float(min(median)), "×",
           f"≥ {SPEED_UP_GOAL}×", met, f"pairs {ratios[:, 0].min():.0f}–{ratios[:, 0].max():.0f}")


if __name__ == "__main__":
    main()
