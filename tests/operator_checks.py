"""The end-to-end check the operator tests share (tests/primitives/test_operators.py,
tests/primitives/test_array_operators.py): values, gradients and tangents against plain Python and
central differences."""
from __future__ import annotations

import numpy as np

import symdiff
from support import assert_gradient, directional_difference, numerical_jacobian


def seeded(*shape, lo=-2.0, hi=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


def verify(fn, *args, wrt=0, forward=True, differences=True, directional=True):
    """value == fn(*args); gradient == central differences; jvp == the gradient along the
    direction, and == a directional difference unless a point sits where moving every
    argument at once leaves the domain (a zero base under a non-integer exponent)."""
    several = isinstance(wrt, tuple)
    positions = wrt if several else (wrt,)
    value, grads = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    grads = grads if several else (grads,)
    if differences:
        assert_gradient(fn, *args, wrt=wrt)
        for g, i in zip(grads, positions):
            np.testing.assert_allclose(g, numerical_jacobian(fn, list(args), i), rtol=1e-6,
                                       atol=1e-6, err_msg=f"d/d(arg {i})")
    if forward:
        rng = np.random.default_rng(7)
        vectors = [rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else
                   float(rng.standard_normal()) for i in positions]
        value_f, tangent = symdiff.jvp(fn, wrt=wrt)(*args, *vectors)
        np.testing.assert_allclose(value_f, fn(*args), rtol=1e-12, atol=1e-12)
        want = sum(np.sum(g * v) for g, v in zip(grads, vectors))
        np.testing.assert_allclose(tangent, want, rtol=1e-9, atol=1e-9)
        if differences and directional:
            np.testing.assert_allclose(
                tangent, directional_difference(fn, list(args), positions, vectors),
                rtol=1e-6, atol=1e-6)
    return value, grads
