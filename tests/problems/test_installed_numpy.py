"""The installers leave out numpy.testing: nothing the app compiles may need it."""

import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    import sys
    for name in ("numpy.testing", "numpy.f2py", "numpy.distutils"):
        sys.modules[name] = None  # as in the frozen app: importing them fails
    import numpy as np
    from gdstudio.problems.dataset import generate_dataset
    from gdstudio.problems.expression import compile_expression
    from gdstudio.problems.models import ModelObjective

    compiled = compile_expression("sin(x) + (1 - x)**2 + 100*(y - x**2)**2")
    compiled.prepare_arrays()  # the function and contour plots' grids
    grid = compiled.evaluate_grid(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert np.allclose(grid, [np.sin(1.0), 1.0]), grid
    data = generate_dataset("2*x + 1", n_points=5)  # the data generator
    model = ModelObjective("m*x + b", data, standardize=True)  # a standardised fit
    exact = np.array([{"m": 2.0, "b": 1.0}[name] for name in model.param_names])
    loss, grad = model.value_and_grad(model.from_original(exact))
    assert abs(loss) < 1e-12, loss
    assert np.allclose(model.to_original(model.from_original(exact)), exact)
    print("ok")
    """
)


def test_compiled_functions_do_not_import_numpy_testing() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
