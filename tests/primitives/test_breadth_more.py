"""More NumPy breadth: np.diagonal / np.trace with offset and axes. One table of (call,
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
]

#: the jitted gradients numba compiles (no NumPy fallback)
NUMBA = {"diagonal_above", "diagonal_below", "diagonal_method", "trace_above",
         "trace_below_method"}


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
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((3, 3)))
