"""JAX's and autograd's spellings: argnums=/argnum= for wrt=, has_aux=, vjp, jvp(f, primals,
tangents). Every derivative is compared with central differences (support.py), values too."""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from support import directional_difference, numerical_jacobian

RNG = np.random.default_rng(1717)
W = RNG.standard_normal((4, 3))
X = RNG.standard_normal((5, 4))
T = RNG.standard_normal((5, 3))


def l2(W, X, T, reg):
    err = X @ W - T
    return 0.5 * np.sum(err ** 2) / X.shape[0] + reg * np.sum(W * W)


def scalars(x, y, z):
    return x * np.sin(y) + np.exp(z) * y ** 2


ARGS_L2 = (W, X, T, 0.3)
ARGS_S = (0.7, -1.3, 0.4)


def numeric(f, args, i):
    return numerical_jacobian(f, args, i)


# ---------------------------------------------------------------- argnums and argnum


@pytest.mark.parametrize("f, args", [(l2, ARGS_L2), (scalars, ARGS_S)])
@pytest.mark.parametrize("spelling", ["wrt", "argnums", "argnum"])
def test_each_spelling_of_wrt_gives_the_same_gradients(f, args, spelling):
    single = symdiff.grad(f, **{spelling: 1})(*args)
    np.testing.assert_allclose(single, numeric(f, args, 1), rtol=1e-6, atol=1e-8)
    several = symdiff.grad(f, **{spelling: (0, 2)})(*args)
    assert isinstance(several, tuple) and len(several) == 2
    for got, i in zip(several, (0, 2)):
        np.testing.assert_allclose(got, numeric(f, args, i), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("spelling", ["argnums", "argnum"])
def test_a_one_tuple_gives_a_one_tuple_as_in_jax(spelling):
    got = symdiff.grad(scalars, **{spelling: (1,)})(*ARGS_S)
    assert isinstance(got, tuple) and len(got) == 1
    np.testing.assert_allclose(got[0], numeric(scalars, ARGS_S, 1), rtol=1e-6)


def test_argnums_by_name_and_negative_position_as_wrt_does():
    by_name = symdiff.grad(scalars, argnums="z")(*ARGS_S)
    negative = symdiff.grad(scalars, argnums=-1)(*ARGS_S)
    np.testing.assert_allclose([by_name, negative], [numeric(scalars, ARGS_S, 2)] * 2,
                               rtol=1e-6)


@pytest.mark.parametrize("make", [symdiff.grad, symdiff.value_and_grad, symdiff.jvp,
                                  symdiff.jacobian, symdiff.hessian, symdiff.hvp])
@pytest.mark.parametrize("two", [dict(wrt=0, argnums=1), dict(argnums=0, argnum=0),
                                 dict(wrt=0, argnum=0)])
def test_two_spellings_of_wrt_at_once_are_refused(make, two):
    with pytest.raises(symdiff.SymdiffError, match="mean the same thing") as info:
        make(scalars, **two)
    assert "give only one of wrt=, argnums= (JAX) and argnum= (autograd)" in str(info.value)


def test_value_and_grad_with_argnums_value_and_gradients():
    value, (dW, dreg) = symdiff.value_and_grad(l2, argnums=(0, 3))(*ARGS_L2)
    np.testing.assert_allclose(value, l2(*ARGS_L2), rtol=1e-12)
    np.testing.assert_allclose(dW, numeric(l2, ARGS_L2, 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dreg, numeric(l2, ARGS_L2, 3), rtol=1e-6, atol=1e-8)


def test_decorator_form_takes_argnums():
    @symdiff.grad(argnums=1)
    def g(x, y):
        return x * y ** 3

    np.testing.assert_allclose(g(2.0, 1.5), 2.0 * 3 * 1.5 ** 2, rtol=1e-12)


def test_forward_mode_jacobian_hessian_and_hvp_take_argnums():
    x = RNG.standard_normal(3)
    value, slope = symdiff.jvp(scalars, argnums=(0, 1))(*ARGS_S, 0.5, -2.0)
    want = directional_difference(scalars, ARGS_S, [0, 1], [0.5, -2.0])
    np.testing.assert_allclose([value, slope], [scalars(*ARGS_S), want], rtol=1e-6)
    J = symdiff.jacobian(l2, argnum=3)(*ARGS_L2)
    np.testing.assert_allclose(J, numeric(l2, ARGS_L2, 3), rtol=1e-6)
    H = symdiff.hessian(cubic, argnums=0)(x, 2.0)
    np.testing.assert_allclose(H, np.diag(6 * 2.0 * x), rtol=1e-10)
    Hv = symdiff.hvp(cubic, argnum="x")(x, 2.0, np.ones(3))
    np.testing.assert_allclose(Hv, 6 * 2.0 * x, rtol=1e-10)


def cubic(x, a):
    return a * np.sum(x ** 3)


# ---------------------------------------------------------------- has_aux


def with_aux(W, X, T, reg):
    err = X @ W - T
    loss = 0.5 * np.sum(err ** 2) + reg * np.sum(W * W)
    return loss, {"err": err, "count": X.shape[0]}


def branchy_aux(x, y):
    if x > 0:
        return x * y ** 2, x
    s = np.sin(x) * y
    return s, [s, y]


def loss_only(f):
    return lambda *args: f(*args)[0]


@pytest.mark.parametrize("wrt", [0, (0, 3), "reg"])
def test_grad_has_aux_returns_the_gradient_and_the_aux(wrt):
    grads, aux = symdiff.grad(with_aux, wrt, has_aux=True)(*ARGS_L2)
    _, want_aux = with_aux(*ARGS_L2)
    np.testing.assert_array_equal(aux["err"], want_aux["err"])
    assert aux["count"] == 5
    positions = wrt if isinstance(wrt, tuple) else (3 if wrt == "reg" else wrt,)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for got, i in zip(grads, positions):
        np.testing.assert_allclose(got, numeric(loss_only(with_aux), ARGS_L2, i),
                                   rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("x", [0.8, -0.6])
def test_value_and_grad_has_aux_returns_value_aux_and_gradient_as_jax_does(x):
    (value, aux), (dx, dy) = symdiff.value_and_grad(branchy_aux, argnums=(0, 1),
                                                    has_aux=True)(x, 1.7)
    want_value, want_aux = branchy_aux(x, 1.7)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    assert aux == want_aux
    f = loss_only(branchy_aux)
    np.testing.assert_allclose([dx, dy], [numeric(f, (x, 1.7), 0), numeric(f, (x, 1.7), 1)],
                               rtol=1e-6)


def test_has_aux_decorator_form():
    @symdiff.value_and_grad(has_aux=True)
    def f(x):
        y = np.tanh(x)
        return np.sum(y), y

    x = RNG.standard_normal(4)
    (value, aux), dx = f(x)
    np.testing.assert_allclose(value, np.sum(np.tanh(x)), rtol=1e-12)
    np.testing.assert_allclose(aux, np.tanh(x), rtol=1e-12)
    np.testing.assert_allclose(dx, numeric(lambda x: np.sum(np.tanh(x)), (x,), 0), rtol=1e-6)


def no_pair(x):
    return x * 2.0


def three_things(x):
    return x, x, x


@pytest.mark.parametrize("f", [no_pair, three_things])
def test_has_aux_without_a_pair_returned_is_a_located_error(f):
    with pytest.raises(symdiff.SymdiffError, match="must return a pair") as info:
        symdiff.grad(f, has_aux=True)(1.0)
    assert "test_conventions.py" in str(info.value) and "return loss, aux" in str(info.value)


# ---------------------------------------------------------------- vjp and jvp, JAX's way


def vector_out(x, A):
    return np.tanh(A @ x) * x[0]


def test_vjp_returns_the_value_and_a_pullback_like_jax():
    x, A = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    value, pullback = symdiff.vjp(vector_out, x, A)
    np.testing.assert_allclose(value, vector_out(x, A), rtol=1e-12)
    dout = RNG.standard_normal(2)
    dx, dA = pullback(dout)
    np.testing.assert_allclose(dx, dout @ numeric(vector_out, (x, A), 0), rtol=1e-6)
    np.testing.assert_allclose(dA, np.tensordot(dout, numeric(vector_out, (x, A), 1), 1),
                               rtol=1e-6, atol=1e-9)
    assert "def vjp_vector_out(" in pullback.source


def test_vjp_with_wrt_pulls_back_to_those_arguments_only():
    x, A = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    _, pullback = symdiff.vjp(vector_out, x, A, argnums=0)
    dout = RNG.standard_normal(2)
    np.testing.assert_allclose(pullback(dout), dout @ numeric(vector_out, (x, A), 0),
                               rtol=1e-6)


def test_vjp_of_a_scalar_function_is_its_gradient():
    value, pullback = symdiff.vjp(scalars, *ARGS_S)
    np.testing.assert_allclose(value, scalars(*ARGS_S), rtol=1e-12)
    got = pullback(2.0)
    np.testing.assert_allclose(got, [2 * numeric(scalars, ARGS_S, i) for i in range(3)],
                               rtol=1e-6)


@pytest.mark.parametrize("f, args", [(scalars, ARGS_S), (vector_out, (RNG.standard_normal(3),
                                                                      np.eye(2, 3)))])
def test_jvp_called_the_jax_way(f, args):
    tangents = tuple(RNG.standard_normal(np.shape(a)) if np.ndim(a) else 0.3 for a in args)
    value, slope = symdiff.jvp(f, args, tangents)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    want = directional_difference(f, args, range(len(args)), tangents)
    np.testing.assert_allclose(slope, want, rtol=1e-6, atol=1e-9)


def test_jvp_the_jax_way_with_a_tangent_missing_points_at_both_forms():
    with pytest.raises(symdiff.SymdiffError, match="same length") as info:
        symdiff.jvp(scalars, ARGS_S, (1.0, 0.0))
    assert "jvp(f, wrt=...)(*args, *tangents)" in str(info.value)
    with pytest.raises(symdiff.SymdiffError, match="needs the tangents") as info:
        symdiff.jvp(scalars, ARGS_S)
    assert "jvp(f, primals, tangents)" in str(info.value)
