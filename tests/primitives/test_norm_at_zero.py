"""np.linalg.norm at x == 0: gradient and tangent 0 (the subgradient), for every order.

Each norm is checked on a zero input (value 0, gradient 0, tangent 0, no NaN) and on an
input whose rows (or columns) are partly zero: there the zero rows get gradient 0 and the
others are checked against central differences, value included, reverse and forward.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import symdiff

from support import directional_difference, load_module, numerical_jacobian

NORMS = """
import numpy as np

def vec_none(x):
    return np.linalg.norm(x)

def vec_two(x):
    return np.linalg.norm(x, ord=2)

def vec_three(x):
    return np.linalg.norm(x, ord=3)

def vec_p(x):
    return np.linalg.norm(x, ord=1.5) * 2.0

def vec_one(x):
    return np.linalg.norm(x, 1)

def vec_inf(x):
    return np.linalg.norm(x, np.inf)

def mat_fro(x):
    return np.linalg.norm(x, 'fro')

def mat_fro_kw(x):
    return np.linalg.norm(x, ord='fro') + np.sum(x)

def rows_none(x):
    return np.sum(np.linalg.norm(x, axis=1))

def rows_two(x):
    return np.sum(np.linalg.norm(x, ord=2, axis=1) ** 2 + np.linalg.norm(x, ord=2, axis=1))

def cols_two(x):
    return np.sum(np.linalg.norm(x, ord=2, axis=0))

def rows_p(x):
    return np.sum(np.linalg.norm(x, ord=4, axis=-1, keepdims=True) * 3.0)

def cols_fro_pair(x):
    return np.linalg.norm(x, 'fro', axis=(0, 1))
"""

VECTORS = ["vec_none", "vec_two", "vec_three", "vec_p", "vec_one", "vec_inf"]
MATRICES = ["mat_fro", "mat_fro_kw", "rows_none", "rows_two", "cols_two", "rows_p",
            "cols_fro_pair"]
ROWWISE = {"rows_none": 1, "rows_two": 1, "rows_p": 1, "cols_two": 0}


@pytest.fixture(scope="module")
def norms(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("norms"), "norms", NORMS)


def _zero(name):
    return np.zeros(4) if name in VECTORS else np.zeros((3, 4))


@pytest.mark.parametrize("name", VECTORS + MATRICES)
def test_gradient_and_tangent_are_zero_at_zero(norms, name):
    fn, x = getattr(norms, name), _zero(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no 0/0 on the way either
        value, g = symdiff.value_and_grad(fn)(x)
        v, t = symdiff.jvp(fn)(x, np.random.default_rng(0).standard_normal(x.shape))
        J = symdiff.jacobian(fn, mode="forward")(x)
    assert value == fn(x) and v == fn(x)
    expected = 0.0 if name != "mat_fro_kw" else np.ones_like(x)
    assert np.array_equal(g, np.broadcast_to(expected, x.shape))
    assert np.array_equal(J, np.broadcast_to(expected, x.shape))
    if name != "mat_fro_kw":
        assert t == 0.0


@pytest.mark.parametrize("name", sorted(ROWWISE))
def test_zero_rows_get_zero_and_the_others_their_gradient(norms, name):
    fn = getattr(norms, name)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4)) + 0.5
    axis = ROWWISE[name]
    zero = 1
    if axis == 1:
        x[zero, :] = 0.0
    else:
        x[:, zero] = 0.0
    value, g = symdiff.value_and_grad(fn)(x)
    assert value == pytest.approx(fn(x), rel=1e-12)
    assert not np.any(np.isnan(g))
    zero_part = g[zero, :] if axis == 1 else g[:, zero]
    assert np.array_equal(zero_part, np.zeros_like(zero_part))
    keep = np.ones(x.shape, dtype=bool)
    if axis == 1:
        keep[zero, :] = False
    else:
        keep[:, zero] = False
    numeric = numerical_jacobian(fn, [x], 0)
    assert np.allclose(g[keep], numeric[keep], rtol=1e-6, atol=1e-7)
    # forward mode along a direction that leaves the zero row at zero
    v = rng.standard_normal(x.shape) * keep
    value_f, t = symdiff.jvp(fn)(x, v)
    assert value_f == pytest.approx(fn(x), rel=1e-12)
    assert t == pytest.approx(float(directional_difference(fn, [x], [0], [v])), rel=1e-6)


@pytest.mark.parametrize("name", VECTORS + MATRICES)
def test_away_from_zero_matches_central_differences(norms, name):
    fn = getattr(norms, name)
    rng = np.random.default_rng(11)
    x = rng.standard_normal(_zero(name).shape)
    x[np.abs(x) < 0.1] += 0.3
    symdiff.check_grad(fn, x)
    value, g = symdiff.value_and_grad(fn)(x)
    assert value == pytest.approx(fn(x), rel=1e-12)
    v = rng.standard_normal(x.shape)
    _, t = symdiff.jvp(fn)(x, v)
    assert t == pytest.approx(float(directional_difference(fn, [x], [0], [v])), rel=1e-6)
