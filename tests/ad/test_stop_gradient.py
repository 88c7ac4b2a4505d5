"""symdiff.stop_gradient(x): x at run time, a constant to the chain rule, in every mode.

The ground truth: central differences of the same function with the stopped value frozen
at its value (passed in as a number), which is what a constant means."""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff import stop_gradient
from symdiff import stop_gradient as frozen
from support import (compiled_by_cli, directional_difference, load_module, numerical_jacobian,
                     second_difference)

RNG = np.random.default_rng(3)
X = RNG.uniform(0.5, 1.5, 4)


def scaled(x):
    return np.sum(x ** 2 * symdiff.stop_gradient(np.sin(x)))


def scaled_frozen(x, c):
    return np.sum(x ** 2 * c)


def normalized(x):
    n = np.sqrt(np.sum(x * x))
    return np.sum(np.exp(x / stop_gradient(n)))


def normalized_frozen(x, n):
    return np.sum(np.exp(x / n))


def shifted_exp(x):
    """A softmax-style shift by the max, detached (the max gets no gradient)."""
    return np.log(np.sum(np.exp(x - frozen(np.max(x)))))


def shifted_exp_frozen(x, m):
    return np.log(np.sum(np.exp(x - m)))


def in_a_loop(x):
    total = 0.0
    for i in range(3):
        total = total + symdiff.stop_gradient(total) * x[i] + x[i] ** 2
    return total


def in_a_loop_frozen(x, stops):
    total = 0.0
    for i in range(3):
        total = total + stops[i] * x[i] + x[i] ** 2
    return total


def loop_stops(x):
    total, stops = 0.0, []
    for i in range(3):
        stops.append(total)
        total = total + total * x[i] + x[i] ** 2
    return np.array(stops)


CASES = [(scaled, scaled_frozen, lambda x: np.sin(x)),
         (normalized, normalized_frozen, lambda x: np.sqrt(np.sum(x * x))),
         (shifted_exp, shifted_exp_frozen, lambda x: np.max(x)),
         (in_a_loop, in_a_loop_frozen, loop_stops)]


