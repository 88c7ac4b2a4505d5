"""Complex numbers reaching a program from outside (an argument that is not differentiated,
a module or closure array, a container's leaf) are refused where the function is called:
the program is lowered as real arithmetic, where np.abs is |x|, np.real and np.conj are
the identity, so a complex value would get a wrong derivative with no warning.

The derivatives of a function that reads module arrays (jvp, hvp, hessian, jacobian) are
the same as for its arrays passed as arguments, checked against central differences."""
import numpy as np
import pytest

import symdiff
from tests.support import numerical_jacobian, second_difference

H_COMPLEX = np.array([1 + 2j, 3 - 1j])
H_REAL = np.array([1.0, 3.0])
X_DATA = np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])


def power_of(x, G):
    return np.sum(np.abs(x * G) ** 2)


def real_part(x, G):
    return np.sum(np.real(x * G))


def module_power(x):
    return np.sum(np.abs(x * H_COMPLEX) ** 2)


def _helper(x):
    return np.abs(x * H_COMPLEX) ** 2


def through_helper(x):
    return np.sum(_helper(x))


def leaf_power(x, p):
    return np.sum(np.abs(x * p["H"]) ** 2)


def closure_power():
    K = H_COMPLEX * 2

    def power(x):
        return np.sum(np.abs(x * K) ** 2)
    return power


X = np.array([0.3, 0.7])

MAKERS = {
    "grad": lambda f: symdiff.grad(f),
    "value_and_grad": lambda f: symdiff.value_and_grad(f),
    "hessian": lambda f: symdiff.hessian(f),
}

CASES = {
    "a complex argument": (power_of, (X, H_COMPLEX), "G"),
    "np.real of a complex argument": (real_part, (X, H_COMPLEX), "G"),
    "a complex module array": (module_power, (X,), "H_COMPLEX"),
    "a module array a helper reads": (through_helper, (X,), "H_COMPLEX"),
    "a complex leaf of a dict": (leaf_power, (X, {"H": H_COMPLEX}), "p_H"),
    "a complex closure array": (closure_power(), (X,), "K"),
}


@pytest.mark.parametrize("make", MAKERS, ids=list(MAKERS))
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_complex_input_is_refused_naming_it(case, make):
    fn, args, name = CASES[case]
    with pytest.raises(symdiff.SymdiffError, match=f"`{name}` holds complex numbers") as info:
        MAKERS[make](fn)(*args)
    assert info.value.loc is not None and info.value.loc.file.endswith("test_complex_inputs.py")
    assert "real and imaginary parts" in str(info.value)


def test_jvp_refuses_a_complex_argument_it_does_not_differentiate():
    with pytest.raises(symdiff.SymdiffError, match="`G` holds complex numbers"):
        symdiff.jvp(power_of)(X, H_COMPLEX, np.ones(2))


def test_a_complex_argument_inside_a_tuple_is_refused():
    def first(x, hs):
        return np.sum(np.abs(x * hs[0]) ** 2)
    with pytest.raises(symdiff.SymdiffError, match="holds complex numbers"):
        symdiff.grad(first)(X, (H_COMPLEX, H_REAL))


def test_the_same_function_with_real_arrays_still_runs():
    g = symdiff.value_and_grad(power_of)
    value, grad = g(X, H_REAL)
    assert value == pytest.approx(power_of(X, H_REAL), rel=1e-13)
    np.testing.assert_allclose(grad, numerical_jacobian(power_of, (X, H_REAL), 0), rtol=1e-7)


def module_fit(w):
    return np.sum(np.tanh(X_DATA @ w) ** 2) + np.sum(np.sin(w * H_REAL))


def _scores(w):
    return np.tanh(X_DATA @ w)


def helper_fit(w):
    return np.sum(_scores(w) ** 3) + np.sum(w * H_REAL)


@pytest.mark.parametrize("fn", [module_fit, helper_fit], ids=["module", "helper"])
def test_second_order_of_a_function_reading_module_arrays(fn):
    w = np.array([0.4, -0.2])
    expected = second_difference(fn, (w,), 0, 0)
    np.testing.assert_allclose(symdiff.hessian(fn)(w), expected, rtol=1e-5, atol=1e-7)
    v = np.array([0.3, -1.1])
    np.testing.assert_allclose(symdiff.hvp(fn)(w, v), expected @ v, rtol=1e-5, atol=1e-7)
    value, slope = symdiff.jvp(fn)(w, v)
    assert value == pytest.approx(fn(w), rel=1e-13)
    assert slope == pytest.approx(numerical_jacobian(fn, (w,), 0) @ v, rel=1e-7)


def test_the_jacobian_of_a_function_reading_module_arrays():
    def outputs(w):
        return np.tanh(X_DATA @ w) * 2.0
    w = np.array([0.4, -0.2])
    expected = numerical_jacobian(outputs, (w,), 0)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(symdiff.jacobian(outputs, mode=mode)(w), expected,
                                   rtol=1e-7, atol=1e-9)


def test_a_changed_module_array_is_read_by_the_hessian_at_the_next_call():
    global X_DATA
    w = np.array([0.4, -0.2])
    h = symdiff.hessian(module_fit)
    first = h(w)
    saved = X_DATA
    try:
        X_DATA = saved * 1.5
        np.testing.assert_allclose(h(w), second_difference(module_fit, (w,), 0, 0),
                                   rtol=1e-5, atol=1e-7)
        assert not np.allclose(h(w), first)
    finally:
        X_DATA = saved
