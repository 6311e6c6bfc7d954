"""The examples gallery, as plain data: each example's problem, settings, lesson and ending.

Every :class:`Example` carries a short explanation for a student (what to look at, what
it teaches) and an :class:`Expected` ending that a test checks by running it headless, so
an explanation can never drift from what the app really shows.

Examples
--------
>>> example("tutorial_x_squared").expected.describe()
'ends converged after 40 steps, near x = 0 (within 0.001)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gdstudio.engine.stopping import StoppingRules

if TYPE_CHECKING:
    from gdstudio.api import Run
    from gdstudio.io.project import Project

__all__ = ["EXAMPLES", "Example", "Expected", "example"]


@dataclass(frozen=True)
class Expected:
    """How a run of an example ends, in terms a test can check.

    Attributes
    ----------
    status : str
        ``converged``, ``max_iter`` or ``diverged``.
    near : mapping of str to float
        Final parameters (in the data's units for data examples), each within
        ``tolerance``; empty to skip.
    tolerance : float
        Largest allowed distance from ``near``, per parameter.
    iterations : int or None
        Exact number of steps, when it is part of the lesson.
    message : str
        Words the run's closing sentence contains (e.g. ``"fell"``).
    loss_above : float or None
        The final loss stays above this (a local minimum, not the global one).
    """

    status: str
    near: Mapping[str, float] = field(default_factory=dict)
    tolerance: float = 1e-3
    iterations: int | None = None
    message: str = ""
    loss_above: float | None = None

    def problems(self, run: Run) -> list[str]:
        """What differs between ``run`` and this ending (empty when it matches)."""
        found: list[str] = []
        if str(run.status) != self.status:
            found.append(f"status {run.status}, expected {self.status} ({run.message})")
        if self.iterations is not None and run.iterations != self.iterations:
            found.append(f"{run.iterations} steps, expected {self.iterations}")
        for name, value in self.near.items():
            final = run.params.get(name, math.nan)
            if not abs(final - value) <= self.tolerance:
                found.append(f"{name} = {final:.6g}, expected {value:g} ± {self.tolerance:g}")
        if self.message and self.message not in run.message:
            found.append(f"the message {run.message!r} does not say {self.message!r}")
        if self.loss_above is not None and not run.loss > self.loss_above:
            found.append(f"loss {run.loss:.6g}, expected above {self.loss_above:g}")
        return found

    def describe(self) -> str:
        """The ending in words, e.g. ``"ends converged, near x = 0 (within 0.001)"``."""
        text = f"ends {self.status}"
        if self.iterations is not None:
            text += f" after {self.iterations} steps"
        if self.near:
            point = ", ".join(f"{name} = {value:g}" for name, value in self.near.items())
            text += f", near {point} (within {self.tolerance:g})"
        if self.message:
            text += f", saying the loss {self.message}" if self.message in ("fell", "grew") else (
                f", saying {self.message!r}")
        if self.loss_above is not None:
            text += f", with a loss above {self.loss_above:g}"
        return text


@dataclass(frozen=True)
class Example:
    """One example of the gallery: a problem, settings that show its lesson, and why.

    Attributes
    ----------
    key : str
        Identifier, also the file name of its project in ``resources/examples``.
    title : str
        Menu text.
    explanation : str
        Two to four sentences for a student: what to look at and what it teaches.
    mode : str
        ``"function"`` or ``"data"``.
    expected : Expected
        How its run ends.
    expression : str or None
        Function mode: the cost function.
    data, model, target, fixed, loss, batch_size, seed, standardize
        Data mode: the table (column → numbers) and how to fit it.
    start, optimizer, hyperparameters, learning_rate, schedule, stopping
        Where to start and how to descend.
    """

    key: str
    title: str
    explanation: str
    mode: str
    expected: Expected
    start: Mapping[str, float]
    learning_rate: float
    stopping: StoppingRules
    expression: str | None = None
    data: Mapping[str, tuple[float, ...]] | None = None
    model: str | None = None
    target: str = "y"
    fixed: Mapping[str, float] = field(default_factory=dict)
    loss: str = "mse"
    batch_size: int | None = None
    seed: int = 0
    standardize: bool = False
    optimizer: str = "gd"
    hyperparameters: Mapping[str, float] = field(default_factory=dict)
    schedule: Mapping[str, Any] = field(default_factory=lambda: {"kind": "constant"})

    def to_project(self) -> Project:
        """The example as a project (its title and explanation become the project's)."""
        from gdstudio.io.project import Project  # io sits above problems: import late

        return Project(
            mode=self.mode, expression=self.expression,
            data=None if self.data is None else {k: list(v) for k, v in self.data.items()},
            model=self.model, target=self.target, start=dict(self.start),
            fixed=dict(self.fixed), loss=self.loss, batch_size=self.batch_size,
            seed=self.seed, standardize=self.standardize, optimizer=self.optimizer,
            hyperparameters=dict(self.hyperparameters), learning_rate=self.learning_rate,
            schedule=dict(self.schedule), stopping=self.stopping, title=self.title,
            notes=self.explanation,
        )


def example(key: str) -> Example:
    """The example called ``key``.

    Raises
    ------
    KeyError
        Naming the keys there are.
    """
    for item in EXAMPLES:
        if item.key == key:
            return item
    raise KeyError(f"there is no example {key!r}; the examples are: "
                   f"{', '.join(item.key for item in EXAMPLES)}")


def _function(key: str, title: str, explanation: str, expression: str,
              start: dict[str, float], learning_rate: float, stopping: StoppingRules,
              expected: Expected, **options: Any) -> Example:
    return Example(key, title, " ".join(explanation.split()), "function", expected, start,
                   learning_rate, stopping, expression=expression, **options)


def _data(key: str, title: str, explanation: str, data: dict[str, tuple[float, ...]],
          model: str, start: dict[str, float], learning_rate: float, stopping: StoppingRules,
          expected: Expected, **options: Any) -> Example:
    return Example(key, title, " ".join(explanation.split()), "data", expected, start,
                   learning_rate, stopping, data=data, model=model, **options)


_TUTORIAL_DATA = {"x": (0.0, 1.0, 2.0, 3.0, 4.0), "y": (1.0, 3.0, 5.0, 7.0, 9.0)}
_BEALE = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
_TWO_MINIMA = "x**4 - 3*x**2 + x"

#: The gallery, in the order of its menu.
EXAMPLES: tuple[Example, ...] = (
    _function(
        "tutorial_x_squared", "Tutorial: x² from 3", """
        The first tutorial: minimise f(x) = x² from x = 3 at learning rate 0.1, stopping when
        a step is shorter than the precision 0.0001. Each step multiplies x by
        1 − 2·0.1 = 0.8, so watch the steps shrink by the same factor every time. It stops
        after 40 steps at x ≈ 0.0004.""",
        "x**2", {"x": 3.0}, 0.1, StoppingRules(max_iter=100, tol_step=1e-4),
        Expected("converged", {"x": 0.0}, 1e-3, iterations=40)),
    _data(
        "tutorial_intercept", "Tutorial: learn the intercept b (slope fixed at 2)", """
        Fit the line m·x + b to five points on y = 2x + 1, learning only the intercept b
        from 10 while the slope m stays fixed at 2. The loss is the sum of squared errors,
        so the first gradient is 2·Σ(2x + 10 − y) = 90 and the first step takes b to 9.1.
        After 30 steps at rate 0.01, b is down to about 1.38, still on its way to 1.""",
        _TUTORIAL_DATA, "m*x + b", {"b": 10.0}, 0.01, StoppingRules(max_iter=30),
        Expected("max_iter", {"b": 1.3815}, 1e-3), fixed={"m": 2.0}, loss="sse"),
    _data(
        "tutorial_slope_intercept", "Tutorial: slope and intercept, mean squared error", """
        Learn both m and b from 0, 0 with the mean squared error on five points of y = 2x.
        The slope comes quickly, the intercept slowly: after 1000 steps at rate 0.01,
        m ≈ 1.995 and b ≈ 0.017, not yet the exact 2 and 0. Look at the loss surface: a long
        narrow valley in which m and b trade off against each other.""",
        {"x": (1.0, 2.0, 3.0, 4.0, 5.0), "y": (2.0, 4.0, 6.0, 8.0, 10.0)}, "m*x + b",
        {"m": 0.0, "b": 0.0}, 0.01, StoppingRules(max_iter=1000),
        Expected("max_iter", {"m": 1.9952, "b": 0.0174}, 1e-3)),
    _data(
        "tutorial_feature_matrix", "Tutorial: θ₀ + θ₁·x with half the mean squared error", """
        The vectorised tutorial: θ = (t0, t1), the design matrix with rows [1, x], and the
        loss Σ(Xθ − y)² / 2m, whose gradient is Xᵀ(Xθ − y) / m. From (0.1, 0.2) at rate 0.01,
        1000 steps give t0 ≈ 0.114 and t1 ≈ 0.950, the same numbers as the tutorial's numpy
        loop, on the way to the exact fit t0 = 0, t1 = 1.""",
        {"x": (1.0, 2.0, 3.0), "y": (1.0, 2.0, 3.0)}, "t0 + t1*x", {"t0": 0.1, "t1": 0.2},
        0.01, StoppingRules(max_iter=1000),
        Expected("max_iter", {"t0": 0.1137, "t1": 0.9500}, 1e-3), loss="half_mse"),
    _function(
        "convex_bowl", "A round bowl", """
        f = x² + y² is a round bowl: from anywhere the gradient points straight at the
        minimum, so descent walks a straight line from (3, 4) to (0, 0), each step 0.8 times
        the last. Compare it with the elongated bowl.""",
        "x**2 + y**2", {"x": 3.0, "y": 4.0}, 0.1, StoppingRules(max_iter=1000, tol_step=1e-6),
        Expected("converged", {"x": 0.0, "y": 0.0}, 1e-3)),
    _function(
        "elongated_bowl", "An elongated bowl: the zig-zag", """
        f = x² + 10y² is ten times steeper across (y) than along (x). A rate large enough to
        make progress along x overshoots across: y changes sign at every step — the zig-zag —
        while x crawls towards 0. Try a rate above 0.1: then the zig-zag grows and the run
        diverges.""",
        "x**2 + 10*y**2", {"x": -8.0, "y": 1.0}, 0.09,
        StoppingRules(max_iter=1000, tol_step=1e-6),
        Expected("converged", {"x": 0.0, "y": 0.0}, 1e-3)),
    _function(
        "two_minima_right", "Two minima: start on the right", """
        f = x⁴ − 3x² + x has two valleys: a deeper one near x = −1.30 and a shallower one
        near x = 1.13. Started at x = 2, descent rolls into the nearer, shallower valley and
        stays there: gradient descent finds a minimum, not necessarily the lowest one.""",
        _TWO_MINIMA, {"x": 2.0}, 0.01, StoppingRules(max_iter=1000, tol_step=1e-6),
        Expected("converged", {"x": 1.1309}, 1e-3, loss_above=-1.1)),
    _function(
        "two_minima_left", "Two minima: start on the left", """
        The same f = x⁴ − 3x² + x started at x = −2: now descent ends in the deeper valley
        near x = −1.30, where f ≈ −3.51. Same function, same rate; the start point alone
        decided the answer.""",
        _TWO_MINIMA, {"x": -2.0}, 0.01, StoppingRules(max_iter=1000, tol_step=1e-6),
        Expected("converged", {"x": -1.3008}, 1e-3)),
    _function(
        "saddle", "A saddle: x² − y²", """
        At (0, 0) the slope of f = x² − y² is zero, but it is no minimum: f rises along x and
        falls along y. Started almost on the x axis, descent first heads for the saddle
        (x shrinks), but the tiny y grows by 20 % at every step until the loss falls without
        bound. The run ends as diverged, and that is the lesson.""",
        "x**2 - y**2", {"x": 1.0, "y": 0.01}, 0.1, StoppingRules(max_iter=1000, tol_step=1e-6),
        Expected("diverged", {"x": 0.0}, 1e-3, message="fell")),
    _function(
        "rosenbrock", "Rosenbrock's banana valley", """
        Easy to fall into, slow to follow: plain descent drops into the curved valley within
        a few hundred steps, then crawls along its flat floor towards the minimum at (1, 1).
        After 20,000 steps it is close but still not there. Compare momentum and Adam on the
        same problem.""",
        "(1 - x)**2 + 100*(y - x**2)**2", {"x": -1.5, "y": 2.0}, 0.001,
        StoppingRules(max_iter=20_000),
        Expected("max_iter", {"x": 1.0, "y": 1.0}, 1e-3)),
    _function(
        "himmelblau", "Himmelblau's four minima", """
        This function has four minima, all with loss 0: (3, 2), (−2.81, 3.13),
        (−3.78, −3.28) and (3.58, −1.85). From (0, 0) descent goes to (3, 2); move the start
        into another quarter of the plane and it finds another one.""",
        "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", {"x": 0.0, "y": 0.0}, 0.01,
        StoppingRules(max_iter=1000, tol_step=1e-7),
        Expected("converged", {"x": 3.0, "y": 2.0}, 1e-3)),
    _function(
        "beale", "Beale's flat valley", """
        Beale's function has its minimum at (3, 0.5), at the end of a long, nearly flat
        valley between steep walls. From (1, 1) at rate 0.01 descent needs a few thousand
        small steps; at rate 0.1 it hits a wall and blows up within three steps.""",
        _BEALE, {"x": 1.0, "y": 1.0}, 0.01, StoppingRules(max_iter=5000, tol_step=1e-8),
        Expected("converged", {"x": 3.0, "y": 0.5}, 1e-3)),
    _function(
        "bumpy", "A bumpy bowl with many local minima", """
        f = x²/10 + sin(3x) is a bowl with ripples: a dip every two units, and the lowest
        point near x = −0.51 where f ≈ −0.97. Started at x = 4, descent stops in the first
        dip it meets, near x = 3.58 with f ≈ 0.31: the gradient only sees the slope where
        it stands, not the deeper valleys behind the hills.""",
        "x**2/10 + sin(3*x)", {"x": 4.0}, 0.05, StoppingRules(max_iter=1000, tol_step=1e-7),
        Expected("converged", {"x": 3.5848}, 1e-3, loss_above=0.0)),
)
