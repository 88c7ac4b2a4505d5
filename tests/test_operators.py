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
from support import assert_gradient, directional_difference, load_module, numerical_jacobian

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


def astype_unknown(x):
    return np.sum(x.astype('no such type'))


def np_dot(a, b):
    return np.sum(np.dot(a, b) ** 2)


def dot_method(a, b):
    return np.sum(np.tanh(a.dot(b)))


def np_matmul(a, b):
    return np.sum(np.matmul(a, b) ** 2)


def matmul_operator(a, b):
    return np.sum(np.sin(a @ b))


def dot_vector_out(x, M):
    return np.dot(x, M)


def full_shape_of(x, a):
    return np.sum(np.full(x.shape, a) * x)


def full_literal_shape(x, a):
    return np.sum(np.tanh(np.full((2, 3), a) + x))


def full_keyword(x, a):
    return np.sum(np.full(shape=x.shape, fill_value=a) ** 2 * x)


def full_like_value(x, a):
    return np.sum(np.full_like(x, a) * x + a)


def full_int_dtype(x, a):
    return np.sum(np.full(x.shape, a, dtype=int) * x)


def linspace_default(a, b):
    return np.sum(np.linspace(a, b) ** 3)


def linspace_points(a, b):
    return np.sum(np.sin(np.linspace(a, b, 7)))


def linspace_open(a, b):
    return np.sum(np.linspace(a, b, num=5, endpoint=False) ** 2)


def ones_times(x, a):
    return np.sum(np.ones(x.shape) * a * x + np.zeros_like(x) + np.ones_like(x) * a)


def array_of_scalars(a, b):
    return np.sum(np.array([a, b, a * b]) ** 2)


def asarray_of_scalars(a, b):
    return np.sum(np.asarray([[a, b], [b, a]]) @ np.array([a, 1.0]))


def arange_from(a):
    return np.sum(np.arange(a, 5.0))


def arange_of_count(x):
    return np.sum(x * np.arange(x.shape[0]))


def norm_1(x):
    return np.linalg.norm(x, 1)


def norm_inf(x):
    return np.linalg.norm(x, np.inf)


def norm_minus_inf(x):
    return np.linalg.norm(x, ord=-np.inf)


def norm_3(x):
    return np.linalg.norm(x, ord=3)


def norm_half(x):
    return np.linalg.norm(x, ord=0.5)


def norm_2(x):
    return np.linalg.norm(x, ord=2)


def norm_minus_1(x):
    return np.linalg.norm(x, -1)


def norm_fro(x):
    return np.linalg.norm(x, 'fro')


def norm_rows_1(A):
    return np.sum(np.linalg.norm(A, 1, axis=1) ** 2)


def norm_cols_3_keepdims(A):
    return np.sum(np.linalg.norm(A, ord=3, axis=0, keepdims=True) * A)


def norm_rows_2(A):
    return np.sum(np.linalg.norm(A, ord=2, axis=-1))


def norm_matrices_inf(T):
    return np.sum(np.linalg.norm(T, ord=np.inf, axis=(1, 2)) ** 2)


def norm_matrices_1_keepdims(T):
    return np.sum(np.linalg.norm(T, ord=1, axis=(2, 0), keepdims=True) * T)


def norm_nuc(x):
    return np.linalg.norm(x, 'nuc')


def norm_0(x):
    return np.linalg.norm(x, 0)


def norm_matrices_2(T):
    return np.sum(np.linalg.norm(T, ord=2, axis=(0, 1)))


def mask_mean(x, mask):
    return np.mean(x[mask])


def mask_rows(X, mask):
    return np.mean(X[mask] ** 2)


def mask_columns(X, mask):
    return np.sum(X[:, mask] ** 3)


def mask_positive(x):
    return np.mean(x[x > 0.0] * 2.0) + np.sum(x[np.logical_and(x > -1.0, x < 1.0)])


def mask_combined(x, y):
    return np.sum(x[(x > 0.0) & (y > 0.0)] * y[(x > 0.0) & (y > 0.0)])


def mask_write_constant(x, mask):
    y = x * 1.0
    y[mask] = 0.0
    return np.mean(y * x)


def mask_write_values(x):
    y = x * 2.0
    y[x < 0.0] = x[x < 0.0] ** 2
    return np.sum(y ** 2)


def mask_in_branch(x, w):
    keep = x > 0.0
    if w > 0.0:
        return np.mean(x[keep] * w)
    return np.sum(x[keep])
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("operators"), "operators", SOURCE)


