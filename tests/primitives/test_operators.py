"""Python and NumPy operators whose derivative is easy to get silently wrong.

Every case runs end to end and is checked against central differences (float64), with the
value ``value_and_grad`` returns compared to calling the plain Python function, and, where
the case touches a derivative rule, forward mode (``symdiff.jvp``) against a directional
difference. Conventions asserted at the points where differences cannot decide:

- ``x ** y`` at x == 0 (as JAX's ``lax.pow``): d/dx = y * x**(y - 1), which is 0 where
  y == 0; d/dy = 0 (log(x) is replaced by log(1) where x == 0).
- ``x % y``, ``np.mod``, ``np.remainder`` (the sign of y) and ``np.fmod`` (the sign of x):
  d/dx = 1, d/dy = -floor(x / y) (fmod: -trunc(x / y)) away from the jumps.
"""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from operator_checks import seeded, verify
from support import load_module, numerical_jacobian, second_difference

SOURCE = '''
import math
import numpy as np


def py_mod(x, y):
    return x % y


def py_mod_chain(x, y):
    r = (x * 3.0) % y
    return r * r + x


def np_mod(x, y):
    return np.sum(np.mod(x, y) * x)


def np_remainder(x, y):
    return np.sum(np.remainder(x, y) ** 2)


def np_fmod(x, y):
    return np.sum(np.fmod(x, y) * y)


def math_fmod(x, y):
    return math.fmod(x, y) * x


def int_mod_index(x):
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        total = total + x[(i + 1) % n] * x[i]
    return total


def power_var(x, p):
    return x ** p


def power_sum(x, p):
    return np.sum(x ** p)


def np_power(x, y):
    return np.sum(np.power(x, y))


def power_of_zero(y):
    return np.power(0.0, y)


def power_fused(x, p):
    return np.sum((2.0 * x) ** p + x)


def power_base_const(x, p):
    return np.sum(x * 3.0 ** p)


def py_or(x, y):
    return x or y


def py_and(x, y):
    return x and y


def or_in_arithmetic(x, y):
    return (x or y) * x + (y and x)


def or_chain(x, y, z):
    return x * 0.0 or y or z


def and_or_select(x, y):
    return (x > 1.0 and x * x) or y * 2.0


def not_select(x, y):
    return y if not x > 1.0 else x * y


def or_arrays(x, y):
    return np.sum(x or y)


def not_array(x):
    return 1.0 if not x else np.sum(x)


def if_array(x):
    if x:
        return np.sum(x)
    return 0.0


def astype_string(x):
    return np.sum(x.astype('float64') * x)


def astype_builtin(x):
    return np.sum(x.astype(float) ** 2)


def astype_numpy_type(x, w):
    return np.sum(x.astype(np.float64) @ w)


def astype_keyword(x):
    return np.sum(np.tanh(x.astype(dtype='float64')))


def astype_float32(x):
    return np.sum(x.astype(np.float32) * x)


def np_float64_call(x):
    return np.sum(np.float64(x) * np.asarray(x, dtype=float))


def dtype_keywords(x):
    return np.sum(np.zeros(x.shape, dtype=np.float64) + x * np.ones(x.shape, dtype=float))


def astype_int_index(x, w):
    return np.sum(w[x.astype(int)] * w)


def astype_int_through(x):
    return np.sum(x.astype(int) * x)


def astype_bool_through(x):
    return np.sum(np.where(x.astype(bool), x, 0.0) + x.astype(bool))


def astype_own_dtype(x):
    return np.sum(x.astype(x.dtype) * np.asarray(x, dtype=np.float64))


def astype_copy_keyword(x):
    return np.sum(x.astype(np.float64, copy=False) * np.ones_like(x, dtype=float))


def astype_unknown(x):
    return np.sum(x.astype('no such type'))
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("operators"), "operators", SOURCE)


def _away_from_jumps(x, y, gap=0.05):
    q = np.asarray(x) / np.asarray(y)
    return np.min(np.abs(q - np.round(q))) > gap


def _mod_args(shape, seed, negative_y=False):
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        x = rng.uniform(-5.0, 5.0, shape) if shape else float(rng.uniform(-5.0, 5.0))
        y = rng.uniform(0.5, 1.5, shape) if shape else float(rng.uniform(0.5, 1.5))
        y = -y if negative_y else y
        if _away_from_jumps(x, y):
            return x, y
    raise AssertionError("no sample away from the jumps")


# ---------------------------------------------------------------- x % y, mod, fmod


@pytest.mark.parametrize("name", ["py_mod", "py_mod_chain", "math_fmod"])
@pytest.mark.parametrize("negative_y", [False, True])
def test_mod_on_floats(m, name, negative_y):
    x, y = _mod_args((), seed=len(name), negative_y=negative_y)
    verify(getattr(m, name), x, y, wrt=(0, 1))


@pytest.mark.parametrize("name", ["np_mod", "np_remainder", "np_fmod", "py_mod_chain"])
@pytest.mark.parametrize("negative_y", [False, True])
def test_mod_on_arrays(m, name, negative_y):
    x, y = _mod_args((3, 4), seed=len(name) + 1, negative_y=negative_y)
    fn = getattr(m, name)
    if name == "py_mod_chain":
        fn = m.np_mod
    verify(fn, x, y, wrt=(0, 1))
    verify(fn, x, y[0], wrt=(0, 1))             # broadcasting a row of divisors


def test_mod_follows_the_divisor_and_fmod_the_dividend(m):
    x, y = -3.7, 1.5                          # -3.7 % 1.5 = 0.8; fmod(-3.7, 1.5) = -0.7
    _, (dx, dy) = verify(m.py_mod, x, y, wrt=(0, 1))
    assert (dx, dy) == (1.0, -np.floor(x / y))
    _, (dx, dy) = verify(m.math_fmod, x, y, wrt=(0, 1))
    assert dy == pytest.approx(-np.trunc(x / y) * x)


def test_integer_mod_stays_an_exact_index(m):
    x = seeded(5, seed=3)
    verify(m.int_mod_index, x)


# ---------------------------------------------------------------- powers, exact at 0


@pytest.mark.parametrize("p", [2.0, 3.0, 1.0, 4.0])
def test_power_at_zero_base_is_finite(m, p):
    _, (dx, dp) = verify(m.power_var, 0.0, p, wrt=(0, 1), directional=False)
    assert dx == (1.0 if p == 1.0 else 0.0) and dp == 0.0


def test_power_at_zero_base_and_zero_exponent_follows_jax(m):
    value, (dx, dp) = symdiff.value_and_grad(m.power_var, wrt=(0, 1))(0.0, 0.0)
    assert (value, dx, dp) == (1.0, 0.0, 0.0)
    _, slope = symdiff.jvp(m.power_var, wrt=(0, 1))(0.0, 0.0, 1.0, 1.0)
    assert slope == 0.0


def test_power_with_a_fractional_exponent_at_zero_is_infinite_not_an_error(m):
    with np.errstate(divide="ignore"):
        _, (dx, dp) = symdiff.value_and_grad(m.power_var, wrt=(0, 1))(0.0, 0.5)
    assert dx == np.inf and dp == 0.0


@pytest.mark.parametrize("name", ["power_sum", "np_power", "power_fused"])
def test_power_of_arrays_with_zeros(m, name):
    x = np.array([0.0, 0.7, 1.3, 0.0, 2.1])
    y = np.array([2.0, 1.5, 2.5, 3.0, 0.5])        # integers where x == 0
    verify(getattr(m, name), x, y, wrt=(0, 1), directional=False)
    verify(getattr(m, name), x, 2.0, wrt=(0, 1), directional=False)
    verify(getattr(m, name), x + 0.5, y, wrt=(0, 1))


def test_power_of_a_constant_zero_base(m):
    for y in (0.5, 2.0, 3.0):
        verify(m.power_of_zero, y)
    source = symdiff.grad(m.power_of_zero).source
    assert "nan" not in source.replace("np.nan", "")


def test_power_with_a_constant_base(m):
    verify(m.power_base_const, seeded(4, seed=1), 0.7, wrt=(0, 1))


# ---------------------------------------------------------------- or, and, not


@pytest.mark.parametrize("x", [2.0, -1.5, 0.3])
@pytest.mark.parametrize("name", ["py_or", "py_and", "or_in_arithmetic"])
def test_or_and_return_an_operand(m, name, x):
    verify(getattr(m, name), x, 1.7, wrt=(0, 1))


@pytest.mark.parametrize("name,want", [("py_or", (0.0, 1.0)), ("py_and", (1.0, 0.0))])
def test_or_and_at_a_false_first_operand(m, name, want):
    value, grads = symdiff.value_and_grad(getattr(m, name), wrt=(0, 1))(0.0, 1.7)
    assert value == getattr(m, name)(0.0, 1.7) and type(value) is float
    assert grads == want


@pytest.mark.parametrize("x,y,z", [(1.0, 2.0, 3.0), (1.0, 0.0, 3.0), (-2.0, 0.5, 0.25)])
def test_or_chain_picks_the_first_true_operand(m, x, y, z):
    verify(m.or_chain, x, y, z, wrt=(0, 1, 2), forward=False, differences=y != 0.0)
    value, grads = symdiff.value_and_grad(m.or_chain, wrt=(0, 1, 2))(x, y, z)
    assert value == m.or_chain(x, y, z)
    assert grads == ((0.0, 1.0, 0.0) if y else (0.0, 0.0, 1.0))


@pytest.mark.parametrize("x", [2.0, 0.4, -3.0])
@pytest.mark.parametrize("name", ["and_or_select", "not_select"])
def test_a_comparison_as_an_operand(m, name, x):
    verify(getattr(m, name), x, 0.6, wrt=(0, 1))


@pytest.mark.parametrize("name,args", [("or_arrays", (np.ones(3), np.ones(3))),
                                       ("not_array", (np.ones(2),)), ("if_array", (np.ones(4),))])
def test_an_array_as_a_truth_value_is_refused(m, name, args):
    with pytest.raises(symdiff.SymdiffError, match="single truth value") as info:
        symdiff.grad(getattr(m, name))(*args)
    assert info.value.loc is not None and info.value.hint


def test_chained_comparisons_read_as_python_reads_them(tmp_path):
    mod = load_module(tmp_path, "chained", """
        def f(x):
            return x ** 2 if 0.0 < x < 1.0 else 2.0 * x
    """)
    for x, want in ((0.5, 1.0), (1.5, 2.0), (-0.5, 2.0)):
        value, grad = symdiff.value_and_grad(mod.f)(x)
        assert value == pytest.approx(mod.f(x)) and grad == pytest.approx(want)


# ---------------------------------------------------------------- astype and dtype=


@pytest.mark.parametrize("name", ["astype_string", "astype_builtin", "astype_keyword",
                                  "np_float64_call", "dtype_keywords", "astype_own_dtype",
                                  "astype_copy_keyword"])
@pytest.mark.parametrize("shape", [(4,), (2, 3)])
def test_a_float_cast_keeps_the_array(m, name, shape):
    x = seeded(*shape, seed=len(name))
    value, grad = verify(getattr(m, name), x)
    assert grad[0].shape == x.shape


def test_astype_with_a_numpy_type_in_a_product(m):
    verify(m.astype_numpy_type, seeded(2, 3, seed=1), seeded(3, 2, seed=2), wrt=(0, 1))


def test_astype_float32_passes_the_gradient(m):
    x = seeded(5, seed=4)
    value, grad = symdiff.value_and_grad(m.astype_float32)(x)
    assert value == pytest.approx(m.astype_float32(x), rel=1e-6)
    # float32 rounding: differences need a wide step (exact for this quadratic)
    np.testing.assert_allclose(grad, numerical_jacobian(m.astype_float32, [x], 0, h=1e-2),
                               rtol=1e-3)


def test_an_int_cast_used_as_an_index_is_fine(m):
    x, w = np.array([0.0, 2.0, 1.0]), seeded(3, seed=5)
    verify(m.astype_int_index, x, w, wrt=1)


@pytest.mark.parametrize("name", ["astype_int_through", "astype_bool_through"])
def test_an_int_or_bool_cast_differentiated_through_is_refused(m, name):
    with pytest.raises(symdiff.SymdiffError, match="not differentiable") as info:
        symdiff.grad(getattr(m, name))(seeded(3, seed=6))
    assert info.value.loc is not None and info.value.hint


def test_an_unknown_dtype_is_refused(m):
    with pytest.raises(symdiff.SymdiffError, match="dtype") as info:
        symdiff.grad(m.astype_unknown)(seeded(3, seed=6))
    assert info.value.loc is not None


# ---------------------------------------------------------------- second derivatives


@pytest.mark.parametrize("name,args", [
    ("power_var", (1.3, 2.5)), ("power_var", (0.0, 2.0)), ("power_var", (0.0, 3.0)),
    ("py_mod_chain", (2.3, 0.7)), ("math_fmod", (-2.3, 0.7))])
def test_second_derivatives_of_powers_and_remainders(m, name, args):
    fn = getattr(m, name)
    H = symdiff.hessian(fn, wrt=(0, 1))(*args)
    for i in range(2):
        for j in range(2):
            want = second_difference(fn, list(args), i, j) if args[0] != 0.0 else None
            if want is not None:
                assert H[i][j] == pytest.approx(float(want), rel=1e-5, abs=1e-5), (i, j)
    if args[0] == 0.0:                   # d2/dx2 (x**p) = p(p-1) x**(p-2): 2 at p == 2
        assert H[0][0] == (2.0 if args[1] == 2.0 else 0.0) and H[1][1] == 0.0
