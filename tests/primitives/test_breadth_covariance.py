"""np.cov, np.corrcoef and np.trapezoid (``primitives.covariance``), np.float_power,
np.ldexp, np.logspace and np.geomspace (``primitives.powers``), written with primitives,
the boolean and integer functions that carry no derivative (np.signbit, np.isclose,
np.any, np.all, np.count_nonzero, np.searchsorted...) and the index sets made from sizes
(np.tril_indices, np.triu_indices, np.diag_indices, np.indices: ``primitives.index_sets``).
Each case is checked by ``breadth_support.check_case`` (value, gradient, forward mode,
Hessian-vector product; jit for some).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def positive(*shapes):
    return lambda rng: [rng.uniform(0.3, 1.5, s) for s in shapes]


def away_from_half(rng):
    x = rng.uniform(0.0, 1.0, 6)
    x[np.abs(x - 0.5) < 0.1] += 0.2
    return [x]


CASES = [
    Case("cov_rows", "x", "np.sum(np.cov(x) ** 2)", normal((3, 6)), second=True, jit=True),
    Case("cov_vector", "x", "np.cov(x) * x[0]", normal((6,)), second=True),
    Case("cov_with_y", "x, y", "np.sum(np.cov(x, y) * np.arange(9.0).reshape(3, 3))",
         normal((2, 5), (5,)), wrt=(0, 1), second=True),
    Case("cov_bias", "x", "np.sum(np.cov(x, bias=True) ** 3)", normal((2, 5))),
    Case("cov_ddof", "x", "np.sum(np.sin(np.cov(x, ddof=0)))", normal((3, 4)), second=True),
    Case("corrcoef_rows", "x", "np.sum(np.corrcoef(x) * np.arange(9.0).reshape(3, 3))",
         normal((3, 6)), second=True),
    Case("corrcoef_pair", "x, y", "np.corrcoef(x, y)[0, 1]", normal((6,), (6,)), wrt=(0, 1),
         second=True),
    Case("trapezoid_unit", "y", "np.trapezoid(y ** 2)", normal((7,)), second=True, jit=True),
    Case("trapezoid_dx", "y", "np.sum(np.trapezoid(np.exp(y), dx=0.1, axis=0))",
         normal((4, 3)), second=True),
    Case("trapezoid_points", "y, x", "np.trapezoid(np.sin(y), x)",
         lambda rng: [rng.standard_normal(6), np.cumsum(rng.uniform(0.1, 1.0, 6))],
         wrt=(0, 1), second=True),
    Case("trapezoid_last_axis", "y", "np.sum(np.trapezoid(y, np.linspace(0.0, 2.0, 5)) ** 2)",
         normal((3, 5))),
    Case("float_power", "x, p", "np.sum(np.float_power(x, p))", positive((5,), (5,)),
         wrt=(0, 1), second=True, jit=True),
    Case("ldexp", "x", "np.sum(np.ldexp(x, np.arange(5)) ** 2)", normal((5,)), second=True),
    Case("logspace", "a, b", "np.sum(np.logspace(a, b, 5))",
         lambda rng: [float(rng.uniform(-1, 0)), float(rng.uniform(0, 1))], wrt=(0, 1),
         second=True),
    Case("logspace_base", "a", "np.sum(np.logspace(0.0, a, 4, endpoint=False, base=2.0))",
         lambda rng: [float(rng.uniform(0.5, 2))]),
    Case("geomspace", "a, b", "np.sum(np.geomspace(a, b, 6) ** 2)",
         lambda rng: [float(rng.uniform(0.5, 1)), float(rng.uniform(2, 3))], wrt=(0, 1),
         second=True),
    Case("signbit_mask", "x", "np.sum(np.where(np.signbit(x - 0.5), x, x ** 2))",
         away_from_half, second=True, jit=True),
    Case("isclose_mask", "x", "np.sum(x * np.isclose(x, 0.5)) + np.sum(x ** 2)",
         away_from_half),
    Case("any_all", "x", "np.sum(np.where(np.all(x > -9.0, axis=1), x[:, 0], 0.0)) + "
         "np.sum(x ** 2) * np.any(x > 9.0)", normal((3, 4)), second=True),
    Case("count_nonzero", "x", "np.sum(x ** 2) * np.count_nonzero(x > 0.5)", away_from_half),
    Case("searchsorted", "x",
         "np.sum(x ** 2) * np.searchsorted(np.array([0.1, 0.5, 0.7]), 0.6)", normal((4,))),
    Case("isinf_mask", "x", "np.sum(np.where(np.isinf(x), 0.0, x) ** 2)", normal((4,))),
    Case("triu_indices", "x", "np.sum(x[np.triu_indices(4, 1)] ** 2)", normal((4, 4)),
         second=True, jit=True),
    Case("tril_indices_m", "x", "np.sum(np.sin(x[np.tril_indices(3, 0, 4)]))", normal((3, 4)),
         second=True),
    Case("triu_indices_run_time", "x", "np.sum(x[np.triu_indices(x.shape[0], k=1)] ** 3)",
         normal((4, 4)), second=True),
    Case("tril_indices_run_time_m", "x", "np.sum(x[np.tril_indices(x.shape[0], m=5)] ** 2)",
         normal((3, 5))),
    Case("diag_indices", "x", "np.sum(x[np.diag_indices(3)] ** 2 * x[0])", normal((3, 3))),
    Case("indices_grid", "x", "np.sum(x * np.indices((3, 4))[1] + x ** 2 * np.indices((3, 4))[0])",
         normal((3, 4)), second=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("covariance"), "breadth_covariance")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_covariance_case(module, case):
    check_case(module, case)


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.cov(a, aweights=np.ones(3)))", "aweights"),
    ("np.trapezoid(a, np.arange(3.0), axis=0)", "last axis"),
])
def test_refused_forms(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((3, 3)))