def _seeded(*shape, lo=-2.0, hi=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


def verify(fn, *args, wrt=0, forward=True, differences=True, directional=True):
    """value == fn(*args); gradient == central differences; jvp == the gradient along the
    direction, and == a directional difference unless a point sits where moving every
    argument at once leaves the domain (a zero base under a non-integer exponent)."""
    several = isinstance(wrt, tuple)
    positions = wrt if several else (wrt,)
    value, grads = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    grads = grads if several else (grads,)
    if differences:
        assert_gradient(fn, *args, wrt=wrt)
        for g, i in zip(grads, positions):
            np.testing.assert_allclose(g, numerical_jacobian(fn, list(args), i), rtol=1e-6,
                                       atol=1e-6, err_msg=f"d/d(arg {i})")
    if forward:
        rng = np.random.default_rng(7)
        vectors = [rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else
                   float(rng.standard_normal()) for i in positions]
        value_f, tangent = symdiff.jvp(fn, wrt=wrt)(*args, *vectors)
        np.testing.assert_allclose(value_f, fn(*args), rtol=1e-12, atol=1e-12)
        want = sum(np.sum(g * v) for g, v in zip(grads, vectors))
        np.testing.assert_allclose(tangent, want, rtol=1e-9, atol=1e-9)
        if differences and directional:
            np.testing.assert_allclose(
                tangent, directional_difference(fn, list(args), positions, vectors),
                rtol=1e-6, atol=1e-6)
    return value, grads


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
    x = _seeded(5, seed=3)
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
    verify(m.power_base_const, _seeded(4, seed=1), 0.7, wrt=(0, 1))


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


def test_chained_comparisons_are_refused_with_a_hint(tmp_path):
    mod = load_module(tmp_path, "chained", """
        def f(x):
            return x if 0.0 < x < 1.0 else 2.0 * x
    """)
    with pytest.raises(symdiff.SymdiffError, match="chained") as info:
        symdiff.grad(mod.f)(0.5)
    assert info.value.loc is not None and "&" in info.value.hint


# ---------------------------------------------------------------- astype and dtype=


@pytest.mark.parametrize("name", ["astype_string", "astype_builtin", "astype_keyword",
                                  "np_float64_call", "dtype_keywords"])
@pytest.mark.parametrize("shape", [(4,), (2, 3)])
def test_a_float_cast_keeps_the_array(m, name, shape):
    x = _seeded(*shape, seed=len(name))
    value, grad = verify(getattr(m, name), x)
    assert grad[0].shape == x.shape


def test_astype_with_a_numpy_type_in_a_product(m):
    verify(m.astype_numpy_type, _seeded(2, 3, seed=1), _seeded(3, 2, seed=2), wrt=(0, 1))


def test_astype_float32_passes_the_gradient(m):
    x = _seeded(5, seed=4)
    value, grad = symdiff.value_and_grad(m.astype_float32)(x)
    assert value == pytest.approx(m.astype_float32(x), rel=1e-6)
    # float32 rounding: differences need a wide step (exact for this quadratic)
    np.testing.assert_allclose(grad, numerical_jacobian(m.astype_float32, [x], 0, h=1e-2),
                               rtol=1e-3)


def test_an_int_cast_used_as_an_index_is_fine(m):
    x, w = np.array([0.0, 2.0, 1.0]), _seeded(3, seed=5)
    verify(m.astype_int_index, x, w, wrt=1)


@pytest.mark.parametrize("name", ["astype_int_through", "astype_bool_through"])
def test_an_int_or_bool_cast_differentiated_through_is_refused(m, name):
    with pytest.raises(symdiff.SymdiffError, match="not differentiable") as info:
        symdiff.grad(getattr(m, name))(_seeded(3, seed=6))
    assert info.value.loc is not None and info.value.hint


def test_an_unknown_dtype_is_refused(m):
    with pytest.raises(symdiff.SymdiffError, match="dtype") as info:
        symdiff.grad(m.astype_unknown)(_seeded(3, seed=6))
    assert info.value.loc is not None


# ---------------------------------------------------------------- dot and matmul, every rank

DOT_SHAPES = [((), ()), ((), (4,)), ((), (3, 4)), ((3, 4), ()), ((4,), ()), ((4,), (4,)),
              ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)), ((2, 3, 4), (4,)),
              ((4,), (5, 4, 2)), ((2, 3, 4), (4, 2)), ((2, 3, 4), (5, 4, 2)), ((3,), (2, 3, 4))]
