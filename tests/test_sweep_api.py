"""``gdstudio.sweep``, ``sweep_fit`` and ``run_sweep``: K runs equal K calls of descend/fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gdstudio

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
DATA = {"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        "y": [1.2, 2.9, 5.1, 7.2, 8.8, 11.1, 13.0, 15.2]}


def assert_equals_single_runs(result: gdstudio.Sweep, runs: list[gdstudio.Run],
                              exact: bool = True) -> None:
    for index, run in enumerate(runs):
        assert result.status[index] == str(run.status), (index, run.message)
        assert result.iterations[index] == run.iterations, index
        params = np.array(list(run.params.values()))
        if exact:
            assert np.array_equal(result.params[index], params, equal_nan=True), index
            assert np.array_equal(result.loss[index], run.loss, equal_nan=True), index
        else:
            assert np.allclose(result.params[index], params, rtol=1e-12, atol=1e-12), index
        assert result.reason(index) == run.message


def starts_and_rates(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    xs, ys = generator.uniform(-2.0, 2.0, (2, count))
    return xs, ys, 10.0 ** generator.uniform(-4.0, -1.0, count)


@pytest.mark.parametrize(("optimizer", "hyper"), [
    ("gd", {}),
    ("momentum", {"momentum": [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99]}),
    ("nesterov", {"momentum": 0.8}),
    ("adagrad", {"eps": 1e-6}),
    ("rmsprop", {"alpha": [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999]}),
    ("adam", {"beta1": [0.0, 0.5, 0.8, 0.9, 0.9, 0.9, 0.95, 0.99], "beta2": 0.99}),
])
def test_sweep_equals_descend_for_every_optimizer(optimizer: str, hyper: dict) -> None:
    xs, ys, rates = starts_and_rates(8)
    options = {"optimizer": optimizer, "max_iter": 150, "tol_step": 1e-7}
    result = gdstudio.sweep(ROSENBROCK, start={"x": xs, "y": ys}, lr=rates, **options,
                            **hyper)
    runs = [gdstudio.descend(ROSENBROCK, start={"x": x, "y": y}, lr=rate, **options,
                             **{name: (value if np.ndim(value) == 0 else value[k])
                                for name, value in hyper.items()})
            for k, (x, y, rate) in enumerate(zip(xs, ys, rates, strict=True))]
    assert_equals_single_runs(result, runs)
    assert result.names == ("x", "y") and result.params.shape == (8, 2)


@pytest.mark.parametrize("schedule", [
    "exponential", {"kind": "step", "step_size": 5, "gamma": 0.5},
    {"kind": "cosine", "period": 30}, {"kind": "inverse_time", "decay": 0.5},
])
def test_sweep_follows_the_schedule_as_descend_does(schedule: object) -> None:
    rates = np.geomspace(0.01, 1.2, 12)
    result = gdstudio.sweep("x**4/4 - x**2 + 0.3*x", start={"x": 1.5}, lr=rates,
                            schedule=schedule, max_iter=200, tol_grad=1e-8)
    runs = [gdstudio.descend("x**4/4 - x**2 + 0.3*x", start={"x": 1.5}, lr=rate,
                             schedule=schedule, max_iter=200, tol_grad=1e-8) for rate in rates]
    assert_equals_single_runs(result, runs)


def test_runs_that_diverge_at_different_steps_equal_descend() -> None:
    rates = np.linspace(0.5, 1.3, 17)  # 2/λmax = 1 for x²
    result = gdstudio.sweep("x**2 + y**2/4", start={"x": 3.0, "y": [1.0, -2.0] * 8 + [0.5]},
                            lr=rates, max_iter=300, tol_step=1e-9)
    runs = [gdstudio.descend("x**2 + y**2/4", start={"x": 3.0, "y": [1.0, -2.0][k % 2]
                                                     if k < 16 else 0.5},
                             lr=rate, max_iter=300, tol_step=1e-9)
            for k, rate in enumerate(rates)]
    assert_equals_single_runs(result, runs)
    diverged = result.status == "diverged"
    assert diverged.any() and (result.status == "converged").any()


def test_a_function_with_exp_and_log_agrees_within_1e_12() -> None:
    # numpy's vectorised exp and log may differ from math's in the last bit.
    expression = "exp(x/3) + log(1 + y**2) - x*y/5"
    xs, ys, rates = starts_and_rates(10, seed=5)
    result = gdstudio.sweep(expression, start={"x": xs, "y": ys}, lr=rates * 10,
                            optimizer="adam", max_iter=100)
    runs = [gdstudio.descend(expression, start={"x": x, "y": y}, lr=rate * 10,
                             optimizer="adam", max_iter=100)
            for x, y, rate in zip(xs, ys, rates, strict=True)]
    assert_equals_single_runs(result, runs, exact=False)


def test_the_tutorial_reproduces_in_a_sweep() -> None:
    result = gdstudio.sweep("x**2", start=[3.0, -3.0], lr=0.1, max_iter=100, tol_step=1e-4)
    assert result.iterations.tolist() == [40, 40]
    assert round(float(result.params[0, 0]), 9) == 0.000398768
    assert result.params[1, 0] == -result.params[0, 0]


# ------------------------------------------------------------------ data mode
@pytest.mark.parametrize("options", [
    {},
    {"batch_size": 3, "seed": 11},
    {"batch_size": 1, "optimizer": "adam", "beta1": [0.5, 0.9, 0.9, 0.95, 0.99, 0.0]},
    {"standardize": True, "optimizer": "nesterov", "momentum": 0.5},
    {"loss": "mae", "batch_size": 4},
    {"loss": "sse", "schedule": "exponential"},
], ids=["full", "mini-batch", "stochastic-adam", "standardized", "mae", "sse"])
def test_sweep_fit_equals_fit(options: dict) -> None:
    starts = np.array([-4.0, -1.0, 0.0, 2.0, 5.0, 9.0])
    rates = np.array([0.001, 0.005, 0.01, 0.02, 0.04, 0.08])
    shared = {"max_iter": 200, "tol_step": 1e-9, **options}
    result = gdstudio.sweep_fit("m*x + b", DATA, start={"b": starts, "m": 1.0}, lr=rates,
                                **shared)
    runs = []
    for k in range(6):
        single = {name: (value if np.ndim(value) == 0 or isinstance(value, str) else value[k])
                  for name, value in shared.items()}
        runs.append(gdstudio.fit("m*x + b", DATA, start={"b": starts[k], "m": 1.0},
                                 lr=rates[k], **single))
    assert_equals_single_runs(result, runs)
    assert result.names == ("b", "m")


def test_run_sweep_varies_an_experiment() -> None:
    experiment = gdstudio.Experiment.data(DATA, "m*x + b", start={"b": 10}, fixed={"m": 2},
                                          loss="sse", lr=0.01, max_iter=30)
    result = gdstudio.run_sweep(experiment, lr=[0.01, 0.005])
    assert round(float(result.params[0, 0]), 4) == round(
        gdstudio.run(experiment).params["b"], 4)
    assert result.experiment.settings.learning_rate == 0.01
    again = gdstudio.run_sweep(experiment, start={"b": [10.0, 0.0]})
    assert again.starts[:, 0].tolist() == [10.0, 0.0]
    assert np.array_equal(again.params[0], result.params[0])


# ------------------------------------------------------------------ broadcasting
def test_scalars_and_arrays_broadcast() -> None:
    result = gdstudio.sweep("x**2 + y**2", start={"x": [1.0, 2.0, 3.0], "y": 1.0},
                            lr=0.1, momentum=[0.0, 0.5, 0.9], optimizer="momentum",
                            max_iter=5)
    assert result.starts.tolist() == [[1.0, 1.0], [2.0, 1.0], [3.0, 1.0]]
    assert result.learning_rates.tolist() == [0.1, 0.1, 0.1]
    assert result.hyperparameters["momentum"].tolist() == [0.0, 0.5, 0.9]
    assert len(result) == 3


def test_one_run_is_a_sweep_of_one() -> None:
    result = gdstudio.sweep(ROSENBROCK, start={"x": -1.5, "y": 2.0}, lr=0.001,
                            optimizer="adam", max_iter=50, history=True)
    run = gdstudio.descend(ROSENBROCK, start={"x": -1.5, "y": 2.0}, lr=0.001,
                           optimizer="adam", max_iter=50)
    assert result.params.shape == (1, 2) and result.loss_history.shape == (1, 51)
    assert np.array_equal(result.loss_history[0], run.history.loss)
    assert_equals_single_runs(result, [run])


def test_history_only_when_asked_nan_after_a_run_stops() -> None:
    options = {"start": {"x": 3.0}, "lr": [0.1, 0.5], "max_iter": 100, "tol_step": 1e-4}
    assert gdstudio.sweep("x**2", **options).loss_history is None
    history = gdstudio.sweep("x**2", **options, history=True).loss_history
    assert history.shape == (2, 41)
    assert np.isnan(history[1, 3:]).all() and not np.isnan(history[1, :3]).any()
    assert history[0, 0] == 9.0 and history[1, 1] == 0.0


@pytest.mark.parametrize(("keywords", "message"), [
    ({"start": {"x": [1.0, 2.0, 3.0], "y": 0.0}, "lr": [0.1, 0.2]},
     "lr has 2 values but start['x'] has 3: every keyword given as a list needs one value "
     "per run"),
    ({"start": {"x": [1.0, 2.0], "y": [1.0, 2.0, 3.0]}},
     "start['y'] has 3 values but start['x'] has 2: every keyword given as a list needs one "
     "value per run"),
    ({"start": {"x": 0.0, "y": 0.0}, "lr": [0.1, 0.1], "optimizer": "momentum",
      "momentum": [0.1, 0.2, 0.3]},
     "momentum has 3 values but lr has 2: every keyword given as a list needs one value per "
     "run"),
    ({"start": {"x": 0.0, "y": 0.0}, "lr": [0.1, -0.1]},
     "lr must be a positive number, not -0.1 (run 1)"),
    ({"start": {"x": 0.0, "y": 0.0}, "lr": [-0.1, 0.1]},
     "lr must be a positive number, not -0.1"),
    ({"start": {"x": [0.0, math.nan], "y": 0.0}},
     "start['x'] must be a finite number, not nan (run 1)"),
    ({"start": {"x": [[0.0, 1.0]], "y": 0.0}},
     "start['x'] must be one number or a list of numbers, not an array of shape (1, 2)"),
    ({"start": {"x": [], "y": 0.0}},
     "start['x'] is an empty list: give one number or at least one per run"),
    ({"start": {"x": 0.0, "y": 0.0}, "optimizer": "adam", "beta2": [0.9, 1.5]},
     "beta2 must be at least 0 and below 1, not 1.5 (run 1)"),
    ({"start": {"x": 0.0, "y": 0.0}, "lr": [0.1, "fast"]},
     "lr must be a number or 2 numbers, not [0.1, 'fast']"),
    ({"start": {"x": 0.0, "y": 0.0}, "progress_every": 0},
     "progress_every must be a whole number of at least 1, not 0"),
])
def test_bad_values_give_one_sentence(keywords: dict, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        gdstudio.sweep("x**2 + y**2", **keywords)
    assert str(caught.value) == message


def test_the_history_budget_is_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match=r"^the loss histories of 1,000,000 runs of up to "
                                         r"1,000,000 steps would take 7.45e\+03 GiB"):
        gdstudio.sweep("x**2", start=np.zeros(1_000_000), max_iter=1_000_000, history=True)


def test_progress_and_cancel() -> None:
    calls: list[float] = []

    def progress(fraction: float) -> bool:
        calls.append(fraction)
        return len(calls) < 3

    result = gdstudio.sweep("x**2", start=[3.0, 1e-4], lr=0.001, max_iter=1000,
                            tol_step=1e-6, progress=progress, progress_every=100)
    assert calls == [0.1, 0.2, 0.3, 1.0]
    assert result.status.tolist() == ["stopped", "converged"]
    assert result.iterations.tolist() == [300, 1]
    assert result.reason(0) == "stopped by request at step 300"
    assert "stopped" in repr(result)


@pytest.mark.parametrize(("model", "start", "options"), [
    ("a*exp(k*x)", {"a": [0.5, 1.0, 2.0, 3.0], "k": 0.3}, {}),
    ("a*exp(k*x)", {"k": [0.1, 0.2, 0.3, 0.4]}, {"batch_size": 1, "loss": "mae"}),
    ("a*sin(w*x) + b", {"w": [0.5, 1.0, 1.5, 2.0], "a": 1.0}, {"batch_size": 3}),
    ("exp(a)*x + b + 2", {"a": [-1.0, 0.0, 0.5, 1.0]}, {"loss": "half_mse"}),
    ("a*x**3 + b*x**2 + c", {"c": [-1.0, 0.0, 1.0, 2.0]}, {"batch_size": 5}),
])
def test_sweep_fit_of_a_nonlinear_model_equals_fit(model: str, start: dict,
                                                   options: dict) -> None:
    data = {"x": np.linspace(0.0, 2.0, 13), "y": 2.0 * np.exp(0.5 * np.linspace(0.0, 2.0, 13))}
    shared = {"max_iter": 80, "optimizer": "adam", "lr": 0.05, **options}
    result = gdstudio.sweep_fit(model, data, start=start, **shared)
    runs = [gdstudio.fit(model, data, start={name: (value if np.ndim(value) == 0 else value[k])
                                             for name, value in start.items()}, **shared)
            for k in range(4)]
    assert_equals_single_runs(result, runs)


def test_many_runs_on_many_rows_are_evaluated_in_chunks_with_the_same_numbers() -> None:
    generator = np.random.default_rng(7)
    x = generator.uniform(0.0, 3.0, 3000)
    data = {"x": x, "y": 1.5 * np.exp(0.4 * x) + generator.normal(0.0, 0.1, 3000)}
    starts = np.linspace(0.5, 2.5, 700)  # 700 runs × 3000 rows: more than one chunk
    result = gdstudio.sweep_fit("a*exp(k*x)", data, start={"a": starts, "k": 0.2},
                                lr=0.01, optimizer="adam", max_iter=3)
    for k in (0, 349, 350, 699):
        run = gdstudio.fit("a*exp(k*x)", data, start={"a": starts[k], "k": 0.2}, lr=0.01,
                           optimizer="adam", max_iter=3)
        assert np.array_equal(result.params[k], [run.params["a"], run.params["k"]])


def test_full_loss_is_over_every_row() -> None:
    result = gdstudio.sweep_fit("m*x + b", DATA, start={"b": [0.0, 5.0]}, lr=0.01,
                                batch_size=2, max_iter=20)
    for k in range(2):
        run = gdstudio.fit("m*x + b", DATA, start={"b": [0.0, 5.0][k]}, lr=0.01,
                           batch_size=2, max_iter=20)
        assert result.full_loss()[k] == run.full_loss
        assert result.loss[k] == run.loss


def test_the_module_example_holds() -> None:
    import doctest

    import gdstudio.api_sweep

    results = doctest.testmod(gdstudio.api_sweep)
    assert results.attempted >= 2 and results.failed == 0


@pytest.mark.parametrize("batch_size", [None, 3])
def test_data_runs_that_blow_up_are_explained_as_fit_explains_them(batch_size) -> None:
    rates = np.geomspace(0.005, 0.2, 9)  # the stable limit of this fit is near 0.02
    shared = {"start": {"b": 1.0, "m": 0.0}, "max_iter": 300, "tol_step": 1e-9,
              "batch_size": batch_size, "seed": 3}
    result = gdstudio.sweep_fit("m*x + b", DATA, lr=rates, **shared)
    runs = [gdstudio.fit("m*x + b", DATA, lr=rate, **shared) for rate in rates]
    assert_equals_single_runs(result, runs)
    assert (result.status == "diverged").sum() >= 3
    assert any("above the stable limit" in result.reason(k) for k in range(9))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: gdstudio.sweep("abs(x)", {"x": [1.0, 2.0]}, optimizer="newton", max_iter=5),
     "newton needs second derivatives, and this function has none"),
    (lambda: gdstudio.sweep_fit("m*x + b", DATA, loss="mae", optimizer="newton", max_iter=5),
     "newton needs second derivatives, and the mae loss has none"),
])
def test_newton_without_second_derivatives_is_refused_with_one_sentence(call, message) -> None:
    with pytest.raises(ValueError, match=message) as error:
        call()
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(("single", "many"), [("descend", "sweep"), ("fit", "sweep_fit")])
def test_a_sweep_takes_the_keywords_of_its_single_run_in_step(single, many) -> None:
    """``sweep`` and ``sweep_fit`` spell out ``descend``'s and ``fit``'s keywords (their
    signature is the API a student reads): the same names, order, kinds and defaults,
    plus the sweep's own ``history``, ``progress`` and ``progress_every``."""
    import inspect

    ones = inspect.signature(getattr(gdstudio, single)).parameters
    sweeps = inspect.signature(getattr(gdstudio, many)).parameters
    assert [name for name in sweeps if name not in ones] == [
        "history", "progress", "progress_every"]
    assert [name for name in sweeps if name in ones] == list(ones)
    for name, parameter in ones.items():
        assert (sweeps[name].kind, sweeps[name].default) == (parameter.kind, parameter.default)


def test_a_loss_that_is_a_parameter_itself_is_not_changed_by_the_next_step() -> None:
    # f = x hands out the parameter column as the loss: the sweep's in-place update of
    # the parameters must not change the losses it compares with.
    options = {"max_iter": 30, "tol_loss": 0.05}
    result = gdstudio.sweep("x", start={"x": [1.0, -2.0, 5.0]}, lr=[0.01, 0.1, 1.0],
                            **options)
    runs = [gdstudio.descend("x", start={"x": x}, lr=rate, **options)
            for x, rate in ((1.0, 0.01), (-2.0, 0.1), (5.0, 1.0))]
    assert_equals_single_runs(result, runs)
