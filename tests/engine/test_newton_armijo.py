"""Newton's method and the backtracking line search, against numbers worked by hand.

The objectives are written out here (numpy only, exact derivatives), so the engine is
tested without the expression compiler.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.engine import Descent, History, HistoryBlock, StoppingRules, make_optimizer
from gdstudio.engine.explain import explain_descent_step
from gdstudio.engine.limits import bytes_per_step, check_max_iter


class Quartic:
    """f(x) = x⁴ − 3x² + x: f′ = 4x³ − 6x + 1, f″ = 12x² − 6."""

    n_samples = None
    param_names = ("x",)

    def value_and_grad(self, params, batch=None):
        (x,) = params
        return x**4 - 3 * x**2 + x, np.array([4 * x**3 - 6 * x + 1])

    def hessian(self, params, batch=None):
        (x,) = params
        return np.array([[12 * x**2 - 6]])


class Bowl:
    """f(x, y) = 2x² + xy + y² − 3x + 4y: H = [[4, 1], [1, 2]], minimum at H⁻¹(3, −4)."""

    n_samples = None
    param_names = ("x", "y")
    hessian_matrix = np.array([[4.0, 1.0], [1.0, 2.0]])
    linear = np.array([-3.0, 4.0])

    def value_and_grad(self, params, batch=None):
        value = 0.5 * params @ self.hessian_matrix @ params + self.linear @ params
        return float(value), self.hessian_matrix @ params + self.linear

    def hessian(self, params, batch=None):
        return self.hessian_matrix.copy()


class Saddle:
    """f(x, y) = x² − y², or −x² with one name."""

    n_samples = None

    def __init__(self, names=("x", "y")):
        self.param_names = names
        self.signs = np.array([1.0, -1.0])[: len(names)] if len(names) == 2 else np.array([-1.0])

    def value_and_grad(self, params, batch=None):
        return float(self.signs @ (params * params)), 2.0 * self.signs * params

    def hessian(self, params, batch=None):
        return np.diag(2.0 * self.signs)


class Rosenbrock:
    """f(x, y) = (1 − x)² + 100 (y − x²)²."""

    n_samples = None
    param_names = ("x", "y")

    def value_and_grad(self, params, batch=None):
        x, y = params
        value = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        return float(value), np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


class NoHessianHere(Quartic):
    """The quartic, but its Hessian is unavailable (as abs(x) at 0 would be)."""

    def hessian(self, params, batch=None):
        return None


def newton(objective, start, steps: int = 5, lr: float = 1.0, **hyper: float) -> Descent:
    descent = Descent(objective, start, optimizer=make_optimizer("newton", hyper), lr=lr,
                      stopping=StoppingRules(max_iter=steps))
    descent.run()
    return descent


def armijo(objective, start, steps: int = 200, lr: float = 1.0, **hyper: float) -> Descent:
    descent = Descent(objective, start, optimizer=make_optimizer("armijo", hyper), lr=lr,
                      stopping=StoppingRules(max_iter=steps))
    descent.run()
    return descent


# ------------------------------------------------------------------------ Newton
def test_newton_first_step_on_the_quartic_is_exactly_one_and_a_half() -> None:
    # f′(2) = 32 − 12 + 1 = 21, f″(2) = 48 − 6 = 42: x₁ = 2 − 21/42 = 1.5 exactly.
    descent = newton(Quartic(), [2.0], steps=1)
    assert descent.history.params[1, 0] == 1.5
    assert descent.history.lr[0] == 1.0 and descent.history.fallback[0] == 0


def test_newton_lands_on_the_minimum_of_a_quadratic_in_one_step() -> None:
    descent = newton(Bowl(), [5.0, -7.0], steps=1)
    minimum = np.linalg.solve(Bowl.hessian_matrix, -Bowl.linear)
    np.testing.assert_allclose(descent.history.params[1], minimum, rtol=0, atol=1e-14)
    np.testing.assert_allclose(descent.history.grad[1], [0, 0], atol=1e-13)


def test_damping_and_rate_scale_the_newton_step() -> None:
    # (f″ + λ)·d = f′: d = 21/(42 + 8) = 0.42; x₁ = 2 − 0.5·0.42 = 1.79.
    descent = newton(Quartic(), [2.0], steps=1, lr=0.5, damping=8.0)
    assert descent.history.params[1, 0] == pytest.approx(1.79, abs=1e-15)


@pytest.mark.parametrize(("objective", "start"), [(Saddle(("x",)), [2.0]),
                                                    (Saddle(), [1.0, 0.5])])
def test_an_indefinite_hessian_falls_back_to_a_gradient_step_and_says_so(objective, start):
    descent = newton(objective, start, steps=3, lr=0.1)
    history = descent.history
    np.testing.assert_array_equal(history.fallback, [1, 1, 1, 0])
    for k in range(3):  # each step is θ − α·g, never the Newton step uphill
        np.testing.assert_allclose(history.params[k + 1],
                                   history.params[k] - 0.1 * history.grad[k], rtol=1e-15)
        assert history.loss[k + 1] < history.loss[k]
    assert "took a gradient step instead at 3 of 3 updates" in descent.fallback_note
    assert "not positive definite" in descent.fallback_note
    assert "Fallback: H + λI is not positive definite" in explain_descent_step(descent, 0)


def test_a_singular_hessian_falls_back_too() -> None:
    # f″(x) = 12x² − 6 vanishes at x = 1/√2.
    descent = newton(Quartic(), [1 / math.sqrt(2)], steps=1, lr=0.01)
    assert descent.history.fallback[0] == 1


def test_a_missing_hessian_falls_back_with_its_own_code() -> None:
    descent = newton(NoHessianHere(), [2.0], steps=2, lr=0.01)
    np.testing.assert_array_equal(descent.history.fallback, [2, 2, 0])
    assert "not available" in descent.fallback_note
    assert "the Hessian is not available" in explain_descent_step(descent, 0)


def test_newton_is_refused_for_an_objective_without_second_derivatives() -> None:
    with pytest.raises(ValueError, match="newton needs second derivatives"):
        newton(Rosenbrock(), [0.0, 0.0])


def test_the_newton_explanation_writes_the_solve_out() -> None:
    text = explain_descent_step(newton(Quartic(), [2.0], steps=1), 0)
    assert "Curvature h₀ = f″(x₀) = 42" in text
    assert "d₀ = g₀/(h₀ + λ) = 21 / (42 + 0) = 0.5" in text
    assert "x₁ = x₀ − α·d₀ = 2 − 1 · 0.5 = 1.5" in text
    text = explain_descent_step(newton(Bowl(), [5.0, -7.0], steps=1), 0)
    assert "Hessian H(θ₀) = [(4, 1), (1, 2)], eigenvalues of H + λI: 1.5858, 4.4142" in text
    assert "Solve (H + λI)·d₀ = g₀ for the Newton direction: d₀ = " in text


# ------------------------------------------------------------------------ Armijo
def test_every_accepted_armijo_step_satisfies_sufficient_decrease_on_rosenbrock() -> None:
    c = 1e-4
    descent = armijo(Rosenbrock(), [-1.5, 2.0], steps=500)
    history = descent.history
    assert descent.step_count == 500
    for k in range(descent.step_count):
        squared = float(history.grad[k] @ history.grad[k])
        assert history.loss[k + 1] <= history.loss[k] - c * history.lr[k] * squared
        rates, losses, accepted = history.trials(k)
        assert accepted == len(rates) - 1 and rates[-1] == history.lr[k]
        assert losses[-1] == history.loss[k + 1]  # the accepted trial is the new point
        np.testing.assert_array_equal(rates, 1.0 * 0.5 ** np.arange(len(rates)))
        for rate, value in zip(rates[:-1], losses[:-1], strict=True):  # each rejected one
            assert not value <= history.loss[k] - c * rate * squared


def test_armijo_trials_are_listed_in_the_explanation() -> None:
    descent = armijo(Rosenbrock(), [-1.5, 2.0], steps=1)
    text = explain_descent_step(descent, 0)
    assert text.splitlines()[0].endswith("α = 0.00097656, c = 0.0001, β = 0.5, "
                                         "max backtracks = 30")
    assert "Try α = 1: f = 5.5273e10 > 9.8475 ✗" in text
    assert "Try α = 0.00097656: f = 10.807 ≤ 12.497 ✓ accepted" in text
    assert text.count("Try α") == 11


def test_settable_armijo_constants_change_the_search() -> None:
    # f = −x² from 1 (g = −2, ‖g‖² = 4): with c = 0.9 and β = 0.1 the rate 1 gives
    # f(3) = −9 ≤ −1 − 0.9·1·4 = −4.6: accepted at once.
    descent = armijo(Saddle(("x",)), [1.0], steps=1, armijo_c=0.9, shrink=0.1)
    assert descent.history.trials(0)[0].tolist() == [1.0]
    # The bowl from (0, 0), g = (−3, 4), ‖g‖² = 25, with c = 0.5, β = 0.1: α = 1 reaches
    # (3, −4) where f = −3 > 0 − 0.5·1·25 = −12.5; α = 0.1 reaches f(0.3, −0.4) = −2.28
    # ≤ −1.25.
    descent = armijo(Bowl(), [0.0, 0.0], steps=1, armijo_c=0.5, shrink=0.1)
    rates, losses, accepted = descent.history.trials(0)
    assert rates.tolist() == [1.0, 0.1] and accepted == 1
    np.testing.assert_allclose(losses, [-3.0, -2.28], rtol=1e-14)


def test_a_line_search_that_finds_nothing_stops_the_run_without_a_step() -> None:
    descent = armijo(Bowl(), [5.0, -7.0], steps=10, lr=100.0, max_backtracks=2)
    assert descent.status == "stopped" and descent.step_count == 0
    assert descent.message.startswith("the line search at step 0 found no rate from "
                                      "α = 100 down to 25 (3 tries)")
    rates, losses, accepted = descent.history.trials(0)
    assert rates.tolist() == [100.0, 50.0, 25.0] and accepted is None
    assert np.all(losses > descent.history.loss[0])  # every try went far uphill
    assert np.isnan(descent.history.lr[0])
    descent.set_hyperparameters(max_backtracks=20)  # more tries: the search now succeeds
    assert descent.step() and descent.history.trials(0)[2] is not None


def test_raising_max_backtracks_widens_the_history() -> None:
    descent = armijo(Rosenbrock(), [-1.5, 2.0], steps=3, max_backtracks=12)
    assert descent.history.trial_width == 13
    descent.set_hyperparameters(max_backtracks=40)
    assert descent.history.trial_width == 41
    assert descent.history.trials(0)[0].size == 11  # earlier rows keep their tries
    with pytest.raises(ValueError, match="max_backtracks must be a whole number from 0 to 60"):
        descent.set_hyperparameters(max_backtracks=2.5)


# ------------------------------------------------------------------------ rewind
@pytest.mark.parametrize(("name", "objective", "start", "lr"), [
    ("newton", Quartic(), [-0.2], 1.0),  # f″ < 0 at first: fallbacks, then Newton steps
    ("armijo", Rosenbrock(), [-1.5, 2.0], 1.0),
])
def test_rewind_then_continue_is_exact(name, objective, start, lr) -> None:
    full = Descent(objective, start, optimizer=make_optimizer(name), lr=lr,
                   stopping=StoppingRules(max_iter=12))
    full.run()
    again = Descent(objective, start, optimizer=make_optimizer(name), lr=lr,
                    stopping=StoppingRules(max_iter=12))
    again.run(max_steps=9)
    again.rewind_to(3)
    assert np.isnan(again.history.trials_lr[3]).all() and again.history.fallback[3] == 0
    again.run()
    for column in ("params", "loss", "grad", "lr", "step_size", "fallback", "trials_lr",
                   "trials_loss"):
        np.testing.assert_array_equal(getattr(again.history, column),
                                      getattr(full.history, column), err_msg=column)
    if name == "newton":
        assert full.history.fallback[0] == 1 and not full.history.fallback[-2]


# ------------------------------------------------------------------------ memory
def test_the_method_records_count_in_the_memory_budget() -> None:
    assert bytes_per_step(1, make_optimizer("newton")) == 6 * 8 + 1
    assert bytes_per_step(1, make_optimizer("armijo")) == 6 * 8 + 16 * 31
    assert bytes_per_step(1, make_optimizer("armijo", {"max_backtracks": 3})) == 6 * 8 + 64
    with pytest.raises(ValueError, match="every step takes 544 bytes"):
        check_max_iter(10**7, 1, make_optimizer("armijo"))


def test_history_blocks_carry_the_method_columns() -> None:
    descent = armijo(Rosenbrock(), [-1.5, 2.0], steps=6)
    source = descent.history
    mirror = History(2)
    mirror.adopt(source.shared_tail(0))
    np.testing.assert_array_equal(mirror.trials_lr, source.trials_lr)
    copied = History(2)  # narrower at first: widened by the blocks it is sent
    for block in (source.tail(0, 3), source.tail(2)):
        copied.write_block(block)
    merged = History(2)
    merged.write_block(HistoryBlock.concatenate([source.tail(0, 3), source.tail(2)]))
    for history in (copied, merged, source.copy()):
        np.testing.assert_array_equal(history.trials_loss, source.trials_loss)
        assert history.trials(4)[0].tolist() == source.trials(4)[0].tolist()
