"""``gdstudio-cli``: headless runs, printed as a table, CSV or JSON.

Exit status: 0 when the run converged or used up its steps, 1 when it diverged, 2 for
bad input (one line on stderr; never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from gdstudio._version import __version__
from gdstudio.cli_lessons import add_lesson_command

if TYPE_CHECKING:
    from gdstudio.api import FitRun, Run

__all__ = ["main"]

EXIT_DIVERGED = 1
EXIT_BAD_INPUT = 2
EXIT_CODES = ("exit status: 0 converged or reached the step limit, 1 diverged (the reason is "
              "printed), 2 bad input")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"gdstudio-cli: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser with its subcommands."""
    parser = _Parser(prog="gdstudio-cli", description="Gradient Descent Studio, headless.",
                     epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="minimise a typed function, or run a saved project",
                              epilog=EXIT_CODES)
    problem = run.add_mutually_exclusive_group(required=True)
    problem.add_argument("--expr", help='the cost function, e.g. "x**2"')
    problem.add_argument("--project", metavar="FILE.gdstudio",
                         help="run a saved project with its own settings (only --format may "
                              "be added)")
    add_start_argument(run, "--start", "start value of each variable, e.g. x=3 y=-1")
    add_descent_arguments(run, default_lr=0.1)
    run.set_defaults(handler=_run_function)
    add_fit_command(commands)
    add_lesson_command(commands)
    return parser


def add_fit_command(commands: argparse._SubParsersAction) -> None:
    """The ``fit`` subcommand: learn a model's parameters from a CSV file."""
    fit = commands.add_parser("fit", help="fit a model to data from a CSV file",
                              epilog=EXIT_CODES)
    fit.add_argument("--data", required=True, metavar="FILE.csv",
                     help="CSV file with a header row (comma, semicolon or tab separated)")
    fit.add_argument("--model", required=True, help='the model, e.g. "m*x + b"')
    fit.add_argument("--target", default="y", help="the column to predict (default y)")
    add_start_argument(fit, "--start", "start value of parameters (others start at 0)")
    add_start_argument(fit, "--fix", "parameters held at a value, e.g. m=2")
    fit.add_argument("--loss", default="mse", help="sse, mse, half_mse or mae (default mse)")
    fit.add_argument("--batch-size", type=whole_argument, default=None,
                     help="rows per step: 1 stochastic, k mini-batch (default: all rows)")
    fit.add_argument("--seed", type=whole_argument, default=0,
                     help="seed of the mini-batch shuffling")
    fit.add_argument("--standardize", action="store_true",
                     help="fit on standardised features; parameters reported in original units")
    add_descent_arguments(fit, default_lr=0.01)
    fit.set_defaults(handler=_run_fit)


def add_start_argument(parser: argparse.ArgumentParser, flag: str, help_text: str) -> None:
    """``NAME=VALUE`` pairs, repeatable, space or comma separated."""
    parser.add_argument(flag, action="append", nargs="+", default=[], metavar="NAME=VALUE",
                        help=help_text)


