"""np.linalg.svd (reduced), the matrix norms of order 2, -2 and 'nuc', np.linalg.pinv,
np.linalg.lstsq and np.linalg.qr: one table of cases checked by
``breadth_support.check_case`` (value, gradient, forward mode, Hessian-vector product; jit
for a sample) on random matrices (their singular values distinct and away from 0), tall,
wide and square, batched where NumPy batches; uses of U alone, s alone, Vt alone and all
three; the shape-generic source; numba compiling svd's gradient; the refusals, located.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of
from support import assert_generic_agrees, load_module

import symdiff


def matrices(*shapes):
    """Random matrices with singular values spread apart (1 to about 3), then the other
    shapes drawn plainly."""
    def inputs(rng):
        shape = shapes[0]
        m, n = shape[-2:]
        k = min(m, n)
        u, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, k)))
        v, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, k)))
        s = 1.0 + np.arange(k)[::-1] * 0.7 + 0.1 * rng.random(shape[:-2] + (k,))
        first = np.einsum("...ai,...i,...bi->...ab", u, s, v)
        return [first] + [rng.standard_normal(s) for s in shapes[1:]]
    return inputs


SVD = "np.linalg.svd(a, full_matrices=False)"

CASES = [
    Case("svd_s_tall", "a", f"np.sum({SVD}[1] ** 3)", matrices((4, 3)), second=True),
    Case("svd_s_only", "a", "np.sum(np.linalg.svd(a, compute_uv=False) * np.arange(1.0, 4.0))",
         matrices((3, 5)), second=True),
    Case("svd_u_tall", "a", f"np.sum(np.sin({SVD}[0]) * np.arange(12.0).reshape(4, 3))",
         matrices((4, 3)), second=True),
    Case("svd_u_wide", "a", f"np.sum({SVD}[0] ** 3)", matrices((3, 5)), second=True),
    Case("svd_vt_wide", "a", f"np.sum(np.sin({SVD}[2]) * np.arange(15.0).reshape(3, 5))",
         matrices((3, 5)), second=True),
    Case("svd_vt_tall", "a", f"np.sum({SVD}[2] ** 3 * np.arange(9.0).reshape(3, 3))",
         matrices((5, 3)), second=True),
    Case("svd_all_square", "a", f"np.sum(np.cos({SVD}[0]) * {SVD}[1] @ np.sin({SVD}[2]))",
         matrices((3, 3)), second=True),
    Case("svd_all_tall", "a", f"np.sum({SVD}[0] ** 3 @ np.diag({SVD}[1] ** 2) @ {SVD}[2])",
         matrices((5, 3)), second=True),
    Case("svd_all_wide", "a", f"np.sum(np.cos({SVD}[0] * {SVD}[1]) @ {SVD}[2] ** 3)",
         matrices((2, 4)), second=True),
    Case("svd_batched", "a", f"np.sum({SVD}[0] ** 3) + np.sum({SVD}[1] ** 2 * {SVD}[2][..., 0])",
         matrices((2, 4, 3))),
    Case("svd_square_default", "a", "np.sum(np.linalg.svd(a)[0] ** 3 * np.linalg.svd(a)[1])",
         matrices((3, 3))),
]

NORMS = [
    Case("norm_2_tall", "a", "np.linalg.norm(a, 2) ** 2", matrices((4, 3)), second=True),
    Case("norm_2_wide", "a", "np.sin(np.linalg.norm(a, ord=2))", matrices((2, 4)), second=True),
    Case("norm_minus_2", "a", "np.linalg.norm(a, -2) * np.sum(a)", matrices((3, 3)),
         second=True),
    Case("norm_nuc", "a", "np.linalg.norm(a, 'nuc') ** 3", matrices((3, 5)), second=True),
    Case("norm_nuc_keepdims", "a", "np.sum(np.linalg.norm(a, 'nuc', keepdims=True) * a)",
         matrices((4, 3)), second=True),
    Case("norm_2_keepdims", "a", "np.sum(np.linalg.norm(a, 2, keepdims=True) ** 2 * a)",
         matrices((3, 4)), second=True),
    Case("norm_axes_batched", "a", "np.sum(np.linalg.norm(a, 2, axis=(-2, -1)) ** 2)",
         matrices((2, 4, 3)), second=True),
    Case("norm_axes_moved", "a", "np.sum(np.linalg.norm(np.moveaxis(a, 0, -1), 'nuc', "
         "axis=(0, 1), keepdims=True) * np.arange(2.0))", matrices((2, 4, 3)), second=True),
    Case("norm_axes_min", "a", "np.sum(np.linalg.norm(a, -2, axis=(2, 1)) ** 3)",
         matrices((2, 3, 3))),
    Case("norm_vector_2", "a", "np.linalg.norm(a[0], 2) + np.linalg.norm(a, 2, axis=1)[1]",
         matrices((3, 4))),
]

PINV = [
    Case("pinv_tall", "a", "np.sum(np.sin(np.linalg.pinv(a)))", matrices((4, 3)), second=True),
    Case("pinv_wide", "a", "np.sum(np.linalg.pinv(a) ** 3)", matrices((2, 4)), second=True),
    Case("pinv_square", "a", "np.sum(np.linalg.pinv(a) * np.arange(9.0).reshape(3, 3))",
         matrices((3, 3)), second=True),
    Case("pinv_batched", "a", "np.sum(np.cos(np.linalg.pinv(a)))", matrices((2, 4, 3))),
    Case("lstsq_vector", "a, b", "np.sum(np.linalg.lstsq(a, b, rcond=None)[0] ** 2)",
         matrices((5, 3), (5,)), wrt=(0, 1), second=True, jit=True),
    Case("lstsq_matrix", "a, b", "np.sum(np.sin(np.linalg.lstsq(a, b)[0]))",
         matrices((4, 2), (4, 3)), wrt=(0, 1), second=True),
    Case("lstsq_wide", "a, b", "np.sum(np.linalg.lstsq(a, b, rcond=None)[0] ** 3)",
         matrices((2, 4), (2,)), wrt=(0, 1), second=True),
    Case("lstsq_values_rank", "a, b", "np.sum(np.linalg.lstsq(a, b, rcond=None)[3] ** 2) * "
         "np.linalg.lstsq(a, b, rcond=None)[2]", matrices((4, 3), (4,)), wrt=(0, 1),
         second=True),
]

QR = [
    Case("qr_q_tall", "a", "np.sum(np.sin(np.linalg.qr(a)[0]) * np.arange(12.0).reshape(4, 3))",
         matrices((4, 3)), second=True),
    Case("qr_r_tall", "a", "np.sum(np.linalg.qr(a)[1] ** 3)", matrices((5, 3)), second=True),
    Case("qr_both_square", "a", "np.sum(np.cos(np.linalg.qr(a)[0]) @ np.linalg.qr(a)[1])",
         matrices((3, 3)), second=True),
    Case("qr_mode_r", "a", "np.sum(np.linalg.qr(a, mode='r') * np.arange(4.0))",
         matrices((6, 4))),
    Case("qr_complete_square", "a", "np.sum(np.linalg.qr(a, 'complete')[0] ** 3)",
         matrices((3, 3))),
    Case("qr_batched", "a", "np.sum(np.linalg.qr(a)[0] ** 3) + np.sum(np.linalg.qr(a)[1] ** 2)",
         matrices((2, 4, 3))),
]


def _run(source: str, prefix: str, *args):
    namespace: dict = {}
    exec(compile(source, "<generic source>", "exec"), namespace)
    return next(v for k, v in namespace.items() if k.startswith(prefix))(*args)


def test_norm_2_of_unknown_rank(module):
    """Shape-generic code (the rank of x unknown when compiling): the gradient of norm(x, 2)
    of a matrix is that of its largest singular value; its second derivative is refused."""
    a = matrices((4, 3))(np.random.default_rng(5))[0]
    g = symdiff.grad(module.norm_2_tall)
    np.testing.assert_allclose(_run(g.source, "grad_", a), g(a), rtol=1e-10)
    with pytest.raises(ValueError, match="write axis=\\(0, 1\\)"):
        _run(symdiff.hvp(module.norm_2_tall).source, "hvp_", a, np.ones_like(a))


GENERIC = ["svd_u_tall", "svd_vt_wide", "svd_all_square", "norm_nuc", "pinv_wide",
           "lstsq_matrix", "qr_both_square", "qr_r_tall"]


@pytest.mark.parametrize("name", GENERIC)
def test_shape_generic_source_agrees(module, name):
    """The source written without the shapes (every projection term kept) gives the
    gradient of the source specialized to them."""
    case = next(c for c in ALL if c.id == name)
    args = case.inputs(np.random.default_rng(6))
    wrt = case.wrt if len(case.wrt) > 1 else case.wrt[0]
    g = symdiff.grad(getattr(module, name), wrt=wrt)
    expected = g(*args)
    assert_generic_agrees(g, args, expected if len(case.wrt) > 1 else (expected,),
                          len(case.wrt) > 1)


@pytest.mark.parametrize("name", ["svd_all_square", "norm_2_tall", "qr_q_tall", "pinv_tall"])
def test_numba_compiles_the_gradient(module, name):
    """U and Vt's rules test singular values apart with np.isclose, which numba has none of:
    it is written as a comparison numba compiles, so no NumPy fallback is warned of."""
    case = next(c for c in ALL if c.id == name)
    a = case.inputs(np.random.default_rng(7))[0]
    fn = getattr(module, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # numba's performance notes
        warnings.filterwarnings("error", message="numba cannot compile")
        got = symdiff.grad(fn, jit=True)(a)
    np.testing.assert_allclose(got, symdiff.grad(fn)(a), rtol=1e-10)


def test_unpacked_svd_uses_each_part(tmp_path):
    text = ("import numpy as np\n\n\ndef f(a):\n"
            "    U, s, Vt = np.linalg.svd(a, full_matrices=False)\n"
            "    return np.sum(U ** 3) + np.sum(s ** 2) + np.sum(np.sin(Vt))\n")
    m = load_module(tmp_path, "unpacked", text)
    a = matrices((4, 3))(np.random.default_rng(2))[0]
    assert symdiff.check_grad(m.f, a)
    value, _ = symdiff.value_and_grad(m.f)(a)
    np.testing.assert_allclose(value, m.f(a), rtol=1e-12)


def test_gradient_of_singular_values_is_exact_at_a_repeated_value(module):
    """s = (2, 2, 1): a function of s summing over the repeated pair is smooth in A, and
    U diag(ds) Vt is its gradient."""
    rng = np.random.default_rng(4)
    u, _ = np.linalg.qr(rng.standard_normal((4, 3)))
    v, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    a = u @ np.diag([2.0, 2.0, 1.0]) @ v.T
    assert symdiff.check_grad(module.svd_s_tall, a)


@pytest.mark.parametrize("body, message", [
    ("np.sum(np.linalg.svd(a)[0])", "write np.linalg.svd(A, full_matrices=False)"),
    ("np.sum(np.linalg.svd(a, full_matrices=True)[2])", "full_matrices=True"),
    ("np.sum(np.linalg.svd(a, full_matrices=False, hermitian=True)[1])", "hermitian"),
    ("np.linalg.norm(a[0], 'nuc')", "ord='nuc' is a matrix norm"),
    ("np.sum(np.linalg.norm(a, 'nuc', axis=1))", "ord='nuc' is a matrix norm"),
    ("np.sum(np.linalg.pinv(a, 1e-10))", "leave out rcond="),
    ("np.sum(np.linalg.pinv(a, rcond=1e-10))", "rcond"),
    ("np.sum(np.linalg.lstsq(a, a[:, 0], rcond=1e-10)[0])", "rcond=None"),
    ("np.sum(np.linalg.lstsq(a, a[:, 0], rcond=None)[1])", "np.sum((b - A @ x) ** 2"),
    ("np.sum(np.linalg.qr(a.T)[0])", "wide matrix"),
    ("np.sum(np.linalg.qr(a, mode='complete')[0])", "mode='complete'"),
    ("np.sum(np.linalg.qr(a, mode='raw')[0])", "mode='raw'"),
])
def test_refused(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((4, 3)) + np.eye(4, 3))


ALL = CASES + NORMS + PINV + QR


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(ALL, tmp_path_factory.mktemp("svd"), "breadth_svd")


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_svd_case(module, case):
    check_case(module, case)
