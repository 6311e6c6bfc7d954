"""How the benchmarks judge a goal: words for people, and a record line for ``report.py``.

Every goal a benchmark judges ends its human line with "goal met" or "goal NOT met"
(:func:`verdict`) and is followed by one record line (:func:`record`): ``@goal`` and a JSON
object with the measure, the value judged, the goal and whether it was met.
``benchmarks/report.py`` runs the benchmarks, reads these lines and writes the README's
benchmark table from them, so that the table says what the benchmarks printed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

#: The checkout these benchmarks belong to. They measure its code, not whichever
#: ``gdstudio`` is installed: every benchmark imports this module before ``gdstudio``, and
#: child processes run with this folder as their working directory.
CHECKOUT = Path(__file__).resolve().parents[1]
if str(CHECKOUT) not in sys.path[:1]:
    sys.path.insert(0, str(CHECKOUT))

#: The start of a record line.
PREFIX = "@goal "


def verdict(met: bool) -> str:
    """The words every benchmark ends a goal's line with."""
    return "goal met" if met else "goal NOT met"


def record(measure: str, value: float, unit: str, goal: str, met: bool,
           spread: str = "") -> None:
    """Print the record line of one judged goal.

    Parameters
    ----------
    measure
        What was measured, the same words in every run (the table's row).
    value
        The number the goal is judged on (a median of pairs, a worst frame ...).
    unit
        Its unit as the table shows it: ``"×"``, ``"ms"``, ``"s"``, ``"steps/s"`` ...
    goal
        The goal in words, such as ``"≤ 1.3"``.
    met
        Whether ``value`` meets ``goal``, as the benchmark judged it.
    spread
        Optional: the pairs' range behind ``value``, such as ``"pairs 0.84–1.22"``.
    """
    line = {"benchmark": os.path.basename(sys.argv[0]).removesuffix(".py"),
            "measure": measure, "value": value, "unit": unit, "goal": goal,
            "met": bool(met), "spread": spread}
    print(PREFIX + json.dumps(line, ensure_ascii=False), flush=True)


def parse(output: str) -> list[dict]:
    """The records in a benchmark's output, in order (other lines are skipped)."""
    records = []
    for text in output.splitlines():
        if text.startswith(PREFIX):
            try:
                records.append(json.loads(text[len(PREFIX):]))
            except json.JSONDecodeError:
                continue
    return records
