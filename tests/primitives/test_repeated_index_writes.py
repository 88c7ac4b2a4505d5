"""A write whose index names one element twice (``y[[0, 0, 1]] = v``, labels with
repeats): NumPy keeps the last value written, so only that one gets a gradient. Checked
against central differences, for constant and run-time indices, pairs of index arrays,
``+=``, forward mode and the Hessian-vector product; indices with no repeat, masks and
slices keep the plain gather."""
import numpy as np
import pytest

import symdiff
from tests.support import directional_difference, numerical_jacobian

WEIGHTS = np.arange(1.0, 10.0)


def repeated_constant(x):
    y = np.zeros(4)
    y[[1, 1, 3]] = x[:3] * 2
    return np.sum(y ** 2 * WEIGHTS[:4])


def repeated_increment(x):
    y = x * 1.0
    y[[0, 0, 1]] += x[2] ** 2
    return np.sum(y ** 2)


def repeated_pairs(x):
    A = np.zeros((3, 3))
    A[[0, 0, 1], [1, 1, 2]] = x[:3] ** 2
    return np.sum(A * WEIGHTS.reshape(3, 3))


def labels_at_run_time(x, labels):
    y = np.zeros(3)
    y[labels] = np.sin(x[:4])
    return np.sum(y * np.arange(1.0, 4.0))


def labels_increment(x, labels):
    y = x[:3] * 1.0
    y[labels] += x[3:] * x[:3][labels]
    return np.sum(y ** 2)


LABELS = np.array([2, 0, 2, 1])
X = np.array([0.3, -0.7, 1.1, 0.45, -0.2, 0.8])
CASES = [(repeated_constant, (X,)), (repeated_increment, (X,)), (repeated_pairs, (X,)),
         (labels_at_run_time, (X, LABELS)), (labels_increment, (X, np.array([1, 1, 0])))]


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_only_the_last_write_gets_the_gradient(fn, args):
    value, grad = symdiff.value_and_grad(fn)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(fn, args, 0), rtol=1e-7, atol=1e-9)
    v = np.linspace(-1.0, 1.0, X.size)
    _, slope = symdiff.jvp(fn)(*args, v)
    assert slope == pytest.approx(float(directional_difference(fn, args, [0], [v])), rel=1e-6)
    hv = symdiff.hvp(fn)(*args, v)
    expected = directional_difference(lambda *a: symdiff.grad(fn)(*a), args, [0], [v], 1e-5)
    np.testing.assert_allclose(hv, expected, rtol=1e-5, atol=1e-7)


def test_the_generic_source_keeps_the_last_write_too():
    namespace: dict = {}
    exec(symdiff.grad(labels_at_run_time).source, namespace)
    grad = namespace["grad_labels_at_run_time"](X, LABELS)
    np.testing.assert_allclose(grad, numerical_jacobian(labels_at_run_time, (X, LABELS), 0),
                               rtol=1e-7, atol=1e-9)


def unique_constant(x):
    y = x * 1.0
    y[[0, 2]] = x[[3, 4]] * 2
    return np.sum(y ** 2)


def masked(x):
    y = x * 1.0
    y[x > 0.5] = x[x > 0.5] ** 2
    return np.sum(y ** 2)


def sliced(x):
    y = x * 1.0
    y[1:3] = x[3:5] * 2
    return np.sum(y ** 2)


@pytest.mark.parametrize("fn", [unique_constant, masked, sliced],
                         ids=["unique constant", "mask", "slice"])
def test_an_index_with_no_repeat_keeps_the_plain_gather(fn):
    g = symdiff.grad(fn)
    np.testing.assert_allclose(g(X), numerical_jacobian(fn, (X,), 0), rtol=1e-7, atol=1e-9)
    assert "-1.0" not in g.source_for(X)
