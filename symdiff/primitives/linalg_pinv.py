"""The pseudo-inverse and least squares: np.linalg.pinv (batched) and np.linalg.lstsq, for A
of full rank. A of shape (m, n), P = pinv(A) (n, m), G the upstream gradient of P:

    pinv    dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
            Abar = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)
            (A P = I for a wide A, P A = I for a tall one: those terms are left out when the
            shape says so)
    lstsq   x = P b (the least-squares solution of a tall A, the least-norm one of a wide A)
            bbar = P^T g; Abar = the pinv rule of G = g b^T; dx = dP b + P db
            its singular values s are those of A (linalg_svd); its rank is an integer; its
            residuals are refused, located: they are np.sum((b - A @ x) ** 2, axis=0)

A of lower rank than min(m, n): the pseudo-inverse jumps there, and these formulas (of a
constant rank) do not hold; NumPy's cut-off rcond is left at its default.
"""
from __future__ import annotations

import ast

from ..errors import SymdiffError
from ..ir import Const, Node
from . import arrays as A
from .linalg_dense import ONE_MATRIX
from .linalg_svd import jvp_svd_values, tall, vjp_svd_values, wide
from .registry import NO_DERIVATIVE, Primitive, register


# ---------------------------------------------------------------- pinv


def vjp_pinv(em, g, n: Node, i: int):
    a, p = n.args[0], n.out
    terms = [em.ew_tmp(lambda v: -v, [em.tmp("einsum", [p, g, p],
                                             subscripts="...ia,...ij,...bj->...ab")])]
    if tall(em, a):                                    # (I - A P) G^T P P^T
        x = em.tmp("einsum", [g, p, p], subscripts="...ja,...jc,...bc->...ab")
        back = em.tmp("einsum", [a, p, x], subscripts="...ai,...ic,...cb->...ab")
        terms.append(em.ew_tmp(lambda u, v: u - v, [x, back]))
    if wide(em, a):                                    # P^T P G^T (I - P A)
        y = em.tmp("einsum", [p, p, g], subscripts="...ia,...ic,...bc->...ab")
        back = em.tmp("einsum", [y, p, a], subscripts="...ac,...ci,...ib->...ab")
        terms.append(em.ew_tmp(lambda u, v: u - v, [y, back]))
    return em.ew_out(lambda *t: sum(t[1:], t[0]), terms) if len(terms) > 1 else \
        em.ew_out(lambda v: v, terms)


def jvp_pinv(em, n: Node, ts):
    a, p, t = n.args[0], n.out, ts[0]
    terms = [em.ew_tmp(lambda v: -v, [em.tmp("einsum", [p, t, p],
                                             subscripts="...ia,...ab,...bj->...ij")])]
    if tall(em, a):                                    # P P^T dA^T (I - A P)
        z = em.tmp("einsum", [p, p, t], subscripts="...ic,...jc,...aj->...ia")
        back = em.tmp("einsum", [z, a, p], subscripts="...ic,...cb,...ba->...ia")
        terms.append(em.ew_tmp(lambda u, v: u - v, [z, back]))
    if wide(em, a):                                    # (I - P A) dA^T P^T P
        w = em.tmp("einsum", [t, p, p], subscripts="...cb,...ic,...ia->...ba")
        back = em.tmp("einsum", [p, a, w], subscripts="...bc,...ci,...ia->...ba")
        terms.append(em.ew_tmp(lambda u, v: u - v, [w, back]))
    return em.ew_out(lambda *t: sum(t[1:], t[0]), terms) if len(terms) > 1 else \
        em.ew_out(lambda v: v, terms)


def _pinv_shape(n, shapes, values):
    shape = tuple(shapes[0])
    if len(shape) < 2:
        raise SymdiffError(f"np.linalg.pinv of an array of shape {shape}: it takes a matrix",
                           n.loc, hint="pass a 2-D array (or a stack of them)")
    return shape[:-2] + (shape[-1], shape[-2])


def _lower_pinv(ctx, e, hint, name, args, keywords):
    if len(args) != 1:
        raise ctx.fail("np.linalg.pinv takes one matrix here", e,
                       "leave out rcond= (the default cut-off; A is taken to be of full rank)")
    return ctx.emit("pinv", [ctx.array(args[0], e)], hint)


# ---------------------------------------------------------------- lstsq


def _pinv_of(em, a):
    p = em.tmp("pinv", [a])
    return p, Node(p, "pinv", (a,))


def vjp_lstsq(em, g, n: Node, i: int):
    """x = P b: the matmul rule, then (for A) the pinv rule."""
    a, b = n.args
    p, pinv = _pinv_of(em, a)
    product = Node(n.out, "matmul", (p, b), (), n.loc)
    if i == 1:
        return A.vjp_matmul(em, g, product, 1)
    return vjp_pinv(em, _outer_gradient(em, g, p, b), pinv, 0)


