"""Memory shared in ways a reader can miss, as NumPy and Python share it:

- ``np.asarray(y)`` (and ``np.array(y, copy=False)``) is ``y`` itself, so a write through
  it changes ``y``; ``np.array(y)`` is a copy;
- ``d["a"] += v`` (an entry or an attribute) changes the array in place, so a name or
  another entry holding it changes too: refused where that is so;
- a function defined inside the differentiated one writes into the arrays it is given or
  captures, and that write is seen after the call; one that changes a captured dict, list
  or object is refused.

Each gradient is checked against central differences, and its value against the plain
function."""
import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian


class Holder:
    def __init__(self, v):
        self.v = v

    def zero_first(self, v):
        v[0] = 0.0
        return v


def asarray_write(x):
    y = x * 1.0
    z = np.asarray(y)
    z[0] = 3.0
    return np.sum(y * x)


def asarray_of_a_slice(x):
    y = x * 1.0
    z = np.asarray(y[1:])
    z[0] = z[0] * 2.0
    return np.sum(y * x)


def array_copy_false(x):
    y = x * 1.0
    z = np.array(y, copy=False)
    z[1] = 0.5
    return np.sum(y ** 2)


def array_copies(x):
    y = x * 1.0
    z = np.array(y)
    z[0] = 3.0
    return np.sum(y * x) + np.sum(z * x)


def closure_writes_its_argument(x):
    def zero_first(v):
        v[0] = 0.0
    y = x * 1.0
    zero_first(y)
    return np.sum(y ** 2)


def closure_writes_a_captured_array(x):
    y = x * 1.0

    def bump():
        y[0] += y[1]
        return 0.0
    bump()
    return np.sum(y ** 2)


def method_writes_its_argument(x):
    y = x * 1.0
    h = Holder(x)
    h.zero_first(y)
    return np.sum(y ** 2 * x)


def fresh_entry_updated(x):
    d = {"a": x * 1.0}
    d["a"] += x ** 2
    h = Holder(x * 2.0)
    h.v -= x
    return np.sum(d["a"] * h.v)


def number_entries_accumulate(x):
    stats = {"loss": 0.0}
    for i in range(3):
        stats["loss"] += x[i] ** 2
    return stats["loss"]


CHECKED = [asarray_write, asarray_of_a_slice, array_copy_false, array_copies,
           closure_writes_its_argument, closure_writes_a_captured_array,
           method_writes_its_argument, fresh_entry_updated, number_entries_accumulate]


@pytest.mark.parametrize("fn", CHECKED, ids=[f.__name__ for f in CHECKED])
def test_the_gradient_sees_the_write_python_makes(fn):
    x = np.array([0.3, -0.8, 1.1, 0.45])
    value, grad = symdiff.value_and_grad(fn)(x.copy())
    assert value == pytest.approx(fn(x.copy()), rel=1e-12)
    expected = numerical_jacobian(lambda t: fn(t.copy()), (x,), 0)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


def entry_named_too(x):
    y = x * 1.0
    d = {"a": y}
    d["a"] += 1.0
    return np.sum(y ** 2)


def attribute_named_too(x):
    y = x * 1.0
    h = Holder(y)
    h.v *= 2.0
    return np.sum(y ** 2)


def two_entries(x):
    y = x * 1.0
    d = {"a": y, "b": y}
    y = None
    d["a"] -= 1.0
    return np.sum(d["b"] ** 2)


def closure_changes_captured_dict(x):
    d = {}

    def put(v):
        d["a"] = v
        return 0.0
    put(x * 2)
    return np.sum(d["a"])


def closure_changes_captured_object(x):
    h = Holder(x * 1.0)

    def scale():
        h.v = h.v * 2
        return 0.0
    scale()
    return np.sum(h.v ** 2)


@pytest.mark.parametrize("fn,message", [
    (entry_named_too, "`d['a'] += ...` changes the array in place, and `y` holds"),
    (attribute_named_too, "`h.v *= ...` changes the array in place, and `y` holds"),
    (two_entries, "another entry holds the same array"),
    (closure_changes_captured_dict, "`put` changes the dict `d` it captures"),
    (closure_changes_captured_object, "`scale` changes the object `h` it captures"),
])
def test_a_change_symdiff_would_not_carry_is_refused_where_it_is_written(fn, message):
    with pytest.raises(symdiff.SymdiffError, match=message.replace("[", r"\[").replace(
            "]", r"\]").replace("*", r"\*").replace("+", r"\+")) as info:
        symdiff.grad(fn)(np.array([0.3, -0.8, 1.1]))
    assert info.value.loc is not None and info.value.loc.file.endswith(
        "test_hidden_sharing.py")


def lambdas_made_in_a_comprehension(x):
    scales = [lambda t: t * k for k in range(3)]  # noqa: B023 - each reads k once it is 2
    return np.sum(scales[0](x) + scales[1](x ** 2))


def defaults_bound_where_made(x):
    scales = [lambda t, k=k: t * k for k in range(1, 4)]
    return np.sum(scales[0](x) + scales[2](x ** 2))


def nested_def_with_a_default_from_here(x):
    w = x[0] * 2.0

    def scaled(t, s=w):
        return t * s
    return np.sum(scaled(x))


@pytest.mark.parametrize("fn", [lambdas_made_in_a_comprehension, defaults_bound_where_made,
                                nested_def_with_a_default_from_here],
                         ids=["late binding", "defaults", "nested default"])
def test_functions_made_in_the_function_read_what_python_reads(fn):
    x = np.array([0.3, -0.8, 1.1, 0.45])
    value, grad = symdiff.value_and_grad(fn)(x.copy())
    assert value == pytest.approx(fn(x.copy()), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(fn, (x,), 0), rtol=1e-6, atol=1e-8)
