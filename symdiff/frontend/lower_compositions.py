"""NumPy functions that are compositions of primitives, lowered onto them (no rules of
their own; the derivative comes from the parts):

    trace(a)                 einsum("ii...->...", a[:k, :k])   k = min(a.shape[:2])
    diagonal(a)              einsum("ii...->...i", a[:k, :k])  (offset 0, axes 0 and 1)
    average(a, axis)         mean(a, axis)
    average(a, weights=w)    sum(a * w) / sum(w)              (all axes)
    ptp(a, axis)             max(a, axis) - min(a, axis)      (ties split, as max's do)
    nansum(a, axis)          sum(where(isnan(a), 0, a), axis) (no gradient to a NaN)
    nanmean(a, axis)         nansum(a, axis) / count of the numbers
    fliplr(a), flipud(a)     flip(a, 1), flip(a, 0)

    NUMPY[name](ctx, e, hint, args, keywords) -> the value
"""
from __future__ import annotations

from ..ir import TMP, Const
from .lower_special import _only, _option


def _axis_keepdims(ctx, e, args, keywords):
    axis = ctx.static(_option(ctx, e, args, keywords, 1, "axis", None), e, "axis")
    keepdims = ctx.static(keywords.get("keepdims", Const(False)), e, "keepdims")
    return axis, bool(keepdims)


def _einsum(subscripts: str, what: str, allowed=()):
    def lower(ctx, e, hint, args, keywords):
        _only(ctx, e, keywords, set(allowed), what)
        if len(args) != 1:
            raise ctx.fail(f"{what} takes one array here", e,
                           f"for other offsets or axes write np.einsum('{subscripts}', ...)"
                           " with the letters you mean")
        return ctx.emit("einsum", [_square(ctx, ctx.array(args[0], e))], hint,
                        subscripts=subscripts)
    return lower


def _square(ctx, x):
    """x[:k, :k], k = min(x.shape[0], x.shape[1]): the block whose diagonal is x's."""
    import sympy
    rows = ctx.emit("dim", [x], TMP, axis=0)
    cols = ctx.emit("dim", [x], TMP, axis=1)
    k = ctx.ew(lambda a, b: sympy.Min(a, b), [rows, cols], TMP, lib="math")
    spec = (("slice", None, 1, None), ("slice", None, 1, None))
    return ctx.emit("getitem", [x, k], TMP, index=spec)


def average(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, {"axis", "weights"}, "np.average")
    x = ctx.array(args[0], e)
    axis = ctx.static(_option(ctx, e, args, keywords, 1, "axis", None), e, "axis")
    weights = _option(ctx, e, args, keywords, 2, "weights", None)
    if isinstance(weights, Const) and weights.value is None:
        return ctx.emit("mean", [x], hint, axis=axis, keepdims=False)
    if axis is not None:
        raise ctx.fail("np.average with weights= and axis= is not supported", e,
                       "write np.sum(a * w, axis) / np.sum(w, axis), with w broadcast "
                       "against a as you mean it")
    w = ctx.array(weights, e)
    product = ctx.ew(lambda a, b: a * b, [x, w], TMP)
    top = ctx.emit("sum", [product], TMP, axis=None, keepdims=False)
    bottom = ctx.emit("sum", [w], TMP, axis=None, keepdims=False)
    return ctx.ew(lambda a, b: a / b, [top, bottom], hint)


def ptp(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, {"axis", "keepdims"}, "np.ptp")
    x = ctx.array(args[0], e)
    axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
    top = ctx.emit("amax", [x], TMP, axis=axis, keepdims=keepdims)
    bottom = ctx.emit("amin", [x], TMP, axis=axis, keepdims=keepdims)
    return ctx.ew(lambda a, b: a - b, [top, bottom], hint)


def _numbers(ctx, x):
    """(x with NaN replaced by 0, 1.0 where x is a number)."""
    missing = ctx.emit("np", [x], TMP, fn="isnan", keywords=())
    kept = ctx.emit("where", [missing, Const(0.0), x], TMP)
    present = ctx.emit("where", [missing, Const(0.0), Const(1.0)], TMP)
    return kept, present


def nansum(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, {"axis", "keepdims"}, "np.nansum")
    x = ctx.array(args[0], e)
    axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
    kept, _ = _numbers(ctx, x)
    return ctx.emit("sum", [kept], hint, axis=axis, keepdims=keepdims)


def nanmean(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, {"axis", "keepdims"}, "np.nanmean")
    x = ctx.array(args[0], e)
    axis, keepdims = _axis_keepdims(ctx, e, args, keywords)
    kept, present = _numbers(ctx, x)
    total = ctx.emit("sum", [kept], TMP, axis=axis, keepdims=keepdims)
    count = ctx.emit("sum", [present], TMP, axis=axis, keepdims=keepdims)
    return ctx.ew(lambda a, b: a / b, [total, count], hint)


NUMPY = {"trace": _einsum("ii...->...", "np.trace"),
         "diagonal": _einsum("ii...->...i", "np.diagonal"),
         "average": average, "ptp": ptp, "nansum": nansum, "nanmean": nanmean}
