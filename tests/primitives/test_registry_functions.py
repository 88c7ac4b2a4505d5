"""NumPy functions added as one registry entry each, checked end to end.

For every case of ``registry_functions_corpus``:
- the gradient against central differences (``support.assert_gradient``: check_grad, the
  gradient's kind and shape, generic source == specialized);
- the value ``value_and_grad`` returns is f's value;
- forward mode: ``symdiff.jvp`` along a random direction against a central difference of f;
- the Hessian against central differences of the (checked) gradient;
- ``jit=True`` gives the same value and gradient.
"""
import warnings

import numpy as np
import pytest

import symdiff
from registry_functions_corpus import CASES
from support import directional_difference, numerical_jacobian, random_like

IDS = [c[0] for c in CASES]


def _positions(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_and_value(case):
    from support import assert_gradient
    _, fn, args, wrt = case
    assert_gradient(fn, *args, wrt=wrt)
    value, _ = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    assert np.allclose(value, fn(*args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_mode(case):
    _, fn, args, wrt = case
    rng = np.random.default_rng(3)
    positions = _positions(wrt)
    vectors = [random_like(rng, args[i]) for i in positions]
    value, tangent = symdiff.jvp(fn, wrt=wrt)(*args, *vectors)
    assert np.allclose(value, fn(*args), rtol=1e-12)
    expected = directional_difference(fn, args, positions, vectors)
    assert np.allclose(tangent, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hessian(case):
    _, fn, args, wrt = case
    i = _positions(wrt)[0]
    H = symdiff.hessian(fn, wrt=i)(*args)
    grad = symdiff.grad(fn, wrt=i)
    expected = numerical_jacobian(grad, args, i)
    assert np.allclose(H, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jit_same_numbers(case):
    _, fn, args, wrt = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)    # numba may fall back to NumPy
        value, grads = symdiff.value_and_grad(fn, wrt=wrt, jit=True)(*args)
    plain_value, plain = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    assert np.allclose(value, plain_value, rtol=1e-12)
    for a, b in zip(grads if isinstance(wrt, tuple) else (grads,),
                    plain if isinstance(wrt, tuple) else (plain,)):
        assert np.allclose(a, b, rtol=1e-10, atol=1e-12)
