"""Dense linear algebra: np.linalg inv, solve, det, slogdet, cholesky; np.tril, np.triu.
Batched (``...``-leading) matrices as NumPy takes them; X^T below swaps the last two axes.

    inv        Y = A^-1             dA = -Y^T g Y^T                dY = -Y dA Y
    solve      x = A^-1 b           db = solve(A^T, g)             dx = solve(A, db - dA x)
                                    dA = -db x^T (the matmul rule of -db against x)
    det        d = det(A)           dA = g d A^-T                  dd = d tr(A^-1 dA)
    logabsdet  l = log|det(A)|      dA = g A^-T                    dl = tr(A^-1 dA)
               (np.linalg.slogdet(A) is (sign, l); the sign has no derivative)
    cholesky   L L^T = A            S = L^-T phi(L^T g) L^-1       dL = L phi(L^-1 dA' L^-T)
                                    dA = phi(S + S^T)
               phi: the lower triangle with the diagonal halved (Murray, 2016). NumPy reads
               only A's lower triangle (dA' is the symmetric matrix it reads): the gradient
               is that of NumPy's function, zero above the diagonal; for a symmetric
               parametrisation (A = B B^T) the chain rule gives the symmetric gradient
    tril, triu x with the other triangle zeroed (linear: dx = tril(g))

Singular A: inv, solve and det's gradient raise NumPy's LinAlgError, as the value does.
"""
from __future__ import annotations

import ast

import numpy as np

from ..ir import Const, Node, Var
from . import arrays as A
from .registry import LINEAR, NO_DERIVATIVE, Primitive, register

T = "...ij->...ji"


def _neg(em, v):
    return em.ew_out(lambda a: -a, [v])


def _transpose(em, v):
    return em.tmp("einsum", [v], subscripts=T)


# ---------------------------------------------------------------- inv


def vjp_inv(em, g, n: Node, i: int):
    """-Y^T g Y^T"""
    y = n.out
    product = em.tmp("einsum", [y, g, y], subscripts="...ji,...jk,...lk->...il")
    return _neg(em, product)


def jvp_inv(em, n: Node, ts):
    y = n.out
    product = em.tmp("einsum", [y, ts[0], y], subscripts="...ij,...jk,...kl->...il")
    return _neg(em, product)


# ---------------------------------------------------------------- solve


def vjp_solve(em, g, n: Node, i: int):
    a, b = n.args
    gb = em.tmp("solve", [_transpose(em, a), g]) if i == 0 else em.out(
        "solve", [_transpose(em, a), g])
    if i == 1:
        return gb
    negative = em.ew_tmp(lambda v: -v, [gb])
    em.set_shape(negative, em.shape(b))
    product = Node(n.out, "matmul", (a, n.out), (), n.loc)   # A @ x = b: its matmul rule
    return A.vjp_matmul(em, negative, product, 0)


def jvp_solve(em, n: Node, ts):
    a, _ = n.args
    rhs = ts[1] if ts[1] is not None else None
    if ts[0] is not None:
        moved = em.tmp("matmul", [ts[0], n.out])
        rhs = em.ew_tmp(lambda v: -v, [moved]) if rhs is None else \
            em.ew_tmp(lambda u, v: u - v, [rhs, moved])
    return em.out("solve", [a, rhs])


def _solve_shape(n, shapes, values):
    a, b = shapes
    return tuple(np.linalg.solve(np.eye(a[-1]) + np.zeros(a), np.ones(b)).shape)


# ---------------------------------------------------------------- det, log|det|


def _inverse(em, a):
    return em.tmp("inv", [a])


def vjp_det(em, g, n: Node, i: int):
    return em.out("einsum", [g, n.out, _inverse(em, n.args[0])], subscripts="...,...,...ji->...ij")


def jvp_det(em, n: Node, ts):
    return em.out("einsum", [n.out, _inverse(em, n.args[0]), ts[0]],
                  subscripts="...,...ij,...ji->...")


