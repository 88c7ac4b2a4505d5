"""Reductions with ``where=`` and ``initial=`` (np.sum, np.prod, np.mean, np.max, np.min
and their methods), checked by ``breadth_support.check_case`` (value, gradient, forward
mode; Hessian-vector product for a sample), and the rule that a keyword a NumPy call's
lowering does not read is refused where it is written, never dropped.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of


def spread(shape):
    """Distinct values in (0.1, 1.1) (no ties for max/min, none near the mask's 0.5)."""
    def inputs(rng):
        n = int(np.prod(shape))
        values = (rng.permutation(n) + rng.uniform(0.2, 0.4, n)) / n + 0.1
        values[np.abs(values - 0.5) < 0.05] += 0.1
        return [values.reshape(shape)]
    return inputs


CASES = [
    Case("sum_where", "x", "np.sum(x ** 2, where=x > 0.5)", spread((7,)), second=True),
    Case("sum_initial", "x", "np.sum(x, initial=1.5) * x[0]", spread((5,))),
    Case("sum_where_axis", "x",
         "np.sum(np.sum(x ** 2, axis=1, where=x > 0.5, initial=0.25) ** 2)", spread((3, 4)),
         second=True),
    Case("sum_method_where", "x", "x.sum(where=x < 0.5) * x[1]", spread((6,))),
    Case("prod_where", "x", "np.prod(x + 0.5, where=x > 0.5)", spread((6,)), second=True),
    Case("prod_initial", "x", "np.prod(x, axis=0, initial=2.0).sum()", spread((3, 2))),
    Case("mean_where", "x", "np.mean(x ** 3, where=x > 0.5)", spread((8,)), second=True),
    Case("mean_where_axis", "x", "np.sum(np.mean(x ** 2, axis=0, where=x > 0.3) * "
         "np.arange(1.0, 5.0))", spread((3, 4))),
    Case("max_where", "x", "np.max(x ** 2, where=x < 0.8, initial=0.05)", spread((7,))),
    Case("max_initial_wins", "x", "np.max(x, initial=5.0) * x[0]", spread((4,))),
    Case("max_initial_loses", "x", "np.max(x, initial=-1.0) * x[0]", spread((4,))),
    Case("max_initial_value", "x", "np.max(x[1:], initial=x[0] * 3)", spread((4,))),
    Case("max_where_axis", "x", "np.sum(np.max(x, axis=1, where=x < 0.8, initial=-1.0))",
         spread((3, 4))),
    Case("min_where", "x", "np.min(x, where=x > 0.5, initial=2.0) * x[0]", spread((6,))),
    Case("min_method_initial", "x", "x.min(initial=0.5) * x[0] + x.min(initial=2.0)",
         spread((5,))),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("reduction_keywords"), "reductions_kw")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reduction_keyword_case(module, case):
    check_case(module, case)


@pytest.mark.parametrize("body,message", [
    ("np.max(a, where=a > 0.5)", "needs initial="),
    ("np.mean(a, initial=1.0)", "initial= of np.mean"),
    ("np.sum(np.matmul(a, a, casting='unsafe'))", "casting= keyword of np.matmul"),
    ("np.max(a, out=None)", "out= keyword of np.max"),
    ("a.sum(axis=0, out=None).sum()", "out= keyword of np.sum"),
    ("np.sum(np.cumprod(a, axis=0, dtype=float))", "dtype= keyword of np.cumprod"),
])
def test_a_keyword_the_lowering_does_not_read_is_refused(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.eye(3) + 0.5)
