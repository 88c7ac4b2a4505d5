"""Views NumPy returns that the view steps do not follow (np.flip, np.swapaxes,
np.moveaxis, np.rot90, np.atleast_2d, np.split...), and views stored in containers:
a write through one name that NumPy would show through another is refused where it is
written, or the other name's read after it is; reading them without writes runs, checked
against central differences."""
import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian




def flip(x):
    y = x * 1.0
    z = np.flip(y)
    z[0] = 5.0
    return np.sum(y * x)


def swapped(x):
    y = x.reshape(2, 3) * 1.0
    z = np.swapaxes(y, 0, 1)
    z[0, 0] = 5.0
    return np.sum(y ** 2)


def swapped_method(x):
    y = x.reshape(2, 3) * 1.0
    z = y.swapaxes(0, 1)
    z[0, 0] = 5.0
    return np.sum(y ** 2)


def moved(x):
    y = x.reshape(2, 3) * 1.0
    z = np.moveaxis(y, 0, 1)
    z[0, 0] = 5.0
    return np.sum(y ** 2)


def rotated(x):
    y = x.reshape(2, 3) * 1.0
    z = np.rot90(y)
    z[0, 0] = 5.0
    return np.sum(y ** 2)


def at_least_2d(x):
    y = x * 1.0
    z = np.atleast_2d(y)
    z[0, 0] = 5.0
    return np.sum(y ** 2)


def split_parts(x):
    y = x * 1.0
    a, b = np.split(y, 2)
    a[0] = 5.0 * x[1]
    return np.sum(y ** 2)


def base_written_after_flip(x):
    y = x * 1.0
    z = np.flip(y)
    y[0] = 5.0
    return np.sum(z * x)


def base_written_after_split(x):
    y = x * 1.0
    parts = np.split(y, 2)
    y[0] = 5.0
    return np.sum(parts[0] * x[:3])


def slice_in_a_list(x):
    y = x * 1.0
    kept = [y[:3]]
    y[0] = 5.0
    return np.sum(kept[0] * x[:3])


REFUSED = [flip, swapped, swapped_method, moved, rotated, at_least_2d, split_parts,
           base_written_after_flip, base_written_after_split, slice_in_a_list]
X = np.array([0.3, -0.8, 1.1, 0.45, -0.2, 0.8])


@pytest.mark.parametrize("fn", REFUSED, ids=[f.__name__ for f in REFUSED])
def test_a_write_numpy_shows_through_a_view_is_refused(fn):
    with pytest.raises(symdiff.SymdiffError, match="share memory|holds a view") as info:
        symdiff.grad(fn)(X)
    assert info.value.loc is not None and info.value.loc.file.endswith(
        "test_unmodelled_views.py")


def array_in_a_list_incremented(x):
    y = x * 1.0
    kept = [y]
    y += 1.0
    return np.sum(kept[0] * x)


def test_an_array_in_a_list_incremented_is_refused_when_it_runs():
    with pytest.raises(symdiff.SymdiffError, match="`y` is an array stored in `kept` too") \
            as info:
        symdiff.grad(array_in_a_list_incremented)(X)
    assert info.value.loc.file.endswith("test_unmodelled_views.py")
    assert info.value.loc.text.strip() == "y += 1.0"


def views_read_only(x):
    y = x.reshape(2, 3) * 1.0
    a, b = np.split(x * 2.0, 2)
    return np.sum(np.flip(y) * np.swapaxes(y, 0, 1).T) + np.sum(a * b) + \
        np.sum(np.atleast_2d(x) ** 3)


def running_losses(x):
    loss = 0.0
    history = []
    for i in range(3):
        loss += x[i] ** 2
        history.append(loss)
    return history[0] + 2 * history[1] + 3 * history[2]


@pytest.mark.parametrize("fn", [views_read_only, running_losses],
                         ids=["views read only", "numbers in a list, incremented"])
def test_views_read_and_numbers_rebound_run(fn):
    value, grad = symdiff.value_and_grad(fn)(X)
    assert value == pytest.approx(fn(X), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(fn, (X,), 0), rtol=1e-7, atol=1e-9)


def row_then_column(x):
    y = x.reshape(2, 3) * 1.0
    y[0][1] = 5.0 * x[0]
    return np.sum(y * x.reshape(2, 3))


def through_the_transpose(x):
    y = x.reshape(2, 3) * 1.0
    y.T[0, 1] = 5.0 * x[2]
    return np.sum(y * x.reshape(2, 3))


def every_other_then_one(x):
    y = x * 1.0
    y[::2][1] += 5.0 * x[0]
    return np.sum(y * x)


def into_a_copy(x):
    y = x * 1.0
    y[[0, 1]][0] = 5.0              # a copy: y does not change
    y[x > 0.0][0] = 7.0             # a copy too
    return np.sum(y * x)


@pytest.mark.parametrize("fn", [row_then_column, through_the_transpose, every_other_then_one,
                                into_a_copy], ids=lambda f: f.__name__)
def test_a_write_through_a_chain_of_indices_writes_where_numpy_does(fn):
    value, grad = symdiff.value_and_grad(fn)(X)
    assert value == pytest.approx(fn(X.copy()), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(lambda t: fn(t.copy()), (X,), 0),
                               rtol=1e-7, atol=1e-9)
