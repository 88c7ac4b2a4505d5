"""Linear algebra on the array-API backend: gradients that contract with einsum
(slogdet, det, inv, diagonal, trace) and eigh's and svd's (which tests eigenvalues apart with
np.isclose) run on every library; on array_api_strict, which has no einsum, as products
and sums (``sum_of_products``). Each is compared with the NumPy backend's gradient,
itself compared with central differences. Dask has no det, slogdet or eigh, nor the svd
of a square matrix in chunks."""
import numpy as np
import pytest
import torch

import array_api_strict

import symdiff
from symdiff.backend.array_api_helpers import SHIMS
from symdiff.check import numerical_gradient
from test_array_api import LIBRARIES, names_in, to_numpy


def logdet(A):
    sign, value = np.linalg.slogdet(A)
    return value + np.linalg.det(A)


def inverse(A):
    return np.sum(np.linalg.inv(A) ** 2)


def diagonals(A):
    return np.sum(np.diagonal(A) ** 2) + np.trace(A) ** 2


def spectrum(A):
    w, V = np.linalg.eigh(A + A.T)
    return np.sum(w ** 3) + np.sum(V[:, 0] ** 2 * w[0])


def singular(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return np.sum(np.linalg.svd(A, compute_uv=False) ** 3) + np.sum(U[:, 0] * Vt[1] * s)


#: the library's own linear algebra lacks these
MISSING = {"dask": {"logdet", "spectrum", "singular"}}   # dask: svd of one-axis chunks
RUNS = [pytest.param(fn, library, id=f"{fn.__name__}-{library}")
        for fn in (logdet, inverse, diagonals, spectrum, singular) for library in sorted(LIBRARIES)
        if fn.__name__ not in MISSING.get(library, ())]


@pytest.fixture(autouse=True)
def _torch_float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def _matrix():
    return np.random.default_rng(8).normal(size=(3, 3)) + 3 * np.eye(3)


@pytest.mark.parametrize("fn, library", RUNS)
def test_linear_algebra_gradient_on_library(fn, library):
    A = _matrix()
    want = symdiff.grad(fn)(A)
    np.testing.assert_allclose(want, numerical_gradient(fn, (A,), 0), rtol=1e-5, atol=1e-7)
    got = symdiff.grad(fn, backend="array-api")(LIBRARIES[library](A))
    if library == "dask":
        got = got.compute()
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-12)


def test_eigh_gradient_tests_eigenvalues_apart_with_a_helper():
    source = symdiff.grad(spectrum, backend="array-api").source
    assert "def isclose(" in source and "np" not in names_in(source)


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("ii...->...", [(3, 3, 2)]), ("...ji,...jk,...lk->...il",
                                                     [(2, 3, 3), (2, 3, 3), (3, 3)]),
    ("...,ia->ia...", [(), (3, 3)]), ("i,i->", [(4,), (4,)]), ("ij->ji", [(2, 3)])])
def test_sum_of_products_is_einsum(subscripts, shapes):
    namespace: dict = {}
    exec(SHIMS["sum_of_products"], namespace)
    rng = np.random.default_rng(9)
    arrays = [rng.normal(size=s) for s in shapes]
    got = namespace["sum_of_products"](array_api_strict, subscripts,
                                       [array_api_strict.asarray(a) for a in arrays])
    np.testing.assert_allclose(to_numpy(got), np.einsum(subscripts, *arrays), rtol=1e-12)
