"""The QR decomposition: np.linalg.qr (reduced, batched), A = Q R for A of shape (m, n),
m >= n, Q (m, n) with orthonormal columns, R (n, n) upper triangular. X = Q^T dA R^-1,
Omega = tril(X, -1) - tril(X, -1)^T (antisymmetric), copyltu(M) = tril(M) + tril(M, -1)^T:

    Q   dQ = Q Omega + dA R^-1 - Q X          Abar = (Qbar + Q copyltu(-Qbar^T Q)) R^-T
    R   dR = (X - Omega) R                    Abar = Q copyltu(R Rbar^T) R^-T

(Q^T dQ is antisymmetric and dR R^-1 upper triangular: X splits into the two.) The signs
of R's diagonal are those LAPACK gives, kept under small changes of A. A wide A (m < n)
and mode='complete' of a non-square A are refused, located; R must be invertible (A of
full column rank).
"""
from __future__ import annotations

import ast

from ..errors import SymdiffError
from ..ir import Node
from .linalg_dense import ONE_MATRIX
from .registry import Primitive, register

T = "...ij->...ji"


def _parts(em, a):
    return em.tmp("qr_q", [a], complete=False), em.tmp("qr_r", [a], complete=False)


def _copyltu(em, m):
    """tril(M) + tril(M, -1)^T: the lower triangle of M mirrored above."""
    below = em.tmp("einsum", [em.tmp("tril", [m], k=-1)], subscripts=T)
    return em.ew_tmp(lambda u, v: u + v, [em.tmp("tril", [m], k=0), below])


def _times_r_inverse_transposed(em, x, r):
    """X R^-T."""
    return em.out("einsum", [x, em.tmp("inv", [r])], subscripts="...ab,...cb->...ac")


def vjp_qr_q(em, g, n: Node, i: int):
    q, r = _parts(em, n.args[0])
    m = em.ew_tmp(lambda v: -v, [em.tmp("einsum", [g, q], subscripts="...ai,...aj->...ij")])
    turned = em.tmp("einsum", [q, _copyltu(em, m)], subscripts="...ai,...ij->...aj")
    return _times_r_inverse_transposed(em, em.ew_tmp(lambda u, v: u + v, [g, turned]), r)


def vjp_qr_r(em, g, n: Node, i: int):
    q, r = _parts(em, n.args[0])
    m = em.tmp("einsum", [r, g], subscripts="...ik,...jk->...ij")
    turned = em.tmp("einsum", [q, _copyltu(em, m)], subscripts="...ai,...ij->...aj")
    return _times_r_inverse_transposed(em, turned, r)


def _split(em, a, t):
    """Q, R, R^-1, X = Q^T dA R^-1 and Omega."""
    q, r = _parts(em, a)
    inverse = em.tmp("inv", [r])
    x = em.tmp("einsum", [q, t, inverse], subscripts="...ai,...ab,...bj->...ij")
    below = em.tmp("tril", [x], k=-1)
    omega = em.ew_tmp(lambda u, v: u - v, [below, em.tmp("einsum", [below], subscripts=T)])
    return q, r, inverse, x, omega


def jvp_qr_q(em, n: Node, ts):
    q, r, inverse, x, omega = _split(em, n.args[0], ts[0])
    turned = em.tmp("einsum", [q, em.ew_tmp(lambda u, v: u - v, [omega, x])],
                    subscripts="...ai,...ij->...aj")
    moved = em.tmp("einsum", [ts[0], inverse], subscripts="...ab,...bj->...aj")
    return em.ew_out(lambda u, v: u + v, [turned, moved])


def jvp_qr_r(em, n: Node, ts):
    q, r, inverse, x, omega = _split(em, n.args[0], ts[0])
    upper = em.ew_tmp(lambda u, v: u - v, [x, omega])
    return em.out("einsum", [upper, r], subscripts="...ik,...kj->...ij")


def _checked(n, shapes):
    shape = tuple(shapes[0])
    if len(shape) < 2:
        raise SymdiffError(f"np.linalg.qr of an array of shape {shape}: it takes a matrix",
                           n.loc, hint="pass a 2-D array (or a stack of them)")
    m, k = shape[-2:]
    if m < k:
        raise SymdiffError(f"np.linalg.qr of a wide matrix {(m, k)} (fewer rows than "
                           "columns) is not differentiated", n.loc,
                           hint="differentiate the QR of a tall or square matrix (m >= n), "
                                "e.g. of A.T")
    if n.param("complete") and m != k:
        raise SymdiffError(f"np.linalg.qr with mode='complete' of a non-square matrix "
                           f"{(m, k)}: the columns of Q beyond n are not determined by A",
                           n.loc, hint="write np.linalg.qr(A) (mode='reduced')")
    return shape


def _q_shape(n, shapes, values):
    return _checked(n, shapes)


def _r_shape(n, shapes, values):
    shape = _checked(n, shapes)
    return shape[:-2] + (shape[-1], shape[-1])


def _printed(item: int):
    def printer(n, p):     # mode='complete' is taken of square matrices alone: the same
        return ast.Subscript(p.np("linalg.qr", p.a), ast.Constant(item), ast.Load())
    return printer


MODES = ("reduced", "complete", "r")


def _lower(ctx, e, hint, name, args, keywords):
    """np.linalg.qr(a, mode='reduced'): (Q, R); mode='r': R."""
    from ..frontend.lower import Tup
    from ..ir import TMP, Const
    if not args or len(args) > 2:
        raise ctx.fail("np.linalg.qr takes a matrix and mode=", e)
    mode = ctx.static(keywords.get("mode", args[1] if len(args) > 1 else Const("reduced")),
                      e, "mode")
    if mode not in MODES:
        raise ctx.fail(f"np.linalg.qr with mode={mode!r} is not differentiated", e,
                       "write np.linalg.qr(A) (mode='reduced'), or mode='r' for R alone")
    a = ctx.array(args[0], e)
    complete = mode == "complete"
    if mode == "r":
        return ctx.emit("qr_r", [a], hint, complete=False)
    return Tup((ctx.emit("qr_q", [a], TMP, complete=complete),
                ctx.emit("qr_r", [a], hint, complete=complete)))


ONE = dict(ONE_MATRIX)
PARAMS = (("complete", "bool"),) + ONE.pop("params")

register(
    Primitive("qr_q", "linalg", "Q of A = Q R, orthonormal columns", shape=_q_shape,
              vjp=vjp_qr_q, jvp=jvp_qr_q, printer=_printed(0), spellings=("np.linalg.qr",),
              lower=_lower, params=PARAMS, **ONE),
    Primitive("qr_r", "linalg", "R of A = Q R, upper triangular", shape=_r_shape,
              vjp=vjp_qr_r, jvp=jvp_qr_r, printer=_printed(1), params=PARAMS, **ONE),
)