MATMUL_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)),
                 ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 3)),
                 ((5, 2, 3, 4), (2, 4, 3)), ((5, 1, 3, 4), (2, 4, 3))]


def _pair(shapes, seed):
    return [_seeded(*shape, seed=seed + k) for k, shape in enumerate(shapes)]


def _shape_id(shapes):
    return "-".join("x".join(map(str, s)) or "float" for s in shapes)


@pytest.mark.parametrize("shapes", DOT_SHAPES, ids=[_shape_id(s) for s in DOT_SHAPES])
@pytest.mark.parametrize("name", ["np_dot", "dot_method"])
def test_dot_for_every_rank(m, name, shapes):
    a, b = _pair(shapes, seed=11)
    if name == "dot_method" and np.ndim(a) == 0:
        return                                # a float has no .dot method
    verify(getattr(m, name), a, b, wrt=(0, 1))


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=[_shape_id(s) for s in MATMUL_SHAPES])
@pytest.mark.parametrize("name", ["np_matmul", "matmul_operator"])
def test_matmul_for_every_rank(m, name, shapes):
    a, b = _pair(shapes, seed=21)
    verify(getattr(m, name), a, b, wrt=(0, 1))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("shape", [(3, 4), (4,), ()])
def test_jacobian_of_a_float_times_an_array_by_dot(m, mode, shape):
    M = _seeded(*shape, seed=3)
    J = symdiff.jacobian(m.dot_vector_out, wrt=0, mode=mode)(2.0, M)
    np.testing.assert_allclose(J, numerical_jacobian(m.dot_vector_out, [2.0, M], 0), rtol=1e-7,
                               atol=1e-9)
    np.testing.assert_allclose(J, M, rtol=1e-12)


# ---------------------------------------------------------------- constructors with values


@pytest.mark.parametrize("name", ["full_shape_of", "full_literal_shape", "full_keyword",
                                  "full_like_value", "ones_times"])
def test_a_constructor_is_differentiable_in_its_value(m, name):
    x = _seeded(2, 3, seed=len(name))
    verify(getattr(m, name), x, 0.7, wrt=(0, 1))


def test_full_with_an_array_fill_value(m):
    verify(m.full_shape_of, _seeded(2, 3, seed=1), _seeded(3, seed=2), wrt=(0, 1))
    verify(m.full_like_value, _seeded(2, 3, seed=1), _seeded(2, 1, seed=3), wrt=(0, 1))


@pytest.mark.parametrize("name", ["linspace_default", "linspace_points", "linspace_open"])
@pytest.mark.parametrize("ends", [(0.3, 1.7), (2.0, -1.0)])
def test_linspace_is_differentiable_in_both_ends(m, name, ends):
    verify(getattr(m, name), *ends, wrt=(0, 1))


def test_linspace_with_array_ends(m):
    verify(m.linspace_points, _seeded(2, seed=1), _seeded(2, seed=2), wrt=(0, 1))
    verify(m.linspace_open, _seeded(3, seed=1), 1.5, wrt=(0, 1))


@pytest.mark.parametrize("name", ["array_of_scalars", "asarray_of_scalars"])
def test_an_array_of_differentiated_scalars(m, name):
    verify(getattr(m, name), 0.6, -1.3, wrt=(0, 1))


def test_arange_of_a_count_is_a_constant(m):
    verify(m.arange_of_count, _seeded(5, seed=4))


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_arange_of_a_differentiated_value_is_refused(m, mode):
    with pytest.raises(symdiff.SymdiffError, match="np.arange") as info:
        if mode == "grad":
            symdiff.grad(m.arange_from)(1.5)
        else:
            symdiff.jvp(m.arange_from)(1.5, 1.0)
    assert info.value.loc is not None and "linspace" in info.value.hint


def test_full_with_an_int_dtype_is_refused(m):
    with pytest.raises(symdiff.SymdiffError, match="dtype") as info:
        symdiff.grad(m.full_int_dtype, wrt=1)(_seeded(3, seed=1), 1.5)
    assert info.value.loc is not None


# ---------------------------------------------------------------- np.linalg.norm, every ord

VECTOR_NORMS = ["norm_1", "norm_inf", "norm_minus_inf", "norm_3", "norm_half", "norm_2",
                "norm_minus_1"]
MATRIX_NORMS = ["norm_1", "norm_inf", "norm_minus_inf", "norm_fro", "norm_minus_1"]


