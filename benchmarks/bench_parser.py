"""The safe parser on hostile text, and one compiled call, against a plain Python baseline.

The tests check that every input below is answered (accepted, or refused with one
sentence); how fast lives here: ``check_syntax`` on each hostile text (goal: the best of
five at most 5 ms) and ``value_and_grad`` of ``x**2`` per call (goal: at most 20 µs),
with the cost of a plain ``ast.parse`` of the same text measured in the same run.

Run: ``python benchmarks/bench_parser.py``
"""

from __future__ import annotations

import ast
import contextlib
import time
from collections.abc import Callable

import numpy as np
from goals import record, verdict

from gdstudio.problems.expression import ExpressionError, check_syntax, compile_expression

HOSTILE = [
    "x" * 100_000,
    "-" * 999 + "x",
    "+".join(["x"] * 500),
    "*".join(["(x+1)"] * 166),
    "(" * 50 + "x" + ")" * 50,
    "**".join(["x1"] * 250),
    "sin(" * 50 + "x" + ")" * 50,
    "1" * 1000,
    "x" * 999 + "é",
]


def best_of(function: Callable[[], object], repeats: int = 5) -> float:
    """The shortest of ``repeats`` runs of ``function``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        with contextlib.suppress(ExpressionError, SyntaxError, RecursionError, ValueError):
            function()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    worst = 0.0
    for text in HOSTILE:
        ours = best_of(lambda text=text: check_syntax(text))
        python = best_of(lambda text=text: ast.parse(text, mode="eval"))
        worst = max(worst, ours)
        print(f"{text[:24]!r:30} check_syntax {ours * 1e3:7.2f} ms   ast.parse "
              f"{python * 1e3:7.2f} ms")
    print(f"worst check_syntax: {worst * 1e3:.2f} ms — goal ≤ 5 ms: {verdict(worst <= 5e-3)}")
    record(f"check_syntax on {len(HOSTILE)} hostile texts: the slowest (best of five)",
           worst * 1e3, "ms", "≤ 5 ms", worst <= 5e-3)
    compiled = compile_expression("x**2")
    params = np.array([0.3])
    call = compiled.value_and_grad
    per_call = best_of(lambda: [call(params) for _ in range(10_000)]) / 10_000
    print(f"value_and_grad of x**2: {per_call * 1e6:.2f} µs per call — goal ≤ 20 µs: "
          f"{verdict(per_call <= 20e-6)}")
    record("value_and_grad of x**2: time per call", per_call * 1e6, "µs", "≤ 20 µs",
           per_call <= 20e-6)


if __name__ == "__main__":
    main()
