"""np.linalg inv, solve, det, slogdet, cholesky and np.tril/np.triu: one table of
(call, inputs), each case checked by ``breadth_support.check_case`` (value, gradient,
forward mode; Hessian-vector product and jit for a sample). Inputs are well conditioned
(A = random + 3 I), SPD for cholesky, batched where NumPy batches.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, check_case, module_of

import symdiff


def matrices(*shapes):
    """Random square matrices shifted by 3 I (well conditioned), then the other shapes."""
    def inputs(rng):
        first = rng.standard_normal(shapes[0]) + 3 * np.eye(shapes[0][-1])
        return [first] + [rng.standard_normal(s) for s in shapes[1:]]
    return inputs


def spd(n):
    def inputs(rng):
        m = rng.standard_normal((n, n))
        return [m @ m.T + n * np.eye(n)]
    return inputs


CASES = [
    Case("inv_plain", "a", "np.sum(np.linalg.inv(a) ** 2)", matrices((3, 3)), second=True,
         jit=True),
    Case("inv_batched", "a", "np.sum(np.sin(np.linalg.inv(a)))", matrices((2, 3, 3))),
    Case("solve_vector", "a, b", "np.sum(np.linalg.solve(a, b) ** 2)", matrices((3, 3), (3,)),
         wrt=(0, 1), second=True, jit=True),
    Case("solve_matrix", "a, b", "np.sum(np.cos(np.linalg.solve(a, b)))",
         matrices((3, 3), (3, 2)), wrt=(0, 1), second=True),
    Case("det_plain", "a", "np.linalg.det(a)", matrices((3, 3)), second=True),
    Case("det_batched", "a", "np.sum(np.linalg.det(a) ** 2)", matrices((2, 3, 3))),
    Case("slogdet_pair", "a", "np.linalg.slogdet(a)[0] * np.linalg.slogdet(a)[1]",
         matrices((3, 3)), second=True),
    Case("slogdet_logdet", "a", "np.linalg.slogdet(a @ a.T)[1]", matrices((3, 3)), jit=True),
    Case("cholesky_spd", "a", "np.sum(np.sin(np.linalg.cholesky(a)))", spd(3), second=True),
    Case("cholesky_gram", "a", "np.sum(np.linalg.cholesky(a @ a.T + 3.0 * np.eye(3)) ** 2)",
         matrices((3, 3)), second=True),
    Case("cholesky_batched", "a", "np.sum(np.linalg.cholesky(a @ np.einsum('...ij->...ji', a) "
         "+ 3.0 * np.eye(3)) ** 3)", matrices((2, 3, 3))),
    Case("tril_triu", "a", "np.sum(np.tril(a) ** 2 + np.triu(a, 1) * a + np.tril(a, k=-1))",
         lambda rng: [rng.standard_normal((3, 4))], second=True, jit=True),
    Case("gaussian_loglik", "L, x", "-0.5 * x @ np.linalg.solve(L @ L.T, x) "
         "- 0.5 * np.linalg.slogdet(L @ L.T)[1]", matrices((3, 3), (3,)), wrt=(0, 1),
         second=True),
]


def test_cholesky_gradient_is_zero_above_the_diagonal(module):
    """NumPy reads only the lower triangle of A: the entries above have no effect."""
    a = spd(3)(np.random.default_rng(1))[0]
    g = symdiff.grad(module.cholesky_spd)(a)
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)
    assert np.all(np.tril(g, -1)[np.tril_indices(3, -1)] != 0.0)


def test_inverse_vjp_is_one_einsum(module):
    source = symdiff.grad(module.inv_plain).source
    assert "np.einsum('...ji,...jk,...lk->...il'" in source


COMPOSED = [
    Case("multi_dot_three", "a, b, c", "np.sum(np.linalg.multi_dot([a, b, c]) ** 2)",
         lambda rng: [rng.standard_normal(s) for s in ((2, 3), (3, 4), (4, 2))], wrt=(0, 1, 2),
         second=True),
    Case("matrix_power_3", "a", "np.sum(np.linalg.matrix_power(a, 3))", matrices((3, 3)),
         second=True, jit=True),
    Case("matrix_power_neg", "a", "np.sum(np.linalg.matrix_power(a, -2) ** 2)", matrices((3, 3))),
    Case("matrix_power_0_1", "a", "np.sum(np.linalg.matrix_power(a, 0) * a) + "
         "np.sum(np.linalg.matrix_power(a, 1) ** 2)", matrices((3, 3))),
    Case("vdot_pair", "a, b", "np.vdot(a, b) ** 2", lambda rng: [rng.standard_normal((2, 3)),
         rng.standard_normal((3, 2))], wrt=(0, 1), second=True),
]


def symmetric(*shape):
    def inputs(rng):
        b = rng.standard_normal(shape)
        return [b + np.swapaxes(b, -1, -2)]
    return inputs


EIGEN = [
    Case("eigvalsh_cubes", "a", "np.sum(np.linalg.eigvalsh(a) ** 3)", symmetric(3, 3),
         second=True, jit=True),
    Case("eigvalsh_batched", "a", "np.sum(np.linalg.eigvalsh(a) * np.arange(3.0))",
         symmetric(2, 3, 3)),
    Case("eigh_pair", "a", "np.linalg.eigh(a)[0] @ np.arange(3.0) + "
         "np.sum((np.linalg.eigh(a)[1][:, 0] * np.linalg.eigh(a)[1][1, 0]) ** 2)",
         symmetric(3, 3), second=True),
    Case("eigh_gram", "b", "np.sum(np.abs(np.linalg.eigh(b @ b.T)[1][0]) * "
         "np.linalg.eigh(b @ b.T)[0])", lambda rng: [rng.standard_normal((3, 3))]),
    Case("eigh_projector", "a", "np.sum(np.linalg.eigh(a)[1][:, 1:] @ "
         "np.linalg.eigh(a)[1][:, 1:].T * np.arange(9.0).reshape(3, 3))", symmetric(3, 3),
         jit=True),
]


def test_eigh_at_a_repeated_eigenvalue_is_exact_for_a_basis_free_loss(module):
    """Eigenvalues (-1, 2, 2): the projector onto the repeated eigenspace is smooth in A,
    and the convention F = 0 between equal eigenvalues gives its exact gradient."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    a = q @ np.diag([-1.0, 2.0, 2.0]) @ q.T
    a = (a + a.T) / 2
    assert symdiff.check_grad(module.eigh_projector, a)
    g = symdiff.grad(module.eigvalsh_cubes)(a)
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)


ALL = CASES + COMPOSED + EIGEN


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(ALL, tmp_path_factory.mktemp("linalg"), "breadth_linalg")


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_linalg_case(module, case):
    check_case(module, case)
