"""Dtypes named by another array, ``v.astype(x.dtype)``, ``np.zeros(n, dtype=x.dtype)``,
``np.asarray(v, dtype=x.dtype)``, ``np.ones_like(x, dtype=x.dtype)`` (``cast_like``,
``frontend.lower_arrays``): the value in x's float dtype where the code runs, x checked
there to hold floats. Each case is checked by ``breadth_support.check_case`` (value,
gradient, forward mode; Hessian-vector product and jit for a sample); float32 arguments
keep float32, and an integer dtype stops the code with a located error.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, check_jitted_value, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def with_number(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes] + [float(rng.uniform(1, 2))]


CASES = [
    Case("astype_like", "x, y", "np.sum(np.sin(y.astype(x.dtype)) * x)", normal((3,), (3,)),
         wrt=(0, 1), second=True, jit=True),
    Case("astype_own", "x", "np.sum(x.astype(x.dtype) ** 3)", normal((2, 3)), second=True,
         jit=True),
    Case("zeros_dtype_of", "x", "np.sum((np.zeros(3, dtype=x.dtype) + x) ** 2 * x)",
         normal((3,)), second=True, jit=True),
    Case("asarray_dtype_of", "x",
         "np.sum(x * np.asarray(1.5, dtype=x.dtype) * np.asarray(x ** 2, dtype=x.dtype))",
         normal((2, 2)), second=True, jit=True),
    Case("ones_like_own_dtype", "x", "np.sum(np.ones_like(x, dtype=x.dtype) * np.cos(x))",
         normal((4,)), second=True, jit=True),
    Case("zeros_like_dtype_of", "x, y",
         "np.sum((np.zeros_like(y, dtype=x.dtype) + y * x) ** 2)", normal((3,), (3,)),
         wrt=(0, 1), second=True),
    Case("full_dtype_of", "x, t", "np.sum(np.full((2, 3), t, dtype=x.dtype) * x ** 2)",
         with_number((2, 3)), wrt=(0, 1), second=True),
    Case("linspace_dtype_of", "x, t",
         "np.sum(np.linspace(0.0, t, 4, dtype=x.dtype) * np.sin(x))", with_number((4,)),
         wrt=(0, 1), second=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("dtype_of"), "breadth_dtype_of")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(module, case):
    check_case(module, case)


@pytest.mark.parametrize("case", [c for c in CASES if c.jit], ids=lambda c: c.id)
def test_jitted_value_and_gradient(module, case):
    check_jitted_value(module, case)


def test_float32_stays_float32(module):
    """x.dtype is the dtype x has where the code runs: float32 in, float32 values."""
    x = np.random.default_rng(4).standard_normal(3).astype(np.float32)
    value, dx = symdiff.value_and_grad(module.zeros_dtype_of)(x)
    assert dx.dtype == np.float32 and np.asarray(value).dtype == np.float32
    np.testing.assert_allclose(value, module.zeros_dtype_of(x), rtol=1e-6)
    np.testing.assert_allclose(dx, 3 * x.astype(float) ** 2, rtol=1e-5)


def test_integer_dtype_stops_where_the_code_runs(module):
    """x holds integers: y.astype(x.dtype) would truncate, so the code stops, located."""
    y = np.random.default_rng(5).standard_normal(3)
    with pytest.raises(symdiff.SymdiffError, match="holds no floats") as error:
        symdiff.grad(module.astype_like, wrt=1)(np.arange(3), y)
    assert error.value.loc is not None and error.value.loc.line > 0


@pytest.mark.parametrize("body,message", [
    ("np.sum(a * np.zeros(3, dtype=np.arange(3).dtype))", "holds no floats"),
    ("np.sum(a * np.arange(3, dtype=a.dtype))", "np.arange(...).astype(a.dtype)"),
    ("np.sum(a * np.asarray(a, dtype=np.array([1, 2]).dtype))", "holds no floats"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones(3))
