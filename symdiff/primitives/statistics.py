"""Statistics written with primitives (no rules of their own: the primitives they are
written with carry their derivatives):

    nansum(a, axis)           sum(where(isnan(a), 0, a), axis)   (no gradient to a NaN)
    nanmean(a, axis)          nansum(a, axis) / count of the numbers
    nanmax / nanmin(a, axis)  max(where(isnan(a), -inf, a), axis) (ties split, as max's)
    nanprod(a, axis)          prod(where(isnan(a), 1, a), axis)  (exact at zeros)
    nanvar / nanstd(a, axis, ddof, keepdims)   var of the numbers: sum((a - m)**2) / (n - ddof)
    nancumsum(a, axis)        cumsum(where(isnan(a), 0, a), axis)
    cumprod(a, axis)          y_i = prod_j where(j <= i, a_j, 1): a product over a triangle
                              (n**2 numbers for n along axis), so that the gradient, prod's,
                              is exact where elements are 0 (no division by a_k)
    ptp(a, axis)              max(a, axis) - min(a, axis)
    average(a, axis, weights) sum(a * w, axis) / sum(w, axis), w broadcast as NumPy reads it
                              (``weights_along``: a 1-D w lies along axis)
    polyval(p, x)             sum_k p_k x**(n-1-k)  (x**0 = 1, its derivative 0, at x == 0)

A slice of NaN only: nanmax/nanmin give NaN, as NumPy does (with no gradient).
"""
from __future__ import annotations

import sympy

import numpy as np

from ..ir import TMP, Const, Node
from . import arrays as A
from .compositions import none, only, option
from .registry import LINEAR, Composition, Primitive, compose, register


def _axis_keepdims(ctx, e, args, keywords, position=1):
    axis = ctx.static(option(args, keywords, position, "axis", None), e, "axis")
    keepdims = ctx.static(keywords.get("keepdims", Const(False)), e, "keepdims")
    return axis, bool(keepdims)


def _numbers(ctx, x, fill=0.0):
    """(x with NaN replaced by ``fill``, 1.0 where x is a number, the NaN mask)."""
    missing = ctx.emit("np", [x], TMP, fn="isnan", keywords=())
    kept = ctx.emit("where", [missing, Const(fill), x], TMP)
    present = ctx.emit("where", [missing, Const(0.0), Const(1.0)], TMP)
    return kept, present


def _reduced(op: str, fill: float):
    """np.nan<op>(a, axis, keepdims): ``op`` of a with its NaN replaced by ``fill``."""
    def lower(ctx, e, hint, name, args, keywords):
        only(ctx, e, keywords, {"axis", "keepdims"}, f"np.{name}")
        x = ctx.array(args[0], e)
        axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
        kept, present = _numbers(ctx, x, fill)
        if op not in ("amax", "amin"):
            return ctx.emit(op, [kept], hint, axis=axis, keepdims=keepdims)
        extreme = ctx.emit(op, [kept], TMP, axis=axis, keepdims=keepdims)
        count = ctx.emit("sum", [present], TMP, axis=axis, keepdims=keepdims)
        empty = ctx.emit("compare", [count, Const(0.0)], TMP, symbol="==")
        return ctx.emit("where", [empty, Const(float("nan")), extreme], hint)
    return lower


def nanmean(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"axis", "keepdims"}, "np.nanmean")
    x = ctx.array(args[0], e)
    axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
    kept, present = _numbers(ctx, x)
    total = ctx.emit("sum", [kept], TMP, axis=axis, keepdims=keepdims)
    count = ctx.emit("sum", [present], TMP, axis=axis, keepdims=keepdims)
    return ctx.ew(lambda a, b: a / b, [total, count], hint)


