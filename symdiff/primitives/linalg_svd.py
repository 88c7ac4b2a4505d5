"""The singular value decomposition: np.linalg.svd (reduced), and what is written with it:
the matrix norms of order 2, -2 and 'nuc'. Batched (``...``-leading) as NumPy takes it.
A = U diag(s) Vt, A of shape (m, n), k = min(m, n), U (m, k), s (k,), Vt (k, n), V = Vt^T;
dP = U^T dA V (k, k); F_ij = 1/(s_j^2 - s_i^2) for i != j, 0 on the diagonal.

    s     ds = diag(dP)                        Abar = U diag(sbar) Vt
    U     dU = U (F o (dP S + S dP^T))         Abar = U (F o (U^T Ubar - Ubar^T U)) S Vt
               + (dA V - U dP) S^-1                   + (Ubar - U U^T Ubar) S^-1 Vt
    Vt    dVt = -(F o (S dP + dP^T S)) Vt      Abar = U S (F o (V^T Vbar - Vbar^T V)) Vt
               + S^-1 (U^T dA - dP Vt)                + U S^-1 (Vbar^T - Vbar^T V Vt)
          (Vbar = Vtbar^T; the terms with S^-1 vanish for square A, and the one of U
          for wide A, of Vt for tall A: they are left out when the shape says so)

    norm(A, 2) = max(s), norm(A, -2) = min(s), norm(A, 'nuc') = sum(s)

Distinct nonzero singular values: U and Vt are unique up to the sign of each pair of
columns, which LAPACK keeps fixed under small changes of A; their derivatives are those of
that choice. F_ij is taken as 0 where s_i and s_j agree to a relative 1e-9. A function
of s alone is differentiated by its own formula, exact at repeated singular values too.
np.linalg.svd(A) (full_matrices=True) of a non-square A gives a U or Vt with columns
beyond k that the decomposition does not determine: it is refused, located.
"""
from __future__ import annotations

import ast

import sympy

from ..errors import SymdiffError
from ..ir import Const, Node
from .linalg_dense import ONE_MATRIX
from .linalg_eigen import REPEATED
from .registry import Primitive, primitive, register
from .special import IsClose


def _parts(em, a):
    """U, s, Vt of A, recomputed where a rule needs them (CSE joins them to the forward)."""
    return (em.tmp("svd_u", [a], full_matrices=False), em.tmp("svd_values", [a]),
            em.tmp("svd_vt", [a], full_matrices=False))


def _rows(em, s):
    return em.tmp("expand_dims", [s], axis=-2)        # s_j along the last axis


def _columns(em, s):
    return em.tmp("expand_dims", [s], axis=-1)        # s_i along the second to last


def _gaps(em, s):
    """F_ij = 1/(s_j^2 - s_i^2), 0 where s_i and s_j are equal to REPEATED."""
    def gap(r, c):
        same = IsClose(r, c, sympy.Float(REPEATED), sympy.Integer(0))
        return (1 - same) / (r ** 2 - c ** 2 + same)
    return em.ew_tmp(gap, [_rows(em, s), _columns(em, s)])


def tall(em, a) -> bool:
    """Whether a has more rows than columns, or its shape is unknown (so the terms of a
    projection such as I - U U^T or I - A pinv(A) can be non-zero)."""
    shape = em.shape(a)
    return shape is None or shape[-2] > shape[-1]


def wide(em, a) -> bool:
    """Whether a has more columns than rows, or its shape is unknown."""
    shape = em.shape(a)
    return shape is None or shape[-1] > shape[-2]


def _antisymmetric(em, f, m):
    """F o (M - M^T)."""
    mt = em.tmp("einsum", [m], subscripts="...ij->...ji")
    return em.ew_tmp(lambda w, u, v: w * (u - v), [f, m, mt])


# ---------------------------------------------------------------- s


def vjp_svd_values(em, g, n: Node, i: int):
    u, _, vt = _parts(em, n.args[0])
    return em.out("einsum", [u, g, vt], subscripts="...ai,...i,...ib->...ab")


def jvp_svd_values(em, n: Node, ts):
    u, _, vt = _parts(em, n.args[0])
    return em.out("einsum", [u, ts[0], vt], subscripts="...ai,...ab,...ib->...i")


# ---------------------------------------------------------------- U, Vt


def vjp_svd_u(em, g, n: Node, i: int):
    a = n.args[0]
    u, s, vt = _parts(em, a)
    utg = em.tmp("einsum", [u, g], subscripts="...ai,...aj->...ij")
    j = _antisymmetric(em, _gaps(em, s), utg)
    turn = em.tmp("einsum", [u, j, s, vt], subscripts="...ai,...ij,...j,...jb->...ab")
    if not tall(em, a):
        return turn
    inside = em.tmp("einsum", [u, utg], subscripts="...ai,...ij->...aj")
    off = em.ew_tmp(lambda x, y, w: (x - y) / w, [g, inside, _rows(em, s)])
    across = em.tmp("einsum", [off, vt], subscripts="...aj,...jb->...ab")
    return em.ew_out(lambda x, y: x + y, [turn, across])


