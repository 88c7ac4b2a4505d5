"""Differences and choices written with slices, concatenations and ``where``: no rules of
their own, the primitives they are written with carry the derivatives (a slice's VJP
writes the upstream gradient into zeros, so the VJP of a difference is the difference of
the zero-padded upstream gradient with its sign flipped, as it should be).

    diff(a, n=1, axis=-1)          a[1:] - a[:-1] along axis, n times; prepend=/append=
                                   concatenated first (a number spread to one slice)
    gradient(f, dx=1, axis=k)      (f[2:] - f[:-2]) / 2dx inside, (f[1] - f[0]) / dx and
                                   (f[-1] - f[-2]) / dx at the edges (edge_order=1)
    select(conds, choices, d=0)    where(c0, x0, where(c1, x1, ... d)): the first true
                                   condition wins; conditions are masks (no gradient)

``np.gradient(f, axis=(0, 1))`` is the tuple of the gradients along each axis (one axis
in the tuple: that array alone, as NumPy gives it). ``np.gradient(f)`` without ``axis=`` is
the 1-D case: the value is checked to be a vector
where the function runs (an N-D array gives NumPy a tuple, one array per axis, and the
rank is not known where the call is lowered); a spacing not written as a number is
checked to be a scalar there too (coordinate arrays are refused).
"""
from __future__ import annotations

from ..ir import TMP, Const
from .compositions import only, option
from .registry import Composition, compose

WHOLE = ("slice", None, None, None)


def along(axis: int, entry) -> tuple:
    """An index spec picking ``entry`` along ``axis`` (counted from the end when negative),
    whole slices on the axes before it (after it)."""
    if axis >= 0:
        return (WHOLE,) * axis + (entry,)
    return (Ellipsis, entry) + (WHOLE,) * (-axis - 1)


def _slice(ctx, x, axis: int, start, stop, hint=TMP):
    """``x[start:stop]`` along ``axis``, both bounds constants (None for open)."""
    bounds = [Const(b) for b in (start, stop) if b is not None]
    spec = ("slice", None if start is None else 1, None if stop is None else
            1 + (start is not None), None)
    return ctx.emit("getitem", [x, *bounds], hint, index=along(axis, spec))


def _axis(ctx, e, value, what: str) -> int:
    axis = ctx.static(value, e, "axis")
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise ctx.fail(f"{what} needs a constant integer axis", e,
                       "write axis as a literal, e.g. axis=1")
    return axis


def _padded(ctx, e, x, value, axis: int, first: bool):
    """``value`` put before (after) x along axis, as np.diff's prepend=/append= do: a
    number is spread to a slice of x's shape with one element along the axis."""
    value = ctx.array(value, e)
    if isinstance(value, Const) and not getattr(value.value, "shape", ()):
        edge = _slice(ctx, x, axis, 0, 1)
        zeros = ctx.emit("np", [edge], TMP, fn="zeros_like", keywords=())
        value = ctx.ew(lambda z, c: z + c, [zeros, value], TMP)
    parts = [value, x] if first else [x, value]
    return ctx.emit("concatenate", parts, TMP, axis=axis)


def lower_diff(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"n", "axis", "prepend", "append"}, "np.diff")
    x = ctx.array(args[0], e)
    times = ctx.static(option(args, keywords, 1, "n", 1), e, "n")
    axis = _axis(ctx, e, option(args, keywords, 2, "axis", -1), "np.diff")
    if not isinstance(times, int) or isinstance(times, bool) or times < 0:
        raise ctx.fail("np.diff needs a constant order n >= 0", e, "write n as a literal, e.g. n=2")
    for keyword, first in (("prepend", True), ("append", False)):
        extra = option(args, keywords, 3 if first else 4, keyword, None)
        if not (isinstance(extra, Const) and extra.value is None):
            x = _padded(ctx, e, x, extra, axis, first)
    for k in range(times):
        later, earlier = _slice(ctx, x, axis, 1, None), _slice(ctx, x, axis, None, -1)
        x = ctx.ew(lambda u, v: u - v, [later, earlier], hint if k == times - 1 else TMP)
    return x


