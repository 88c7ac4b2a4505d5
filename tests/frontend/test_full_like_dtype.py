"""np.full_like(x, a) has the dtype of x: with an integer x NumPy truncates a (value wrong,
gradient zero almost everywhere). When a is differentiated and x is known to hold integers
(``np.arange(3)``, ``.astype(int)``), symdiff refuses with a located error, in both modes;
when x's dtype is not known when compiling (an argument), the generated code checks it and
stops, located, on integers; with dtype=float, or a float x, it differentiates.
"""
from __future__ import annotations

import numpy as np
import pytest

import symdiff

from support import directional_difference, load_module, numerical_jacobian

PROGRAMS = """
import numpy as np

def data_prototype(x, a):
    return np.sum(np.full_like(x, a) * x)

def integer_prototype(x, a):
    idx = np.arange(3)
    return np.sum(np.full_like(idx, a) * x)

def cast_prototype(x, a):
    return np.sum(np.full_like(x.astype(int), a) ** 2)

def float_dtype(x, a):
    return np.sum(np.full_like(x, a, dtype=float) * x)

def float64_dtype(x, a):
    return np.sum(np.full_like(x, a, dtype=np.float64) ** 2 * x)

def float_by_constant(x, a):
    return np.sum(np.full_like(x * 0.5, a) * np.sin(x))

def differentiated_prototype(x, a):
    return np.sum(np.full_like(np.exp(x), a) * x)

def full_of_shape(x, a):
    return np.sum(np.full(x.shape, a) * x + a)
"""

REFUSED = ["integer_prototype", "cast_prototype"]
ACCEPTED = ["float_dtype", "float64_dtype", "float_by_constant", "differentiated_prototype",
            "full_of_shape", "data_prototype"]


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("full_like"), "full_like", PROGRAMS)


X = np.array([0.4, 1.3, -0.8])


@pytest.mark.parametrize("name", REFUSED)
@pytest.mark.parametrize("x", [X, np.array([1, 2, 3])], ids=["float", "int"])
def test_fill_value_through_a_prototype_that_may_be_integer_is_refused(programs, name, x):
    fn = getattr(programs, name)
    calls = [lambda: symdiff.grad(fn, wrt=1)(x, 0.7),
             lambda: symdiff.jvp(fn, wrt=1)(x, 0.7, 1.0),
             lambda: symdiff.jacobian(fn, wrt=1, mode="forward")(x, 0.7)]
    for call in calls:
        with pytest.raises(symdiff.SymdiffError) as info:
            call()
        err = info.value
        assert "np.full_like(x, a) has the dtype of x" in err.message
        assert "dtype=float" in err.hint
        assert err.loc is not None and err.loc.line >= 4 and "^" in str(err)


def test_an_integer_argument_as_the_prototype_stops_where_the_code_runs(programs):
    fn, x = programs.data_prototype, np.array([1, 2, 3])
    calls = [lambda: symdiff.grad(fn, wrt=1)(x, 0.7),
             lambda: symdiff.value_and_grad(fn, wrt=1)(x, 0.7),
             lambda: symdiff.jvp(fn, wrt=1)(x, 0.7, 1.0)]
    for call in calls:
        with pytest.raises(symdiff.SymdiffError) as info:
            call()
        err = info.value
        assert "np.full_like(x, a) has the dtype of x" in err.message
        assert "dtype=float" in err.hint
        assert err.loc is not None and "np.full_like(x, a)" in err.loc.text


@pytest.mark.parametrize("name", ACCEPTED)
def test_float_fills_match_central_differences(programs, name):
    fn = getattr(programs, name)
    a = 0.7
    value, (gx, ga) = symdiff.value_and_grad(fn, wrt=(0, 1))(X, a)
    assert value == pytest.approx(fn(X, a), rel=1e-12)
    assert np.allclose(gx, numerical_jacobian(fn, [X, a], 0), rtol=1e-6, atol=1e-8)
    assert ga == pytest.approx(float(numerical_jacobian(fn, [X, a], 1)), rel=1e-6)
    v = np.array([0.3, -0.2, 0.5])
    value_f, t = symdiff.jvp(fn, wrt=(0, 1))(X, a, v, 1.5)
    assert value_f == pytest.approx(fn(X, a), rel=1e-12)
    assert t == pytest.approx(float(directional_difference(fn, [X, a], [0, 1], [v, 1.5])),
                              rel=1e-6)


def test_float_dtype_of_an_integer_prototype_differentiates(programs):
    fn, x = programs.float_dtype, np.array([1, 2, 3])
    value, ga = symdiff.value_and_grad(fn, wrt=1)(x, 0.7)
    assert value == pytest.approx(fn(x, 0.7), rel=1e-12)
    assert ga == pytest.approx(float(numerical_jacobian(fn, [x, 0.7], 1)), rel=1e-6)
