"""Rearranging primitives: the same numbers in other places. All are linear, and each
one's VJP is the same function undoing the move, so the generated code reads as NumPy:

    flip       y = np.flip(x, axis)              dx = np.flip(g, axis)
    swapaxes   y = np.swapaxes(x, a, b)          dx = np.swapaxes(g, a, b)
    moveaxis   y = np.moveaxis(x, src, dst)      dx = np.moveaxis(g, dst, src)
    roll       y = np.roll(x, shift, axis)       dx = np.roll(g, -shift, axis)

np.fliplr and np.flipud are flips along axis 1 and 0.

    atleast    y = np.atleast_2d(x)              dx = np.reshape(g, x.shape)
    ndmin      y = np.array(x, ndmin=3)          dx = np.reshape(g, x.shape)
               (axes of length 1 put in front up to ndim, as np.block gives its pieces;
               np.atleast_3d puts them around a matrix instead)
    repeat     y = np.repeat(x, k, axis)         dx = the k copies of each element summed:
               np.sum(np.reshape(g, x.shape[:axis] + (x.shape[axis], k) + ...), axis + 1)
               (``unrepeat``, whose VJP is repeat again); counts per element
               (np.repeat(x, [1, 2, 0]), or an integer array of counts) are a ``move``
               (moves.py): dx sums each element's copies by position (np.bincount)
    np.atleast_1d(a, b) is the pair of each (np.vstack and np.dstack are joined
    atleast_2d / atleast_3d parts: frontend.lower_compositions)
"""
from __future__ import annotations

import ast

import numpy as np

from ..ir import Const, Node
from . import arrays as A
from .registry import LINEAR, Primitive, register


def _negated(shift):
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


#: primitive -> (the NumPy function, its parameters in call order, the params of its VJP)
UNDO = {
    "flip": lambda p: p,
    "swapaxes": lambda p: p,
    "moveaxis": lambda p: {"source": p["destination"], "destination": p["source"]},
    "roll": lambda p: {"shift": _negated(p["shift"]), "axis": p["axis"]},
}
ORDER = {"flip": ("axis",), "swapaxes": ("axis1", "axis2"),
         "moveaxis": ("source", "destination"), "roll": ("shift", "axis")}
PARAMS = {"flip": (("axis", "axis"),), "swapaxes": (("axis1", "int"), ("axis2", "int")),
          "moveaxis": (("source", "axis"), ("destination", "axis")),
          "roll": (("shift", "axis"), ("axis", "axis"))}


def vjp_rearranged(em, g, n: Node, i: int):
    return em.out(n.op, [g], **UNDO[n.op](dict(n.params)))


def _print(n, p):
    names = ORDER[n.op]
    values = [n.param(k) for k in names]
    if n.op in ("flip", "roll") and values[-1] is None:         # all axes: NumPy's default
        return p.np(n.op, p.a + [p.literal(v) for v in values[:-1]])
    return p.np(n.op, p.a + [p.literal(v) for v in values])


def _shape(n, shapes, values):
    params = [n.param(k) for k in ORDER[n.op]]
    return getattr(np, n.op)(A._dummy(shapes[0]), *params).shape


def _lower(op: str, fixed: dict | None = None):
    """np.<name>(x, *params) with the params constants (``fixed`` for fliplr/flipud)."""
    names = ORDER[op]

    def lower(ctx, e, hint, name, args, keywords):
        values = dict(fixed or {})
        if fixed is None:
            for k, key in enumerate(names):
                given = keywords.get(key, args[k + 1] if len(args) > k + 1 else None)
                if given is None and not (op in ("flip", "roll") and key == "axis"):
                    raise ctx.fail(f"np.{name} needs its `{key}`", e)
                values[key] = ctx.static(given if given is not None else Const(None), e, key)
        extra = set(keywords) - set(names)
        if extra or len(args) > len(names) + 1 or (fixed is not None and len(args) != 1):
            raise ctx.fail(f"np.{name} takes the array and {', '.join(names)} here", e)
        return ctx.emit(op, [ctx.array(args[0], e)], hint, **values)
    return lower


