"""Differences and choices written with slices, concatenations and ``where``: no rules of
their own, the primitives they are written with carry the derivatives (a slice's VJP
writes the upstream gradient into zeros, so the VJP of a difference is the difference of
the zero-padded upstream gradient with its sign flipped, as it should be).

    diff(a, n=1, axis=-1)          a[1:] - a[:-1] along axis, n times; prepend=/append=
                                   concatenated first (a number spread to one slice)
    gradient(f, dx=1, axis=k)      (f[2:] - f[:-2]) / 2dx inside, (f[1] - f[0]) / dx and
                                   (f[-1] - f[-2]) / dx at the edges (edge_order=1)
    gradient(f, x, axis=k)         x 1-D coordinates, d = diff(x): NumPy's non-uniform
                                   formula inside, -d2/(d1 (d1+d2)) f[:-2] + (d2-d1)/(d1 d2)
                                   f[1:-1] + d1/(d2 (d1+d2)) f[2:], one-sided at the edges
    select(conds, choices, d=0)    where(c0, x0, where(c1, x1, ... d)): the first true
                                   condition wins; conditions are masks (no gradient)

``np.gradient(f, axis=(0, 1))`` is the tuple of the gradients along each axis (one axis
in the tuple: that array alone, as NumPy gives it). ``np.gradient(f)`` without ``axis=``
is the gradient along every axis of f: one array for a vector, a tuple of one array per
axis for an N-D f, as NumPy gives them. Its rank comes from the shapes of the parameters
(a specialization lowers the function again once it knows them:
``Function.rank_questions``); where it is not known (``symdiff compile`` without
``--shapes``), f is taken as a vector and checked to be one where the code runs.
Spacings: one number for every axis, or one per axis, each a scalar or 1-D coordinates:
a list written out, np.linspace, np.arange, np.array([...]), or a value whose rank is
known the same way; a spacing of unknown rank is checked to be a scalar where the code
runs.
"""
from __future__ import annotations

import ast

import numpy as np

from ..errors import SymdiffError
from ..ir import TMP, Const, Function, Var
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


#: the producers of 1-D coordinates (np.gradient's non-uniform spacing)
COORDINATES = {"linspace"}


def _is_coordinates(ctx, value) -> bool:
    """Whether a spacing is an array of coordinates the program shows to be 1-D: a list
    written out, a 1-D constant, np.linspace(...) or np.arange(...) or np.array([...])."""
    items = ctx.items(value)
    if items is not None:
        return all(ctx.items(v) is None for v in items)
    if isinstance(value, Const):
        return getattr(value.value, "ndim", 0) == 1
    made = next((n for n in reversed(ctx.b.body) if n.out == value), None)
    if made is None:
        return False
    if made.op in COORDINATES:
        return True
    return made.op == "np" and (made.param("fn") == "arange" or made.param("fn") == "array"
                                and len(made.args) == 1 and isinstance(made.args[0], Const)
                                and isinstance(made.args[0].value, tuple)
                                and not any(isinstance(v, tuple) for v in made.args[0].value))


def known_rank(ctx, v) -> int | None:
    """The rank of ``v`` where the lowering knows it: a constant's, a parameter's whose
    shape the specialization gives, a value's computed from those (the shape rules of the
    nodes written so far); else None, and the function is marked as asking for ranks
    (``Function.rank_questions``)."""
    if isinstance(v, Const):
        return int(np.ndim(v.value))
    memory = ctx.b.memory
    shape = memory.shapes.get(v.name) if memory.shapes else None
    if shape is None and memory.shapes:
        shape = _inferred(memory).get(v.name)
    if shape is None:
        memory.rank_asked = True
        return None
    return len(shape)


def _inferred(memory) -> dict:
    """The shapes of the values lowered so far, from the parameters' (SSA: each name is
    bound once, so the nodes of every block can be read in the order they were written)."""
    from ..ir.shapes import infer_shapes
    nodes = tuple(memory.defs.values())
    partial = Function("lowered_so_far", tuple(Var(k) for k in memory.shapes), nodes, ())
    try:
        return infer_shapes(partial, memory.shapes, False)
    except (SymdiffError, ValueError, TypeError, KeyError, IndexError):
        return {}


def _spacing(ctx, e, value):
    """One axis's spacing: ("step", h) for a scalar h, ("coordinates", x) for 1-D x."""
    if _is_coordinates(ctx, value):
        return "coordinates", ctx.array(value, e)
    if ctx.items(value) is not None:
        raise ctx.fail("np.gradient takes a scalar spacing or 1-D coordinates per axis", e,
                       "pass one number, or one 1-D array of coordinates, per axis")
    spacing = ctx.array(value, e)
    rank = known_rank(ctx, spacing)
    if rank == 1:
        return "coordinates", spacing
    if rank is not None and rank > 1:
        raise ctx.fail(f"np.gradient takes a scalar spacing or 1-D coordinates per axis, "
                       f"not an array of {rank} axes", e,
                       "pass one number, or one 1-D array of coordinates, per axis")
    if rank is None:
        ctx.emit("check_ndim", [spacing], TMP, ndim=0, message="np.gradient(f, dx) takes dx "
                 "as a scalar spacing here, where its rank is not known; for coordinates (a "
                 "non-uniform grid), give its shape (symdiff compile --shapes \"x=(n,)\", "
                 "or call the gradient, which knows it), or make them in the function with "
                 "np.linspace, np.arange or np.array([...])")
    return "step", spacing


