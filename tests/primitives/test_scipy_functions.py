"""scipy.special functions written with primitives (``primitives/scipy_special.py``,
registry ``Composition`` entries): logsumexp, softmax, log_softmax, polygamma,
multigammaln. Each case is checked by ``breadth_support.check_case`` (value, gradient
against central differences, forward mode, Hessian-vector product, jit).
"""
from __future__ import annotations

import pytest
from breadth_support import Case, assert_refused, check_case, module_of


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def within(lo, hi, *shapes):
    return lambda rng: [rng.uniform(lo, hi, s) for s in shapes]


def _case(cid, params, body, inputs, wrt=(0,)):
    return Case(cid, params, body, inputs, wrt=wrt, second=True, jit=True)


SPECIAL = [
    _case("logsumexp_all", "x", "scipy.special.logsumexp(x)", normal((3, 4))),
    _case("logsumexp_axis_b", "x, b", "np.sum(scipy.special.logsumexp(x, axis=1, b=b) ** 2)",
          lambda rng: [rng.standard_normal((3, 4)), rng.uniform(0.5, 1.5, (3, 4))],
          wrt=(0, 1)),
    _case("logsumexp_keepdims", "x", "np.sum(sp.logsumexp(x, axis=0, keepdims=True) * x)",
          normal((3, 2))),
    _case("softmax_rows", "x", "np.sum(scipy.special.softmax(x, axis=1) * np.arange(4.0))",
          normal((3, 4))),
    _case("log_softmax_all", "x", "np.sum(scipy.special.log_softmax(x) * x)", normal((5,))),
    _case("polygamma_orders", "x", "np.sum(scipy.special.polygamma(1, x) "
          "+ sp.polygamma(0, x) * sp.polygamma(2, x))", within(0.5, 3.0, (4,))),
    _case("multigammaln_scalar", "a", "scipy.special.multigammaln(a, 3)",
          lambda rng: [float(rng.uniform(2.0, 4.0))]),
    _case("multigammaln_array", "a", "np.sum(scipy.special.multigammaln(a, 2) * a)",
          within(1.5, 4.0, (3,))),
]
CASES = SPECIAL


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("scipy"), "scipy_functions")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scipy_case(module, case):
    check_case(module, case)


@pytest.mark.parametrize("body", ["scipy.special.polygamma(a, a)",
                                  "scipy.special.polygamma(1.5, a)",
                                  "scipy.special.multigammaln(a, 0)"])
def test_a_variable_or_fractional_order_is_refused(tmp_path, body):
    assert_refused(tmp_path, body, "must be a constant", 2.0)
