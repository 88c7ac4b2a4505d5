"""Reductions: sums, means and extrema over ``axis=``, with ``keepdims=``.

    sum    s = sum(x, axis)    dx = g broadcast back over the summed axes: sum distributes
    mean   m = mean(x, axis)   dx = g broadcast back, divided by the count
    amax   m = max(x, axis)    dx = g where x == m, split among ties: max routes
    amin   m = min(x, axis)    dx = g where x == m, split among ties: min routes
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..ir import Const, Node
from . import arrays as A
from .registry import LINEAR, Primitive, register

REDUCTION_PARAMS = (("axis", "axis"), ("keepdims", "bool"))


def reduction_shape(n, shapes, values):
    """The shape of a reduction over ``axis`` (all axes when None), kept with keepdims."""
    if n.param("axis") is None and not n.param("keepdims"):
        return ()
    if shapes[0] is None:
        return None
    return np.sum(A._dummy(shapes[0]), axis=n.param("axis"), keepdims=n.param("keepdims")).shape


def lower_reduction(op: str):
    """``np.<f>(x, axis=None, keepdims=False)`` and ``x.<f>(axis)`` as the primitive ``op``."""
    def lower(ctx, e, hint, name, args, keywords):
        x = ctx.array(args[0], e)
        axis = ctx.static(keywords.get("axis", args[1] if len(args) > 1 else Const(None)), e,
                          "axis")
        keepdims = ctx.static(keywords.get("keepdims", Const(False)), e, "keepdims")
        return ctx.emit(op, [x], hint, axis=axis, keepdims=bool(keepdims))
    return lower


def print_reduction(function: str):
    """``np.<function>(x, axis=..., keepdims=True)``, leaving out the defaults."""
    def printer(n, p):
        kws = [("axis", n.param("axis"))] if n.param("axis") is not None else []
        kws += [("keepdims", True)] if n.param("keepdims") else []
        return p.np(function, p.a[:1], kws)
    return printer


def _extremum_jvp(em, n: Node, ts):
    """max routes: the tangent of the max is the tangent of the elements equal to it,
    averaged over ties (the same split the reverse mode uses)."""
    x = n.args[0]
    oute = A._expand_back(em, n.out, n)
    mask = em.tmp("compare", [x, oute], symbol="==")
    ties = em.tmp("sum", [mask], axis=n.param("axis"), keepdims=n.param("keepdims"))
    picked = em.ew_tmp(lambda m, t: m * t, [mask, ts[0]])
    total = em.tmp("sum", [picked], axis=n.param("axis"), keepdims=n.param("keepdims"))
    return em.ew_out(lambda s, c: s / c, [total, ties])


def _with(n: Node, **updates) -> tuple:
    return tuple(sorted({**dict(n.params), **updates}.items()))


def _sum_numba(n: Node, cx):
    """np.sum(x, axis=k, keepdims=True) is np.expand_dims(np.sum(x, axis=k), k); a total
    with keepdims that only meets x's shape again is a plain number."""
    from .registry import primitive
    names, shapes, readers = cx
    if n.param("keepdims") and isinstance(n.param("axis"), int):
        total = names.fresh(n.out.name + "_sum")
        return [replace(n, out=total, params=_with(n, keepdims=False)),
                Node(n.out, "expand_dims", (total,), (("axis", n.param("axis")),), n.loc, n.note)]
    users = readers.get(n.out.name, [])
    if n.param("keepdims") and n.param("axis") is None and users and \
            all(isinstance(r, Node) and primitive(r.op).elementwise and n.args[0] in r.args
                for r in users):
        return [replace(n, params=_with(n, keepdims=False))]
    return None


def reduction(op: str, function: str, maths: str, vjp, jvp=LINEAR, gate: str = "",
              spellings: tuple = (), **more) -> Primitive:
    """A reduction primitive ``op`` printed as ``np.<function>``."""
    return Primitive(op, "reductions", maths, shape=reduction_shape, partial_shapes=True,
                     vjp=vjp, jvp=jvp, printer=print_reduction(function), gate=gate,
                     params=REDUCTION_PARAMS, reduction=True, lower=lower_reduction(op),
                     spellings=spellings, **more)


register(
    reduction("sum", "sum", "sum_k x_k", A.vjp_sum, gate="sum distributes",
              spellings=("np.sum", "x.sum()"), numba=_sum_numba),
    reduction("mean", "mean", "sum_k x_k / count", A.vjp_mean, spellings=("np.mean", "x.mean()")),
    reduction("amax", "max", "max_k x_k", A.vjp_extremum, _extremum_jvp, gate="max routes",
              spellings=("np.max", "np.amax", "x.max()")),
    reduction("amin", "min", "min_k x_k", A.vjp_extremum, _extremum_jvp, gate="min routes",
              spellings=("np.min", "np.amin", "x.min()")),
)


# ---------------------------------------------------------------- cumulative sums
#
#     y = cumsum(x, axis)   y_i = sum_{k <= i} x_k     (axis=None: of x flattened)
#     dx_k = sum_{i >= k} g_i: the cumulative sum of g taken from the other end,
#     g reversed, summed cumulatively, reversed back (and reshaped to x for axis=None)


def _reversed(emit, g, axis: int):
    """``g[::-1]`` along ``axis`` (negative axes count from the end), by ``em.out/tmp``."""
    step = ("slice", None, None, 1)
    index = (A.SLICE_ALL,) * axis + (step,) if axis >= 0 else \
        (Ellipsis, step) + (A.SLICE_ALL,) * (-axis - 1)
    return emit("getitem", [g, Const(-1)], index=index)


def _cumsum_vjp(em, g, n: Node, i: int):
    axis, x = n.param("axis"), n.args[0]
    running = em.tmp("cumsum", [_reversed(em.tmp, g, axis or 0)], axis=axis)
    if axis is None and em.ndim(x) != 1:
        return em.out("reshape", [_reversed(em.tmp, running, 0), A._shape_value(em, x)])
    return _reversed(em.out, running, axis or 0)


def _lower_cumsum(ctx, e, hint, name, args, keywords):
    if set(keywords) - {"axis"} or len(args) > 2:
        raise ctx.fail(f"np.{name} takes an array and an axis here", e,
                       "leave out dtype= and out=; write np.cumsum(x, axis=k)")
    x = ctx.array(args[0], e)
    axis = ctx.static(keywords.get("axis", args[1] if len(args) > 1 else Const(None)), e, "axis")
    if axis is not None and not isinstance(axis, int) or isinstance(axis, bool):
        raise ctx.fail("np.cumsum takes one axis (or None)", e, "write axis=k for one axis k")
    return ctx.emit("cumsum", [x], hint, axis=axis)


register(Primitive(
    "cumsum", "reductions", "y_i = sum_{k <= i} x_k along axis (x flattened for None)",
    shape=lambda n, s, v: np.cumsum(A._dummy(s[0]), axis=n.param("axis")).shape,
    vjp=_cumsum_vjp, jvp=LINEAR, params=(("axis", "axis"),), lower=_lower_cumsum,
    printer=lambda n, p: p.np("cumsum", p.a, [("axis", n.param("axis"))]
                              if n.param("axis") is not None else []),
    spellings=("np.cumsum", "x.cumsum()")))
