"""A differentiated value written into an array known to hold integers is truncated by
NumPy, so no derivative passes the write: refused at the write in reverse mode, forward
mode and second order, never a gradient of the untruncated value. Integers written into
integer arrays (counts, labels) need no derivative and still run."""
import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian


def zeros_int(x):
    y = np.zeros(3, dtype=int)
    y[0] = x[0] * 10
    return np.sum(y * x[:3])


def literal_ints(x):
    y = np.array([1, 2, 3])
    y[0] = x[0]
    return np.sum(y * x[:3])


def like_an_int_array(x):
    y = np.zeros_like(np.arange(3))
    y[1] = x[1] * 7
    return np.sum(y * x[:3])


def full_of_an_int(x):
    y = np.full(3, 2)
    y[2] = x[2]
    return np.sum(y * x[:3])


def int_increment(x):
    y = np.ones(3, dtype=np.int64)
    y[1] += x[1]
    return np.sum(y * x[:3])


def cast_to_int(x):
    y = np.linspace(0.0, 4.0, 3).astype(int)
    y[:2] = x[:2]
    return np.sum(y * x[:3])


WRITES = [zeros_int, literal_ints, like_an_int_array, full_of_an_int, int_increment,
          cast_to_int]
X = np.array([0.3, 0.6, 0.9, 0.2])


@pytest.mark.parametrize("make", [symdiff.grad, symdiff.value_and_grad,
                                  lambda f: (lambda x: symdiff.jvp(f)(x, np.ones(4))),
                                  lambda f: (lambda x: symdiff.hvp(f)(x, np.ones(4)))],
                         ids=["grad", "value_and_grad", "jvp", "hvp"])
@pytest.mark.parametrize("fn", WRITES, ids=[f.__name__ for f in WRITES])
def test_a_float_written_into_an_integer_array_is_refused(fn, make):
    with pytest.raises(symdiff.SymdiffError, match="into an array of integers") as info:
        make(fn)(X)
    assert info.value.loc is not None and info.value.loc.file.endswith("test_integer_writes.py")


def counts(x, labels):
    c = np.zeros(3, dtype=int)
    for i in range(4):
        c[labels[i]] += 1
    return np.sum(c * x[:3]) + x[3] ** 2


def float_array_write(x):
    y = np.zeros(3)
    y[0] = x[0] * 10
    return np.sum(y * x[:3])


@pytest.mark.parametrize("fn,args", [(counts, (X, np.array([0, 2, 2, 1]))),
                                     (float_array_write, (X,))], ids=["counts", "floats"])
def test_integers_into_integer_arrays_and_floats_into_float_arrays_run(fn, args):
    value, grad = symdiff.value_and_grad(fn)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(fn, args, 0), rtol=1e-7, atol=1e-9)
