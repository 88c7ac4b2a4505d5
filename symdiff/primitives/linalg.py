"""Linear algebra: products and norms.

    matmul   z = x @ y, np.dot(x, y)   dx = g @ y.T, dy = x.T @ g  (the product rule forwards)
    outer    z = np.outer(x, y)        dx = g @ y, dy = g.T @ x
    norm     n = np.linalg.norm(x, ord, axis, keepdims), orders other than None (which is
             lowered to sqrt(sum(x*x))): a helper picks the formula for the rank; the
             matrix norms 2, -2 and 'nuc' are those of the singular values (linalg_svd)
"""
from __future__ import annotations

import ast
import math
from dataclasses import replace

import numpy as np

from ..ir import Const, Var
from . import arrays as A
from . import tangents as T
from .linalg_svd import jvp_singular_norm, singular_norm, vjp_singular_norm
from .registry import NOT_YET, Primitive, register


def _matmul_shape(n, shapes, values):
    return (A.dot_shape if n.param("dot") else A.matmul_shape)(*shapes)


def _print_matmul(n, p):
    if n.param("dot"):                       # np.dot: scalars and N-D differ from @
        return p.np("dot", p.a)
    return ast.BinOp(p.a[0], ast.MatMult(), p.a[1])


def _lower_product(ctx, e, hint, name, args, keywords):
    """np.dot(x, y), np.matmul(x, y), np.outer(x, y), x.dot(y)."""
    if len(args) != 2:
        raise ctx.fail(f"np.{name} takes two arrays", e)
    pair = [ctx.array(a, e) for a in args]
    if name == "dot":                 # a scalar multiplies; N-D contracts, no batching
        return ctx.emit("matmul", pair, hint, dot=True)
    return ctx.emit("outer" if name == "outer" else "matmul", pair, hint)


def _matmul_numba(n, cx):
    """x @ y of stacks (a rank beyond 2) as ``stacked_matmul(x, y)``: numba's @ takes
    vectors and matrices, the helper's overload loops over the stack. np.dot stays."""
    shapes = cx[1]
    ranks = [len(shapes[v.name]) if isinstance(v, Var) and shapes.get(v.name) is not None
             else np.ndim(v.value) if isinstance(v, Const) else None for v in n.args]
    if n.param("dot") or not any(r is not None and r > 2 for r in ranks):
        return None
    return [replace(n, op="stacked_matmul", params=())]


#: the NumPy source of the helper (numba compiles its overload, numba_stacks)
STACKED_MATMUL = '''def stacked_matmul(x, y):
    """x @ y; in the code numba compiles, an overload for stacks of matrices."""
    return x @ y
'''


def print_norm(n, p):
    """np.linalg.norm(x, ord=..., axis=...), or its gradient helpers with the same orders."""
    order = n.param("ord")
    if isinstance(order, float) and abs(order) == float("inf"):
        ord_ = ast.Attribute(ast.Name("np", ast.Load()), "inf", ast.Load())
        ord_ = ast.UnaryOp(ast.USub(), ord_) if order < 0 else ord_
    else:
        ord_ = p.literal(order)
    axis, keepdims = p.literal(n.param("axis")), ast.Constant(bool(n.param("keepdims")))
    p.imports.add("numpy")
    if n.op == "norm":
        kws = [("ord", ord_)] + ([("axis", axis)] if n.param("axis") is not None else [])
        kws += [("keepdims", keepdims)] if n.param("keepdims") else []
        return p.np("linalg.norm", p.a, kws)
    p.use_helper(n.op)
    return ast.Call(ast.Name(n.op, ast.Load()), p.a + [ord_, axis, keepdims], [])


def _norm_shape(n, shapes, values):
    return A.norm_shape(n, shapes[0]) if shapes[0] is not None else None


def _norm_vjp(em, g, n, i):
    if singular_norm(n, em.shape(n.args[0])):
        return vjp_singular_norm(em, g, n)
    return A.vjp_norm(em, g, n, i)


def _norm_jvp(em, n, ts):
    if singular_norm(n, em.shape(n.args[0])):
        return jvp_singular_norm(em, n, ts)
    return em.out("norm_jvp", [ts[0], n.args[0], n.out], **dict(n.params))


def norm_vjp_jvp(em, n, ts):
    """The gradient of a norm of order 1, -1, inf or -inf is g times a sign and tie pattern
    that is constant away from the kinks: linear in g. Vectors' p-norms and 'fro' depend on
    x and the norm too (the helper norm_vjp_jvp)."""
    from ..ir import Const
    if n.param("ord") not in (1, -1, math.inf, -math.inf):
        tangents = [t if t is not None else Const(None) for t in ts]
        return em.out("norm_vjp_jvp", [*tangents, *n.args], **dict(n.params))
    if ts[0] is None:
        return None
    return em.out("norm_vjp", [ts[0], *n.args[1:]], **dict(n.params))


NORM = (("ord", "order"), ("axis", "axis"), ("keepdims", "bool"))


def _norm_numba_refuses(n) -> str:
    """numba's np.linalg.norm takes x and a number for ord: no 'fro' or 'nuc', no axis, no
    keepdims."""
    what = [f"ord={n.param('ord')!r}"] * isinstance(n.param("ord"), str) + \
        ["an axis"] * (n.param("axis") is not None) + ["keepdims"] * bool(n.param("keepdims"))
    return f"np.linalg.norm with {', '.join(what)} (numba's takes x and a number ord)" \
        if what else ""

register(
    Primitive("matmul", "linalg", "sum_k x[..., i, k] y[..., k, j]", shape=_matmul_shape,
              vjp=A.vjp_matmul, jvp=T.bilinear(0, 1), printer=_print_matmul, gate="matmul",
              params=(("dot", "bool"),), spellings=("np.matmul", "np.dot", "x.dot()", "x @ y"),
              lower=_lower_product, numba=_matmul_numba),
    Primitive("stacked_matmul", "internal", "x @ y of stacks of matrices, in the code numba "
              "compiles", shape=lambda n, s, v: A.matmul_shape(*s), vjp=NOT_YET, jvp=NOT_YET,
              printer=lambda n, p: p.helper(n.op, p.a), helper="stacked_matmul",
              helper_source=STACKED_MATMUL),
    Primitive("outer", "linalg", "x_i y_j", vjp=A.vjp_outer, jvp=T.bilinear(0, 1),
              shape=lambda n, s, v: (int(np.prod(s[0])), int(np.prod(s[1]))),
              printer=lambda n, p: p.np("outer", p.a), spellings=("np.outer",),
              lower=_lower_product),
    Primitive("norm", "linalg", "(sum_k |x_k|**ord)**(1/ord), and the matrix norms",
              shape=_norm_shape, partial_shapes=True, vjp=_norm_vjp, jvp=_norm_jvp,
              printer=print_norm, params=NORM, spellings=("np.linalg.norm",),
              numba_refuses=_norm_numba_refuses),
)
