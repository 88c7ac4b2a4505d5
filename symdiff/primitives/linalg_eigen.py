"""Symmetric eigendecomposition: np.linalg.eigh and eigvalsh (batched). NumPy reads only
the lower triangle of A, so, as for cholesky, the gradient is that of a function of the
lower triangle (``linalg_dense.read_lower_gradient``), zero above the diagonal.

    eigvalsh   w = eigenvalues (ascending)    Abar = V diag(wbar) V^T
                                               dw = diag(V^T dA' V)
    eigh       (w, V)                          Abar = V (F o (V^T Vbar)) V^T
                                               dV = V (F o (V^T dA' V))
               F_ij = 1/(w_j - w_i) for i != j, 0 on the diagonal

Repeated eigenvalues: F_ij is taken as 0 where w_i and w_j agree to a relative 1e-9
(LAPACK returns a repeated eigenvalue as values a few ulps apart). The eigenvectors of a repeated
eigenvalue are not unique; the gradient is exact for losses that do not depend on the
choice of basis inside an eigenspace (they depend on V only through V_k V_k^T), and is
that convention otherwise. Eigenvalues alone are differentiated by their own formula,
which holds at repeated eigenvalues for sums over the whole eigenspace.
"""
from __future__ import annotations

import ast

import sympy

from ..ir import Node
from .linalg_dense import ONE_MATRIX, read_lower_gradient, read_lower_tangent
from .registry import Primitive, register
from .special import IsClose


def _vectors(em, a):
    return em.tmp("eigh_vectors", [a])


def vjp_eigvalsh(em, g, n: Node, i: int):
    v = _vectors(em, n.args[0])
    s = em.tmp("einsum", [v, g, v], subscripts="...ij,...j,...kj->...ik")
    return read_lower_gradient(em, s)


def jvp_eigvalsh(em, n: Node, ts):
    v = _vectors(em, n.args[0])
    read = read_lower_tangent(em, ts[0])
    return em.out("einsum", [v, read, v], subscripts="...ji,...jk,...ki->...i")


#: Eigenvalues this close (relatively) are taken as repeated: LAPACK returns a repeated
#: eigenvalue as values a few ulps apart.
REPEATED = 1e-9


def _gaps(em, a):
    """F_ij = 1/(w_j - w_i), 0 where w_i and w_j are equal to REPEATED (the diagonal,
    repeated eigenvalues)."""
    w = em.tmp("eigvalsh", [a])
    row = em.tmp("expand_dims", [w], axis=-2)
    column = em.tmp("expand_dims", [w], axis=-1)

    def gap(r, c):
        same = IsClose(r, c, sympy.Float(REPEATED), sympy.Integer(0))
        return (1 - same) / (r - c + same)
    return em.ew_tmp(gap, [row, column])


def vjp_eigh_vectors(em, g, n: Node, i: int):
    v = n.out
    m = em.tmp("einsum", [v, g], subscripts="...ji,...jk->...ik")
    fm = em.ew_tmp(lambda f, u: f * u, [_gaps(em, n.args[0]), m])
    s = em.tmp("einsum", [v, fm, v], subscripts="...ij,...jk,...lk->...il")
    return read_lower_gradient(em, s)


def jvp_eigh_vectors(em, n: Node, ts):
    v = n.out
    read = read_lower_tangent(em, ts[0])
    m = em.tmp("einsum", [v, read, v], subscripts="...ji,...jk,...kl->...il")
    fm = em.ew_tmp(lambda f, u: f * u, [_gaps(em, n.args[0]), m])
    return em.out("einsum", [v, fm], subscripts="...ij,...jk->...ik")


def _lower(ctx, e, hint, name, args, keywords):
    from ..frontend.lower import Tup
    from ..ir import TMP
    if keywords or len(args) != 1:
        raise ctx.fail(f"np.{name} takes one symmetric matrix here", e,
                       "pass the matrix alone (the lower triangle is read, UPLO='L')")
    a = ctx.array(args[0], e)
    if name == "linalg.eigvalsh":
        return ctx.emit("eigvalsh", [a], hint)
    return Tup((ctx.emit("eigvalsh", [a], TMP), ctx.emit("eigh_vectors", [a], hint)))


def _print_vectors(n, p):
    return ast.Subscript(p.np("linalg.eigh", p.a), ast.Constant(1), ast.Load())


register(
    Primitive("eigvalsh", "linalg", "the eigenvalues of symmetric A, ascending",
              shape=lambda n, s, v: tuple(s[0][:-1]), vjp=vjp_eigvalsh, jvp=jvp_eigvalsh,
              printer=lambda n, p: p.np("linalg.eigvalsh", p.a),
              spellings=("np.linalg.eigvalsh", "np.linalg.eigh"), lower=_lower, **ONE_MATRIX),
    Primitive("eigh_vectors", "linalg", "the eigenvectors of symmetric A, as columns",
              shape=lambda n, s, v: tuple(s[0]), vjp=vjp_eigh_vectors, jvp=jvp_eigh_vectors,
              printer=_print_vectors, **ONE_MATRIX),
)