def vjp_svd_vt(em, g, n: Node, i: int):
    a = n.args[0]
    u, s, vt = _parts(em, a)
    vtv = em.tmp("einsum", [vt, g], subscripts="...ib,...jb->...ij")       # V^T Vbar
    k = _antisymmetric(em, _gaps(em, s), vtv)
    turn = em.tmp("einsum", [u, s, k, vt], subscripts="...ai,...i,...ij,...jb->...ab")
    if not wide(em, a):
        return turn
    inside = em.tmp("einsum", [vtv, vt], subscripts="...ji,...jb->...ib")   # Vbar^T V Vt
    off = em.ew_tmp(lambda x, y, w: (x - y) / w, [g, inside, _columns(em, s)])
    across = em.tmp("einsum", [u, off], subscripts="...ai,...ib->...ab")
    return em.ew_out(lambda x, y: x + y, [turn, across])


def _projected(em, u, vt, t):
    """dP = U^T dA V."""
    return em.tmp("einsum", [u, t, vt], subscripts="...ai,...ab,...jb->...ij")


def jvp_svd_u(em, n: Node, ts):
    a = n.args[0]
    u, s, vt = _parts(em, a)
    dp = _projected(em, u, vt, ts[0])
    dpt = em.tmp("einsum", [dp], subscripts="...ij->...ji")
    inner = em.ew_tmp(lambda f, p, q, r, c: f * (p * r + c * q),
                      [_gaps(em, s), dp, dpt, _rows(em, s), _columns(em, s)])
    turn = em.tmp("einsum", [u, inner], subscripts="...ai,...ij->...aj")
    if not tall(em, a):
        return turn
    av = em.tmp("einsum", [ts[0], vt], subscripts="...ab,...jb->...aj")
    inside = em.tmp("einsum", [u, dp], subscripts="...ai,...ij->...aj")
    return em.ew_out(lambda x, y, z, w: x + (y - z) / w, [turn, av, inside, _rows(em, s)])


def jvp_svd_vt(em, n: Node, ts):
    a = n.args[0]
    u, s, vt = _parts(em, a)
    dp = _projected(em, u, vt, ts[0])
    dpt = em.tmp("einsum", [dp], subscripts="...ij->...ji")
    inner = em.ew_tmp(lambda f, p, q, r, c: f * (c * p + q * r),
                      [_gaps(em, s), dp, dpt, _rows(em, s), _columns(em, s)])
    turn = em.tmp("einsum", [inner, vt], subscripts="...ij,...jb->...ib")
    if not wide(em, a):
        return em.ew_out(lambda x: -x, [turn])
    uta = em.tmp("einsum", [u, ts[0]], subscripts="...ai,...ab->...ib")
    inside = em.tmp("einsum", [dp, vt], subscripts="...ij,...jb->...ib")
    return em.ew_out(lambda x, y, z, w: (y - z) / w - x, [turn, uta, inside, _columns(em, s)])


# ---------------------------------------------------------------- shapes, printing


def _matrix(n, shapes):
    shape = tuple(shapes[0])
    if len(shape) < 2:
        raise SymdiffError(f"np.linalg.svd of an array of shape {shape}: it takes a matrix "
                           "(or a stack of them)", n.loc, hint="pass a 2-D array")
    return shape


def _full_refused(n, shape):
    if n.param("full_matrices") and shape[-1] != shape[-2]:
        raise SymdiffError(f"np.linalg.svd with full_matrices=True of a non-square matrix "
                           f"{shape[-2:]}: the columns of U (or rows of Vt) beyond "
                           "min(m, n) are not determined by A, so have no derivative", n.loc,
                           hint="write np.linalg.svd(A, full_matrices=False)")


def _values_shape(n, shapes, values):
    shape = _matrix(n, shapes)
    return shape[:-2] + (min(shape[-2:]),)


def _u_shape(n, shapes, values):
    shape = _matrix(n, shapes)
    _full_refused(n, shape)
    return shape[:-1] + (min(shape[-2:]),)


def _vt_shape(n, shapes, values):
    shape = _matrix(n, shapes)
    _full_refused(n, shape)
    return shape[:-2] + (min(shape[-2:]), shape[-1])


def _printed(item: int):
    def printer(n, p):
        keywords = [] if n.param("full_matrices") else [("full_matrices", ast.Constant(False))]
        call = p.np("linalg.svd", p.a, keywords)
        return ast.Subscript(call, ast.Constant(item), ast.Load())
    return printer


def _print_values(n, p):
    if n.param("with_vectors"):
        return _printed(1)(n.with_params(full_matrices=False), p)
    return p.np("linalg.svd", p.a, [("compute_uv", ast.Constant(False))])


