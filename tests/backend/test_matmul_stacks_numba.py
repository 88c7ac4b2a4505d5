"""The numba overloads of ``x @ y`` for stacks of matrices and of its gradient helpers
(emitted with jit code, symdiff/backend/numba_stacks.py) give NumPy's numbers: leading
axes broadcast (missing, or of length 1), a vector on either side, large products through
np.dot, integer arrays, and the errors NumPy raises for shapes that do not match.

End to end, a batched product as the ADBench GMM writes it (``Ls @ x[..., None]``, the
factors broadcast over the points) compiles in reverse mode, forward mode and for the
Hessian with no fallback, checked against central differences, value too; so does the
GMM objective itself, against its hand-written gradient.
"""
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("NUMBA_OPT", "0")        # before numba is first imported

import numpy as np
import pytest

import symdiff
from support import load_module, numerical_jacobian, second_difference
from symdiff.backend.helpers import HELPERS
from symdiff.primitives.linalg import STACKED_MATMUL

numba = pytest.importorskip("numba")

NAMES = ("unbroadcast", "matmul_vjp_left", "matmul_vjp_right", "matmul_stack",
         "stacked_matmul_numba", "matmul_vjp_left_numba", "matmul_vjp_right_numba")


def _helpers():
    namespace = {"np": np, "numba": numba}
    exec("\n".join([STACKED_MATMUL] + [HELPERS[name] for name in NAMES]), namespace)
    product, left, right = (namespace[name] for name in
                            ("stacked_matmul", "matmul_vjp_left", "matmul_vjp_right"))
    compiled = (numba.njit(lambda x, y: product(x, y)),
                numba.njit(lambda g, x, y: left(g, x, y)),
                numba.njit(lambda g, x, y: right(g, x, y)))
    return (product, left, right), compiled


PLAIN, COMPILED = _helpers()

#: x, y: a stack broadcast over leading axes (the GMM's), one of length 1, vectors
SHAPES = [((3, 2, 2), (4, 3, 2, 1)), ((1, 3, 4), (2, 4, 5)), ((4,), (2, 4, 3)),
          ((2, 3, 4), (4,)), ((2, 20, 16), (1, 16, 16))]      # the last through np.dot


@pytest.mark.parametrize("x_shape, y_shape", SHAPES, ids=[f"{x}@{y}" for x, y in SHAPES])
def test_compiled_product_and_gradients_equal_numpy(x_shape, y_shape):
    rng = np.random.default_rng(len(x_shape) * 10 + len(y_shape))
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    want = x @ y
    got = COMPILED[0](x, y)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    g = rng.standard_normal(want.shape)
    for plain, compiled, like in zip(PLAIN[1:], COMPILED[1:], (x, y)):
        got, expected = compiled(g, x, y), plain(g, x, y)
        assert got.shape == expected.shape == like.shape
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_integers_strided_stacks_and_mismatched_shapes():
    rng = np.random.default_rng(3)
    a, b = rng.integers(-3, 4, (2, 3, 4)), rng.integers(-3, 4, (4,))
    got = COMPILED[0](a, b)
    assert got.dtype == np.int64 and np.array_equal(got, a @ b)
    x = rng.standard_normal((2, 3, 8))[:, :, ::2]                     # not contiguous
    y = rng.standard_normal((3, 4, 2))
    np.testing.assert_allclose(COMPILED[0](x, y[:2]), x @ y[:2], rtol=1e-12)
    with pytest.raises(ValueError, match="do not broadcast"):
        COMPILED[0](x, y)
    with pytest.raises(ValueError, match="second last"):
        COMPILED[0](x, rng.standard_normal((2, 3, 2)))


BATCHED = """
import numpy as np


def batched(Ls, x, A, B):
    z = (Ls @ x[:, :, :, None])[:, :, :, 0]
    return np.sum(np.tanh(z) ** 2) + np.sum(np.sin(A @ B))
"""


def _no_fallback(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    said = [str(w.message) for w in caught if "numba cannot compile" in str(w.message)]
    assert said == [], said
    return out


@pytest.fixture(scope="module")
def batched(tmp_path_factory):
    fn = load_module(tmp_path_factory.mktemp("stacks"), "batched", BATCHED).batched
    rng = np.random.default_rng(5)
    args = (rng.standard_normal((2, 3, 3)), rng.standard_normal((4, 2, 3)),
            rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2)))
    return fn, args


def test_batched_products_compile_in_reverse_mode(batched):
    fn, args = batched
    wrt = (0, 1, 2, 3)
    jitted = symdiff.value_and_grad(fn, wrt=wrt, jit=True)
    value, grads = _no_fallback(lambda: jitted(*args))
    source = jitted.source_for(*args)
    assert "@jit_or_numpy" in source and "stacked_matmul(Ls, x_at)" in source
    assert "matmul_vjp_left_numba" in source
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    for i, got in zip(wrt, grads):
        np.testing.assert_allclose(got, numerical_jacobian(fn, list(args), i),
                                   rtol=1e-6, atol=1e-8)
    assert "stacked_matmul" not in symdiff.value_and_grad(fn, wrt=wrt).source_for(*args)


def test_batched_products_compile_in_forward_mode_and_for_the_hessian(batched):
    fn, args = batched
    rng = np.random.default_rng(6)
    tangents = [rng.standard_normal(np.shape(a)) for a in args]
    jvp = symdiff.jvp(fn, wrt=(0, 1, 2, 3), jit=True)
    value, tangent = _no_fallback(lambda: jvp(*args, *tangents))
    grads = [numerical_jacobian(fn, list(args), i) for i in range(4)]
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    np.testing.assert_allclose(tangent, sum(np.sum(g * t) for g, t in zip(grads, tangents)),
                               rtol=1e-6, atol=1e-8)
    hessian = _no_fallback(lambda: symdiff.hessian(fn, wrt=0, jit=True)(*args))
    np.testing.assert_allclose(hessian, second_difference(fn, list(args), 0, 0),
                               rtol=1e-4, atol=1e-6)


def test_the_gmm_gradient_compiles_and_agrees_with_the_hand_written_one():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import gmm
    args = gmm.gmm_inputs(np.random.default_rng(3), 2, 3, 7)
    jitted = symdiff.value_and_grad(gmm.gmm_objective, wrt=(0, 1, 2), jit=True)
    value, grads = _no_fallback(lambda: jitted(*args))
    assert "@jit_or_numpy" in jitted.source_for(*args)
    np.testing.assert_allclose(value, gmm.gmm_objective(*args), rtol=1e-12)
    for i, got, hand in zip((0, 1, 2), grads, gmm.gmm_gradient_hand(*args)):
        np.testing.assert_allclose(got, hand, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got, numerical_jacobian(gmm.gmm_objective, list(args), i),
                                   rtol=1e-6, atol=1e-7)