def nanvar(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"axis", "ddof", "keepdims"}, f"np.{name}")
    x = ctx.array(args[0], e)
    axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
    ddof = ctx.static(option(args, keywords, 3, "ddof", 0), e, "ddof")
    if isinstance(ddof, bool) or not isinstance(ddof, (int, float)):
        raise ctx.fail("ddof must be a number", e, "write ddof=0 or ddof=1")
    kept, present = _numbers(ctx, x)
    count = ctx.emit("sum", [present], TMP, axis=axis, keepdims=True)
    centre = ctx.ew(lambda s, c: s / c,
                    [ctx.emit("sum", [kept], TMP, axis=axis, keepdims=True), count], TMP)
    square = ctx.ew(lambda a, m, p: p * (a - m) ** 2, [kept, centre, present], TMP)
    total = ctx.emit("sum", [square], TMP, axis=axis, keepdims=keepdims)
    numbers = ctx.emit("sum", [present], TMP, axis=axis, keepdims=keepdims)
    last = hint if name == "nanvar" else TMP
    var = ctx.ew(lambda t, n: t / (n - ddof), [total, numbers], last)
    return var if name == "nanvar" else ctx.ew(sympy.sqrt, [var], hint)


def _one_axis(ctx, e, args, keywords, name):
    only(ctx, e, keywords, {"axis"}, f"np.{name}")
    axis = ctx.static(option(args, keywords, 1, "axis", None), e, "axis")
    if axis is not None and not isinstance(axis, int) or isinstance(axis, bool):
        raise ctx.fail(f"np.{name} takes one axis (or None)", e, "write axis=k for one axis k")
    return ctx.array(args[0], e), axis


def nancumsum(ctx, e, hint, name, args, keywords):
    x, axis = _one_axis(ctx, e, args, keywords, name)
    kept, _ = _numbers(ctx, x)
    return ctx.emit("cumsum", [kept], hint, axis=axis)


def cumprod(ctx, e, hint, name, args, keywords):
    x, axis = _one_axis(ctx, e, args, keywords, name)
    if axis is None:
        x, axis = ctx.emit("reshape", [x, Const(-1)], TMP), -1
    last = axis == -1
    moved = x if last else ctx.emit("moveaxis", [x], TMP, source=axis, destination=-1)
    size = ctx.emit("dim", [moved], TMP, axis=-1)
    lower = ctx.emit("np", [size], TMP, fn="tri", keywords=())
    upto = ctx.emit("compare", [lower, Const(0.0)], TMP, symbol=">")      # j <= i
    row = ctx.emit("expand_dims", [moved], TMP, axis=-2)
    triangle = ctx.emit("where", [upto, row, Const(1.0)], TMP)
    product = ctx.emit("prod", [triangle], hint if last else TMP, axis=-1, keepdims=False)
    return product if last else ctx.emit("moveaxis", [product], hint, source=-1,
                                         destination=axis)


def ptp(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"axis", "keepdims"}, "np.ptp")
    x = ctx.array(args[0], e)
    axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
    top = ctx.emit("amax", [x], TMP, axis=axis, keepdims=keepdims)
    bottom = ctx.emit("amin", [x], TMP, axis=axis, keepdims=keepdims)
    return ctx.ew(lambda a, b: a - b, [top, bottom], hint)


def average(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"axis", "weights", "keepdims"}, "np.average")
    x = ctx.array(args[0], e)
    axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
    weights = option(args, keywords, 2, "weights", None)
    if none(weights):
        return ctx.emit("mean", [x], hint, axis=axis, keepdims=keepdims)
    w = ctx.array(weights, e)
    if axis is not None:
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ctx.fail("np.average with weights= takes one axis here", e,
                           "write np.sum(a * w, axis) / np.sum(w, axis) for several axes")
        w = ctx.emit("weights_along", [w, x], TMP, axis=axis)
    product = ctx.ew(lambda a, b: a * b, [x, w], TMP)
    top = ctx.emit("sum", [product], TMP, axis=axis, keepdims=keepdims)
    bottom = ctx.emit("sum", [w], TMP, axis=axis, keepdims=keepdims)
    return ctx.ew(lambda a, b: a / b, [top, bottom], hint)


