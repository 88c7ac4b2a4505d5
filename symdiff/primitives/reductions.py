"""Reductions: sums, means and extrema over ``axis=``, with ``keepdims=``.

    sum    s = sum(x, axis)    dx = g broadcast back over the summed axes: sum distributes
    mean   m = mean(x, axis)   dx = g broadcast back, divided by the count
    amax   m = max(x, axis)    dx = g where x == m, split among ties: max routes
    amin   m = min(x, axis)    dx = g where x == m, split among ties: min routes
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..ir import TMP, Const, Node
from . import arrays as A
from .registry import LINEAR, NOT_YET, Primitive, register

REDUCTION_PARAMS = (("axis", "axis"), ("keepdims", "bool"))


def reduction_shape(n, shapes, values):
    """The shape of a reduction over ``axis`` (all axes when None), kept with keepdims."""
    if n.param("axis") is None and not n.param("keepdims"):
        return ()
    if shapes[0] is None:
        return None
    return np.sum(A._dummy(shapes[0]), axis=n.param("axis"), keepdims=n.param("keepdims")).shape


#: What a masked-out element counts as (``where=``), and how ``initial=`` joins the
#: result, per reduction: NumPy's identity of the ufunc it reduces with.
MASKED = {"sum": 0.0, "prod": 1.0, "amax": -np.inf, "amin": np.inf}
JOIN = {"sum": lambda r, i: r + i, "prod": lambda r, i: r * i, "amax": "maximum",
        "amin": "minimum"}


def lower_reduction(op: str):
    """``np.<f>(x, axis=None, keepdims=False, initial=, where=)`` and ``x.<f>(axis)`` as
    the primitive ``op``: ``where=mask`` reduces ``np.where(mask, x, identity)`` (a mean
    divides by the mask's count), ``initial=`` joins the result (added to a sum, the
    larger of it and a max)."""
    def lower(ctx, e, hint, name, args, keywords):
        x = ctx.array(args[0], e)
        axis = ctx.static(keywords.get("axis", args[1] if len(args) > 1 else Const(None)), e,
                          "axis")
        keepdims = bool(ctx.static(keywords.get("keepdims", Const(False)), e, "keepdims"))
        mask, initial = keywords.get("where"), keywords.get("initial")
        if mask is None and initial is None:
            return ctx.emit(op, [x], hint, axis=axis, keepdims=keepdims)
        return _masked(ctx, e, hint, op, x, axis, keepdims, mask, initial)
    return lower


def _masked(ctx, e, hint, op, x, axis, keepdims, mask, initial):
    """A reduction with ``where=`` or ``initial=``, written with np.where and ufuncs."""
    from . import elementwise as E
    if op not in MASKED and op != "mean" or op == "mean" and initial is not None:
        used = "initial" if initial is not None else "where"
        raise ctx.fail(f"{used}= of np.{op} is not supported", e,
                       "select the elements with np.where first, and combine an initial "
                       "value with the result after the reduction")
    if mask is not None and op in ("amax", "amin") and initial is None:
        raise ctx.fail(f"np.{op[1:]} with where= needs initial= (NumPy raises without it)",
                       e, "pass initial=, the value of a reduction over no element")
    if mask is not None:
        mask = ctx.array(mask, e)
        x = ctx.emit("where", [mask, x, Const(MASKED.get(op, 0.0))], TMP)
    out = ctx.emit(op if op != "mean" else "sum", [x], TMP if initial is not None or
                   op == "mean" else hint, axis=axis, keepdims=keepdims)
    if op == "mean":
        ones = ctx.emit("np", [x], TMP, fn="ones_like", keywords=())   # x's shape
        count = ctx.emit("sum", [ctx.emit("where", [mask, ones, Const(0.0)], TMP)], TMP,
                         axis=axis, keepdims=keepdims)
        return ctx.ew(lambda s, c: s / c, [out, count], hint)
    if initial is None:
        return out
    join = JOIN[op] if callable(JOIN[op]) else E.lookup(JOIN[op]).forward
    return ctx.ew(join, [out, ctx.array(initial, e)], hint)


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


def _axes_of(n: Node, cx) -> tuple[tuple[int, ...], int] | None:
    """(the reduced axes counted from 0, in increasing order, and the rank of x) when both
    are known (an int or a tuple ``axis``, and x's shape)."""
    axis = n.param("axis")
    shape, out = (cx[1].get(v.name) if hasattr(v, "name") else None for v in (n.args[0], n.out))
    if axis is None:                      # every axis
        if not n.param("keepdims"):
            return None
        rank = len(shape) if isinstance(shape, tuple) else len(out) \
            if isinstance(out, tuple) else 0
        return (tuple(range(rank)), rank) if rank else None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if isinstance(shape, tuple):
        rank = len(shape)
    elif isinstance(out, tuple):          # x's rank from the result's
        rank = len(out) + (0 if n.param("keepdims") else len(axes))
    else:
        return None
    return (tuple(sorted(a % rank for a in axes)), rank) if rank else None


def _along(n: Node, cx, reduce_one, keep: bool | None = None) -> list | None:
    """``n`` over each of its axes in turn, the last axis first (``reduce_one(x, axis,
    rank)`` gives the nodes and the result of one), then each axis put back with
    ``np.expand_dims`` when ``n`` keeps them (or ``keep``); the last node is named as
    ``n``. Numba's reductions take one int axis at most, and its expand_dims no tuple."""
    found = _axes_of(n, cx)
    if found is None:
        return None
    axes, rank = found
    if len(axes) == rank and (n.param("keepdims") if keep is None else keep):
        return _number_kept(n, cx, rank)
    nodes, x = [], n.args[0]
    for axis in reversed(axes):
        made, x = reduce_one(x, axis, rank)
        nodes += made
        rank -= 1
    if n.param("keepdims") if keep is None else keep:
        nodes += _put_back(n, cx, x, axes)
    nodes[-1] = replace(nodes[-1], out=n.out)
    return nodes


def _number_kept(n: Node, cx, rank: int) -> list:
    """A reduction over every axis, kept: the number, then ``np.full((1, 1), total)``."""
    total = cx[0].fresh(n.out.name + "_total")
    return [replace(n, out=total, params=_with(n, axis=None, keepdims=False)),
            replace(n, op="np", args=(Const((1,) * rank), total),
                    params=(("fn", "full"), ("keywords", ())))]


def _put_back(n: Node, cx, x, axes) -> list:
    """``np.expand_dims`` once per reduced axis (in increasing order), from ``x``; a number
    with every axis back is ``np.full((1, 1), x)`` (numba's expand_dims takes arrays)."""
    found = _axes_of(n, cx)
    if found is not None and len(axes) == found[1]:
        return [replace(n, op="np", out=cx[0].fresh(n.out.name + "_kept"),
                        args=(Const((1,) * len(axes)), x),
                        params=(("fn", "full"), ("keywords", ())))]
    nodes = []
    for axis in axes:
        out = cx[0].fresh(n.out.name + "_kept")
        nodes.append(replace(n, op="expand_dims", out=out, args=(x,), params=(("axis", axis),)))
        x = out
    return nodes


def _sum_one(n: Node, cx):
    def one(x, axis, rank):
        total = cx[0].fresh(n.out.name + "_sum")
        return [replace(n, out=total, args=(x,), params=_with(n, axis=axis, keepdims=False))], \
            total
    return one


def _sum_numba(n: Node, cx):
    """np.sum(x, axis=k, keepdims=True) is np.expand_dims(np.sum(x, axis=k), k); over a
    tuple of axes, one sum per axis; a total with keepdims that only meets x's shape again
    is a plain number."""
    from .registry import primitive
    names, shapes, readers = cx
    users = readers.get(n.out.name, [])
    if n.param("keepdims") and n.param("axis") is not None and _axes_of(n, cx) is not None:
        return _along(n, cx, _sum_one(n, cx))         # a number kept: np.full, not expand_dims
    if n.param("keepdims") and isinstance(n.param("axis"), int):
        total = names.fresh(n.out.name + "_sum")
        return [replace(n, out=total, params=_with(n, keepdims=False)),
                replace(n, op="expand_dims", args=(total,), params=(("axis", n.param("axis")),))]
    if isinstance(n.param("axis"), tuple):
        return _along(n, cx, _sum_one(n, cx))
    if n.param("keepdims") and n.param("axis") is None and users and \
            all(isinstance(r, Node) and primitive(r.op).elementwise and n.args[0] in r.args
                for r in users):
        return [replace(n, params=_with(n, keepdims=False))]
    if n.param("keepdims") and n.param("axis") is None:
        return _along(n, cx, _sum_one(n, cx))
    return None


def _mean_numba(n: Node, cx):
    """np.mean(x, axis=k) is np.sum(x, axis=k) / (the length of axis k): numba's np.mean
    takes no axis."""
    found, shape = _axes_of(n, cx), cx[1].get(n.args[0].name)
    if found is None or not isinstance(shape, tuple):
        return None
    from ..ir import ew_symbols
    count = int(np.prod([shape[a] for a in found[0]]))
    total = replace(n, op="sum", out=cx[0].fresh(n.out.name + "_sum"))
    mean = replace(n, op="ew", args=(total.out,),
                   params=(("expr", ew_symbols(1)[0] / count), ("lib", None)))
    nodes = _along(total, cx, _sum_one(total, cx), keep=False) + [mean]
    if n.param("keepdims"):          # divided before the axes come back: fewer numbers
        nodes[-1] = replace(mean, out=cx[0].fresh(n.out.name + "_mean"))
        nodes += _put_back(n, cx, nodes[-1].out, found[0])
        nodes[-1] = replace(nodes[-1], out=n.out)
    return nodes


def _extremum_numba(last: int):
    """np.max(x, axis=k) as the last (np.min: the first) of x sorted along k: numba's
    np.max takes no axis, its np.sort sorts along the last axis (k is moved there)."""
    def rewrite(n: Node, cx):
        names = cx[0]

        def one(x, axis, rank):
            nodes = []
            if axis != rank - 1:
                moved = names.fresh(n.out.name + "_moved")
                nodes.append(replace(n, op="transpose", out=moved, args=(x,), params=(
                    ("axes", tuple(k for k in range(rank) if k != axis) + (axis,)),)))
                x = moved
            ordered, end = names.fresh(n.out.name + "_sorted"), names.fresh(n.out.name + "_end")
            nodes.append(replace(n, op="np", out=ordered, args=(x,),
                                 params=(("fn", "sort"), ("keywords", ()))))
            nodes.append(replace(n, op="getitem", out=end, args=(ordered, Const(last)),
                                 params=(("index", (Ellipsis, ("at", 1))),)))
            return nodes, end
        return _along(n, cx, one)
    return rewrite


def _several_axes(n: Node) -> str:
    """What numba's np.sum cannot take: several axes (left when x's rank is unknown)."""
    return "a sum over several axes" if isinstance(n.param("axis"), tuple) else ""


def _any_axis(n: Node) -> str:
    """What numba's np.max, np.min and np.mean cannot take: an axis."""
    return "a reduction along an axis" if n.param("axis") is not None else ""


def reduction(op: str, function: str, maths: str, vjp, jvp=LINEAR, gate: str = "",
              spellings: tuple = (), **more) -> Primitive:
    """A reduction primitive ``op`` printed as ``np.<function>``."""
    return Primitive(op, "reductions", maths, shape=reduction_shape, partial_shapes=True,
                     vjp=vjp, jvp=jvp, printer=print_reduction(function), gate=gate,
                     params=REDUCTION_PARAMS, reduction=True, lower=lower_reduction(op),
                     spellings=spellings, **more)


register(
    reduction("sum", "sum", "sum_k x_k", A.vjp_sum, gate="sum distributes",
              spellings=("np.sum", "x.sum()"), numba=_sum_numba,
              numba_refuses=_several_axes),
    reduction("mean", "mean", "sum_k x_k / count", A.vjp_mean, spellings=("np.mean", "x.mean()"),
              numba=_mean_numba, numba_refuses=_any_axis),
    reduction("amax", "max", "max_k x_k", A.vjp_extremum, _extremum_jvp, gate="max routes",
              spellings=("np.max", "np.amax", "x.max()"), numba=_extremum_numba(-1),
              numba_refuses=_any_axis),
    reduction("amin", "min", "min_k x_k", A.vjp_extremum, _extremum_jvp, gate="min routes",
              spellings=("np.min", "np.amin", "x.min()"), numba=_extremum_numba(0),
              numba_refuses=_any_axis),
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


# ---------------------------------------------------------------- products
#
#     p = prod(x, axis)   dp/dx_k = the product of the other elements (prod_others),
#     from products on either side of k: no division, so exact where elements are 0.
#     Its tangent, for the Hessian, is prod_others_jvp: the same products, carried with
#     their tangents (d(ab) = da b + a db).

PROD_OTHERS = '''def prod_others(x, axis):
    """For every element of x, the product of the other elements along axis (all axes
    for None): the products on its left times those on its right, never dividing."""
    x = np.asarray(x, dtype=float)
    axes = tuple(range(x.ndim)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    order = [a for a in range(x.ndim) if a not in [b % x.ndim for b in axes]]
    order += [b % x.ndim for b in axes]
    moved = np.transpose(x, order)
    flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
    left, right = np.ones_like(flat), np.ones_like(flat)
    left[..., 1:] = np.cumprod(flat[..., :-1], axis=-1)
    right[..., :-1] = np.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1]
    return np.transpose((left * right).reshape(moved.shape), np.argsort(order))
'''

PROD_OTHERS_JVP = '''def prod_others_jvp(t, x, axis):
    """The tangent of prod_others(x, axis) along t."""
    x = np.asarray(x, dtype=float)
    t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
    axes = tuple(range(x.ndim)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    order = [a for a in range(x.ndim) if a not in [b % x.ndim for b in axes]]
    order += [b % x.ndim for b in axes]
    moved = np.transpose(x, order)
    flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
    dflat = np.transpose(t, order).reshape(flat.shape)
    left, right = np.ones_like(flat), np.ones_like(flat)
    dleft, dright = np.zeros_like(flat), np.zeros_like(flat)
    for k in range(1, flat.shape[-1]):
        left[..., k] = left[..., k - 1] * flat[..., k - 1]
        dleft[..., k] = dleft[..., k - 1] * flat[..., k - 1] + left[..., k - 1] * dflat[..., k - 1]
    for k in range(flat.shape[-1] - 2, -1, -1):
        right[..., k] = right[..., k + 1] * flat[..., k + 1]
        dright[..., k] = (dright[..., k + 1] * flat[..., k + 1]
                          + right[..., k + 1] * dflat[..., k + 1])
    both = dleft * right + left * dright
    return np.transpose(both.reshape(moved.shape), np.argsort(order))
'''


def _prod_vjp(em, g, n: Node, i: int):
    others = em.tmp("prod_others", [n.args[0]], axis=n.param("axis"))
    return em.ew_out(lambda a, w: a * w, [A._expand_back(em, g, n), others])


def _prod_jvp(em, n: Node, ts):
    others = em.tmp("prod_others", [n.args[0]], axis=n.param("axis"))
    part = em.ew_tmp(lambda w, t: w * t, [others, ts[0]])
    return em.out("sum", [part], axis=n.param("axis"), keepdims=n.param("keepdims"))


def _print_with_axis(n, p):
    return p.helper(n.op, p.a + [p.literal(n.param("axis"))])


register(
    reduction("prod", "prod", "prod_k x_k", _prod_vjp, _prod_jvp,
              spellings=("np.prod", "x.prod()")),
    Primitive("prod_others", "internal", "prod_{m != k} x_m along axis, for every k",
              shape=lambda n, s, v: s[0], vjp=NOT_YET, params=(("axis", "axis"),),
              jvp=lambda em, n, ts: em.out("prod_others_jvp", [ts[0], n.args[0]],
                                           axis=n.param("axis")),
              printer=_print_with_axis, helper="prod_others", helper_source=PROD_OTHERS),
    Primitive("prod_others_jvp", "internal", "the tangent of prod_others",
              shape=lambda n, s, v: s[1], vjp=NOT_YET, jvp=NOT_YET, params=(("axis", "axis"),),
              printer=_print_with_axis, helper="prod_others_jvp",
              helper_source=PROD_OTHERS_JVP),
)
