"""Statements of real code that change only what is reported, and comparisons written as
chains: ``with np.errstate(...)``, ``np.printoptions`` and ``warnings.catch_warnings()``
blocks run as plain statements (``warnings.simplefilter`` in them is dropped, as
``print``); ``a < b < c`` is ``a < b and b < c``. Checked against central differences;
other ``with`` blocks stay refused, located."""
import warnings

import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian


def errstate_block(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x) * x
    return np.sum(y)


def errstate_in_a_loop(x):
    t = 0.0
    for i in range(3):
        with np.errstate(over="ignore"), np.printoptions(precision=3):
            t = t + np.exp(x[i]) * x[i + 1]
    return t


def caught_warnings(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = np.sqrt(x) ** 3
    return np.sum(y)


def _quiet_log(v):
    with np.errstate(all="ignore"):
        return np.log(v)


def in_a_helper(x):
    return np.sum(_quiet_log(x) * x)


def chains(x):
    total = 0.0
    for i in range(4):
        if 0.2 < x[i] <= 0.9:
            total = total + x[i] ** 2
    scale = 2.0 if 0 < x[0] < x[1] < 5 else 3.0
    return total * scale


CASES = [errstate_block, errstate_in_a_loop, caught_warnings, in_a_helper, chains]


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
def test_reporting_blocks_and_chained_comparisons(fn):
    x = np.array([0.3, 0.45, 1.1, 0.8, 0.6])
    value, grad = symdiff.value_and_grad(fn)(x)
    assert value == pytest.approx(fn(x), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(fn, (x,), 0), rtol=1e-6, atol=1e-8)


def other_context(x):
    with open("/dev/null") as sink:
        y = x * 2 + len(sink.name)
    return np.sum(y)


def test_another_with_block_is_refused_at_the_with():
    with pytest.raises(symdiff.SymdiffError, match="`with` is not supported") as info:
        symdiff.grad(other_context)(np.ones(3))
    assert info.value.loc.file.endswith("test_reporting_statements.py")