#: np.fliplr / np.flipud: flips along a fixed axis.
FLIPS = {"fliplr": _lower("flip", {"axis": 1}), "flipud": _lower("flip", {"axis": 0})}


def _along_an_axis(what: str):
    """numba's np.flip, np.roll and np.repeat take no axis."""
    return lambda n: f"np.{what} along an axis (numba's takes none)" \
        if n.param("axis") is not None else ""


def _entry(op: str, maths: str, spellings: tuple, lower=None, **more) -> Primitive:
    return Primitive(op, "manipulation", maths, shape=_shape, vjp=vjp_rearranged, jvp=LINEAR,
                     printer=_print, params=PARAMS[op], spellings=spellings,
                     lower=lower or _lower(op), **more)


def _lower_atleast(ctx, e, hint, name, args, keywords):
    from ..frontend.lower import Tup
    from ..ir import TMP
    if keywords or not args:
        raise ctx.fail(f"np.{name} takes arrays by position", e)
    ndim = int(name[len("atleast_")])
    parts = [ctx.emit("atleast", [ctx.array(a, e)], hint if len(args) == 1 else TMP,
                      ndim=ndim) for a in args]
    return parts[0] if len(parts) == 1 else Tup(tuple(parts))


def vjp_repeat(em, g, n: Node, i: int):
    return em.out("unrepeat", [g, n.args[0]], repeats=n.param("repeats"), axis=n.param("axis"))


def vjp_unrepeat(em, g, n: Node, i: int):
    if i != 0:
        return None
    return em.out("repeat", [g], repeats=n.param("repeats"), axis=n.param("axis"))


def _print_repeat(n, p):
    axis = [p.literal(n.param("axis"))] if n.param("axis") is not None else []
    return p.np("repeat", [p.a[0], p.literal(n.param("repeats"))] + axis)


def _unrepeat_text(k: int, axis) -> str:
    """The sum of the k copies, as Python over names G (the gradient) and X."""
    if axis is None:
        return f"np.reshape(np.sum(np.reshape(G, (-1, {k})), axis=1), np.shape(X))"
    tail = f"X.shape[{axis + 1}:]" if axis != -1 else "()"
    summed = axis + 1 if axis >= 0 else axis
    return (f"np.sum(np.reshape(G, X.shape[:{axis}] + (X.shape[{axis}], {k}) + {tail}), "
            f"axis={summed})")


def _print_unrepeat(n, p):
    p.imports.add("numpy")
    tree = ast.parse(_unrepeat_text(n.param("repeats"), n.param("axis")), mode="eval").body
    by_name = {"G": p.a[0], "X": p.a[1]}

    class Fill(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id == "np":
                from ..backend.codegen_math import global_name
                return ast.Name(global_name("np"), ast.Load())
            return by_name.get(node.id, node)
    return Fill().visit(tree)


def _lower_repeat(ctx, e, hint, name, args, keywords):
    """np.repeat(x, k, axis): one constant count is ``repeat``; counts per element (a
    constant list, or an integer array the function is not differentiated by) copy each
    element its own number of times, a ``move`` (its VJP sums the copies by position)."""
    if set(keywords) - {"repeats", "axis"} or len(args) > 3 or not args:
        raise ctx.fail("np.repeat takes an array, repeats and axis here", e,
                       "write np.repeat(x, repeats, axis)")
    given = keywords.get("repeats", args[1] if len(args) > 1 else None)
    if given is None:
        raise ctx.fail("np.repeat needs its `repeats`", e)
    axis = ctx.static(keywords.get("axis", args[2] if len(args) > 2 else Const(None)), e, "axis")
    if axis is not None and (not isinstance(axis, int) or isinstance(axis, bool)):
        raise ctx.fail("np.repeat takes one constant axis (or None)", e, "write e.g. axis=0")
    x = ctx.array(args[0], e)
    known = ctx.items(given) is not None and all(
        isinstance(v, Const) and v.name is None for v in ctx.items(given)) or \
        isinstance(given, Const) and given.name is None
    repeats = ctx.static(given, e, "repeats") if known else None
    if isinstance(repeats, int) and not isinstance(repeats, bool) and repeats >= 0:
        return ctx.emit("repeat", [x], hint, repeats=repeats, axis=axis)
    if known and not (isinstance(repeats, tuple) and all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in repeats)):
        raise ctx.fail("np.repeat's repeats must be counts: a constant integer, a list of "
                       "them, or an integer array", e, "write e.g. np.repeat(x, [1, 2, 0])")
    counts = ("const", repeats) if known else 1
    node_args = [x] if known else [x, ctx.array(given, e)]
    layout = (0, counts) + ((("const", axis),) if axis is not None else ())
    return ctx.emit("move", node_args, hint, fn="repeat", layout=layout, keywords=(),
                    moved=(0,), part=None, value_only=())


