"""The public API (design.md, "Public API (contract)"), checked with numbers.

wrt by position, negative position, name and tuple; value_and_grad; the kind of each
gradient; arguments the output does not depend on; lists, defaults, helpers, module
constants, ``math``, builtins, shape unpacking, augmented assignment, reassignment,
powers; the decorator form; ``jit=True``. Every gradient is compared with central
differences (``check_grad``) or with a closed form.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import symdiff
from support import assert_gradient

RNG = np.random.default_rng(77)
X34 = RNG.standard_normal((3, 4))
W43 = RNG.standard_normal((4, 3))
V4 = RNG.standard_normal(4)


# ---------------------------------------------------------------- wrt


def three(x, y, z):
    return x * y ** 2 + np.sin(z) * x


ARGS3 = (0.7, -1.3, 0.4)
D3 = {"x": ARGS3[1] ** 2 + math.sin(ARGS3[2]), "y": 2 * ARGS3[0] * ARGS3[1],
      "z": math.cos(ARGS3[2]) * ARGS3[0]}


def test_default_wrt_is_the_first_argument():
    assert symdiff.grad(three)(*ARGS3) == pytest.approx(D3["x"], rel=1e-14)


@pytest.mark.parametrize("wrt,name", [(0, "x"), (1, "y"), (2, "z"), (-1, "z"), (-3, "x"),
                                      ("x", "x"), ("y", "y"), ("z", "z")])
def test_wrt_single(wrt, name):
    got = symdiff.grad(three, wrt=wrt)(*ARGS3)
    assert isinstance(got, float)
    assert got == pytest.approx(D3[name], rel=1e-14)


def test_wrt_tuple_mixes_names_and_positions_in_the_order_asked():
    got = symdiff.grad(three, wrt=("z", 0, -2))(*ARGS3)
    assert isinstance(got, tuple) and len(got) == 3
    assert got == pytest.approx((D3["z"], D3["x"], D3["y"]), rel=1e-14)
    symdiff.check_grad(three, *ARGS3, wrt=("z", 0, -2))


@pytest.mark.parametrize("wrt", [(1,), ("y",), (-2,)])
def test_single_element_tuple_gives_a_one_tuple(wrt):
    got = symdiff.grad(three, wrt=wrt)(*ARGS3)
    assert isinstance(got, tuple) and len(got) == 1
    assert got[0] == pytest.approx(D3["y"], rel=1e-14)
    value, grads = symdiff.value_and_grad(three, wrt=wrt)(*ARGS3)
    assert isinstance(grads, tuple) and len(grads) == 1


def test_value_and_grad_value_equals_the_function():
    for wrt in (0, "y", (0, 1, 2)):
        value, grads = symdiff.value_and_grad(three, wrt=wrt)(*ARGS3)
        assert value == pytest.approx(three(*ARGS3), rel=1e-15)
        assert grads == symdiff.grad(three, wrt=wrt)(*ARGS3)


def mlp_like(W, X, b):
    h = np.tanh(X @ W + b)
    return np.mean(h ** 2)


def test_value_and_grad_on_arrays():
    b = RNG.standard_normal(3)
    value, (dW, db) = symdiff.value_and_grad(mlp_like, wrt=("W", "b"))(W43, X34, b)
    assert value == pytest.approx(mlp_like(W43, X34, b), rel=1e-14)
    assert dW.shape == W43.shape and db.shape == b.shape
    assert_gradient(mlp_like, W43, X34, b, wrt=(0, 1, 2))


# ---------------------------------------------------------------- kinds of gradients


def mixed(a, x):
    return a * np.sum(x ** 2)


def test_float_for_a_float_and_array_for_an_array():
    da, dx = symdiff.grad(mixed, wrt=(0, 1))(1.5, X34)
    assert type(da) is float
    assert isinstance(dx, np.ndarray) and dx.shape == X34.shape and dx.dtype == np.float64
    assert da == pytest.approx(np.sum(X34 ** 2), rel=1e-14)
    np.testing.assert_allclose(dx, 3.0 * X34, rtol=1e-14)


def test_numpy_float_scalar_gives_a_float():
    got = symdiff.grad(mixed)(np.float64(1.5), X34)
    assert isinstance(got, float)


def test_gradient_arrays_are_writable_and_not_the_input():
    dx = symdiff.grad(mixed, wrt=1)(2.0, X34)
    assert dx.flags.writeable
    assert not np.shares_memory(dx, X34)
    dx[0, 0] = 123.0         # must not raise


def ignores_some(x, y, z, s):
    return np.sum(x * 2.0) + s * 0.0 + s


def test_an_argument_the_output_does_not_use_gets_zeros_of_its_kind():
    y = RNG.standard_normal((2, 5))
    dx, dy, dz, ds = symdiff.grad(ignores_some, wrt=(0, 1, 2, 3))(X34, y, 0.3, 1.0)
    np.testing.assert_array_equal(dx, np.full((3, 4), 2.0))
    assert isinstance(dy, np.ndarray) and dy.shape == (2, 5) and dy.dtype == np.float64
    np.testing.assert_array_equal(dy, 0.0)
    assert type(dz) is float and dz == 0.0
    assert ds == 1.0
    assert_gradient(ignores_some, X34, y, 0.3, 1.0, wrt=(0, 1, 2, 3))


def only_y(x, y):
    return np.sum(y)


def test_unused_argument_alone():
    got = symdiff.grad(only_y, wrt=0)(X34, X34)
    assert got.shape == X34.shape and got.dtype == np.float64
    np.testing.assert_array_equal(got, 0.0)
    assert symdiff.grad(only_y, wrt=0)(0.5, X34) == 0.0


def test_lists_are_arrays():
    dx = symdiff.grad(mixed, wrt=1)(2.0, [1.0, -2.0, 3.0])
    assert isinstance(dx, np.ndarray) and dx.shape == (3,)
    np.testing.assert_allclose(dx, [4.0, -8.0, 12.0])
    dx = symdiff.grad(mixed, wrt=1)(2.0, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(dx, 4.0 * np.array([[1.0, 2.0], [3.0, 4.0]]))
    symdiff.check_grad(mixed, 2.0, [1.0, -2.0, 3.0], wrt=1)


# ---------------------------------------------------------------- what functions may contain


def with_defaults(x, scale=2.0, power=3):
    return scale * np.sum(x ** power)


def test_defaults_in_the_differentiated_function():
    got = symdiff.grad(with_defaults)(V4)
    np.testing.assert_allclose(got, 6.0 * V4 ** 2, rtol=1e-14)
    got = symdiff.grad(with_defaults)(V4, 0.5)
    np.testing.assert_allclose(got, 1.5 * V4 ** 2, rtol=1e-14)
    assert_gradient(with_defaults, V4, wrt=0)
    assert symdiff.grad(with_defaults, wrt="scale")(V4) == pytest.approx(np.sum(V4 ** 3))


def square(v):
    return v * v


def sum_of_squares(v):
    return np.sum(square(v))


def scaled(v, k=3.0):
    return k * v


def split(v):
    return np.sum(v[:2]), np.sum(np.exp(v[2:]))


def uses_nested_helpers(x):
    return sum_of_squares(np.tanh(x)) + sum_of_squares(x)


def uses_helper_default(x):
    return np.sum(scaled(x)) + np.sum(scaled(x, 0.5) ** 2)


def uses_tuple_helper(x):
    a, b = split(x)
    return a * b


def test_helpers_are_differentiated_through():
    assert_gradient(uses_nested_helpers, V4)
    np.testing.assert_allclose(symdiff.grad(uses_nested_helpers)(V4),
                               2 * np.tanh(V4) * (1 - np.tanh(V4) ** 2) + 2 * V4, rtol=1e-13)


def test_helper_with_default_arguments():
    assert_gradient(uses_helper_default, V4)
    np.testing.assert_allclose(symdiff.grad(uses_helper_default)(V4), 3.0 + 0.5 * V4, rtol=1e-13)


def test_helper_returning_a_tuple_unpacked_by_the_caller():
    assert_gradient(uses_tuple_helper, V4)


SCALE = 2.5
OFFSET = -0.25


def uses_constants(x):
    return SCALE * np.sum((x + OFFSET) ** 2) + np.pi * np.sum(x)


def test_module_level_constants():
    got = symdiff.grad(uses_constants)(V4)
    np.testing.assert_allclose(got, 2 * SCALE * (V4 + OFFSET) + np.pi, rtol=1e-14)
    assert_gradient(uses_constants, V4)


def uses_math(a, b):
    return math.exp(a) * math.log(b) + math.sqrt(a * b) + math.tanh(a - b) + math.pi * a


def test_math_functions():
    assert_gradient(uses_math, 0.8, 1.7, wrt=(0, 1))


def uses_builtins(a, b):
    return max(a, b) * min(a, b) + abs(a - 2.0 * b) + float(a) * 3.0


def test_builtins_on_scalars():
    a, b = 0.9, 1.6
    da, db = symdiff.grad(uses_builtins, wrt=(0, 1))(a, b)
    # max=b, min=a, |a - 2b| = 2b - a
    assert da == pytest.approx(b - 1.0 + 3.0, rel=1e-14)
    assert db == pytest.approx(a + 2.0, rel=1e-14)
    assert_gradient(uses_builtins, a, b, wrt=(0, 1))


def shape_unpacking(X, W):
    N, D = X.shape
    n = X.shape[0]
    return np.sum((X @ W) ** 2) / (N * D) + np.sum(X) / n + len(X) * np.sum(W)


def test_shape_unpacking():
    assert_gradient(shape_unpacking, X34, W43, wrt=(0, 1))


def augmented(x, y):
    s = x * 1.0
    s += y
    s -= 0.5 * x
    s *= y
    s /= 2.0
    s **= 2
    return np.sum(s)


def test_augmented_assignment():
    y = RNG.standard_normal((3, 4))
    assert_gradient(augmented, X34, y, wrt=(0, 1))
    assert_gradient(augmented, 0.3, 1.2, wrt=(0, 1))


def reassigned(x):
    h = x
    h = np.tanh(h)
    h = h * x
    h = h + np.sin(h)
    h = np.sum(h)
    return h


def test_variable_reassigned_many_times():
    assert_gradient(reassigned, X34)


def powers(x, y):
    return np.sum(x ** 2 + 2 ** x + x ** y + x ** -1.5 + x ** 0.5)


def test_powers():
    x = RNG.uniform(0.5, 2.0, (3, 4))
    y = RNG.uniform(0.5, 2.0, (3, 4))
    assert_gradient(powers, x, y, wrt=(0, 1))


def scalar_powers(a, b):
    return a ** 3 + 3.0 ** a + a ** b + (-a) ** 2


def test_scalar_powers():
    assert_gradient(scalar_powers, 1.3, 0.7, wrt=(0, 1))


def unary_minus(x):
    y = -x
    return np.sum(-(y * x)) + -np.sum(x)


def test_unary_minus():
    got = assert_gradient(unary_minus, X34)[0]
    np.testing.assert_allclose(got, 2 * X34 - 1.0, rtol=1e-14)


def divide_by_int(x):
    return np.sum(x / 4) + np.sum(x) / 2 + np.sum(1 / (x * x + 1))


def test_division_by_an_int():
    got = assert_gradient(divide_by_int, X34)[0]
    np.testing.assert_allclose(got, 0.25 + 0.5 - 2 * X34 / (X34 ** 2 + 1) ** 2, rtol=1e-13)


def uses_docstring_and_print(x):
    """A docstring is allowed."""
    print("x is", x)
    return np.sum(x * x)


def test_docstring_and_print_are_ignored(capsys):
    np.testing.assert_allclose(symdiff.grad(uses_docstring_and_print)(V4), 2 * V4)


def literal_weights(x):
    return np.sum(np.sin(x) * np.array([1.0, 2.0, 3.0]))


def test_array_literal_inside_the_function():
    x = np.array([0.3, -0.2, 1.1])
    got = assert_gradient(literal_weights, x)[0]
    np.testing.assert_allclose(got, np.cos(x) * [1.0, 2.0, 3.0], rtol=1e-14)


def times_count(x, n):
    half = n // 2
    return np.sum(x) * n + np.sum(x * x) * half


def test_integer_arguments_that_are_not_differentiated():
    got = assert_gradient(times_count, X34, 5)[0]
    np.testing.assert_allclose(got, 5.0 + 2 * 2 * X34, rtol=1e-14)
    assert got.dtype == np.float64


def masked(x, mask):
    return np.sum(np.where(mask, x * x, 0.0))


def test_boolean_mask_argument():
    mask = X34 > 0
    got = assert_gradient(masked, X34, mask)[0]
    np.testing.assert_allclose(got, np.where(mask, 2 * X34, 0.0), rtol=1e-14)


# ---------------------------------------------------------------- decorator, sources


@symdiff.grad
def decorated(x, y):
    q = x + y
    return q * y


@symdiff.value_and_grad(wrt=("x", "y"))
def decorated_both(x, y):
    return x * np.sum(y ** 2)


def test_decorator_form():
    assert decorated(-2.0, 5.0) == 5.0
    assert decorated.__name__ == "decorated"
    assert "def grad_decorated" in decorated.source
    value, (dx, dy) = decorated_both(2.0, V4)
    assert value == pytest.approx(2.0 * np.sum(V4 ** 2))
    assert dx == pytest.approx(np.sum(V4 ** 2))
    np.testing.assert_allclose(dy, 4.0 * V4)


def test_source_is_readable_python_that_imports_only_numpy():
    g = symdiff.grad(mlp_like, wrt=("W", "b"))
    for text in (g.source, g.source_for(W43, X34, V4[:3])):
        compile(text, "<generated>", "exec")
        imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert imports == ["import numpy as np"]
        assert "def grad_mlp_like(W, X, b):" in text


# ---------------------------------------------------------------- check_grad


def cube(x):
    return np.sum(x ** 3)


def test_check_grad_returns_a_report_per_argument():
    report = symdiff.check_grad(three, *ARGS3, wrt=(0, "z"))
    assert set(report) == {"x", "z"}
    assert all(err < 1e-6 for err in report.values())


def test_check_grad_names_the_worst_element_on_mismatch():
    x = np.array([[0.1, 0.2], [0.3, 2.0]])
    with pytest.raises(symdiff.GradientCheckError) as info:
        symdiff.check_grad(cube, x, eps=0.1)          # central differences off by eps**2
    assert isinstance(info.value, symdiff.SymdiffError)
    assert "dcube/dx[" in str(info.value)
    assert info.value.hint


# ---------------------------------------------------------------- jit


def jit_scalar(a, b):
    return math.sin(a) * b + max(a, b) + a ** 2


def jit_elementwise(x, y):
    return np.sum(np.exp(x) * y + x ** 2 - np.tanh(y))


def jit_reduction(x):
    return np.sum(x[np.array([[0, 1], [1, 2]])] ** 2)   # np.add.at by a 2-D index array


def jit_matmul(A, B):
    return np.sum(np.tanh(A @ B))


@pytest.mark.parametrize("fn,args", [
    (jit_scalar, (0.3, 0.8)),
    (jit_elementwise, (X34, X34 * 0.5)),
], ids=["scalar", "elementwise"])
def test_jit_gives_the_same_numbers(fn, args):
    plain = symdiff.grad(fn, wrt=(0, 1))(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no fallback expected here
        jitted = symdiff.grad(fn, wrt=(0, 1), jit=True)(*args)
    for p, j in zip(plain, jitted):
        assert type(p) is type(j)
        np.testing.assert_allclose(j, p, rtol=1e-12, atol=1e-14)


def test_jit_falls_back_with_one_runtime_warning():
    """numba cannot compile np.add.at by a 2-D index array: one RuntimeWarning, then
    NumPy, correctly."""
    g = symdiff.grad(jit_reduction, jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = g(X34)
        second = g(X34)
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(runtime) == 1, [str(w.message) for w in caught]
    assert "numba" in str(runtime[0].message)
    want = symdiff.grad(jit_reduction)(X34)
    np.testing.assert_allclose(first, want, rtol=1e-13)
    np.testing.assert_allclose(second, want, rtol=1e-13)


def test_jit_matmul_with_or_without_scipy():
    """numba compiles @ only with SciPy; without it, the fallback applies (at most one
    RuntimeWarning); either way the numbers are NumPy's."""
    g = symdiff.grad(jit_matmul, wrt=(0, 1), jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = g(X34, W43)
        second = g(X34, W43)
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(runtime) <= 1, [str(w.message) for w in runtime]
    for got in (first, second):
        for j, p in zip(got, symdiff.grad(jit_matmul, wrt=(0, 1))(X34, W43)):
            np.testing.assert_allclose(j, p, rtol=1e-12)


def test_jit_fallback_warns_with_pytest_warns():
    with pytest.warns(RuntimeWarning, match="numba"):
        got = symdiff.grad(jit_reduction, jit=True)(X34)
    np.testing.assert_allclose(got, symdiff.grad(jit_reduction)(X34), rtol=1e-13)


def test_an_unused_float_argument_gets_the_float_zero_in_the_code(tmp_path):
    from support import load_module
    module = load_module(tmp_path, "unused_float", """
import numpy as np

def f(x, w: float):
    return np.sum(x * x)
""")
    g = symdiff.grad(module.f, wrt=(0, 1))
    assert g.source.rstrip().endswith("return dx, 0.0")      # not a 0-d array of zeros
    dx, dw = g(np.ones(2), 1.0)
    assert type(dw) is float and dw == 0.0
    np.testing.assert_array_equal(dx, [2.0, 2.0])
