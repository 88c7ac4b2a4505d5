"""Python's references in containers: a list, dict or object held in two places is one
object, so a change through one holder shows in the other (``outer = [inner, inner]``,
``layers = [L, L]``, ``(a, a)``); copies (``list(a)``, ``a[:]``, ``a.copy()``) are new
objects. Tuples join and repeat as tuples (``(a,) + (b,)``, ``(h,) * 2``), and with an
array on the other side add elementwise; tuple arithmetic on an array's shape is
refused. Each value and gradient is checked against the plain function and central
differences."""
import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian


class Layer:
    def __init__(self, W):
        self.W = W

    def scale(self, s):
        self.W = self.W * s


def nested_lists(w):
    inner = [w[0]]
    outer = [inner, inner]
    outer[0][0] = w[1] * 5
    return outer[1][0] * inner[0] + w[2]


def object_twice_in_a_list(w):
    layer = Layer(w[:4].reshape(2, 2))
    layers = [layer, layer]
    layers[0].scale(2.0)
    return np.sum(layers[1].W ** 2) + np.sum(layer.W)


def object_in_a_dict_twice(w):
    layer = Layer(w[:4].reshape(2, 2))
    d = {"a": layer, "b": layer}
    d["a"].scale(3.0)
    return np.sum(d["b"].W * w[4:8].reshape(2, 2))


def lists_in_a_tuple(w):
    a = [w[0]]
    t = (a, a)
    t[0][0] = w[1] * 2
    return t[1][0] * a[0]


def copies_are_new(w):
    a = [w[0], w[1]]
    b, c, d = list(a), a[:], a.copy()
    b[0], c[0], d[0] = w[2] * 3, w[3] * 4, w[4] * 5
    e = {"k": w[5]}
    f = dict(e)
    f["k"] = w[6] * 6
    return a[0] + b[0] * c[0] * d[0] + e["k"] * f["k"]


def tuples_join_and_repeat(w):
    t = (w[0], w[2]) + (w[1],)
    r = (w[3],) * 2
    return t[2] * 2 + t[0] * r[1] + np.sum(w[:2] + (1.0, 2.0))


CASES = [nested_lists, object_twice_in_a_list, object_in_a_dict_twice, lists_in_a_tuple,
         copies_are_new, tuples_join_and_repeat]


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
def test_one_object_in_two_places_changes_in_both(fn):
    w = np.linspace(0.2, 1.6, 8)
    value, grad = symdiff.value_and_grad(fn)(w.copy())
    assert value == pytest.approx(fn(w.copy()), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_jacobian(fn, (w,), 0), rtol=1e-6, atol=1e-8)


def shape_arithmetic(w):
    x = w.reshape(2, 4)
    return np.sum(x.reshape(x.shape + (1,)) ** 2)


def test_tuple_arithmetic_on_a_shape_is_refused():
    with pytest.raises(symdiff.SymdiffError, match="tuple arithmetic on an array's shape") \
            as info:
        symdiff.grad(shape_arithmetic)(np.linspace(0.2, 1.6, 8))
    assert info.value.loc.file.endswith("test_shared_containers.py")