def vjp_logabsdet(em, g, n: Node, i: int):
    return em.out("einsum", [g, _inverse(em, n.args[0])], subscripts="...,...ji->...ij")


def jvp_logabsdet(em, n: Node, ts):
    return em.out("einsum", [_inverse(em, n.args[0]), ts[0]], subscripts="...ij,...ji->...")


# ---------------------------------------------------------------- cholesky


def _phi(em, x):
    """The lower triangle of x with its diagonal halved."""
    lower = em.tmp("tril", [x], k=0)
    diagonal = em.tmp("einsum", [x], subscripts="...ii->...i")
    half = em.ew_tmp(lambda d: d / 2, [diagonal])
    size = em.tmp("dim", [x], axis=-1)
    eye = em.tmp("np", [size], fn="eye", keywords=())
    on_diagonal = em.tmp("einsum", [half, eye], subscripts="...i,ij->...ij")
    return em.ew_tmp(lambda u, v: u - v, [lower, on_diagonal])


def vjp_cholesky(em, g, n: Node, i: int):
    """S = L^-T phi(L^T g) L^-1; NumPy reads A's lower triangle, so dA = phi(S + S^T):
    the off-diagonal entries below get both S_ij and S_ji, those above nothing."""
    low = n.out
    p = _phi(em, em.tmp("einsum", [low, g], subscripts="...ki,...kj->...ij"))
    inverse = _inverse(em, low)
    s = em.tmp("einsum", [inverse, p, inverse], subscripts="...ki,...kl,...lj->...ij")
    return read_lower_gradient(em, s)


def read_lower_gradient(em, s):
    """The gradient of a function of A that reads only A's lower triangle (as a symmetric
    matrix), from S, its gradient along symmetric directions: tril(S + S^T) - diag(S)."""
    both = em.ew_tmp(lambda u, v: u + v, [s, _transpose(em, s)])
    lower = em.tmp("tril", [both], k=0)
    diagonal = em.tmp("einsum", [s], subscripts="...ii->...i")
    size = em.tmp("dim", [s], axis=-1)
    eye = em.tmp("np", [size], fn="eye", keywords=())
    on_diagonal = em.tmp("einsum", [diagonal, eye], subscripts="...i,ij->...ij")
    return em.ew_out(lambda u, v: u - v, [lower, on_diagonal])


def read_lower_tangent(em, t):
    """The symmetric matrix a function reading A's lower triangle sees of a tangent t:
    tril(t) with its strict lower triangle mirrored above."""
    below = em.tmp("tril", [t], k=-1)
    return em.ew_tmp(lambda u, v: u + v, [em.tmp("tril", [t], k=0), _transpose(em, below)])


def jvp_cholesky(em, n: Node, ts):
    """dL = L phi(L^-1 dA' L^-T), dA' the symmetric matrix NumPy reads (read_lower_tangent)."""
    low = n.out
    read = read_lower_tangent(em, ts[0])
    inverse = _inverse(em, low)
    inner = em.tmp("einsum", [inverse, read, inverse], subscripts="...ik,...kl,...jl->...ij")
    return em.out("einsum", [low, _phi(em, inner)], subscripts="...ij,...jk->...ik")


# ---------------------------------------------------------------- tril, triu


def vjp_triangle(em, g, n: Node, i: int):
    return em.out(n.op, [g], k=n.param("k"))


def lower_triangle(ctx, e, hint, name, args, keywords):
    k = ctx.static(keywords.get("k", args[1] if len(args) > 1 else Const(0)), e, "k")
    return ctx.emit(name, [ctx.array(args[0], e)], hint, k=k)


def _print_triangle(n, p):
    k = [("k", n.param("k"))] if n.param("k") else []
    return p.np(n.op, p.a, k)


# ---------------------------------------------------------------- lowering, printing