def add_descent_arguments(parser: argparse.ArgumentParser, default_lr: float) -> None:
    """Optimizer, rate, schedule, stopping rules and output format."""
    parser.add_argument("--lr", type=number_argument, default=None,
                        help=f"learning rate (default {default_lr:g}; 1 for newton; for armijo "
                             "the first rate tried)")
    parser.add_argument("--optimizer", default="gd",
                        help="gd, momentum, nesterov, adagrad, rmsprop, adam, newton (Newton's "
                             "method; a gradient step where the Hessian is not positive "
                             "definite) or armijo (gradient descent with backtracking line "
                             "search)")
    for name in ("momentum", "alpha", "beta1", "beta2", "eps"):
        parser.add_argument(f"--{name}", type=number_argument, default=None,
                            help=f"optimizer's {name}")
    parser.add_argument("--damping", type=number_argument, default=None,
                        help="newton: λ in (H + λI)d = ∇f (default 0)")
    parser.add_argument("--armijo-c", type=number_argument, default=None,
                        help="armijo: sufficient decrease f(x − α∇f) ≤ f(x) − c·α·‖∇f‖² "
                             "(default 1e-4)")
    parser.add_argument("--shrink", type=number_argument, default=None,
                        help="armijo: factor the rate is multiplied by per try (default 0.5)")
    parser.add_argument("--backtracks", type=whole_argument, default=None,
                        help="armijo: most tries after the first (max_backtracks); if none "
                             "lowers the loss enough the run stops (default 30)")
    parser.add_argument("--schedule", default="constant",
                        help="constant, step, exponential, inverse_time or cosine")
    parser.add_argument("--gamma", type=number_argument,
                        help="factor of the step / exponential schedule")
    parser.add_argument("--step-size", type=whole_argument,
                        help="steps between decays (step schedule)")
    parser.add_argument("--decay", type=number_argument, help="decay of the inverse_time schedule")
    parser.add_argument("--period", type=whole_argument, help="length of the cosine schedule")
    parser.add_argument("--min-factor", type=number_argument,
                        help="final factor of the cosine schedule")
    parser.add_argument("--max-iter", type=whole_argument, default=1000,
                        help="most updates to make (at most 50,000,000, fewer when the "
                             "steps would not fit in memory)")
    parser.add_argument("--tol-step", type=number_argument,
                        help="stop when a step is smaller (precision)")
    parser.add_argument("--tol-grad", type=number_argument,
                        help="stop when the gradient norm is smaller")
    parser.add_argument("--tol-loss", type=number_argument, help="stop when the loss changes less")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_animation_arguments(parser)


#: Animation sizes accepted, in pixels per side, and frames per second.
ANIMATION_SIDES = (64, 3840)
ANIMATION_FPS = (1, 60)


def add_animation_arguments(parser: argparse.ArgumentParser) -> None:
    """``--animate`` and its options (drawn by the studio's own plots, offscreen)."""
    parser.add_argument("--animate", type=animation_path, metavar="OUT.gif",
                        help="also save the run as an animated GIF drawn by the studio's plots "
                             "(needs no display)")
    parser.add_argument("--animate-plot", choices=("main", "loss"), default="main",
                        help="the plot to animate: main (the function or loss map) or loss")
    parser.add_argument("--fps", type=fps_argument, default=10.0,
                        help="frames per second of the animation (default 10)")
    parser.add_argument("--size", type=size_argument, default=(640, 480), metavar="WxH",
                        help="size of the animation in pixels (default 640x480)")
    parser.add_argument("--steps-per-frame", type=whole_argument, default=None,
                        help="steps per frame (default: the whole run in about 10 s)")


def animation_path(text: str) -> Path:
    """An output path ending in ``.gif``."""
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix == ".mp4":
        raise argparse.ArgumentTypeError(
            f"{text!r}: MP4 is not available (no encoder small enough to ship); use .gif")
    if suffix != ".gif":
        raise argparse.ArgumentTypeError(f"{text!r}: the animation is saved as .gif")
    return path


def fps_argument(text: str) -> float:
    """Frames per second: a number from 1 to 60."""
    value = number_argument(text)
    low, high = ANIMATION_FPS
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"--fps {text.strip()}: frames per second must be "
                                         f"{low} to {high}")
    return value


def size_argument(text: str) -> tuple[int, int]:
    """``"640x480"`` → ``(640, 480)``, each side within :data:`ANIMATION_SIDES`."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*[x×X]\s*(\d{1,5})\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT in pixels, e.g. 640x480")
    width, height = int(match.group(1)), int(match.group(2))
    low, high = ANIMATION_SIDES
    if not (low <= width <= high and low <= height <= high):
        raise argparse.ArgumentTypeError(f"{width}x{height}: each side must be {low} to "
                                         f"{high} pixels")
    return width, height


def number_argument(text: str) -> float:
    """An option's number, by the one rule of :mod:`gdstudio.problems.numbers`."""
    from gdstudio.problems.numbers import number_problem  # numpy: only when parsing

    problem = number_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return float(text)


