"""Python's builtin max and min: of two or more numbers (the pairwise np.maximum /
np.minimum), of a list written out, and of one 1-D array, which Python iterates element
by element (np.max / np.min, the rank checked where the function runs). Each case is
checked by ``breadth_support.check_case`` (value, gradient, forward mode,
Hessian-vector product; jit for some), inputs drawn without ties.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def distinct(*shapes):
    """Normal draws, every pair of elements at least 0.1 apart (no ties)."""
    def inputs(rng):
        while True:
            values = [rng.standard_normal(s) if s else float(rng.standard_normal())
                      for s in shapes]
            flat = np.concatenate([np.ravel(v) for v in values])
            gaps = np.abs(flat[:, None] - flat[None, :]) + np.eye(flat.size)
            if gaps.min() > 0.1:
                return values
    return inputs


CASES = [
    Case("max_of_vector", "x", "max(x) * min(x) + np.sum(x ** 2)", distinct((5,)),
         second=True, jit=True),
    Case("min_of_vector", "x", "np.sin(min(x * 2.0)) + max(np.cos(x))", distinct((4,)),
         second=True),
    Case("max_of_list", "a, b, c", "max([a, b * 2.0, c]) * min((a, c)) ** 2",
         distinct((), (), ()), wrt=(0, 1, 2), second=True, jit=True),
    Case("max_of_two", "a, b", "max(a * b, a + b) - min(a, b, 0.25) ** 3",
         distinct((), ()), wrt=(0, 1), second=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("builtins"), "breadth_builtins")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_builtin_case(module, case):
    check_case(module, case)


def test_max_of_a_matrix_stops_where_it_runs(module):
    with pytest.raises(symdiff.SymdiffError, match=r"np\.max\(x\)") as info:
        symdiff.grad(module.max_of_vector)(np.ones((2, 3)))
    assert info.value.loc is not None and info.value.loc.line > 0


@pytest.mark.parametrize("body,message", [
    ("max(a, key=abs)", "max"),
    ("max([])", "empty"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones(3))
