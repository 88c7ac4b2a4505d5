"""More NumPy breadth: np.diagonal / np.trace with offset and axes; np.percentile and
np.quantile of a list of q; np.repeat with counts per element; np.heaviside and
np.copysign; np.gradient along a tuple of axes. One table of (call,
inputs), each case checked by ``breadth_support.check_case`` (value, gradient, forward
mode; Hessian-vector product and jit for a sample); ``NUMBA`` lists the cases whose jitted
gradient numba compiles, with no fallback to NumPy.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


W = "np.arange(1.0, 25.0).reshape(2, 3, 4)"

CASES = [
    Case("ufunc_reduce", "x", "np.sum(np.add.reduce(x) ** 2) + np.add.reduce(x, axis=None)"
         " + np.sum(np.multiply.reduce(x * x + 1.0, 1))", normal((2, 3)), second=True, jit=True),
    Case("ufunc_extremum_reduce", "x", "np.sum(np.maximum.reduce(x, axis=1) ** 2)"
         " + np.sum(np.minimum.reduce(x, keepdims=True) * x)", normal((3, 4)), second=True),
    Case("ufunc_accumulate", "x", "np.sum(np.add.accumulate(x) ** 2 * np.add.accumulate(x, 1))",
         normal((3, 2)), second=True, jit=True),
    Case("take_method", "x", "np.sum(x.take([1, 1, 0]) ** 3) + np.sum(x.take([0, 2], axis=1) ** 2)",
         normal((3, 4)), second=True, jit=True),
    Case("math_log_base", "s", "math.log(s, 2) + math.log(s * s, s + 1.0) * math.log(s)",
         lambda rng: [float(rng.uniform(0.5, 2.0))], second=True, jit=True),
    Case("row_stack", "a, b", "np.sum(np.row_stack([a, b]) ** 2 * np.arange(6.0).reshape(2, 3))",
         normal((3,), (3,)), wrt=(0, 1), second=True, jit=True),
    Case("scipy_eigvalsh", "x", "np.sum(scipy.linalg.eigvalsh(x @ x.T + 3.0 * np.eye(3)) "
         "* np.arange(1.0, 4.0))", normal((3, 3)), second=True),
    Case("diagonal_above", "x", "np.sum(np.diagonal(x, offset=1) ** 3)", normal((3, 4)),
         second=True, jit=True),
    Case("diagonal_below", "x", "np.sum(np.diagonal(x, -2) ** 2 * np.arange(1.0, 3.0))",
         normal((4, 3)), second=True, jit=True),
    Case("diagonal_method", "x", "np.sum(np.sin(x.diagonal(1)) * x.diagonal()[1:])",
         normal((4, 4)), second=True, jit=True),
    Case("diagonal_axes", "x",
         "np.sum(np.diagonal(x, 1, axis1=2, axis2=0) ** 3 * np.arange(1.0, 3.0))",
         normal((3, 2, 4)), second=True),
    Case("diagonal_negative_axes", "x", "np.sum(np.diagonal(x, 0, -1, -2) ** 2 * x[0, 0])",
         normal((2, 3, 3)), second=True),
    Case("diagonal_past_the_edge", "x", "np.sum(np.diagonal(x, 5) ** 2) + np.sum(x ** 2)",
         normal((3, 4))),
    Case("trace_above", "x", "np.trace(x, offset=1) * np.sum(x)", normal((4, 4)),
         second=True, jit=True),
    Case("trace_below_method", "x", "x.trace(-1) ** 2 + np.trace(np.sin(x), -2)",
         normal((4, 3)), second=True, jit=True),
    Case("trace_axes", "x", f"np.sum(np.trace(x, 1, axis1=1, axis2=2) * {W}[:, 0, 0])",
         normal((2, 3, 4)), second=True),
    Case("trace_batched", "x", "np.sum(np.trace(x, axis1=-2, axis2=-1) ** 2)",
         normal((2, 3, 3))),
    Case("percentile_list", "v", "np.sum(np.percentile(v, [25, 75]) * np.array([1.0, 2.0]))",
         normal((7,)), second=True, jit=True),
    Case("quantile_tuple_axis", "x",
         "np.sum(np.quantile(x, (0.25, 0.5, 0.9), axis=1) ** 2 * np.arange(1.0, 13.0)"
         ".reshape(3, 4))", normal((4, 6)), second=True),
    Case("quantile_list_keepdims", "x",
         "np.sum(np.sin(np.quantile(x, [0.1, 1.0], axis=0, keepdims=True)))", normal((5, 3))),
    Case("nanpercentile_list", "v", "np.sum(np.nanpercentile(v, [10, 60]) ** 3)",
         normal((6,)), jit=True),
    Case("repeat_list", "v", "np.sum(np.repeat(v, [1, 2, 0, 1, 3]) ** 2 * np.arange(7.0))",
         normal((5,)), second=True, jit=True),
    Case("repeat_array", "v", "np.sum(np.sin(np.repeat(v, np.array([3, 0, 1, 2]))))",
         normal((4,)), second=True, jit=True),
    Case("repeat_counts_argument", "v, c", "np.sum(np.repeat(v, c) ** 3)",
         lambda rng: [rng.standard_normal(4), np.array([2, 1, 0, 3])], second=True, jit=True),
    Case("repeat_axis", "x",
         "np.sum(np.repeat(x, (2, 0, 1), axis=1) ** 2 * np.arange(9.0).reshape(3, 3))",
         normal((3, 3)), second=True, jit=True),
    Case("repeat_flat_method", "x", "np.sum(x.repeat([1, 0, 2, 1, 1, 3]) ** 3)",
         normal((2, 3)), second=True),
    Case("repeat_counts_argument_axis", "x, c", "np.sum(np.repeat(x, c, axis=0) ** 2 * x[0])",
         lambda rng: [rng.standard_normal((3, 2)), np.array([1, 3, 2])]),
    Case("heaviside_constant", "v", "np.sum(np.heaviside(v, 0.5) * v ** 2)", normal((6,)),
         second=True, jit=True),
    Case("heaviside_h", "v, h", "np.sum(np.heaviside(v - 0.1, h) * np.sin(h) + v * h)",
         normal((5,), (5,)), wrt=(0, 1), second=True, jit=True),
    Case("copysign", "a, b", "np.sum(np.copysign(a, b) * a + np.copysign(a ** 2, -1.0) * b)",
         normal((6,), (6,)), wrt=(0, 1), second=True, jit=True),
    Case("copysign_math", "a, b", "math.copysign(a * a - 0.3, b) * b + math.sin(a)",
         lambda rng: [float(rng.uniform(1.0, 2.0)), float(rng.standard_normal())],
         wrt=(0, 1), second=True, jit=True),
    Case("gradient_axes", "x",
         "np.sum(np.gradient(x, axis=(0, 1))[0] ** 2 + np.gradient(x, 0.5, axis=(1, 0))[0]"
         " * x)", normal((4, 5)), second=True, jit=True),
    Case("gradient_three_axes", "x",
         "np.sum(np.gradient(x, axis=(0, -1, 1))[1] ** 3) + np.sum(np.gradient(x, axis=(2,)))",
         normal((3, 4, 3)), second=True),
]

#: the jitted gradients numba compiles (no NumPy fallback)
NUMBA = {"diagonal_above", "diagonal_below", "diagonal_method", "trace_above",
         "trace_below_method", "repeat_list", "repeat_array", "repeat_counts_argument",
         "heaviside_constant", "heaviside_h", "copysign", "copysign_math"}
#: the jitted gradients that run as NumPy, said before compiling: case -> the reason given
PREDICTED = {"percentile_list": "the helper (unbroadcast|quantile_weights)",
             "nanpercentile_list": "the helper (unbroadcast|quantile_weights)",
             "repeat_axis": "np.repeat with an axis"}


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("more"), "breadth_more")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(module, case):
    check_case(module, case)


@pytest.mark.parametrize("name", sorted(NUMBA))
def test_numba_compiles_the_gradient(module, name):
    pytest.importorskip("numba")
    case = next(c for c in CASES if c.id == name)
    args = case.inputs(np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)     # a fallback to NumPy fails here
        jitted = symdiff.grad(getattr(module, name), jit=True)(*args)
    np.testing.assert_allclose(jitted, symdiff.grad(getattr(module, name))(*args), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(PREDICTED))
def test_numba_fallback_is_predicted(module, name):
    """What numba cannot compile is named before any compile, with the line."""
    pytest.importorskip("numba")
    case = next(c for c in CASES if c.id == name)
    args = case.inputs(np.random.default_rng(0))
    with pytest.warns(RuntimeWarning, match=PREDICTED[name]):
        jitted = symdiff.grad(getattr(module, name), jit=True)(*args)
    np.testing.assert_allclose(jitted, symdiff.grad(getattr(module, name))(*args), rtol=1e-12)


def test_heaviside_at_zero_takes_h(module):
    """At x == 0 the step is h, so d/dh is 1 there (and d/dx is 0, the convention at the
    jump); with jit=True the step is written with np.sign: the same numbers."""
    v, h = np.array([-1.0, 0.1, 0.5]), np.array([0.2, 0.3, 0.4])
    for jit in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            value, (dv, dh) = symdiff.value_and_grad(module.heaviside_h, wrt=(0, 1),
                                                     jit=jit)(v, h)
        assert np.isclose(value, module.heaviside_h(v, h))
        # d/dh = dH/dh * sin(h) + H * cos(h) + v, H = 0, h, 1 and dH/dh = 0, 1, 0
        np.testing.assert_allclose(dh, [-1.0, np.sin(0.3) + 0.3 * np.cos(0.3) + 0.1,
                                        np.cos(0.4) + 0.5], rtol=1e-12)
        np.testing.assert_allclose(dv, h, rtol=1e-12)


def test_diagonal_values_match_numpy(module):
    """The offsets' diagonals are NumPy's: the gradient of sum(w * diagonal) puts w there."""
    x = np.arange(12.0).reshape(3, 4)
    g = symdiff.grad(module.diagonal_above)(x)
    expected = np.zeros_like(x)
    for i in range(3):
        expected[i, i + 1] = 3 * x[i, i + 1] ** 2
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("body,message", [
    ("np.trace(a, a.shape[0])", "offset must be a constant"),
    ("np.diagonal(a, 1.5)", "offset must be a constant integer"),
    ("np.sum(np.diagonal(a, 0, 1, 1))", "two different axes"),
    ("np.trace(a, out=a)", "does not take `out=`"),
    ("np.sum(np.percentile(a, [25, 170]))", "between 0 and 100 (or a list"),
    ("np.sum(np.quantile(a, [[0.1], [0.2]]))", "between 0 and 1 (or a list"),
    ("np.sum(np.quantile(a, a[0, 0]))", "q must be a constant"),
    ("np.sum(np.repeat(a, [1, -1, 2]))", "repeats must be counts"),
    ("np.sum(np.repeat(a, 1.5))", "repeats must be counts"),
    ("np.sum(np.repeat(a))", "needs its `repeats`"),
    ("np.sum(np.repeat(a, 2, axis=a.shape[0]))", "axis must be a constant"),
    ("np.sum(np.gradient(a, axis=(0, 1.5))[1])", "constant integer axis"),
    ("np.sum(np.empty(3) * a[0])", "np.empty leaves its elements unset"),
    ("np.sum(np.empty_like(a) + a)", "use np.zeros_like(...)"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((3, 3)))
