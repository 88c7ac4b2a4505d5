"""The numba overload of ``unbroadcast`` (emitted with jit code) sums exactly what the
NumPy helper sums: every broadcast pattern of g onto x, leading axes and axes of length 1,
x a number or a 0-d array too."""
import os

os.environ.setdefault("NUMBA_OPT", "0")        # before numba is first imported

import numpy as np
import pytest

from symdiff.backend.helpers import HELPERS

numba = pytest.importorskip("numba")


def _helpers():
    namespace = {"np": np, "numba": numba}
    exec(HELPERS["unbroadcast"] + "\n" + HELPERS["unbroadcast_numba"], namespace)
    unbroadcast = namespace["unbroadcast"]

    @numba.njit
    def compiled(g, x):
        return unbroadcast(g, x)
    return unbroadcast, compiled


PLAIN, COMPILED = _helpers()

SHAPES = [((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 4), (3, 1)), ((2, 3, 4), (3, 1)),
          ((2, 3, 4), (1, 1, 4)), ((3, 4), (3, 4)), ((5,), (1,)), ((3, 4), ())]


@pytest.mark.parametrize("g_shape, x_shape", SHAPES, ids=[f"{g}->{x}" for g, x in SHAPES])
def test_compiled_sum_equals_the_numpy_helper(g_shape, x_shape):
    rng = np.random.default_rng(len(g_shape) + len(x_shape))
    g = rng.standard_normal(g_shape)
    x = rng.standard_normal(x_shape)
    want = PLAIN(g, x)
    got = COMPILED(g, x)
    assert np.shape(got) == np.shape(want) == x_shape
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_a_strided_gradient_and_a_number():
    rng = np.random.default_rng(1)
    g = rng.standard_normal((4, 6))[:, ::2]                 # not contiguous
    np.testing.assert_allclose(COMPILED(g, np.ones((1, 3))), PLAIN(g, np.ones((1, 3))))
    assert np.isclose(COMPILED(g, 2.0), np.sum(g))
    assert COMPILED(1.5, 2.0) == 1.5