@pytest.mark.parametrize("name", VECTOR_NORMS)
def test_vector_norms(m, name):
    x = _seeded(5, seed=len(name))
    x[np.abs(x) < 0.1] += 0.3                 # away from abs's kink
    value, _ = verify(getattr(m, name), x)
    assert value == pytest.approx(np.linalg.norm(x, ord=_ORDS[name]), rel=1e-12)


@pytest.mark.parametrize("name", MATRIX_NORMS)
def test_matrix_norms(m, name):
    A = _seeded(3, 4, seed=len(name) + 1)
    A[np.abs(A) < 0.1] += 0.3
    value, _ = verify(getattr(m, name), A)
    assert value == pytest.approx(np.linalg.norm(A, ord=_ORDS[name]), rel=1e-12)


_ORDS = {"norm_1": 1, "norm_inf": np.inf, "norm_minus_inf": -np.inf, "norm_3": 3,
         "norm_half": 0.5, "norm_2": 2, "norm_minus_1": -1, "norm_fro": "fro"}


@pytest.mark.parametrize("name,shape", [("norm_rows_1", (3, 4)), ("norm_cols_3_keepdims", (3, 4)),
                                        ("norm_rows_2", (3, 4)), ("norm_matrices_inf", (2, 3, 4)),
                                        ("norm_matrices_1_keepdims", (2, 3, 4))])
def test_norms_along_axes(m, name, shape):
    A = _seeded(*shape, seed=len(name))
    A[np.abs(A) < 0.1] += 0.3
    verify(getattr(m, name), A)


@pytest.mark.parametrize("name", ["norm_inf", "norm_1"])
def test_norm_ties_share_the_gradient(m, name):
    x = np.array([[1.0, -2.0], [2.0, 1.0]])   # two rows, two columns of equal sums, |x| ties
    grad = symdiff.grad(m.norm_inf if name == "norm_inf" else m.norm_1)(x)
    np.testing.assert_allclose(grad, 0.5 * np.sign(x))   # each tied row (column) gets half
    v = np.array([3.0, -3.0, 1.0])
    grad = symdiff.grad(m.norm_inf)(v)
    np.testing.assert_allclose(grad, [0.5, -0.5, 0.0])


@pytest.mark.parametrize("name,arg", [("norm_2", (3, 4)), ("norm_nuc", (3, 4)),
                                      ("norm_0", (4,)), ("norm_matrices_2", (2, 3, 4)),
                                      ("norm_fro", (4,)), ("norm_1", (2, 3, 4))])
def test_norms_symdiff_cannot_do_are_refused(m, name, arg):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(getattr(m, name))(_seeded(*arg, seed=1))
    assert info.value.loc is not None and info.value.hint


# ---------------------------------------------------------------- np.matrix


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "jvp", "check_grad"])
def test_np_matrix_arguments_are_refused(m, api):
    M = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    w = _seeded(2, 2, seed=1)
    with pytest.raises(symdiff.SymdiffError, match="np.matrix") as info:
        if api == "check_grad":
            symdiff.check_grad(m.np_matmul, w, M)
        elif api == "jvp":
            symdiff.jvp(m.np_matmul)(M, w, np.ones((2, 2)))
        else:
            getattr(symdiff, api)(m.np_matmul)(w, M)
    assert info.value.loc is not None and "np.asarray" in info.value.hint


# ---------------------------------------------------------------- boolean masks


def _mask(n, seed):
    mask = np.random.default_rng(seed).random(n) > 0.5
    mask[0], mask[-1] = True, False
    return mask


def test_a_boolean_mask_argument_gathers(m):
    x = _seeded(6, seed=1)
    verify(m.mask_mean, x, _mask(6, 2))
    X = _seeded(5, 3, seed=3)
    verify(m.mask_rows, X, _mask(5, 4))
    verify(m.mask_rows, X, X > 0.0)                  # a 2-D mask picks elements
    verify(m.mask_columns, X, _mask(3, 5))


def test_masks_computed_in_the_function(m):
    x, y = _seeded(7, seed=6), _seeded(7, seed=7)
    verify(m.mask_positive, x)
    verify(m.mask_combined, x, y, wrt=(0, 1))
    verify(m.mask_in_branch, x, 0.8, wrt=(0, 1))
    verify(m.mask_in_branch, x, -0.8, wrt=(0, 1))


def test_writes_through_a_mask(m):
    x = _seeded(6, seed=8)
    verify(m.mask_write_constant, x, _mask(6, 9))
    verify(m.mask_write_values, x)
    verify(m.mask_write_values, _seeded(3, 4, seed=10))
