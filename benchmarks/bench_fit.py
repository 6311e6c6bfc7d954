"""Full-batch linear regression on many rows: ``gdstudio.fit`` against a hand-written loop.

The baseline is the tutorial's numpy update, measured in the same run::

    y_pred = m*X + b; error = y_pred - y; cost = (1/n)*np.sum(error**2)
    m -= lr*(2/n)*X.dot(error); b -= lr*(2/n)*error.sum()

Goals: at most 1.25× the loop's time per iteration, and a peak memory under three times
the dataset's bytes plus the interpreter's baseline. Prints the numbers; asserts nothing.

Run: ``python benchmarks/bench_fit.py [--rows N] [--iterations K] [--repeats R]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gdstudio.api import fit
from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.models import ModelObjective

LEARNING_RATE = 0.01
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


def studio_descent(objective: ModelObjective, iterations: int) -> tuple[float, float, float]:
    """The engine's descent of the same problem; returns (seconds, m, b)."""
    settings = RunSettings(learning_rate=LEARNING_RATE, stopping=StoppingRules(max_iter=iterations))
    descent = settings.build(objective, objective.start_point())
    started = time.perf_counter()
    descent.run()
    seconds = time.perf_counter() - started
    params = dict(zip(objective.param_names, descent.params, strict=True))
    return seconds, float(params["m"]), float(params["b"])


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
          f"{peak / dataset_bytes:.2f}x dataset (goal < 3x)")
    growth = (after_rss - baseline_rss) * MEGABYTE
    print(f"ru_maxrss (high-water mark): {baseline_rss:.0f} MB interpreter baseline (numpy, "
          f"sympy loaded), {data_rss:.0f} MB with the data, {after_rss:.0f} MB after fit; "
          f"growth over the baseline {growth / MEGABYTE:.0f} MB = "
          f"{growth / dataset_bytes:.2f}x dataset (goal < 3x)")


def max_rss_megabytes() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MEGABYTE if sys.platform == "darwin" else peak / 1024


def measure_time(rows: int, iterations: int, repeats: int) -> None:
    """Best seconds per iteration of both, interleaved, and their ratio."""
    x, y = make_data(rows)
    objective = ModelObjective("m*x + b", Dataset({"x": x, "y": y}), loss="mse")
    loop_times, studio_times = [], []
    for _ in range(repeats):
        seconds, loop_m, loop_b = tutorial_loop(x, y, iterations)
        loop_times.append(seconds / iterations)
        seconds, studio_m, studio_b = studio_descent(objective, iterations)
        studio_times.append(seconds / iterations)
    loop, studio = min(loop_times), min(studio_times)
    print(f"tutorial numpy loop: {loop * 1e3:.3f} ms per iteration (best of {repeats})")
    print(f"gdstudio descent:    {studio * 1e3:.3f} ms per iteration (best of {repeats})")
    print(f"ratio gdstudio / loop: {studio / loop:.3f} (goal <= 1.25)")
    print(f"same result: |dm| = {abs(studio_m - loop_m):.2e}, |db| = {abs(studio_b - loop_b):.2e}"
          f" (m = {studio_m:.6f}, b = {studio_b:.6f})")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and print both measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows (1,000,000)")
    parser.add_argument("--iterations", type=int, default=100, help="steps per timing (100)")
    parser.add_argument("--repeats", type=int, default=5, help="timings of each (best kept)")
    options = parser.parse_args(argv)
    print(f"full-batch linear regression, m*x + b, MSE, {options.rows:,} rows, "
          f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    measure_memory(options.rows, options.iterations)
    measure_time(options.rows, options.iterations, options.repeats)


if __name__ == "__main__":
    main()
