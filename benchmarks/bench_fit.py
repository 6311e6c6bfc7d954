"""Full-batch linear regression on many rows: ``gdstudio.fit`` against a hand-written loop.

The baseline is the tutorial's numpy update, measured in the same run::

    y_pred = m*X + b; error = y_pred - y; cost = (1/n)*np.sum(error**2)
    m -= lr*(2/n)*X.dot(error); b -= lr*(2/n)*error.sum()

Goals: a step at least 20× faster than the loop's (a full-batch linear fit with a squared
loss steps from XᵀX, whatever the number of rows), measured in interleaved pairs; and a
peak memory under three times the dataset's bytes plus the interpreter's baseline.
Prints the numbers and "goal met" or "goal NOT met"; asserts nothing.

Run: ``python benchmarks/bench_fit.py [--rows N] [--iterations K] [--repeats R]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc

import numpy as np
from goals import record, verdict

from gdstudio.api import fit
from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.models import ModelObjective

LEARNING_RATE = 0.01
SPEED_UP_GOAL = 20
MEMORY_GOAL = 3  # peak memory of fit(), in datasets
MEGABYTE = 1024 * 1024


def make_data(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x uniform on [0, 10), y = 2x + 1 + N(0, 1)."""
    generator = np.random.default_rng(seed)
    x = generator.uniform(0.0, 10.0, rows)
    y = 2.0 * x
    y += 1.0
    y += generator.standard_normal(rows)  # at most one temporary: a small high-water mark
    return x, y


def tutorial_loop(x: np.ndarray, y: np.ndarray, iterations: int) -> tuple[float, float, float]:
    """The tutorial's update; returns (seconds, m, b)."""
    m, b, n, lr = 0.0, 0.0, len(y), LEARNING_RATE
    started = time.perf_counter()
    for _ in range(iterations):
        y_pred = m * x + b
        error = y_pred - y
        cost = (1 / n) * np.sum(error**2)  # noqa: F841 - the tutorial computes it each step
        m -= lr * (2 / n) * x.dot(error)
        b -= lr * (2 / n) * error.sum()
    return time.perf_counter() - started, m, b


