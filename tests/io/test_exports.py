"""Exports: the step log as CSV, and the standalone script, run for real and compared
number by number with the app's own runs."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gdstudio
from gdstudio.api import Run
from gdstudio.cli import render
from gdstudio.engine import StoppingRules
from gdstudio.engine.stopping import describe_convergence, describe_divergence
from gdstudio.io import Project, load_project, save_project
from gdstudio.io.exports import export_python_script, history_csv_text, history_to_csv
from gdstudio.problems.dataset import generate_dataset
from gdstudio.problems.gallery import example
from tests.io.samples import data_project

# Runs a script with sympy and gdstudio made unimportable: it must need numpy only.
NUMPY_ONLY = """
import runpy, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("sympy", "gdstudio"):
            raise ImportError(f"the exported script imports {name}")
sys.meta_path.insert(0, Refuse())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_script(project: Project, tmp_path: Path, *options: str) -> str:
    script = tmp_path / "reproduce.py"
    script.write_text(export_python_script(project), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", NUMPY_ONLY, str(script), *options],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def table(output: str) -> np.ndarray:
    """The numbers of the printed step table, one row per step."""
    lines = output.split("\n\n")[0].splitlines()[2:]
    return np.array([[float(cell) for cell in line.split("|")] for line in lines])


def app_table(run: Run) -> np.ndarray:
    history = run.history
    return np.column_stack([history.step, history.params, history.loss, history.grad])


def assert_reproduces(project: Project, tmp_path: Path) -> Run:
    """The script prints the CLI's table to the character, and every number to 1e-12."""
    run = gdstudio.run(project.experiment)
    assert run_script(project, tmp_path) == render(run, "table")
    found, expected = table(run_script(project, tmp_path, "--digits", "17")), app_table(run)
    assert found.shape == expected.shape
    scale = np.maximum(np.abs(expected).max(axis=0), 1e-300)
    assert np.all(np.abs(found - expected) <= 1e-12 * np.maximum(np.abs(expected), scale * 1e-3))
    return run


# ------------------------------------------------------------------------ the five runs
def test_x_squared_tutorial(tmp_path: Path) -> None:
    run = assert_reproduces(Project.from_example(example("tutorial_x_squared")), tmp_path)
    assert run.iterations == 40


def test_adam_with_an_exponential_schedule_in_2d(tmp_path: Path) -> None:
    project = Project(expression="(x - 3)**2 + 10*(y + 1)**2", start={"x": 0, "y": 0},
                      optimizer="adam", hyperparameters={"beta2": 0.99}, learning_rate=0.1,
                      schedule={"kind": "exponential", "gamma": 0.98},
                      stopping=StoppingRules(max_iter=200))
    assert_reproduces(project, tmp_path)


def test_momentum_on_rosenbrock(tmp_path: Path) -> None:
    project = Project(expression="(1 - x)**2 + 100*(y - x**2)**2", start={"x": -1.5, "y": 2},
                      optimizer="momentum", learning_rate=0.0005,
                      stopping=StoppingRules(max_iter=8000, tol_step=1e-8))
    run = assert_reproduces(project, tmp_path)
    assert str(run.status) == "converged" and run.iterations > 5000
    assert run.params["x"] == pytest.approx(1, abs=1e-4)


def test_intercept_tutorial(tmp_path: Path) -> None:
    run = assert_reproduces(Project.from_example(example("tutorial_intercept")), tmp_path)
    assert run.params["b"] == pytest.approx(1.3815, abs=5e-5)


def test_mini_batch_fit(tmp_path: Path) -> None:
    data = generate_dataset("3*x - 1", noise=0.4, n_points=23, x_range=(-2, 3), seed=7)
    project = Project(mode="data", data=data, model="m*x + b", batch_size=4, seed=11,
                      learning_rate=0.05, stopping=StoppingRules(max_iter=120))
    run = assert_reproduces(project, tmp_path)
    assert run.history.epoch[-1] == 120 // 6


# ------------------------------------------------------------------------ every variant
@pytest.mark.parametrize(
    ("optimizer", "hyperparameters", "schedule"),
    [
        ("gd", {}, {"kind": "step", "step_size": 7, "gamma": 0.5}),
        ("nesterov", {"momentum": 0.8}, {"kind": "inverse_time", "decay": 0.05}),
        ("adagrad", {"eps": 1e-9}, {"kind": "cosine", "period": 30, "min_factor": 0.2}),
        ("rmsprop", {"alpha": 0.9}, {"kind": "constant"}),
    ],
)
def test_every_optimizer_and_schedule(tmp_path, optimizer, hyperparameters, schedule) -> None:
    project = Project(expression="x**2 + 3*y**2 + x*y", start={"x": 2, "y": -1},
                      optimizer=optimizer, hyperparameters=hyperparameters,
                      learning_rate=0.05, schedule=schedule,
                      stopping=StoppingRules(max_iter=60, tol_grad=1e-6))
    assert_reproduces(project, tmp_path)


@pytest.mark.parametrize("key", ["saddle", "bumpy", "tutorial_feature_matrix"])
def test_gallery_examples_with_other_endings(tmp_path: Path, key: str) -> None:
    assert_reproduces(Project.from_example(example(key)), tmp_path)


def test_a_rate_that_blows_up(tmp_path: Path) -> None:
    project = Project(expression="x**4", start={"x": 3}, learning_rate=0.5,
                      stopping=StoppingRules(max_iter=50))
    assert str(assert_reproduces(project, tmp_path).status) == "diverged"


def test_standardised_adam_with_mae_and_fixed_free_model(tmp_path: Path) -> None:
    data = generate_dataset("2*x + 5", noise=0.5, n_points=15, x_range=(10, 20), seed=3)
    project = Project(mode="data", data=data, model="w0 + w1*x", loss="mae",
                      standardize=True, batch_size=5, seed=2, optimizer="adam",
                      learning_rate=0.1, stopping=StoppingRules(max_iter=40))
    assert_reproduces(project, tmp_path)


def test_names_that_clash_with_the_script(tmp_path: Path) -> None:
    project = Project(expression="(loss - 1)**2 + (numpy + gradient)**2 + params**2",
                      start={"loss": 3, "numpy": 1, "gradient": 2, "params": -1},
                      learning_rate=0.1, stopping=StoppingRules(max_iter=20))
    assert_reproduces(project, tmp_path)
    data = Project(mode="data", data={"x": [1.0, 2.0, 3.0], "y": [2.0, 4.1, 5.9]},
                   model="prediction*x + columns", learning_rate=0.05,
                   stopping=StoppingRules(max_iter=20))
    assert_reproduces(data, tmp_path)


def test_functions_agree_to_rounding(tmp_path: Path) -> None:
    project = Project(expression="sqrt(x**2 + 1) + exp(-y) + log(1 + x**2) + sin(x)*cos(y)"
                                 " + abs(y - 1) + x**(3/2) + atan(y)",
                      start={"x": 2, "y": -1}, learning_rate=0.05,
                      stopping=StoppingRules(max_iter=80))
    run = gdstudio.run(project.experiment)
    found, expected = table(run_script(project, tmp_path, "--digits", "17")), app_table(run)
    np.testing.assert_allclose(found, expected, rtol=1e-12, atol=1e-14)


def test_every_function_a_student_may_type(tmp_path: Path) -> None:
    expression = ("sin(x) + cos(x) + tan(x) + sec(x) + csc(x) + cot(x) + asin(x/2) + acos(x/2)"
                  " + atan(x) + arcsin(x/3) + arccos(x/3) + arctan(x/3) + sinh(x) + cosh(x)"
                  " + tanh(x) + asinh(x) + acosh(x + 2) + atanh(x/2) + exp(-x) + log(x + 2)"
                  " + ln(x + 3) + sqrt(x + 2) + abs(x - 1) + pi*e*x**2")
    project = Project(expression=expression, start={"x": 0.3}, learning_rate=0.001,
                      stopping=StoppingRules(max_iter=15))
    run = gdstudio.run(project.experiment)
    found, expected = table(run_script(project, tmp_path, "--digits", "17")), app_table(run)
    assert found.shape == (16, 4)
    np.testing.assert_allclose(found, expected, rtol=1e-12, atol=0)


def test_a_plain_run_of_the_script_file(tmp_path: Path) -> None:
    script = tmp_path / "tutorial.py"
    source = export_python_script(Project.from_example(example("tutorial_intercept")),
                                  filename="tutorial.py")
    assert "    python tutorial.py --digits 17" in source
    script.write_text(source, encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=60, check=True)
    assert "status: max_iter after 30 steps" in result.stdout
    assert "stopped at: b = 1.38" in result.stdout and "fixed: m = 2" in result.stdout


def test_the_script_has_the_engine_sentences(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text(export_python_script(Project.from_example(example("convex_bowl"))),
                    encoding="utf-8")
    spec = importlib.util.spec_from_file_location("exported", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for rule in ("tol_step", "tol_grad", "tol_loss"):
        assert module.converged(rule, 1.23e-5, 1e-4) == describe_convergence(rule, 1.23e-5, 1e-4)
    for step, what, value in [(0, "loss", math.inf), (0, "gradient", math.nan),
                              (5, "params", math.inf), (5, "loss", math.nan),
                              (7, "grew", 1e12), (7, "fell", -1e12), (3, "gradient", math.inf)]:
        assert module.diverged(step, what, value, 2.5) == describe_divergence(step, what,
                                                                              value, 2.5)


def test_the_script_is_readable_for_a_student() -> None:
    source = export_python_script(Project.from_example(example("tutorial_x_squared")))
    compile(source, "exported.py", "exec")
    assert "# f(x) = x²" in source and "# ∂f/∂x = 2·x" in source
    assert "import sympy" not in source and "gdstudio import" not in source
    assert "def update(gradient, state, rate):" in source and "MOMENTUM =" not in source


# ------------------------------------------------------------------------ CSV
def test_csv_has_the_cli_columns_and_numbers(tmp_path: Path) -> None:
    run = gdstudio.run(data_project().experiment)
    path = tmp_path / "steps.csv"
    history_to_csv(run.history, run.param_names, path)
    text = path.read_text(encoding="utf-8")
    assert text == render(run, "csv") == history_csv_text(run.history, run.param_names)
    rows = text.splitlines()
    assert rows[0] == "step,b,m,loss,grad_b,grad_m,lr,step_size,epoch"
    assert rows[-1].endswith(",,,8") and len(rows) == 27
    assert [float(cell) for cell in rows[1].split(",")[1:3]] == run.history.params[0].tolist()


def test_csv_of_a_saved_history(tmp_path: Path) -> None:
    project = data_project()
    save_project(project, tmp_path / "fit.gdstudio")
    loaded = load_project(tmp_path / "fit.gdstudio")
    history_to_csv(loaded.history, loaded.param_names, tmp_path / "steps.csv")
    expected = history_csv_text(gdstudio.run(project.experiment).history, project.param_names)
    assert (tmp_path / "steps.csv").read_text(encoding="utf-8") == expected


@pytest.mark.parametrize(("options", "reason"), [
    ({"expression": "5*x**2", "start": {"x": 3}, "learning_rate": 0.21},
     "2/λmax = 0.2 here"),
    ({"expression": "x**2 + 3*y**2 + x*y", "start": {"x": 3, "y": 1}, "learning_rate": 0.6,
      "optimizer": "nesterov", "hyperparameters": {"momentum": 0.5}}, "2(1+μ)/((1+2μ)λmax)"),
    ({"expression": "abs(x) + x**2", "start": {"x": 3}, "learning_rate": 1.2},
     "the loss rose at each of the last 10 steps"),
    ({"mode": "data", "data": {"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 3.0, 5.0, 7.0]},
      "model": "m*x + b", "loss": "sse", "learning_rate": 0.1}, "2/λmax"),
    ({"mode": "data", "data": {"x": [0.0, 0.5, 1.0, 1.5], "y": [1.0, 1.6, 2.7, 4.5]},
      "model": "a*exp(k*x)", "start": {"a": 1, "k": 1}, "loss": "mse", "learning_rate": 5.0},
     "2/λmax = 4 here"),
    ({"mode": "data", "data": {"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "y": [1.0, 3, 5, 7, 9, 11]},
      "model": "m*x + b", "loss": "mse", "learning_rate": 0.3, "batch_size": 2, "seed": 1},
     "2/λmax"),
])
def test_a_run_caught_early_is_reproduced_with_its_reason(
    tmp_path: Path, options: dict, reason: str
) -> None:
    project = Project(stopping=StoppingRules(max_iter=200), **options)
    run = assert_reproduces(project, tmp_path)
    assert str(run.status) == "diverged" and reason in run.message and run.iterations < 40


def test_not_converged_is_reproduced(tmp_path: Path) -> None:
    project = Project(expression="x**2", start={"x": 3}, learning_rate=0.01,
                      stopping=StoppingRules(max_iter=60))
    assert assert_reproduces(project, tmp_path).message.startswith("not converged")


def test_a_sudden_blow_up_is_reproduced_with_the_start_limit(tmp_path: Path) -> None:
    project = Project(expression="x**4", start={"x": 3}, learning_rate=0.1,
                      stopping=StoppingRules(max_iter=50))
    run = assert_reproduces(project, tmp_path)
    assert run.message.endswith("2/λmax = 0.0185 at the start point, λmax = 108)")


# ------------------------------------------------------------------------ Newton, line search
@pytest.mark.parametrize(
    ("expression", "start", "rate", "hyperparameters"),
    [
        ("x**4 - 3*x**2 + x", {"x": 2}, 1.0, {}),
        ("(1 - x)**2 + 100*(y - x**2)**2", {"x": -1.2, "y": 1}, 1.0, {"damping": 0.5}),
        ("x**2 - y**2 + y**4/10", {"x": 1, "y": 0.1}, 0.1, {}),  # falls back at first
    ],
)
def test_newton_is_reproduced(tmp_path, expression, start, rate, hyperparameters) -> None:
    project = Project(expression=expression, start=start, optimizer="newton",
                      hyperparameters=hyperparameters, learning_rate=rate,
                      stopping=StoppingRules(max_iter=30, tol_grad=1e-10))
    run = assert_reproduces(project, tmp_path)
    assert run.history.params[1, 0] == pytest.approx(1.5) if expression.startswith("x**4") \
        else True


def test_newton_fallback_is_reported_by_the_script_too(tmp_path: Path) -> None:
    project = Project(expression="x**2 - y**2 + y**4/10", start={"x": 1, "y": 0.1},
                      optimizer="newton", learning_rate=0.1, stopping=StoppingRules(max_iter=5))
    run = assert_reproduces(project, tmp_path)
    assert "Newton's method took a gradient step instead" in run.message
    assert "Newton's method took a gradient step instead" in run_script(project, tmp_path)


def test_newton_on_data_is_reproduced(tmp_path: Path) -> None:
    data = generate_dataset("3*x - 1", noise=0.4, n_points=23, x_range=(-2, 3), seed=7)
    project = Project(mode="data", data=data, model="m*x + b", loss="sse", optimizer="newton",
                      learning_rate=1.0, stopping=StoppingRules(max_iter=3))
    run = gdstudio.run(project.experiment)
    answer = run.objective.least_squares_solution()
    np.testing.assert_allclose(run.history.params[1], [answer[n] for n in run.param_names],
                               rtol=1e-12)
    # At the answer the gradient is rounding noise (≈1e-14), which the script's own sums
    # round differently: compare the parameters and loss to 1e-12, the gradient to 1e-9.
    found = table(run_script(project, tmp_path, "--digits", "17"))
    expected = app_table(run)
    np.testing.assert_allclose(found[:, :4], expected[:, :4], rtol=1e-12)
    np.testing.assert_allclose(found[:, 4:], expected[:, 4:], atol=1e-9)


@pytest.mark.parametrize("hyperparameters", [{}, {"armijo_c": 0.4, "shrink": 0.3}])
def test_armijo_is_reproduced(tmp_path: Path, hyperparameters: dict[str, float]) -> None:
    project = Project(expression="(1 - x)**2 + 100*(y - x**2)**2", start={"x": -1.5, "y": 2},
                      optimizer="armijo", hyperparameters=hyperparameters, learning_rate=1.0,
                      stopping=StoppingRules(max_iter=300))
    run = assert_reproduces(project, tmp_path)
    assert run.history.lr[0] < 1.0  # the history's rate is the accepted one
    for k in range(run.iterations):
        rates, _, accepted = run.history.trials(k)
        assert accepted == len(rates) - 1 and rates[accepted] == run.history.lr[k]


def test_a_failed_line_search_is_reproduced(tmp_path: Path) -> None:
    project = Project(expression="x**2", start={"x": 3}, optimizer="armijo",
                      hyperparameters={"max_backtracks": 2}, learning_rate=100.0,
                      stopping=StoppingRules(max_iter=10))
    run = assert_reproduces(project, tmp_path)
    assert str(run.status) == "stopped" and run.iterations == 0
    assert "line search" in run.message


@pytest.mark.parametrize("optimizer", ["armijo", "newton"])
def test_mini_batch_newton_and_line_search_are_reproduced(tmp_path: Path, optimizer) -> None:
    data = generate_dataset("3*x - 1", noise=0.4, n_points=23, x_range=(-2, 3), seed=7)
    project = Project(mode="data", data=data, model="m*x + b", loss="mse", batch_size=5,
                      seed=3, optimizer=optimizer, learning_rate=0.5,
                      stopping=StoppingRules(max_iter=40))
    run = gdstudio.run(project.experiment)
    found = table(run_script(project, tmp_path, "--digits", "17"))
    expected = app_table(run)
    assert found.shape == expected.shape
    np.testing.assert_allclose(found[:, :4], expected[:, :4], rtol=1e-11)