def _spacing(ctx, e, args, keywords):
    """The one scalar spacing of np.gradient (1 when left out); coordinates refused."""
    if len(args) > 2:
        raise ctx.fail("np.gradient takes one spacing here", e,
                       "pass one scalar spacing, np.gradient(f, dx, axis=k), per axis")
    if len(args) < 2:
        return Const(1.0)
    if ctx.items(args[1]) is not None:
        raise ctx.fail("np.gradient with coordinate arrays is not supported", e,
                       "pass a scalar spacing (uniform grid), np.gradient(f, dx)")
    spacing = ctx.array(args[1], e)
    if isinstance(spacing, Const) and getattr(spacing.value, "ndim", 0):
        raise ctx.fail("np.gradient with coordinate arrays is not supported", e,
                       "pass a scalar spacing (uniform grid), np.gradient(f, dx)")
    if not isinstance(spacing, Const):
        ctx.emit("check_ndim", [spacing], TMP, ndim=0, message="np.gradient(f, dx) takes a "
                 "scalar spacing dx here; coordinate arrays (a non-uniform grid) are not "
                 "supported")
    return spacing


def lower_gradient(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"axis", "edge_order"}, "np.gradient")
    edge = ctx.static(keywords.get("edge_order", Const(1)), e, "edge_order")
    if edge != 1:
        raise ctx.fail("np.gradient is supported with edge_order=1 (NumPy's default)", e,
                       "leave out edge_order=")
    f = ctx.array(args[0], e)
    h = _spacing(ctx, e, args, keywords)
    axis = keywords.get("axis", Const(None))
    if isinstance(axis, Const) and axis.value is None:
        ctx.emit("check_ndim", [f], TMP, ndim=1, message="np.gradient(f) without axis= "
                 "differentiates a 1-D f; for an N-D f pass axis=k (one call per axis)")
        axis = 0
    else:
        axes = ctx.static(axis, e, "axis")
        if isinstance(axes, tuple) and len(axes) > 1:    # one array per axis, as NumPy
            return ctx.tup(_gradient_along(ctx, e, f, h, _axis(ctx, e, Const(a), "np.gradient"),
                                           TMP) for a in axes)
        axis = _axis(ctx, e, Const(axes[0]) if isinstance(axes, tuple) and axes else axis,
                     "np.gradient")
    return _gradient_along(ctx, e, f, h, axis, hint)


def _gradient_along(ctx, e, f, h, axis: int, hint):
    """np.gradient(f, h, axis=axis) for one axis: central inside, one-sided at the edges."""
    inside = ctx.ew(lambda u, v, s: (u - v) / (2 * s),
                    [_slice(ctx, f, axis, 2, None), _slice(ctx, f, axis, None, -2), h], "central")
    first = ctx.ew(lambda u, v, s: (u - v) / s,
                   [_slice(ctx, f, axis, 1, 2), _slice(ctx, f, axis, 0, 1), h], "first")
    last = ctx.ew(lambda u, v, s: (u - v) / s,
                  [_slice(ctx, f, axis, -1, None), _slice(ctx, f, axis, -2, -1), h], "last")
    return ctx.emit("concatenate", [first, inside, last], hint, axis=axis)


def lower_select(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"condlist", "choicelist", "default"}, "np.select")
    conditions = ctx.items(option(args, keywords, 0, "condlist", None))
    choices = ctx.items(option(args, keywords, 1, "choicelist", None))
    if conditions is None or choices is None or len(conditions) != len(choices) \
            or not conditions:
        raise ctx.fail("np.select takes two lists of the same length written out here", e,
                       "write np.select([c0, c1], [x0, x1], default=d), or build the lists "
                       "before the call")
    value = ctx.array(option(args, keywords, 2, "default", 0), e)
    for k in reversed(range(len(conditions))):      # the last condition innermost
        value = ctx.emit("where", [ctx.array(conditions[k], e), ctx.array(choices[k], e), value],
                         hint if k == 0 else TMP)
    return value


compose(
    Composition("diff", "a[1:] - a[:-1] along axis, n times", lower_diff, spellings=("np.diff",)),
    Composition("gradient", "central differences inside, one-sided at the edges",
                lower_gradient, spellings=("np.gradient",)),
    Composition("select", "nested where, the first true condition innermost-last",
                lower_select, spellings=("np.select",)),
)
