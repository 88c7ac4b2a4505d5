"""A differentiated value written into an array whose dtype the program does not show (an
argument that is not differentiated, ``np.argsort(x)``, a loop's array that starts as an
argument) is checked by the generated code where the array is made: integers stop the
call with the place of the write (NumPy would truncate the value there, so no derivative
passes the write); floats run, with the gradient of the program. Arrays the program
shows to hold floats (``np.zeros(n)``, the differentiated argument) are not checked."""
import numpy as np
import pytest

import symdiff
from tests.support import compiled_by_cli, numerical_jacobian


def into_an_argument(x, idx):
    idx[0] = x[0] * 2.5
    return np.sum(x * idx)


def whole_argument(x, m):
    m[:] = x
    return np.sum(m * x)


def through_a_view(x, m):
    head = m[:2]
    head[1] = x[1] ** 2
    return np.sum(m * x)


def into_a_copy(x, m):
    y = m.copy()
    y[2] = np.sin(x[2])
    return np.sum(y * x)


def filled_in_a_loop(x, m):
    y = m
    for i in range(3):
        y[i] = x[i] * x[i]
    return np.sum(y)


def into_an_argsort(x, m):
    order = np.argsort(x)
    order[0] = x[1] * 3.0
    return np.sum(order * x) + np.sum(m)


def in_a_branch(x, m):
    if x[0] > 0:
        y = m * 2
    else:
        y = m.copy()
    y[1] = x[1] * 4.0
    return np.sum(y * x)


WRITES = [into_an_argument, whole_argument, through_a_view, into_a_copy, filled_in_a_loop,
          into_an_argsort, in_a_branch]
X = np.array([0.3, 0.6, 0.9])
INTS = np.array([1, 2, 3])


def _args(fn, m):
    return X.copy(), m.copy()


@pytest.mark.parametrize("make", [symdiff.grad, symdiff.value_and_grad,
                                  lambda f: (lambda x, m: symdiff.jvp(f)(x, m, np.ones(3))),
                                  lambda f: (lambda x, m: symdiff.hvp(f)(x, m, np.ones(3)))],
                         ids=["grad", "value_and_grad", "jvp", "hvp"])
@pytest.mark.parametrize("fn", WRITES, ids=[f.__name__ for f in WRITES])
def test_a_float_written_into_integers_from_an_argument_is_refused_where_it_is_written(fn, make):
    with pytest.raises(symdiff.SymdiffError, match="array of integers") as info:
        make(fn)(*_args(fn, INTS))
    loc = info.value.loc
    assert loc is not None and loc.file.endswith("test_integer_argument_writes.py")
    assert "] = " in loc.text          # the line of the write


@pytest.mark.parametrize("fn", [f for f in WRITES if f is not into_an_argsort],
                         ids=[f.__name__ for f in WRITES if f is not into_an_argsort])
def test_the_same_writes_into_floats_give_the_gradient_and_the_value(fn):
    m = np.array([1.5, -0.5, 2.0])
    value, grad = symdiff.value_and_grad(fn)(*_args(fn, m))
    assert value == pytest.approx(fn(*_args(fn, m)), rel=1e-12)
    expected = numerical_jacobian(lambda x, m: fn(x.copy(), m.copy()), _args(fn, m), 0)
    np.testing.assert_allclose(grad, expected, rtol=1e-7, atol=1e-9)
    tangent = symdiff.jvp(fn)(*_args(fn, m), np.array([1.0, -2.0, 0.5]))[1]
    assert tangent == pytest.approx(float(expected @ np.array([1.0, -2.0, 0.5])), rel=1e-6)


def test_a_value_that_is_not_differentiated_may_go_into_integers():
    def f(x, idx):
        idx[0] = 7
        idx[1] = idx[2] * 2
        return np.sum(x * idx)

    value, grad = symdiff.value_and_grad(f)(X.copy(), INTS.copy())
    assert value == pytest.approx(f(X.copy(), INTS.copy()))
    np.testing.assert_allclose(grad, [7.0, 6.0, 3.0])
    assert "dtype.kind" not in symdiff.grad(f).source


def test_arrays_the_program_shows_to_hold_floats_are_not_checked():
    def f(x, n):
        y = np.zeros(3)
        for i in range(3):
            y[i] = x[i] * n
        z = x * 1.0
        z[0] = x[1] ** 2
        w = np.ones_like(x)
        w[2] = x[0]
        return np.sum(y) + np.sum(z * w)

    g = symdiff.grad(f)
    np.testing.assert_allclose(g(X, 2.0), numerical_jacobian(f, (X, 2.0), 0), rtol=1e-7)
    assert "dtype.kind" not in g.source and "holds_floats" not in g.source


def test_the_check_is_one_line_on_entry_for_an_argument():
    g = symdiff.grad(into_an_argument)
    g(*_args(into_an_argument, np.array([1.0, 2.0, 3.0])))
    lines = [line for line in g.source.splitlines() if "dtype.kind" in line]
    assert len(lines) == 1 and "idx" in lines[0]


def test_with_jit_the_check_stops_integers_and_lets_floats_through():
    g = symdiff.value_and_grad(into_an_argument, jit=True)
    with pytest.raises(symdiff.SymdiffError, match="array of integers"):
        g(*_args(into_an_argument, INTS))
    m = np.array([1.5, -0.5, 2.0])
    value, grad = g(*_args(into_an_argument, m))
    assert value == pytest.approx(into_an_argument(*_args(into_an_argument, m)))
    expected = numerical_jacobian(lambda x, m: into_an_argument(x.copy(), m.copy()),
                                  _args(into_an_argument, m), 0)
    np.testing.assert_allclose(grad, expected, rtol=1e-7, atol=1e-9)


def test_a_compiled_module_raises_with_the_place(tmp_path):
    names = compiled_by_cli(tmp_path, """
        import numpy as np

        def f(x, idx):
            idx[0] = x[0] * 2.5
            return np.sum(x * idx)
        """, "--wrt", "x")
    with pytest.raises(ValueError, match=r"array of integers.*model\.py:5"):
        names["grad_f"](X.copy(), INTS.copy())
    m = np.array([1.5, -0.5, 2.0])
    np.testing.assert_allclose(names["grad_f"](X.copy(), m.copy()),
                               [2.5 * X[0] * 2 + 0.0, -0.5, 2.0], rtol=1e-12)