@pytest.mark.parametrize("f, frozen_f, stopped", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_value_and_gradient_treat_the_stopped_value_as_a_constant(f, frozen_f, stopped):
    x = X + 0.1 * RNG.standard_normal(4)
    value, dx = symdiff.value_and_grad(f)(x)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    c = stopped(x)
    want = numerical_jacobian(frozen_f, (x, c), 0)
    np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("f, frozen_f, stopped", CASES[:3],
                         ids=lambda c: getattr(c, "__name__", ""))
def test_forward_mode_gives_the_stopped_value_no_tangent(f, frozen_f, stopped):
    x, v = X.copy(), RNG.standard_normal(4)
    value, slope = symdiff.jvp(f)(x, v)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    want = directional_difference(frozen_f, (x, stopped(x)), [0], [v])
    np.testing.assert_allclose(slope, want, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("f, frozen_f, stopped", CASES[:2],
                         ids=lambda c: getattr(c, "__name__", ""))
def test_the_hessian_treats_the_stopped_value_as_a_constant(f, frozen_f, stopped):
    x = X.copy()
    H = symdiff.hessian(f)(x)
    c = stopped(x)
    want = second_difference(lambda x: frozen_f(x, c), (x,), 0, 0)
    np.testing.assert_allclose(H, want, rtol=1e-4, atol=1e-6)


def test_stop_gradient_is_the_identity_at_run_time():
    x = RNG.standard_normal(3)
    assert stop_gradient(x) is x and stop_gradient(2.5) == 2.5


def test_stopped_value_of_a_product_is_a_constant_factor():
    f = symdiff.grad(lambda_free_product)
    assert f(3.0) == 3.0                   # d/dx x * stop(x) = stop(x) = x, not 2x


def lambda_free_product(x):
    return x * symdiff.stop_gradient(x)


def test_with_jit_the_same_gradient():
    pytest.importorskip("numba")
    x = X.copy()
    np.testing.assert_allclose(symdiff.grad(scaled, jit=True)(x),
                               symdiff.grad(scaled)(x), rtol=1e-12)


MODEL = """
import numpy as np
import symdiff as sd
from symdiff import stop_gradient


def f(x, y):
    return x * sd.stop_gradient(y) + stop_gradient(x) * y ** 2


def misuse(x):
    return sd.grad(x)
"""


def test_the_cli_honours_stop_gradient_without_running_the_file(tmp_path):
    namespace = compiled_by_cli(tmp_path, MODEL, "-f", "f", "--wrt", "x,y")
    dx, dy = namespace["grad_f"](1.5, -0.7)
    np.testing.assert_allclose([dx, dy], [-0.7, 2 * 1.5 * -0.7], rtol=1e-12)


def test_symdiff_functions_other_than_stop_gradient_are_refused_where_called(tmp_path):
    module = load_module(tmp_path, "misuse", MODEL)
    with pytest.raises(symdiff.SymdiffError, match="cannot be called inside") as info:
        symdiff.grad(module.misuse)(1.0)
    assert ":12:" in str(info.value) and "stop_gradient" in str(info.value)


def test_stop_gradient_takes_one_argument(tmp_path):
    module = load_module(tmp_path, "two", """
        import symdiff

        def f(x):
            return symdiff.stop_gradient(x, x)
    """)
    with pytest.raises(symdiff.SymdiffError, match="takes one argument"):
        symdiff.grad(module.f)(1.0)


def copied(x):
    y = x.copy()
    return np.sum(y * np.sin(x))


def test_a_copy_is_an_ordinary_value_not_a_stopped_one():
    x = X.copy()
    np.testing.assert_allclose(symdiff.grad(copied)(x), numerical_jacobian(copied, (x,), 0),
                               rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- steps inside stop_gradient


def rounded(x):
    return np.sum(x ** 2 * stop_gradient(np.round(x * 3.0) / 3.0))


def floored_in_a_loop(x):
    total = 0.0
    for i in range(4):
        total = total + x[i] * symdiff.stop_gradient(np.floor(total + 2.0 * x[i]))
    return total


def floored_in_a_loop_frozen(x, stops):
    total = 0.0
    for i in range(4):
        total = total + x[i] * stops[i]
    return total


def floor_stops(x):
    total, stops = 0.0, []
    for i in range(4):
        stops.append(np.floor(total + 2.0 * x[i]))
        total = total + x[i] * stops[-1]
    return np.array(stops)


def counted(x):
    return x * stop_gradient(int(x * 4.0)) + np.ceil(stop_gradient(x))


STEP_CASES = [(rounded, scaled_frozen, lambda x: np.round(x * 3.0) / 3.0),
              (floored_in_a_loop, floored_in_a_loop_frozen, floor_stops)]


@pytest.mark.parametrize("f, frozen_f, stopped", STEP_CASES,
                         ids=lambda c: getattr(c, "__name__", ""))
def test_a_step_inside_stop_gradient_is_its_value_only(f, frozen_f, stopped):
    x = np.array([0.4, 1.3, -0.7, 0.9])
    value, dx = symdiff.value_and_grad(f)(x)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    np.testing.assert_allclose(dx, numerical_jacobian(frozen_f, (x, stopped(x)), 0),
                               rtol=1e-6, atol=1e-9)
    v = RNG.standard_normal(4)
    np.testing.assert_allclose(symdiff.jvp(f)(x, v)[1], directional_difference(
        frozen_f, (x, stopped(x)), [0], [v]), rtol=1e-6, atol=1e-9)


def test_the_hessian_through_a_stopped_step():
    x = np.array([0.4, 1.3, -0.7, 0.9])
    c = np.round(x * 3.0) / 3.0
    np.testing.assert_allclose(symdiff.hessian(rounded)(x), np.diag(2.0 * c), atol=1e-12)


def test_an_int_cast_and_a_ceil_inside_stop_gradient_are_accepted():
    value, dx = symdiff.value_and_grad(counted)(1.3)
    assert value == counted(1.3) and dx == 5.0


def test_a_step_read_outside_stop_gradient_too_is_still_refused(tmp_path):
    module = load_module(tmp_path, "both", """
        import numpy as np
        import symdiff

        def f(x):
            q = np.floor(x)
            return np.sum(x * symdiff.stop_gradient(q)) + np.sum(q)
    """)
    with pytest.raises(symdiff.SymdiffError, match="np.floor is not differentiable") as info:
        symdiff.grad(module.f)(np.array([0.5, 1.5]))
    assert ":6:" in str(info.value)
