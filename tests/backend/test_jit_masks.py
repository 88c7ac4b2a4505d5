"""jit=True on reads and writes by a boolean mask: the gradient of ``x[x > 0]`` is a
scatter back to the True positions, never a loop over the mask's entries as if they
were indices (which gave every element the same wrong number). Equal to the NumPy
gradient, which central differences check."""
import warnings

import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian


def masked_reads(x):
    return np.sum(x[x > 0.5] ** 2) + np.sum(x[x < 0.3] * 3.0)


def masked_write(x):
    y = x * 1.0
    y[x > 0.5] = x[x > 0.5] ** 2
    return np.sum(y ** 2)


@pytest.mark.parametrize("fn", [masked_reads, masked_write], ids=lambda f: f.__name__)
def test_a_mask_read_under_jit_equals_numpy(fn):
    x = np.array([0.2, 0.7, 0.55, 0.1, 0.9, 0.35, 0.6])
    want = symdiff.grad(fn)(x)
    np.testing.assert_allclose(want, numerical_jacobian(fn, (x,), 0), rtol=1e-7, atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = symdiff.grad(fn, jit=True)(x)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