def polyval(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, set(), "np.polyval")
    if len(args) != 2:
        raise ctx.fail("np.polyval takes (p, x)", e)
    p, x = ctx.array(args[0], e), ctx.array(args[1], e)
    degree = ctx.ew(lambda n: n - 1, [ctx.emit("dim", [p], TMP, axis=0)], TMP, lib="math")
    exponents = ctx.emit("np", [degree, Const(-1), Const(-1)], TMP, fn="arange", keywords=())
    column = ctx.emit("expand_dims", [x], TMP, axis=-1)
    terms = ctx.ew(lambda c, u, k: c * u ** k, [p, column, exponents], TMP)
    return ctx.emit("sum", [terms], hint, axis=-1, keepdims=False)


compose(
    Composition("nansum", "sum of the numbers (NaN left out)", _reduced("sum", 0.0),
                spellings=("np.nansum",)),
    Composition("nanmean", "mean of the numbers", nanmean, spellings=("np.nanmean",)),
    Composition("nanmax", "max of the numbers", _reduced("amax", -np.inf),
                spellings=("np.nanmax",)),
    Composition("nanmin", "min of the numbers", _reduced("amin", np.inf),
                spellings=("np.nanmin",)),
    Composition("nanprod", "product of the numbers", _reduced("prod", 1.0),
                spellings=("np.nanprod",)),
    Composition("nanvar", "variance of the numbers", nanvar, spellings=("np.nanvar",)),
    Composition("nanstd", "sqrt(nanvar)", nanvar, spellings=("np.nanstd",)),
    Composition("nancumsum", "cumsum of the numbers", nancumsum, spellings=("np.nancumsum",)),
    Composition("cumprod", "y_i = prod_{j <= i} x_j", cumprod,
                spellings=("np.cumprod", "x.cumprod()")),
    Composition("ptp", "max - min", ptp, spellings=("np.ptp",)),
    Composition("average", "sum(a w) / sum(w)", average, spellings=("np.average",)),
    Composition("polyval", "sum_k p_k x**(n-1-k)", polyval, spellings=("np.polyval",)),
)


# ---------------------------------------------------------------- weights along an axis
#
#     weights_along(w, a, axis)   w broadcast to a's shape as np.average reads it: a 1-D w
#                                 of a.shape[axis] numbers lies along axis; else w itself
#     dw = g summed over the other axes (1-D w), or g summed back to w's shape

WEIGHTS_ALONG = '''def weights_along(w, a, axis):
    """w broadcast against a as np.average reads weights: a 1-D w lies along axis."""
    w, shape = np.asarray(w, dtype=float), np.shape(a)
    if w.ndim == 1 and len(shape) > 1:
        along = [1] * len(shape)
        along[axis] = w.shape[0]
        w = w.reshape(tuple(along))
    return np.broadcast_to(w, shape)
'''


def _weights_shape(n, shapes, values):
    return None if shapes[1] is None else tuple(shapes[1])


def _weights_vjp(em, g, n: Node, i: int):
    if i == 1:
        return None
    w, a = n.args
    ws, shape = em.shape(w), em.shape(a)
    if ws is not None and shape is not None and len(ws) == 1 and len(shape) > 1:
        axis = n.param("axis") % len(shape)
        others = tuple(k for k in range(len(shape)) if k != axis)
        return em.out("sum", [g], axis=others if len(others) > 1 else others[0],
                      keepdims=False)
    return A.sum_to(em, g, w)


register(Primitive(
    "weights_along", "reductions", "w broadcast to a's shape, a 1-D w along axis",
    shape=_weights_shape, vjp=_weights_vjp, jvp=LINEAR, params=(("axis", "int"),),
    printer=lambda n, p: p.helper("weights_along", p.a + [p.literal(n.param("axis"))]),
    helper="weights_along", helper_source=WEIGHTS_ALONG))