def _lower_call(op: str, arity: int):
    def lower(ctx, e, hint, name, args, keywords):
        if keywords or len(args) != arity:
            raise ctx.fail(f"np.{name} takes {arity} array argument(s) here", e,
                           "pass the matrices by position")
        return ctx.emit(op, [ctx.array(a, e) for a in args], hint)
    return lower


def lower_slogdet(ctx, e, hint, name, args, keywords):
    """(sign, log|det|): a pair, as np.linalg.slogdet returns it."""
    from ..frontend.lower import Tup
    from ..ir import TMP
    if keywords or len(args) != 1:
        raise ctx.fail("np.linalg.slogdet takes one matrix", e)
    x = ctx.array(args[0], e)
    return Tup((ctx.emit("slogdet_sign", [x], TMP), ctx.emit("logabsdet", [x], hint)))


def _printed(function: str, item: int | None = None):
    def printer(n, p):
        call = p.np(function, p.a)
        return call if item is None else ast.Subscript(call, ast.Constant(item), ast.Load())
    return printer


def _same(n, shapes, values):
    return shapes[0]


def _batch(n, shapes, values):
    return tuple(shapes[0][:-2])


def _stack_numba(n, cx):
    """numba's np.linalg functions take one matrix: a stack of them is marked ``stacked``."""
    shapes = [cx[1].get(a.name) if isinstance(a, Var) else None for a in n.args]
    if any(isinstance(s, tuple) and len(s) > 2 for s in shapes):
        return [n.with_params(stacked=True)]
    return None


#: the fields of an np.linalg entry that say numba takes one matrix, not a stack
ONE_MATRIX = {"numba": _stack_numba, "params": (("stacked", "bool"),),
              "numba_refuses": lambda n: "np.linalg on a stack of matrices (numba's takes one "
              "matrix)" if n.param("stacked") else ""}


register(
    Primitive("inv", "linalg", "A^-1", shape=_same, vjp=vjp_inv, jvp=jvp_inv,
              printer=_printed("linalg.inv"), spellings=("np.linalg.inv",),
              lower=_lower_call("inv", 1), **ONE_MATRIX),
    Primitive("solve", "linalg", "x with A x = b", shape=_solve_shape, vjp=vjp_solve,
              jvp=jvp_solve, printer=_printed("linalg.solve"), spellings=("np.linalg.solve",),
              lower=_lower_call("solve", 2), **ONE_MATRIX),
    Primitive("det", "linalg", "det(A)", shape=_batch, vjp=vjp_det, jvp=jvp_det,
              printer=_printed("linalg.det"), spellings=("np.linalg.det",),
              lower=_lower_call("det", 1), **ONE_MATRIX),
    Primitive("logabsdet", "linalg", "log|det(A)|", shape=_batch, vjp=vjp_logabsdet,
              jvp=jvp_logabsdet, printer=_printed("linalg.slogdet", 1),
              spellings=("np.linalg.slogdet",), lower=lower_slogdet, **ONE_MATRIX),
    Primitive("slogdet_sign", "linalg", "the sign of det(A)", shape=_batch,
              vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE, printer=_printed("linalg.slogdet", 0),
              **ONE_MATRIX),
    Primitive("cholesky", "linalg", "L, lower triangular, with L L^T = A", shape=_same,
              vjp=vjp_cholesky, jvp=jvp_cholesky, printer=_printed("linalg.cholesky"),
              spellings=("np.linalg.cholesky",), lower=_lower_call("cholesky", 1),
              **ONE_MATRIX),
    Primitive("tril", "linalg", "x below diagonal k, 0 above", shape=_same, vjp=vjp_triangle,
              jvp=LINEAR, printer=_print_triangle, params=(("k", "int"),),
              spellings=("np.tril",), lower=lower_triangle),
    Primitive("triu", "linalg", "x above diagonal k, 0 below", shape=_same, vjp=vjp_triangle,
              jvp=LINEAR, printer=_print_triangle, params=(("k", "int"),),
              spellings=("np.triu",), lower=lower_triangle),
)
