"""Run the benchmarks several times and write the README's benchmark table from their output.

Each benchmark prints, after every goal it judges, a record line (``benchmarks/goals.py``):
the measure, the value judged, the goal and whether it was met. This script runs the
chosen benchmarks ``--runs`` times, interleaved (run 1 of each, then run 2 of each ...,
so that a machine whose speed drifts favours none), keeps each output in ``--logs``, and
prints a Markdown table with one row per measure: the value of every run (✗ where it
missed the goal), their minimum and median, the goal, and in how many runs it was met.
``--write README.md`` puts the table between the README's ``<!-- benchmarks:begin -->``
and ``<!-- benchmarks:end -->`` lines, with the date, the commit, the machine's cores
and load average.

Run: ``python benchmarks/report.py [--runs 3] [--only engine fit ...] [--frozen PATH]
[--write README.md]`` (offscreen unless DISPLAY is set).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_window import _environment  # offscreen unless DISPLAY is set
from goals import parse

HERE = Path(__file__).resolve().parent
#: Every benchmark, in the order they run and their rows appear.
BENCHMARKS = ("engine", "fit", "parser", "window", "data_mode", "control_storm", "sweep")
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
#: Decimals shown per unit (a "×" ratio of 100 or more is shown whole).
_DECIMALS = {"×": 2, "ms": 1, "s": 3, "µs": 2, "MB": 0, "steps/s": 0, "": 0}


@dataclass
class Row:
    """One measure over the runs."""

    benchmark: str
    measure: str
    unit: str
    goal: str
    values: list[float] = field(default_factory=list)
    met: list[bool] = field(default_factory=list)
    spreads: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        """The table's cells for this row."""
        # A run that missed the goal is marked: rounding may hide it (0.7998 shows as 0.80).
        runs = ", ".join(number(value, self.unit) + ("" if met else " ✗")
                         + (f" ({spread})" if spread else "")
                         for value, met, spread in zip(self.values, self.met, self.spreads,
                                                       strict=True))
        return [f"`bench_{self.benchmark}.py`", self.measure, runs,
                number(min(self.values), self.unit), number(statistics.median(self.values),
                                                            self.unit),
                self.goal, f"{'met' if all(self.met) else 'NOT met'}: {sum(self.met)} of "
                           f"{len(self.met)} runs"]


def number(value: float, unit: str) -> str:
    """``value`` with its unit, as many decimals as the unit deserves."""
    decimals = _DECIMALS.get(unit, 2)
    if unit == "×" and abs(value) >= 100:
        decimals = 0
    text = f"{value:,.{decimals}f}"
    if unit in ("", "×"):
        return text + unit
    return f"{text} {unit}"


def collect(records_by_run: list[list[dict]]) -> list[Row]:
    """Rows in order of first appearance, each with its values from every run."""
    rows: dict[tuple[str, str], Row] = {}
    for records in records_by_run:
        for item in records:
            key = (item["benchmark"].removeprefix("bench_"), item["measure"])
            row = rows.setdefault(key, Row(key[0], key[1], item["unit"], item["goal"]))
            row.values.append(float(item["value"]))
            row.met.append(bool(item["met"]))
            row.spreads.append(item.get("spread", ""))
    return list(rows.values())


def table(rows: list[Row]) -> str:
    """The Markdown table of ``rows``."""
    header = ["benchmark", "measure", "each run (what the benchmark judged)", "min", "median",
              "goal", "verdict"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row.cells()) + " |"
              for row in rows]
    return "\n".join(lines)


def replace_section(text: str, section: str) -> str:
    """``text`` with what lies between the markers replaced by ``section``.

    Raises
    ------
    ValueError
        When the markers are missing or out of order.
    """
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"the file has no {BEGIN} … {END} section to write the table in")
    return text[:start + len(BEGIN)] + "\n" + section + "\n" + text[stop:]


@dataclass
class Outcome:
    """What one benchmark run left: its records, its output's file, its exit status."""

    records: list[dict]
    log: Path
    status: int


def run_one(name: str, run: int, arguments: list[str], logs: Path) -> Outcome:
    """Run ``bench_<name>.py`` once and keep its output."""
    script = HERE / f"bench_{name}.py"
    done = subprocess.run([sys.executable, str(script), *arguments], capture_output=True,
                          text=True, env=_environment(), check=False)
    log = logs / f"bench_{name}-{run}.txt"
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    return Outcome(parse(done.stdout), log, done.returncode)


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, and write it into ``--write`` if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each benchmark (3)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS),
                        help="these benchmarks only (all)")
    parser.add_argument("--frozen", help="bench_window also times this frozen binary")
    parser.add_argument("--write", type=Path, help="write the table into this README")
    parser.add_argument("--logs", type=Path, help="keep the outputs here (a new temp folder)")
    options = parser.parse_args(argv)
    logs = options.logs or Path(tempfile.mkdtemp(prefix="gdstudio-bench-report-"))
    logs.mkdir(parents=True, exist_ok=True)
    extra = {"window": ["--frozen", options.frozen] if options.frozen else []}
    chosen = [name for name in BENCHMARKS if name in options.only]
    records_by_run: list[list[dict]] = []
    loads, failures = [os.getloadavg()[0]], []
    started = time.monotonic()
    for run in range(1, options.runs + 1):
        records: list[dict] = []
        for name in chosen:
            outcome = run_one(name, run, extra.get(name, []), logs)
            loads.append(os.getloadavg()[0])
            records += outcome.records
            print(f"run {run}, bench_{name}.py: {len(outcome.records)} goals judged, exit "
                  f"status {outcome.status}; output in {outcome.log}", flush=True)
            if outcome.status or not outcome.records:
                failures.append(f"bench_{name}.py (run {run}, exit status {outcome.status}, "
                                f"see {outcome.log})")
        records_by_run.append(records)
    rows = collect(records_by_run)
    section = describe(options, chosen, loads, time.monotonic() - started) + "\n\n" + table(rows)
    if failures:
        section += "\n\nFailed or judged nothing: " + "; ".join(failures) + "."
    print(section)
    if options.write:
        path: Path = options.write
        path.write_text(replace_section(path.read_text(encoding="utf-8"), section),
                        encoding="utf-8")
        print(f"written into {path}")
    return 1 if failures else 0


def describe(options: argparse.Namespace, chosen: list[str], loads: list[float],
             seconds: float) -> str:
    """The sentence above the table: how, when, where and at which load it was measured."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE, check=False).stdout.strip() or "unknown"
    command = f"python benchmarks/report.py --runs {options.runs}"
    if len(chosen) < len(BENCHMARKS):
        command += " --only " + " ".join(chosen)
    if options.frozen:
        command += " --frozen build/packaging/dist/gdstudio/gdstudio"
    today = datetime.date.today().isoformat()
    return (f"Generated by `{command}` on {today}, commit {commit}, Python "
            f"{platform.python_version()}, {os.cpu_count()} cores, load average "
            f"{min(loads):.1f}–{max(loads):.1f}, {seconds / 60:.0f} minutes. Each run's value "
            f"is what that run of the benchmark judged its goal on (a median of interleaved "
            f"pairs unless the measure says otherwise); the verdict counts the runs that met "
            f"the goal.")


if __name__ == "__main__":
    sys.exit(main())
