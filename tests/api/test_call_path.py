"""The repeated call of a gradient (``symdiff/fast_call.py``) keeps every check of the
first: each case calls the gradient several times with plain arguments of one signature
(the calls after the first take the cheap path) and compares the gradients with central
differences, their kinds with the arguments', and the refusals with the first call's."""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from support import load_module, numerical_jacobian

RNG = np.random.default_rng(5)


def affine_loss(W, b, X, y, reg):
    scores = X @ W + b
    return np.sum((scores - y) ** 2) + reg * np.sum(W * W)


def test_repeated_calls_match_central_differences_with_the_arguments_kinds():
    X, y = RNG.standard_normal((6, 4)), RNG.standard_normal((6, 3))
    g = symdiff.value_and_grad(affine_loss, wrt=(0, 1, 4))
    for _ in range(3):
        W, b = RNG.standard_normal((4, 3)), RNG.standard_normal(3)
        args = (W, b, X, y, 0.3)
        value, (dW, db, dreg) = g(*args)
        assert value == pytest.approx(affine_loss(*args), rel=1e-12)
        for got, i in ((dW, 0), (db, 1)):
            np.testing.assert_allclose(got, numerical_jacobian(affine_loss, args, i), rtol=1e-6)
            assert got.shape == args[i].shape and got.flags.writeable
        assert type(dreg) is float
        assert dreg == pytest.approx(numerical_jacobian(affine_loss, args, 4), rel=1e-6)
    assert g._fast is not None and g._fast.entries          # the cheap path was taken


def test_float32_arguments_get_float32_gradients_at_every_call():
    def f(x, w):
        return np.sum(np.tanh(x * w))
    g = symdiff.grad(f)
    x64 = RNG.standard_normal(5)
    for _ in range(3):
        dx = g(x64.astype(np.float32), 0.5)
        assert dx.dtype == np.float32 and dx.flags.writeable
        np.testing.assert_allclose(dx, 0.5 * (1 - np.tanh(0.5 * x64.astype(np.float32)) ** 2),
                                   rtol=1e-5)
    dx = g(x64, 0.5)                                        # a new signature: float64
    assert dx.dtype == np.float64
    np.testing.assert_allclose(dx, numerical_jacobian(f, (x64, 0.5), 0), rtol=1e-6)


def test_a_gradient_that_is_a_read_only_broadcast_comes_back_writable_at_every_call():
    def f(x):
        return 3.0 * np.sum(x)
    g = symdiff.grad(f)
    for _ in range(3):
        dx = g(np.ones((2, 3)))
        assert dx.flags.writeable
        dx[0, 0] = 1.0                                       # the caller may write into it
        np.testing.assert_allclose(dx[1], [3.0, 3.0, 3.0])


def test_a_complex_number_from_real_arguments_is_refused_after_cheap_calls():
    def f(x, y):
        return x ** 0.5 * y
    g = symdiff.grad(f)
    for _ in range(3):
        assert g(4.0, 3.0) == pytest.approx(0.75, rel=1e-12)
    with pytest.raises(symdiff.SymdiffError, match="complex number from real arguments"):
        g(-4.0, 3.0)
    vg = symdiff.value_and_grad(f, wrt=1)
    for _ in range(3):
        assert vg(4.0, 3.0) == (pytest.approx(6.0), pytest.approx(2.0))
    with pytest.raises(symdiff.SymdiffError, match="complex number from real arguments"):
        vg(-4.0, 3.0)


def test_a_closure_value_and_a_module_constant_changed_after_cheap_calls(tmp_path):
    module = load_module(tmp_path, "cheap_calls_constants", '''
import numpy as np

SCALE = 2.0

def scaled(x):
    return SCALE * np.sum(np.sin(x))
''')
    x = RNG.standard_normal(4)
    g = symdiff.grad(module.scaled)
    for scale in (2.0, 2.0, -1.5, -1.5, 4.0):
        module.SCALE = scale
        np.testing.assert_allclose(g(x), scale * np.cos(x), rtol=1e-12)

    power = 2.0

    def f(x):
        return np.sum(x ** power)
    h = symdiff.grad(f)
    for p in (2.0, 2.0, 3.0, 3.0):
        power = p
        np.testing.assert_allclose(h(x), numerical_jacobian(f, (x,), 0), rtol=1e-6)


def test_a_class_attribute_or_method_changed_between_calls(tmp_path):
    """The class's attributes read while compiling (a number, a method) are watched: a
    gradient compiled before ``Model.K = 5.0`` is compiled again, for objects made in the
    function and objects passed in."""
    module = load_module(tmp_path, "cheap_calls_classes", '''
import numpy as np

class Base:
    K = 2.0

class Model(Base):
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return self.K * np.sum((self.w * x) ** 2)

def made_inside(w, x):
    return Model(w).energy(x)

def passed_in(m, x):
    return m.energy(x)
''')
    w, x = RNG.standard_normal(3), RNG.standard_normal(3)
    g = symdiff.grad(module.made_inside)
    h = symdiff.grad(module.passed_in, wrt="m")
    for k in (2.0, 2.0, 5.0, 5.0, -1.0):
        module.Base.K = k
        np.testing.assert_allclose(g(w, x), 2 * k * w * x ** 2, rtol=1e-12)
        np.testing.assert_allclose(h(module.Model(w), x)["w"], 2 * k * w * x ** 2, rtol=1e-12)
    module.Model.K = 3.0                     # shadows the base's
    np.testing.assert_allclose(g(w, x), 6.0 * w * x ** 2, rtol=1e-12)

    def cubed(self, x):
        return np.sum((self.w * x) ** 3)
    module.Model.energy = cubed
    np.testing.assert_allclose(g(w, x), 3 * w ** 2 * x ** 3, rtol=1e-12)


def test_has_aux_and_keywords_after_cheap_calls():
    def f(w, x):
        return np.sum((w * x) ** 2), np.max(w)
    g = symdiff.grad(f, has_aux=True)
    w, x = RNG.standard_normal(3), RNG.standard_normal(3)
    for _ in range(3):
        dw, aux = g(w, x)
        np.testing.assert_allclose(dw, 2 * w * x ** 2, rtol=1e-12)
        assert aux == np.max(w)
    dw, aux = g(w, x=x)
    np.testing.assert_allclose(dw, 2 * w * x ** 2, rtol=1e-12)


def test_an_error_raised_by_the_compiled_code_after_cheap_calls_still_reaches_the_caller():
    def f(A):
        return np.sum(np.linalg.inv(A))
    g = symdiff.grad(f)
    A = np.eye(3) + 0.1 * RNG.standard_normal((3, 3))
    for _ in range(3):
        np.testing.assert_allclose(g(A), numerical_jacobian(f, (A,), 0), rtol=1e-5)
    with pytest.raises(np.linalg.LinAlgError):
        g(np.zeros((3, 3)))
    np.testing.assert_allclose(g(A), numerical_jacobian(f, (A,), 0), rtol=1e-5)
