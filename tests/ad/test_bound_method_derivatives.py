"""``jvp``, ``hvp``, ``hessian``, ``vjp`` and ``jacobian`` of a bound method
(``symdiff.hessian(model.loss)``) and of a ``functools.partial``, as ``grad`` takes them:
the plain function with the object's arrays as parameters, ``wrt`` naming a parameter or
an attribute of the object. Checked against central differences of the method itself.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import symdiff

EPS = 1e-6


class Model:
    def __init__(self, rng):
        self.W = 0.5 * rng.standard_normal((3, 3))
        self.b = 0.3 * rng.standard_normal(3)
        self.scale = 0.7
        self.params = {"V": rng.standard_normal(3)}

    def loss(self, x):
        return np.sum(np.tanh(self.W @ x + self.b) ** 2) * self.scale

    def pair(self, x, y):
        return np.sum(np.sin(x * y) * self.scale + self.W @ x * y)

    def out(self, x):
        return np.tanh(self.W @ x) * self.scale


def plain_pair(x, y, scale):
    return np.sum(np.sin(x * y) * scale + np.exp(0.3 * x) * y)


@pytest.fixture
def setup():
    rng = np.random.default_rng(21)
    return Model(rng), rng.standard_normal(3), rng.standard_normal(3), rng


def _set(model, name, value):
    setattr(model, name, value)


def _value_at(model, method, args, target, value):
    """``method`` of ``model`` with ``target`` (a position in args, or an attribute) set."""
    if isinstance(target, str):
        old = getattr(model, target)
        _set(model, target, value)
        try:
            return method(*args)
        finally:
            _set(model, target, old)
    args = list(args)
    args[target] = value
    return method(*args)


def _current(model, args, target):
    return getattr(model, target) if isinstance(target, str) else args[target]


def _directional(model, method, args, targets, tangents):
    """d/dt method(primals + t * tangents) at t = 0, by central differences."""
    def at(t):
        saved = {n: getattr(model, n) for n in targets if isinstance(n, str)}
        moved = list(args)
        for target, v in zip(targets, tangents):
            if isinstance(target, str):
                _set(model, target, saved[target] + t * v)
            else:
                moved[target] = args[target] + t * v
        try:
            return np.asarray(method(*moved), dtype=float)
        finally:
            for n, v in saved.items():
                _set(model, n, v)
    return (at(EPS) - at(-EPS)) / (2 * EPS)


def _hessian(model, method, args, target, eps=1e-4):
    """Second central differences of a scalar method: (size, size)."""
    x = np.asarray(_current(model, args, target), dtype=float)
    n = x.size
    out = np.empty((n, n))
    units = np.eye(n).reshape((n,) + x.shape) * eps
    for i in range(n):
        for j in range(n):
            f = [_value_at(model, method, args, target, x + si * units[i] + sj * units[j])
                 for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            out[i, j] = (f[0] - f[1] - f[2] + f[3]) / (4 * eps * eps)
    return out


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("wrt", [0, "W", ("x", "y"), (1, "b")])
def test_jvp_of_a_bound_method(setup, wrt, jit):
    if jit:
        pytest.importorskip("numba")
    model, x, y, rng = setup
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    targets = [{"x": 0, "y": 1}.get(t, t) for t in items]
    tangents = [rng.standard_normal(np.shape(_current(model, (x, y), t))) for t in targets]
    with np.errstate(all="ignore"):
        value, slope = symdiff.jvp(model.pair, wrt=wrt, jit=jit)(x, y, *tangents)
    np.testing.assert_allclose(value, model.pair(x, y), rtol=1e-12)
    np.testing.assert_allclose(slope, _directional(model, model.pair, (x, y), targets, tangents),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("wrt", [0, "W"])
def test_hessian_of_a_bound_method(setup, wrt, jit):
    if jit:
        pytest.importorskip("numba")
    model, x, _, _ = setup
    target = wrt
    H = symdiff.hessian(model.loss, wrt=wrt, jit=jit)(x)
    shape = np.shape(_current(model, (x,), target))
    assert H.shape == shape + shape
    np.testing.assert_allclose(H.reshape(_hessian(model, model.loss, (x,), target).shape),
                               _hessian(model, model.loss, (x,), target), rtol=1e-5, atol=1e-6)
    value, grad = symdiff.value_and_grad(model.loss, wrt=wrt)(x)
    np.testing.assert_allclose(value, model.loss(x), rtol=1e-12)


def test_a_tuple_hessian_of_a_bound_method(setup):
    model, x, y, _ = setup
    blocks = symdiff.hessian(model.pair, wrt=("x", "y"))(x, y)
    full = np.block([[blocks[0][0], blocks[0][1]], [blocks[1][0], blocks[1][1]]])

    def joined(z):
        return model.pair(z[:3], z[3:])
    want = np.empty((6, 6))
    z, eps = np.concatenate([x, y]), 1e-4
    for i, ei in enumerate(np.eye(6) * eps):
        for j, ej in enumerate(np.eye(6) * eps):
            want[i, j] = (joined(z + ei + ej) - joined(z + ei - ej) - joined(z - ei + ej) +
                          joined(z - ei - ej)) / (4 * eps * eps)
    np.testing.assert_allclose(full, want, rtol=1e-5, atol=1e-6)


def test_hvp_of_a_bound_method(setup):
    model, x, _, rng = setup
    v = rng.standard_normal(3)
    np.testing.assert_allclose(symdiff.hvp(model.loss)(x, v),
                               _hessian(model, model.loss, (x,), 0) @ v, rtol=1e-5, atol=1e-6)


def test_vjp_and_jacobian_of_a_bound_method(setup):
    model, x, _, rng = setup
    J = np.stack([_directional(model, model.out, (x,), [0], [e]) for e in np.eye(3)], axis=-1)
    for mode in ("forward", "reverse", None):
        np.testing.assert_allclose(symdiff.jacobian(model.out, mode=mode)(x), J,
                                   rtol=1e-6, atol=1e-8)
    dout = rng.standard_normal(3)
    value, pullback = symdiff.vjp(model.out, x)
    np.testing.assert_allclose(value, model.out(x), rtol=1e-12)
    (dx,) = pullback(dout)
    np.testing.assert_allclose(dx, dout @ J, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(symdiff.vjp(model.out, x, wrt=0)[1](dout), dout @ J,
                               rtol=1e-6, atol=1e-8)


def test_jvp_and_hessian_of_a_partial(setup):
    _, x, y, rng = setup
    f = functools.partial(plain_pair, scale=0.4)
    t = rng.standard_normal(3)
    value, slope = symdiff.jvp(f, wrt="y")(x, y, t)
    np.testing.assert_allclose(value, f(x, y), rtol=1e-12)
    np.testing.assert_allclose(slope, (f(x, y + EPS * t) - f(x, y - EPS * t)) / (2 * EPS),
                               rtol=1e-6, atol=1e-8)

    def of_x(z):
        return f(z, y)
    want = np.array([[(of_x(x + a + b) - of_x(x + a - b) - of_x(x - a + b) + of_x(x - a - b))
                      / 4e-8 for b in np.eye(3) * 1e-4] for a in np.eye(3) * 1e-4])
    np.testing.assert_allclose(symdiff.hessian(f)(x, y), want, rtol=1e-5, atol=1e-6)


def test_a_container_attribute_is_refused_for_a_tangent(setup):
    model, x, _, _ = setup
    with pytest.raises(symdiff.SymdiffError, match="`self.params`, which holds a container"):
        symdiff.jvp(model.loss, wrt="params")(x, {"V": np.ones(3)})
    with pytest.raises(symdiff.SymdiffError, match="followed by 1 vector"):
        symdiff.jvp(model.loss)()