def whole_argument(text: str) -> int:
    """An option's whole number: ASCII digits with an optional sign (``int`` reads '１')."""
    digits = text.strip()
    if re.fullmatch(r"[+-]?[0-9]+", digits, re.ASCII) is None:
        raise argparse.ArgumentTypeError(f"{digits!r} is not a whole number (digits 0-9)")
    if len(digits) > 30:
        raise argparse.ArgumentTypeError(f"{digits[:12]!r}... is too long to be a step count")
    return int(digits)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    arguments.typed = list(sys.argv[1:] if argv is None else argv)
    if hasattr(arguments, "command_handler"):  # commands that print and exit themselves
        return arguments.command_handler(arguments)
    try:
        run = arguments.handler(arguments)
    except ValueError as error:  # ExpressionError is a ValueError too
        print(f"gdstudio-cli: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("gdstudio-cli: error: the run needs more memory than this computer has; use "
              "fewer steps (--max-iter) or less data", file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(render(run, arguments.format))
    if getattr(arguments, "animate", None) is not None:
        code = _animate(run, arguments)
        if code:
            return code
    if run.status != "diverged":
        return 0
    if arguments.format == "csv":  # the table and JSON carry the reason themselves
        print(f"gdstudio-cli: diverged: {run.message}", file=sys.stderr)
    return EXIT_DIVERGED


def _animate(run: Run | FitRun, arguments: argparse.Namespace) -> int:
    """Save the run as an animated GIF, drawn offscreen by the studio's plots."""

    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # Hidden plots need no window system; set before Qt loads, or it looks for one.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Lazy, and the one import of the Qt layer by the command line (allowed in
    # pyproject.toml): only --animate loads Qt, every other command stays Qt-free.
    from gdstudio.qt.animation.offscreen import animate_history

    width, height = arguments.size
    try:
        frames, size = animate_history(run.objective, run.history, arguments.animate,
                                       arguments.animate_plot, arguments.fps, (width, height),
                                       arguments.steps_per_frame)
    except (OSError, ValueError) as error:
        print(f"gdstudio-cli: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"gdstudio-cli: saved {arguments.animate} ({frames} frames, {width}x{height}, "
          f"{size / 1024:.0f} KB)", file=sys.stderr)
    return 0


def parse_assignments(groups: list[list[str]], what: str) -> dict[str, float]:
    """``[["x=3", "y=1,z=2"]]`` → ``{"x": 3.0, "y": 1.0, "z": 2.0}``.

    Raises
    ------
    ValueError
        For a pair that is not ``NAME=NUMBER`` (the number by the rule of
        :mod:`gdstudio.problems.numbers`) or a name given twice.
    """
    from gdstudio.problems.numbers import number_problem  # numpy: only when parsing

    values: dict[str, float] = {}
    for group in groups:
        for item in (piece for word in group for piece in word.split(",") if piece.strip()):
            name, sign, number = item.partition("=")
            name = name.strip()
            if not sign or not name:
                raise ValueError(f"{what} expects NAME=VALUE, not {item!r}")
            if name in values:
                raise ValueError(f"{what} gives {name} twice")
            problem = number_problem(number)
            if problem is not None:
                raise ValueError(f"{what} {name}: {problem}")
            values[name] = float(number)
    return values


def descent_options(arguments: argparse.Namespace) -> dict[str, object]:
    """The keyword arguments of :func:`gdstudio.descend` shared with ``fit``."""
    schedule: dict[str, object] = {"kind": arguments.schedule}
    for key in ("gamma", "step_size", "decay", "period", "min_factor"):
        value = getattr(arguments, key)
        if value is not None:
            schedule[key] = value
    return {
        "lr": arguments.lr,
        "optimizer": arguments.optimizer,
        "momentum": arguments.momentum,
        "alpha": arguments.alpha,
        "beta1": arguments.beta1,
        "beta2": arguments.beta2,
        "eps": arguments.eps,
        "damping": arguments.damping,
        "armijo_c": arguments.armijo_c,
        "shrink": arguments.shrink,
        "max_backtracks": arguments.backtracks,
        "schedule": schedule,
        "max_iter": arguments.max_iter,
        "tol_step": arguments.tol_step,
        "tol_grad": arguments.tol_grad,
        "tol_loss": arguments.tol_loss,
    }


def _run_function(arguments: argparse.Namespace) -> Run:
    from gdstudio.api import descend  # here, not above: --help and bad options need no numpy

    if arguments.project is not None:
        return _run_project(arguments)
    start = parse_assignments(arguments.start, "--start")
    if not start:
        raise ValueError("--start is required, e.g. --start x=3")
    return descend(arguments.expr, start, **descent_options(arguments))


def _run_project(arguments: argparse.Namespace) -> Run:
    """Run a saved project headless; its file holds the problem and every setting."""
    from gdstudio.api import run  # here, not above: --help and bad options need no numpy
    from gdstudio.io.project import load_project

    for token in arguments.typed:
        option = token.partition("=")[0]
        if option.startswith("--") and not any(
            known.startswith(option) for known in _PROJECT_OPTIONS
        ):
            raise ValueError(f"{option} cannot be combined with --project: the project file "
                             "holds the problem and its settings")
    return run(load_project(arguments.project).experiment)


# The options of ``run`` that may go with --project.
_PROJECT_OPTIONS = ("--project", "--format", "--animate", "--animate-plot", "--fps", "--size",
                    "--steps-per-frame")


def _run_fit(arguments: argparse.Namespace) -> FitRun:
    from gdstudio.api import fit  # here, not above: --help and bad options need no numpy

    run = fit(
        arguments.model,
        Path(arguments.data),
        target=arguments.target,
        start=parse_assignments(arguments.start, "--start"),
        fixed=parse_assignments(arguments.fix, "--fix"),
        loss=arguments.loss,
        batch_size=arguments.batch_size,
        seed=arguments.seed,
        standardize=arguments.standardize,
        **descent_options(arguments),
    )
    for hint in fit_hints(run, Path(arguments.data).name):
        print(f"gdstudio-cli: note: {hint}", file=sys.stderr)
    return run


def fit_hints(run: FitRun, source: str) -> tuple[str, ...]:
    """Warnings about model names that were fitted as parameters but look like columns."""
    # lazy: --help and bad options need no numpy
    from gdstudio.problems.expression import check_syntax
    from gdstudio.problems.model_hints import parameter_hints

    objective = run.objective
    names = check_syntax(objective.model_text)
    return parameter_hints(names, objective.data.names, objective.target, source)


def render(run: Run, output_format: str) -> str:
    """The run as ``table``, ``csv`` or ``json`` text."""
    if output_format == "json":
        return json.dumps(run.to_dict(), indent=1) + "\n"
    if output_format == "csv":
        return _csv(run)
    return _table(run)


def _table(run: Run | FitRun) -> str:
    names = getattr(run, "history_names", run.param_names)
    history = run.history
    header = ["step", *names, "loss", *(f"grad {name}" for name in names)]
    rows = [header]
    for step in range(len(history)):
        rows.append([
            str(step),
            *(_number(value) for value in history.params[step]),
            _number(history.loss[step]),
            *(_number(value) for value in history.grad[step]),
        ])
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [" | ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    where = ", ".join(f"{name} = {_number(value)}" for name, value in run.params.items())
    slope = ", ".join(f"{_number(value)}" for value in run.gradient.values())
    reached = run.status == "converged" or (
        run.status == "max_iter" and not run.message.startswith("not converged"))
    found = "minimum found at" if reached else "stopped at"
    if run.status == "diverged":
        status = [f"status: diverged after {run.iterations} steps", f"reason: {run.message}"]
    else:
        status = [f"status: {run.status} after {run.iterations} steps ({run.message})"]
    lines += [
        "",
        *status,
        f"{found}: {where}",
        f"loss there: {_number(run.loss)}",
        f"slope there: {slope}",
        *getattr(run, "notes", ()),
    ]
    return "\n".join(lines) + "\n"


def _csv(run: Run) -> str:
    from gdstudio.io.exports import history_csv_text  # here: --help needs no numpy

    return history_csv_text(run.history, getattr(run, "history_names", run.param_names))


def _number(value: float) -> str:
    return f"{float(value):.6g}"


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def _version() -> str:
    return f"gdstudio-cli {__version__}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