def _lower(ctx, e, hint, name, args, keywords):
    """np.linalg.svd(a, full_matrices=True, compute_uv=True, hermitian=False)."""
    from ..frontend.lower import Tup
    from ..ir import TMP
    names = ("a", "full_matrices", "compute_uv", "hermitian")
    defaults = (None, Const(True), Const(True), Const(False))
    if len(args) > len(names) or not args:
        raise ctx.fail("np.linalg.svd takes a matrix and full_matrices=, compute_uv=", e)
    given = [args[k] if k < len(args) else keywords.get(names[k], defaults[k])
             for k in range(len(names))]
    full, uv, hermitian = (ctx.static(v, e, w) for v, w in zip(given[1:], names[1:]))
    if hermitian:
        raise ctx.fail("np.linalg.svd with hermitian=True is not differentiated", e,
                       "leave out hermitian= (or use np.linalg.eigh for a symmetric matrix)")
    a = ctx.array(given[0], e)
    if not uv:
        return ctx.emit("svd_values", [a], hint)
    return Tup((ctx.emit("svd_u", [a], TMP, full_matrices=bool(full)),
                ctx.emit("svd_values", [a], TMP),
                ctx.emit("svd_vt", [a], hint, full_matrices=bool(full))))


# ---------------------------------------------------------------- norms of order 2, -2, 'nuc'

#: The reduction of the singular values each matrix norm is.
NORM_OF_VALUES = {2: "amax", -2: "amin", "nuc": "sum"}


def lower_matrix_norm(ctx, x, order, axes, keepdims: bool, hint: str):
    """np.linalg.norm(x, 2 | -2 | 'nuc', axis=(r, c)): the max, min or sum of the singular
    values of the matrices in axes r, c (moved last)."""
    from ..ir import TMP
    if axes is not None and tuple(axes) not in ((-2, -1), (-1, -2)):
        x = ctx.emit("moveaxis", [x], TMP, source=tuple(axes), destination=(-2, -1))
    s = ctx.emit("svd_values", [x], TMP)
    total = ctx.emit(NORM_OF_VALUES[order], [s], TMP if keepdims else hint, axis=-1,
                     keepdims=False)
    if not keepdims:
        return total
    return ctx.emit("expand_dims", [total], hint, axis=tuple(axes or (-2, -1)))


def singular_norm(n: Node, shape) -> bool:
    """Whether a ``norm`` node of x (shape ``shape``) is a norm of x's singular values: order
    2 or -2 of a matrix (whose rank the shape tells), or 'nuc'."""
    order = n.param("ord")
    return order == "nuc" or order in (2, -2) and n.param("axis") is None and \
        shape is not None and len(shape) == 2


def _reduced(em, n: Node):
    """s = svd_values(x) and the reduction of s the norm is, as nodes of their own."""
    s = em.tmp("svd_values", [n.args[0]])
    op = NORM_OF_VALUES[n.param("ord")]
    axis = None if em.ndim(s) == 1 else -1        # of one matrix: all of s (numba's form)
    total = em.tmp(op, [s], axis=axis, keepdims=False)
    return (Node(s, "svd_values", (n.args[0],), (), n.loc),
            Node(total, op, (s,), (("axis", axis), ("keepdims", False)), n.loc))


def vjp_singular_norm(em, g, n: Node):
    """The chain rule through s = svd_values(x) and max / min / sum of s."""
    values, total = _reduced(em, n)
    if n.param("keepdims"):
        g = em.tmp("reshape", [g, Const(())])
    ds = primitive(total.op).vjp(em, g, total, 0)
    return vjp_svd_values(em, ds, values, 0)


def jvp_singular_norm(em, n: Node, ts):
    values, total = _reduced(em, n)
    ds = jvp_svd_values(em, values, ts)
    rule = primitive(total.op).jvp
    t = rule(em, total, [ds]) if callable(rule) else em.tmp(total.op, [ds], **dict(total.params))
    return em.out("reshape", [t, Const((1, 1))]) if n.param("keepdims") else \
        em.ew_out(lambda v: v, [t])


def _values_numba(n, cx):
    """numba's np.linalg.svd takes no compute_uv: s is taken from the full decomposition."""
    rewritten = ONE_MATRIX["numba"](n, cx)
    return [(rewritten[0] if rewritten else n).with_params(with_vectors=True)]


FULL = (("full_matrices", "bool"),)
ONE = dict(ONE_MATRIX)
ONE_PARAMS = ONE.pop("params")

register(
    Primitive("svd_values", "linalg", "the singular values of A, descending",
              shape=_values_shape, vjp=vjp_svd_values, jvp=jvp_svd_values,
              printer=_print_values, spellings=("np.linalg.svd",), lower=_lower,
              params=(("with_vectors", "bool"),) + ONE_PARAMS, numba=_values_numba,
              numba_refuses=ONE["numba_refuses"]),
    Primitive("svd_u", "linalg", "the left singular vectors of A, as columns",
              shape=_u_shape, vjp=vjp_svd_u, jvp=jvp_svd_u, printer=_printed(0),
              params=FULL + ONE_PARAMS, **ONE),
    Primitive("svd_vt", "linalg", "the right singular vectors of A, as rows",
              shape=_vt_shape, vjp=vjp_svd_vt, jvp=jvp_svd_vt, printer=_printed(2),
              params=FULL + ONE_PARAMS, **ONE),
)