def _repeat_shape(n, shapes, values):
    return np.repeat(A._dummy(shapes[0]), n.param("repeats"), n.param("axis")).shape


REPEAT = (("repeats", "int"), ("axis", "axis"))


def _atleast_shape(n, shapes, values):
    return getattr(np, f"atleast_{n.param('ndim')}d")(A._dummy(shapes[0])).shape


def _ndmin_shape(n, shapes, values):
    return (1,) * (n.param("ndim") - len(shapes[0])) + tuple(shapes[0])


register(
    Primitive("repeat", "manipulation", "each element of x k times along axis",
              shape=_repeat_shape, vjp=vjp_repeat, jvp=LINEAR, printer=_print_repeat,
              params=REPEAT, spellings=("np.repeat", "x.repeat()"), lower=_lower_repeat,
              numba_refuses=_along_an_axis("repeat")),
    Primitive("unrepeat", "manipulation", "the sums of k neighbours along axis, shaped as x",
              shape=lambda n, s, v: s[1], vjp=vjp_unrepeat, jvp=LINEAR,
              printer=_print_unrepeat, params=REPEAT, numba_refuses=_along_an_axis("repeat")),
    Primitive("atleast", "manipulation", "x with axes of length 1 added up to ndim",
              shape=_atleast_shape, vjp=A.vjp_expand, jvp=LINEAR,
              printer=lambda n, p: p.np(f"atleast_{n.param('ndim')}d", p.a),
              params=(("ndim", "int"),), lower=_lower_atleast,
              spellings=("np.atleast_1d", "np.atleast_2d", "np.atleast_3d"),
              numba_refuses=lambda n: "np.atleast_1d/2d/3d (numba's takes one array)"),
    Primitive("ndmin", "shaping", "x with axes of length 1 put in front up to ndim",
              shape=_ndmin_shape, vjp=A.vjp_expand, jvp=LINEAR,
              printer=lambda n, p: p.np("array", p.a, (("ndmin", n.param("ndim")),)),
              params=(("ndim", "int"),),
              numba_refuses=lambda n: "np.array(x, ndmin=...) (numba's np.array takes no "
                                      "ndmin)"),
    _entry("flip", "x with the order of its elements along axis reversed",
           ("np.flip", "np.fliplr", "np.flipud"), lower=lambda ctx, e, hint, name, args, kw:
           FLIPS.get(name, _lower("flip"))(ctx, e, hint, name, args, kw),
           numba_refuses=_along_an_axis("flip")),
    _entry("swapaxes", "x with two axes exchanged", ("np.swapaxes", "x.swapaxes()")),
    _entry("moveaxis", "x with axes moved to new positions", ("np.moveaxis",)),
    _entry("roll", "x shifted along axis, wrapping around", ("np.roll",),
           numba_refuses=_along_an_axis("roll")),
)