def _outer_gradient(em, g, p, b):
    """G = g b^T, the gradient of P in x = P b (a helper when b's rank is unknown)."""
    if em.ndim(b) == 1:
        return em.tmp("outer", [g, b])
    if em.ndim(b) == 2:
        return em.tmp("einsum", [g, b], subscripts="ik,ak->ia")
    return em.tmp("matmul_vjp_left", [g, p, b])


def jvp_lstsq(em, n: Node, ts):
    a, b = n.args
    p, pinv = _pinv_of(em, a)
    terms = []
    if ts[0] is not None:
        dp = jvp_pinv(em, pinv, [ts[0]])
        terms.append(em.tmp("matmul", [dp, b]))
    if ts[1] is not None:
        terms.append(em.tmp("matmul", [p, ts[1]]))
    return em.ew_out(lambda *t: sum(t[1:], t[0]), terms)


def _lstsq_shape(n, shapes, values):
    a, b = (tuple(s) for s in shapes)
    if len(a) != 2 or len(b) not in (1, 2) or b[0] != a[0]:
        raise SymdiffError(f"np.linalg.lstsq of shapes {a} and {b}: it takes a matrix A "
                           "(m, n) and b of m rows", n.loc)
    return (a[1],) + b[1:]


def vjp_lstsq_values(em, g, n: Node, i: int):
    return vjp_svd_values(em, g, Node(n.out, "svd_values", n.args[:1]), 0) if i == 0 else None


def jvp_lstsq_values(em, n: Node, ts):
    return jvp_svd_values(em, Node(n.out, "svd_values", n.args[:1]), ts[:1])


def _residuals_refused(*args):
    n = next(a for a in args if isinstance(a, Node))
    raise SymdiffError("the residuals of np.linalg.lstsq are not differentiated (NumPy "
                       "gives an empty array for a wide or rank-deficient A)", n.loc,
                       hint="take the solution x = np.linalg.lstsq(A, b, rcond=None)[0] and "
                            "write np.sum((b - A @ x) ** 2, axis=0)")


def _lower_lstsq(ctx, e, hint, name, args, keywords):
    """np.linalg.lstsq(A, b, rcond=None): (x, residuals, rank, s)."""
    from ..frontend.lower import Tup
    from ..ir import TMP
    rcond = keywords.get("rcond", args[2] if len(args) > 2 else Const(None))
    if len(args) not in (2, 3) or ctx.static(rcond, e, "rcond") is not None:
        raise ctx.fail("np.linalg.lstsq takes A, b and rcond=None here", e,
                       "write np.linalg.lstsq(A, b, rcond=None)")
    a, b = (ctx.array(v, e) for v in args[:2])
    return Tup(tuple(ctx.emit(op, [a, b], hint if op == "lstsq" else TMP)
                     for op in ("lstsq", "lstsq_residuals", "lstsq_rank", "lstsq_values")))


def _printed_lstsq(item: int):
    def printer(n, p):
        call = p.np("linalg.lstsq", p.a, [("rcond", ast.Constant(None))])
        return ast.Subscript(call, ast.Constant(item), ast.Load())
    return printer


def _residuals_shape(n, shapes, values):
    return None


def _lstsq_numba(n):
    return "np.linalg.lstsq with rcond=None (numba's takes a number)"


register(
    Primitive("pinv", "linalg", "the pseudo-inverse of A (of full rank)", shape=_pinv_shape,
              vjp=vjp_pinv, jvp=jvp_pinv, printer=lambda n, p: p.np("linalg.pinv", p.a),
              spellings=("np.linalg.pinv",), lower=_lower_pinv, **ONE_MATRIX),
    Primitive("lstsq", "linalg", "x minimizing |A x - b| (of least norm): pinv(A) b",
              shape=_lstsq_shape, vjp=vjp_lstsq, jvp=jvp_lstsq, printer=_printed_lstsq(0),
              spellings=("np.linalg.lstsq",), lower=_lower_lstsq, numba_refuses=_lstsq_numba),
    Primitive("lstsq_residuals", "linalg", "the squared residuals |A x - b|^2 of lstsq",
              shape=_residuals_shape, partial_shapes=True, vjp=_residuals_refused,
              jvp=_residuals_refused, printer=_printed_lstsq(1), numba_refuses=_lstsq_numba),
    Primitive("lstsq_rank", "linalg", "the rank of A, as lstsq finds it",
              shape=lambda n, s, v: (), vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=_printed_lstsq(2), integer_valued=True, numba_refuses=_lstsq_numba),
    Primitive("lstsq_values", "linalg", "the singular values of A, as lstsq gives them",
              shape=lambda n, s, v: (min(s[0]),), vjp=vjp_lstsq_values, jvp=jvp_lstsq_values,
              printer=_printed_lstsq(3), numba_refuses=_lstsq_numba),
)
