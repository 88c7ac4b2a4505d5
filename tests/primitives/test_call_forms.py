"""Spellings of calls that used to fail: np.clip with a bound None, its bounds by keyword
(a_min/a_max, min/max) and the x.clip method; np.concatenate with axis=None (the arrays
flattened first); reshape, ravel and flatten in Fortran order; np.radians, np.degrees.
Each is checked by ``breadth_support.check_case`` (value, gradient, forward mode, a
Hessian-vector product for a sample)."""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of


def away_from(*kinks):
    """Values in (0, 1) at least 0.05 from every kink (a clip's bounds)."""
    def inputs(rng):
        x = rng.uniform(0.05, 0.95, 8)
        for k in kinks:
            x[np.abs(x - k) < 0.05] += 0.1
        return [x]
    return inputs


CASES = [
    Case("clip_no_upper", "x", "np.sum(np.clip(x, 0.3, None) ** 2)", away_from(0.3), second=True),
    Case("clip_no_lower", "x", "np.sum(np.clip(x, None, 0.6) ** 3)", away_from(0.6)),
    Case("clip_keywords", "x", "np.sum(np.clip(x, a_min=0.3, a_max=0.6) ** 2)",
         away_from(0.3, 0.6)),
    Case("clip_method", "x", "np.sum(x.clip(0.3, 0.6) * x)", away_from(0.3, 0.6), second=True),
    Case("clip_method_min", "x", "np.sum(x.clip(min=0.4) ** 3)", away_from(0.4)),
    Case("clip_array_bound", "x", "np.sum(np.clip(x[:4], x[4:] * 0.5, None) ** 2)",
         away_from()),
    Case("flatten_fortran", "x", "np.sum(x.reshape(2, 4).flatten(order='F') * np.arange(8.0))",
         away_from(), second=True),
    Case("ravel_fortran", "x", "np.sum(np.ravel(x.reshape(2, 4), 'F') ** 2 * np.arange(8.0))",
         away_from()),
    Case("reshape_fortran", "x",
         "np.sum(x.reshape((4, -1), order='F') ** 2 * np.arange(8.0).reshape(4, 2))",
         away_from(), second=True),
    Case("reshape_fortran_3d", "x",
         "np.sum(np.reshape(x, (2, 2, 2), order='F') * np.arange(8.0).reshape(2, 2, 2))",
         away_from()),
    Case("radians_degrees", "x", "np.sum(np.radians(x) * np.degrees(x) ** 2)", away_from()),
    Case("concatenate_flat", "x",
         "np.sum(np.concatenate([x.reshape(2, 4), x[:3] ** 2], axis=None) * np.arange(11.0))",
         away_from(), second=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("call_forms"), "call_forms")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_call_form(module, case):
    check_case(module, case)


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.clip(a, None, None))", "at least one bound"),
    ("np.sum(np.stack([a, a], axis=None))", "np.stack needs an axis"),
    ("np.sum(a.reshape(9, order='A'))", "order='A' is not supported"),
    ("np.sum(a.reshape(a.shape, order='F'))", "needs the new shape written out"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.eye(3))
