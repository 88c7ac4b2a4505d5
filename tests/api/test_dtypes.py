"""Dtypes: a derivative has the dtype of what it is taken with respect to (README, Python API).

- ``grad``/``value_and_grad``: each gradient has its argument's dtype (float32, float16,
  float64, an ``np.float32`` scalar, a Python float), also when the computation was
  promoted to float64 by another argument; the value is what NumPy computes, in its dtype.
- ``jvp``: value and tangent in the value's dtype; ``jacobian`` (both modes), ``hessian``
  and ``hvp``: the ``wrt`` argument's dtype; the same with ``jit=True``.
- Complex, integer and boolean ``wrt`` arguments are refused with a SymdiffError.

Every number is compared with central differences in float64 (of f on float64 copies of
the arguments), with a tolerance for the precision of the dtype.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import symdiff
from support import numerical_jacobian

RNG = np.random.default_rng(3)


def layer(W, X):
    return np.sum(np.tanh(X @ W) ** 2)


def scaled(x, a):
    return np.sum(np.sin(x) * a + x ** 2)


def elementwise(x, w):
    return np.tanh(x) * w


#: a tolerance (rtol = atol) fit for each dtype's precision
TOLERANCE = {np.float16: 3e-2, np.float32: 1e-4, np.float64: 1e-6}


def _float64(args):
    return tuple(np.asarray(a, dtype=np.float64) if isinstance(a, (np.ndarray, np.floating))
                 else a for a in args)


def _dtype(x):
    return np.asarray(x).dtype


def _check(got, want, dtype):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want,
                               rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


MIXED = [
    ("float64 W, float32 X", (RNG.standard_normal((3, 2)),
                              RNG.standard_normal((4, 3)).astype(np.float32))),
    ("float32 W, float64 X", (RNG.standard_normal((3, 2)).astype(np.float32),
                              RNG.standard_normal((4, 3)))),
    ("float32 both", (RNG.standard_normal((3, 2)).astype(np.float32),
                      RNG.standard_normal((4, 3)).astype(np.float32))),
    ("float16 W, float32 X", (RNG.standard_normal((3, 2)).astype(np.float16),
                              RNG.standard_normal((4, 3)).astype(np.float32))),
]


@pytest.mark.parametrize("name,args", MIXED, ids=[m[0] for m in MIXED])
@pytest.mark.parametrize("jit", [False, True], ids=["numpy", "jit"])
def test_gradient_has_its_arguments_dtype(name, args, jit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # a numba fallback warns once
        grads = symdiff.grad(layer, wrt=(0, 1), jit=jit)(*args)
    for i, (g, a) in enumerate(zip(grads, args)):
        assert g.dtype == a.dtype, f"d(arg {i}) is {g.dtype}, the argument {a.dtype}"
        assert g.shape == a.shape and g.flags.writeable
        _check(g, numerical_jacobian(layer, _float64(args), i), a.dtype.type)


@pytest.mark.parametrize("name,args", MIXED, ids=[m[0] for m in MIXED])
def test_value_and_grad_keeps_numpys_value(name, args):
    value, grads = symdiff.value_and_grad(layer, wrt=(0, 1))(*args)
    want = layer(*args)
    assert _dtype(value) == _dtype(want)
    _check(value, layer(*_float64(args)), _dtype(want).type)
    assert [g.dtype for g in grads] == [a.dtype for a in args]


SCALARS = [("python float", 1.7, float), ("np.float32", np.float32(1.7), np.float32),
           ("np.float64", np.float64(1.7), float)]


@pytest.mark.parametrize("name,a,kind", SCALARS, ids=[s[0] for s in SCALARS])
def test_scalar_gradient_has_its_arguments_type(name, a, kind):
    x = RNG.standard_normal(5).astype(np.float32)
    dx, da = symdiff.grad(scaled, wrt=(0, 1))(x, a)
    assert dx.dtype == np.float32
    assert isinstance(da, kind) and _dtype(da) == _dtype(a)
    _check(da, numerical_jacobian(scaled, _float64((x, a)), 1), np.float32)
    _check(dx, numerical_jacobian(scaled, _float64((x, a)), 0), np.float32)
    H = symdiff.hessian(scaled, wrt=1)(x, a)
    assert isinstance(H, kind) and _dtype(H) == _dtype(a)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_forward_mode_tangent_has_the_values_dtype(dtype):
    x = RNG.standard_normal(4).astype(dtype)
    w = RNG.standard_normal(4).astype(dtype)
    v = RNG.standard_normal(4)
    value, tangent = symdiff.jvp(elementwise, wrt=0)(x, w, v)
    assert value.dtype == elementwise(x, w).dtype == tangent.dtype == dtype
    J = numerical_jacobian(elementwise, _float64((x, w)), 0)
    _check(tangent, J @ v, dtype)
    _check(value, elementwise(*_float64((x, w))), dtype)


def test_forward_mode_mixed_dtypes():
    x = RNG.standard_normal(4).astype(np.float32)
    w = RNG.standard_normal(4)
    value, tangent = symdiff.jvp(elementwise, wrt=0)(x, w, np.ones(4))
    assert value.dtype == tangent.dtype == np.float64     # NumPy promoted the value
    _check(tangent, numerical_jacobian(elementwise, _float64((x, w)), 0) @ np.ones(4),
           np.float32)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_jacobian_has_the_arguments_dtype(mode, dtype):
    x = RNG.standard_normal(3).astype(dtype)
    w = RNG.standard_normal(3)
    J = symdiff.jacobian(elementwise, wrt=(0, 1), mode=mode)(x, w)
    assert (J[0].dtype, J[1].dtype) == (dtype, np.float64)
    for i in (0, 1):
        _check(J[i], numerical_jacobian(elementwise, _float64((x, w)), i), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_hessian_and_hvp_have_the_arguments_dtype(dtype):
    W = RNG.standard_normal((3, 2)).astype(dtype)
    X = RNG.standard_normal((4, 3))
    H = symdiff.hessian(layer, wrt=0)(W, X)
    assert H.dtype == dtype and H.shape == (3, 2, 3, 2)
    exact = lambda W, X: symdiff.grad(layer)(W, X)      # noqa: E731 - float64 gradient
    want = numerical_jacobian(exact, _float64((W, X)), 0)
    _check(H, want, dtype)
    v = RNG.standard_normal((3, 2))
    Hv = symdiff.hvp(layer, wrt=0)(W, X, v)
    assert Hv.dtype == dtype
    _check(Hv, np.tensordot(want, v, axes=2), dtype)


@pytest.mark.parametrize("make", [
    lambda: symdiff.grad(scaled), lambda: symdiff.value_and_grad(scaled),
    lambda: symdiff.hessian(scaled)], ids=["grad", "value_and_grad", "hessian"])
@pytest.mark.parametrize("x", [np.ones(3, dtype=complex), 1.5 + 0.5j, np.ones(3, dtype=int),
                               np.ones(3, dtype=bool)],
                         ids=["complex array", "complex", "int", "bool"])
def test_refused_wrt_dtypes(make, x):
    with pytest.raises(symdiff.SymdiffError) as e:
        make()(x, 2.0)
    kind = np.asarray(x).dtype.kind
    word = {"c": "complex", "i": "integers", "b": "boolean"}[kind]
    assert word in str(e.value)


def test_jvp_refuses_a_complex_argument():
    with pytest.raises(symdiff.SymdiffError, match="complex"):
        symdiff.jvp(scaled)(np.ones(3, dtype=complex), 2.0, np.ones(3))
