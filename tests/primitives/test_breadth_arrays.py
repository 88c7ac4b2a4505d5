"""Array functions added for breadth, one table of (call, inputs) per family, each case
checked by ``breadth_support.check_case`` (value, gradient, forward mode; Hessian-vector
product and jit for a sample): einsum (any subscripts, ``...``, implicit output, repeated
letters), the compositions (trace, diagonal, average, ptp, nansum, nanmean) and
scipy.special's logsumexp, softmax and log_softmax.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def positive(*shapes):
    return lambda rng: [rng.uniform(0.5, 2.0, s) for s in shapes]


def spread(shape):
    """Distinct values (no ties for max/min)."""
    def inputs(rng):
        n = int(np.prod(shape))
        return [(rng.permutation(n) + rng.uniform(0.1, 0.4, n)).reshape(shape) / n]
    return inputs


EINSUM = [
    Case("ein_matmul", "a, b", "np.sum(np.einsum('ij,jk->ik', a, b) ** 2)",
         normal((3, 4), (4, 2)), wrt=(0, 1), second=True, jit=True),
    Case("ein_implicit", "a, b", "np.sum(np.sin(np.einsum('ij,jk', a, b)))",
         normal((3, 4), (4, 2)), wrt=(0, 1)),
    Case("ein_trace", "a", "np.einsum('ii', a) ** 2", normal((3, 3)), second=True),
    Case("ein_diag", "a", "np.sum(np.einsum('ii->i', a) ** 3)", normal((3, 3))),
    Case("ein_rowsum", "a", "np.sum(np.einsum('ij->i', a) ** 2)", normal((3, 4)), second=True),
    Case("ein_batch", "a, b", "np.sum(np.einsum('...ij,...jk->...ik', a, b) ** 2)",
         normal((2, 3, 4), (4, 2)), wrt=(0, 1), second=True),
    Case("ein_three", "a, b, c", "np.einsum('i,ij,j', a, b, c)",
         normal((3,), (3, 4), (4,)), wrt=(0, 1, 2), second=True),
    Case("ein_outer", "a, b", "np.sum(np.cos(np.einsum('i,j->ij', a, b)))",
         normal((3,), (4,)), wrt=(0, 1)),
    Case("ein_transpose", "a",
         "np.sum(np.einsum('ijk->kji', a) * np.arange(24.0).reshape(4, 3, 2))",
         normal((2, 3, 4))),
    Case("ein_bilinear", "x, A", "np.einsum('i,ij,j->', x, A, x)", normal((3,), (3, 3)),
         wrt=(0, 1), second=True),
    Case("ein_quadratic_forms", "a, m", "np.sum(np.einsum('...i,ij,...j->...', a, m, a))",
         normal((3, 4), (4, 4)), wrt=(0, 1), second=True, jit=True),
    Case("ein_batch_weights", "a, m", "np.sum(np.einsum('...ij,jk->...ik', a, m) ** 2)",
         normal((2, 3, 4), (4, 5)), wrt=(0, 1), second=True),
    Case("ein_broadcast_dot", "a, b", "np.sum(np.einsum('...i,...i->...', a, b) ** 2)",
         normal((2, 3, 4), (4,)), wrt=(0, 1), second=True),
    Case("ein_batch_diagonal", "a", "np.sum(np.einsum('...ii->...i', a) ** 2)",
         normal((2, 3, 3)), second=True),
    Case("ein_implicit_dot", "a, b", "np.einsum('ij,ij', a, b) ** 2", normal((3, 4), (3, 4)),
         wrt=(0, 1), second=True),
    Case("ein_middle_ellipsis", "a, v", "np.sum(np.sin(np.einsum('i...j,j->...i', a, v)))",
         normal((3, 2, 4), (4,)), wrt=(0, 1)),
]

COMPOSITIONS = [
    Case("trace_square", "a", "np.trace(a) ** 2 + np.trace(a @ a)", normal((3, 3)), second=True),
    Case("trace_wide", "a", "np.trace(np.sin(a))", normal((3, 4))),
    Case("diagonal_tall", "a", "np.sum(np.diagonal(a) ** 2)", normal((4, 3)), jit=True),
    Case("average_plain", "a", "np.average(a ** 2)", normal((3, 4))),
    Case("average_axis", "a", "np.sum(np.average(a ** 2, axis=1))", normal((3, 4))),
    Case("average_weights", "a, w", "np.average(np.sin(a), weights=w)", positive((3, 4), (3, 4)),
         wrt=(0, 1), second=True),
    Case("ptp_all", "a", "np.ptp(a)", spread((3, 4))),
    Case("ptp_axis", "a", "np.sum(np.ptp(a, axis=0) ** 2)", spread((3, 4)), jit=True),
    Case("nansum_plain", "a", "np.nansum(a ** 2)", normal((3, 4)), second=True),
    Case("nanmean_axis", "a", "np.sum(np.nanmean(a, axis=0) ** 2)", normal((3, 4))),
    Case("lse_all", "x", "sp.logsumexp(x)", normal((3, 4)), second=True, jit=True),
    Case("lse_axis_b", "x, b", "np.sum(sp.logsumexp(x, axis=1, b=b))", positive((3, 4), (3, 4)),
         wrt=(0, 1), second=True),
    Case("lse_keepdims", "x", "np.sum(sp.logsumexp(x, axis=0, keepdims=True) * x)",
         normal((3, 4))),
    Case("lse_big", "x", "sp.logsumexp(1000.0 * x)", normal((5,))),
    Case("softmax_axis", "x", "np.sum(sp.softmax(x, axis=1) * np.arange(12.0).reshape(3, 4))",
         normal((3, 4)), second=True),
    Case("softmax_all", "x", "np.sum(sp.softmax(x) ** 2)", normal((3, 4))),
    Case("log_softmax_axis", "x", "np.sum(sp.log_softmax(x, axis=-1)[:, 0])", normal((3, 4)),
         second=True, jit=True),
]

CASES = EINSUM + COMPOSITIONS


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("arrays"), "breadth_arrays")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_array_case(module, case):
    check_case(module, case)


def test_einsum_vjp_is_an_einsum(module):
    source = symdiff.grad(module.ein_matmul, wrt=(0, 1)).source
    assert "np.einsum('ik,jk->ij', da_einsum, b)" in source
    assert "np.einsum('ik,ij->jk', da_einsum, a)" in source


def test_unbatched_operand_vjp_is_an_einsum_over_the_batch(module):
    source = symdiff.grad(module.ein_quadratic_forms, wrt=1).source
    assert "np.einsum('...,...i,...j->...ij'" in source


def test_nan_entries_get_no_gradient(module):
    a = np.arange(12.0).reshape(3, 4) / 7
    a[1, 2] = np.nan
    g = symdiff.grad(module.nansum_plain)(a)
    assert g[1, 2] == 0.0
    np.testing.assert_allclose(np.delete(g.ravel(), 6), np.delete(2 * a.ravel(), 6))


def test_logsumexp_ties_at_the_maximum_do_not_matter(module):
    x = np.array([[1.0, 1.0, 0.5, 1.0]] * 3)
    g = symdiff.grad(module.lse_all)(x)
    np.testing.assert_allclose(g, np.exp(x) / np.exp(x).sum(), rtol=1e-12)


@pytest.mark.parametrize("body,message", [
    ("np.einsum('ij,jk->ii', a, a)", "repeats a letter"),
    ("np.einsum('ij,jk->ik', a)", "operand"),
    ("np.einsum('ij->iq', a)", "no operand has"),
    ("np.average(a, axis=(0, 1), weights=a)", "takes one axis"),
    ("np.average(a, returned=True)", "returned"),
    ("np.trace(a, 0, 1, 1)", "two different axes"),
    ("sp.logsumexp(a, return_sign=True)", "return_sign"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.eye(3))
