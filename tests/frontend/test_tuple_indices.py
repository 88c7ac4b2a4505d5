"""A tuple used as an index is one index entry per item, as NumPy reads it: ``idx =
(rows, cols); x[idx]`` is ``x[rows, cols]`` (and ``np.tril_indices(n)`` gives such a
tuple), for reads and writes; a list of arrays stays one array index (``x[[r, c]]``)."""
import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian


def read_by_tuple(x):
    idx = (np.array([0, 1, 3]), np.array([2, 3, 0]))
    return np.sum(x[idx] ** 2)


def element_by_tuple(x):
    at = (1, 2)
    return x[at] * np.sum(x)


def write_by_tuple(x):
    y = x.copy()
    idx = (np.array([0, 1]), np.array([2, 3]))
    y[idx] = x[idx] ** 3
    return np.sum(y * x)


def lower_triangle(v):
    rows, cols = np.tril_indices(3, -1)
    L = np.eye(3)
    L[rows, cols] = v[:3]
    return np.sum(L @ L.T * np.arange(9.0).reshape(3, 3))


def by_list_of_rows(x):
    return np.sum(x[[0, 2]] ** 2)


def upper_triangle_read(x):
    upper = np.triu_indices(4, 1)
    return np.sum(np.sin(x[upper]))


CASES = [read_by_tuple, element_by_tuple, write_by_tuple, lower_triangle, by_list_of_rows,
         upper_triangle_read]


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
def test_tuple_indices_as_numpy_reads_them(fn):
    x = np.random.default_rng(4).standard_normal(6 if fn is lower_triangle else (4, 4))
    value, grad = symdiff.value_and_grad(fn)(x)
    assert value == pytest.approx(fn(x), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(fn, (x,), 0), rtol=1e-6, atol=1e-8)
    v = np.random.default_rng(5).standard_normal(x.shape)
    tangent = symdiff.jvp(fn)(x, v)[1]
    assert tangent == pytest.approx(float(np.sum(grad * v)), rel=1e-8, abs=1e-10)


def nested_tuple(x):
    idx = ((0, 2), 1)
    return np.sum(x[idx] ** 2)


def test_a_tuple_inside_a_tuple_index_is_an_array_index_as_in_numpy():
    x = np.random.default_rng(6).standard_normal((3, 3))
    value, grad = symdiff.value_and_grad(nested_tuple)(x)
    assert value == pytest.approx(x[0, 1] ** 2 + x[2, 1] ** 2, rel=1e-12)
    want = np.zeros((3, 3))
    want[[0, 2], 1] = 2 * x[[0, 2], 1]
    np.testing.assert_allclose(grad, want, rtol=1e-12)