def measure_memory(rows: int, iterations: int) -> None:
    """Peak memory of ``fit`` (from the public API) against the dataset's size."""
    fit("m*x + b", {"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]}, max_iter=2)  # warm up
    baseline_rss = max_rss_megabytes()
    tracemalloc.start()
    x, y = make_data(rows)
    dataset_bytes = x.nbytes + y.nbytes
    data_rss = max_rss_megabytes()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    started = time.perf_counter()
    run = fit("m*x + b", {"x": x, "y": y}, loss="mse", lr=LEARNING_RATE, max_iter=iterations)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after_rss = max_rss_megabytes()
    print(f"fit() end to end, {iterations} steps: {elapsed:.3f} s; {run!r}")
    print(f"dataset (x and y): {dataset_bytes / MEGABYTE:.1f} MB")
    print(f"tracemalloc peak during fit, beyond the caller's arrays: "
          f"{(peak - before) / MEGABYTE:.1f} MB = {(peak - before) / dataset_bytes:.2f}x dataset")
    print(f"tracemalloc peak including the caller's arrays: {peak / MEGABYTE:.1f} MB = "
          f"{peak / dataset_bytes:.2f}x dataset (goal < {MEMORY_GOAL}x): "
          + verdict(peak / dataset_bytes < MEMORY_GOAL))
    record(f"fit(), {rows:,} rows: peak memory (tracemalloc) / the dataset", peak / dataset_bytes,
           "×", f"< {MEMORY_GOAL}×", peak / dataset_bytes < MEMORY_GOAL)
    growth = (after_rss - baseline_rss) * MEGABYTE
    print(f"ru_maxrss (high-water mark): {baseline_rss:.0f} MB interpreter baseline (numpy, "
          f"sympy loaded), {data_rss:.0f} MB with the data, {after_rss:.0f} MB after fit; "
          f"growth over the baseline {growth / MEGABYTE:.0f} MB = "
          f"{growth / dataset_bytes:.2f}x dataset (goal < {MEMORY_GOAL}x): "
          + verdict(growth / dataset_bytes < MEMORY_GOAL))
    record(f"fit(), {rows:,} rows: resident memory growth / the dataset",
           growth / dataset_bytes, "×", f"< {MEMORY_GOAL}×", growth / dataset_bytes < MEMORY_GOAL)


def max_rss_megabytes() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MEGABYTE if sys.platform == "darwin" else peak / 1024


def studio_steps(objective: ModelObjective, iterations: int) -> tuple[float, float, float]:
    """Seconds for ``iterations`` steps of a descent already started, and (m, b).

    The descent is built (step 0 evaluated, which makes the full-batch sums of XᵀX)
    before the clock starts: this is the per-step cost. ``first_evaluation`` measures
    the one-off part.
    """
    settings = RunSettings(learning_rate=LEARNING_RATE, stopping=StoppingRules(max_iter=iterations))
    descent = settings.build(objective, objective.start_point())
    started = time.perf_counter()
    descent.run()
    seconds = time.perf_counter() - started
    params = dict(zip(objective.param_names, descent.params, strict=True))
    return seconds, float(params["m"]), float(params["b"])


def first_evaluation(x: np.ndarray, y: np.ndarray) -> float:
    """Seconds of a new objective's first full-batch value and gradient (XᵀX made once)."""
    objective = ModelObjective("m*x + b", Dataset({"x": x, "y": y}), loss="mse")
    started = time.perf_counter()
    objective.value_and_grad(objective.start_point())
    return time.perf_counter() - started


def measure_time(rows: int, iterations: int, repeats: int) -> None:
    """Per-step time of the loop and of gdstudio, in interleaved pairs; the ratio per pair."""
    x, y = make_data(rows)
    objective = ModelObjective("m*x + b", Dataset({"x": x, "y": y}), loss="mse")
    print(f"gdstudio full batch uses XᵀX: {objective.uses_normal_equations}")
    studio_iterations = iterations * 50  # its steps are short: more of them for the clock
    ratios, loops, studios = [], [], []
    for _ in range(repeats):
        seconds, loop_m, loop_b = tutorial_loop(x, y, iterations)
        loops.append(seconds / iterations)
        seconds, _, _ = studio_steps(objective, studio_iterations)
        studios.append(seconds / studio_iterations)
        ratios.append(loops[-1] / studios[-1])
    print(f"tutorial numpy loop: {_spread(loops, 1e3, 'ms')} per step ({iterations} steps)")
    print(f"gdstudio descent:    {_spread(studios, 1e6, 'us')} per step ({studio_iterations}"
          f" steps)")
    print("speed-up per pair (loop / gdstudio): "
          + ", ".join(f"{ratio:.0f}x" for ratio in ratios))
    median = statistics.median(ratios)
    print(f"speed-up median {median:.0f}x, min {min(ratios):.0f}x (goal >= {SPEED_UP_GOAL}x): "
          + verdict(min(ratios) >= SPEED_UP_GOAL))
    record(f"{rows:,} rows, m*x + b, MSE: step time of the tutorial's numpy loop / gdstudio's, "
           f"smallest of {len(ratios)} pairs", min(ratios), "×", f"≥ {SPEED_UP_GOAL}×",
           min(ratios) >= SPEED_UP_GOAL, f"median {median:.0f}")
    setup = statistics.median(first_evaluation(x, y) for _ in range(3))
    print(f"one-off: the first full-batch evaluation (XᵀX, the least-squares point) takes "
          f"{setup * 1e3:.1f} ms = {setup / statistics.median(loops):.1f} loop steps")
    _, studio_m, studio_b = studio_steps(objective, iterations)
    print(f"same result after {iterations} steps: |dm| = {abs(studio_m - loop_m):.2e}, "
          f"|db| = {abs(studio_b - loop_b):.2e} (m = {studio_m:.6f}, b = {studio_b:.6f})")


def _spread(values: list[float], scale: float, unit: str) -> str:
    return (f"median {statistics.median(values) * scale:.3f} {unit} "
            f"(range {min(values) * scale:.3f}-{max(values) * scale:.3f})")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and print both measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows (1,000,000)")
    parser.add_argument("--iterations", type=int, default=20, help="loop steps per timing (20)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved pairs of timings (5)")
    options = parser.parse_args(argv)
    print(f"full-batch linear regression, m*x + b, MSE, {options.rows:,} rows, "
          f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    measure_memory(options.rows, options.iterations)
    measure_time(options.rows, options.iterations, options.repeats)


if __name__ == "__main__":
    main()