def _spacings(ctx, e, args, count: int):
    """The spacing of each of ``count`` axes: 1 when left out, one scalar for all, or one
    per axis (NumPy's varargs)."""
    given = args[1:]
    if not given:
        return [("step", Const(1.0))] * count
    if len(given) == count:
        return [_spacing(ctx, e, v) for v in given]
    if len(given) == 1:
        kind, spacing = _spacing(ctx, e, given[0])
        if kind == "step":
            return [(kind, spacing)] * count
    raise ctx.fail(f"np.gradient takes one spacing, or one per axis ({count} here)", e,
                   "pass a scalar for every axis, or a spacing for each axis in axis=")


def lower_gradient(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"axis", "edge_order"}, "np.gradient")
    edge = ctx.static(keywords.get("edge_order", Const(1)), e, "edge_order")
    if edge != 1:
        raise ctx.fail("np.gradient is supported with edge_order=1 (NumPy's default)", e,
                       "leave out edge_order=")
    f = ctx.array(args[0], e)
    checked = len(ctx.b.body)
    axis = keywords.get("axis", Const(None))
    if isinstance(axis, Const) and axis.value is None:
        axes = _every_axis(ctx, e, f)
    else:
        axes = ctx.static(axis, e, "axis")
        axes = axes if isinstance(axes, tuple) else (axes,)
        if not axes:
            raise ctx.fail("np.gradient needs at least one axis", e, "write axis=0")
    axes = [_axis(ctx, e, Const(a), "np.gradient") for a in axes]
    spacings = _spacings(ctx, e, args, len(axes))
    if len(axes) > 1:                                    # one array per axis, as NumPy
        return ctx.tup(_gradient_along(ctx, f, s, a, TMP) for s, a in zip(spacings, axes))
    value = _gradient_along(ctx, f, spacings[0], axes[0], hint)
    if any(n.op == "check_ndim" and n.args[0] == f for n in ctx.b.body[checked:]):
        ctx.b.memory.rank_unknown[value] = f"np.gradient({ast.unparse(e.args[0])})"
    return value


def _every_axis(ctx, e, f) -> tuple:
    """The axes of ``np.gradient(f)`` without axis=: every axis of f, where its rank is
    known; else axis 0 of a vector, checked to be one where the code runs."""
    rank = known_rank(ctx, f)
    if rank == 0:
        raise ctx.fail("np.gradient needs an array with at least one axis", e,
                       "differentiate an array of two or more elements")
    if rank is not None:
        return tuple(range(rank))
    ctx.emit("check_ndim", [f], TMP, ndim=1, message="np.gradient(f) without axis= is taken "
             "here as the gradient of a vector, since the rank of f is not known; for an "
             "N-D f give its shape (symdiff compile --shapes, or call the gradient, which "
             "knows it), or pass axis=(0, 1, ...) for the gradient along each axis")
    return (0,)


def _gradient_along(ctx, f, spacing, axis: int, hint):
    kind, h = spacing
    if kind == "coordinates":
        return _gradient_at_points(ctx, f, h, axis, hint)
    return _gradient_by_step(ctx, f, h, axis, hint)


def _gradient_by_step(ctx, f, h, axis: int, hint):
    """np.gradient(f, h, axis=axis) for one axis: central inside, one-sided at the edges."""
    inside = ctx.ew(lambda u, v, s: (u - v) / (2 * s),
                    [_slice(ctx, f, axis, 2, None), _slice(ctx, f, axis, None, -2), h], "central")
    first = ctx.ew(lambda u, v, s: (u - v) / s,
                   [_slice(ctx, f, axis, 1, 2), _slice(ctx, f, axis, 0, 1), h], "first")
    last = ctx.ew(lambda u, v, s: (u - v) / s,
                  [_slice(ctx, f, axis, -1, None), _slice(ctx, f, axis, -2, -1), h], "last")
    return ctx.emit("concatenate", [first, inside, last], hint, axis=axis)


def _gradient_at_points(ctx, f, x, axis: int, hint):
    """np.gradient(f, x, axis=axis), x the 1-D coordinates along the axis (NumPy's
    non-uniform second-order formula inside, one-sided at the edges). The axis is moved
    last so that the steps, a 1-D array, broadcast along it."""
    if axis != -1:
        f = ctx.emit("moveaxis", [f], TMP, source=(axis,), destination=(-1,))
    step = ctx.ew(lambda u, v: u - v, [_slice(ctx, x, 0, 1, None), _slice(ctx, x, 0, None, -1)],
                  "step")
    before, after = _slice(ctx, step, 0, None, -1), _slice(ctx, step, 0, 1, None)

    def central(u0, u1, u2, d1, d2):
        return (-d2 / (d1 * (d1 + d2)) * u0 + (d2 - d1) / (d1 * d2) * u1
                + d1 / (d2 * (d1 + d2)) * u2)
    inside = ctx.ew(central, [_slice(ctx, f, -1, None, -2), _slice(ctx, f, -1, 1, -1),
                              _slice(ctx, f, -1, 2, None), before, after], "central")
    first = ctx.ew(lambda u, v, d: (u - v) / d, [_slice(ctx, f, -1, 1, 2),
                                                 _slice(ctx, f, -1, 0, 1),
                                                 _slice(ctx, step, 0, 0, 1)], "first")
    last = ctx.ew(lambda u, v, d: (u - v) / d, [_slice(ctx, f, -1, -1, None),
                                                _slice(ctx, f, -1, -2, -1),
                                                _slice(ctx, step, 0, -1, None)], "last")
    if axis == -1:
        return ctx.emit("concatenate", [first, inside, last], hint, axis=-1)
    joined = ctx.emit("concatenate", [first, inside, last], TMP, axis=-1)
    return ctx.emit("moveaxis", [joined], hint, source=(-1,), destination=(axis,))


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
