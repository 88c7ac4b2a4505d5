"""Moves: NumPy functions that only copy elements of their array arguments to new places
(``np.pad``, ``np.tile``, ``np.diag``, ``np.rot90``, ``np.hstack``, a piece of
``np.split``...). One primitive stands for all of them, printed as the NumPy call itself:

    move       y = np.<fn>(x, *static)          dx: each element of x gets the sum of
                                                the gradients of its copies

The VJP asks NumPy where each element went: the same function applied to the positions
of x's elements (numbered from 1; 0 stands for an element the function made, such as
padding) says, for every element of y, which element of x it copies. Summing g by those
positions is ``np.bincount``:

    at = np.pad(positions(x), 1, mode='edge')       # which element of x each of y copies
    dx = np.bincount(np.ravel(at), np.ravel(g), np.size(x) + 1)[1:], shaped as x

So the derivative follows NumPy's definition of the function by construction, for every
mode and shape, with no rank needed at compile time. A function of several arrays
(``np.hstack([a, b])``, ``np.insert(a, i, v)``) moves one argument's positions at a time,
the others replaced by zeros. Being linear, a move's tangent is the same move of the
tangents.

    positions  np.arange(1, np.size(x) + 1) shaped as x (or integer zeros shaped as x)
    unmove     the sums of g by position: the gradient of the moved argument
"""
from __future__ import annotations

import ast

import numpy as np

from dataclasses import replace

from ..ir import Const
from . import arrays as A
from . import tangents as T
from .registry import LINEAR, NO_DERIVATIVE, NOT_YET, Primitive, register

#: params: fn (the NumPy function), layout (its positional arguments: an argument number,
#: ("list", numbers) or ("const", value)), keywords ((name, entry) pairs), moved (the
#: argument numbers whose elements are copied), part (the item of a tuple result, or None),
#: value_only (keywords that set values of new elements, left out for positions)
PARAMS = (("fn", "str"), ("layout", "any"), ("keywords", "any"), ("moved", "any"),
          ("part", "any"), ("value_only", "any"))


#: NumPy functions a move calls that numba has no implementation of
NUMBA_LACKS = {"tile", "pad", "hstack", "column_stack", "dstack", "meshgrid", "insert",
               "broadcast_arrays", "rollaxis"}
#: those numba takes with their first two arguments only
NUMBA_TWO_ARGUMENTS = {"rot90", "delete", "repeat"}
#: those whose result's shape depends on the values of the arguments they do not move
#: (np.repeat's counts): unknown while those values are
SIZED_BY_VALUES = {"repeat"}


def _numba_refuses(n) -> str:
    fn = n.param("fn")
    if fn in NUMBA_LACKS:
        return f"np.{fn} (numba has none)"
    if fn in NUMBA_TWO_ARGUMENTS and (n.param("keywords") or len(n.param("layout")) > 2):
        return f"np.{fn} with an axis (numba's takes two arguments)"
    return ""


def _numba(n, cx):
    """np.rollaxis(x, axis, start) is np.moveaxis(x, axis, start - 1) where axis < start,
    np.moveaxis(x, axis, start) otherwise (numba has no rollaxis); negative axes need x's
    rank. numba's np.repeat takes its counts as an array, not a tuple."""
    if n.param("fn") == "repeat":
        return _numba_repeat(n, cx)
    if n.param("fn") != "rollaxis":
        return None
    layout = n.param("layout")
    given = {**dict(zip(("a", "axis", "start"), layout)), **dict(n.param("keywords"))}
    axis, start = given["axis"][1], given.get("start", ("const", 0))[1]
    shape = cx[1].get(n.args[0].name) if hasattr(n.args[0], "name") else None
    if axis < 0 or start < 0:
        if not isinstance(shape, tuple):
            return None
        axis, start = axis % len(shape), start + len(shape) if start < 0 else start
    destination = start - 1 if axis < start else start
    return [n.with_params(fn="moveaxis", keywords=(),
                          layout=(layout[0], ("const", axis), ("const", destination)))]


def _numba_repeat(n, cx):
    """np.repeat(x, (1, 2, 0)) as np.repeat(x, counts), counts = np.array((1, 2, 0))."""
    layout = n.param("layout")
    if not (isinstance(layout[1], tuple) and isinstance(layout[1][1], tuple)):
        return None
    counts = cx[0].fresh(n.out.name + "_counts")
    made = replace(n, op="np", out=counts, args=(Const(layout[1][1]),),
                   params=(("fn", "array"), ("keywords", ())))
    moved = replace(n, args=(*n.args, counts))
    return [made, moved.with_params(layout=(layout[0], len(n.args)) + layout[2:])]


def _entries(n):
    return list(n.param("layout")) + [entry for _, entry in n.param("keywords")]


def _evaluate(n, values):
    """np.<fn>(...) with ``values[k]`` for argument k."""
    def value(entry):
        if isinstance(entry, int):
            return values[entry]
        kind, what = entry
        return [values[k] for k in what] if kind == "list" else what
    out = getattr(np, n.param("fn"))(*[value(e) for e in n.param("layout")],
                                     **{k: value(e) for k, e in n.param("keywords")})
    return out if n.param("part") is None else out[n.param("part")]


def _shape(n, shapes, values):
    moved = set(n.param("moved"))
    if n.param("fn") in SIZED_BY_VALUES and any(v is None for k, v in enumerate(values)
                                                 if k not in moved):
        return None
    stand_ins = [A._dummy(s) if k in moved else (v if v is not None else np.zeros(s, int))
                 for k, (s, v) in enumerate(zip(shapes, values))]
    return np.shape(_evaluate(n, stand_ins))


def _print(n, p):
    def expr(entry):
        if isinstance(entry, int):
            return p.a[entry]
        kind, what = entry
        return ast.List([p.a[k] for k in what], ast.Load()) if kind == "list" \
            else p.literal(what)
    call = p.np(n.param("fn"), [expr(e) for e in n.param("layout")],
                [(k, expr(e)) for k, e in n.param("keywords")])
    part = n.param("part")
    return call if part is None else ast.Subscript(call, ast.Constant(part), ast.Load())


def _with(n, **updates) -> dict:
    return {**dict(n.params), **updates}


def vjp_move(em, g, n, i: int):
    """The sums of g over the copies of each element of argument i."""
    if i not in n.param("moved"):
        return None
    args = list(n.args)
    for k in n.param("moved"):
        args[k] = em.tmp("positions", [n.args[k]], first=k == i)
    at = em.tmp("move", args, **_without_values(n))
    em.set_shape(at, em.shape(n.out))
    if isinstance(g, Const):
        g = em.tmp("broadcast_to", [g, em.tmp("shape", [at], style="np")])
    return em.out("unmove", [g, at, n.args[i]])


def jvp_move(em, n, ts):
    """Linear in the moved arguments together: the same move of their tangents."""
    moved = n.param("moved")
    if all(ts[k] is None for k in moved):
        return None
    args = list(n.args)
    for k in moved:
        args[k] = ts[k] if ts[k] is not None else T.zeros(em, n.args[k])
    return em.out("move", args, **_without_values(n))


def _without_values(n) -> dict:
    """The params with the keywords that set new elements' values left out: those
    elements are 0 in tangents and hold no position."""
    value_only = set(n.param("value_only"))
    keywords = tuple((k, e) for k, e in n.param("keywords") if k not in value_only)
    return _with(n, keywords=keywords, value_only=())


def _print_positions(n, p):
    x = p.a[0]
    shape = p.np("shape", [x])
    if not n.param("first"):
        return p.np("zeros", [shape], [("dtype", ast.Name("int", ast.Load()))])
    stop = ast.BinOp(p.np("size", [x]), ast.Add(), ast.Constant(1))
    return p.np("reshape", [p.np("arange", [ast.Constant(1), stop]), shape])


def _print_unmove(n, p):
    g, at, x = p.a
    size = ast.BinOp(p.np("size", [x]), ast.Add(), ast.Constant(1))
    sums = p.np("bincount", [p.np("ravel", [at]), p.np("ravel", [g]), size])
    tail = ast.Subscript(sums, ast.Slice(ast.Constant(1), None, None), ast.Load())
    return p.np("reshape", [tail, p.np("shape", [x])])


register(
    Primitive("move", "moves", "np.<fn>(x, ...): the elements of x copied to new places",
              shape=_shape, vjp=vjp_move, jvp=jvp_move, printer=_print, params=PARAMS,
              gate="copies route", counts=lambda n: [a for k, a in enumerate(n.args)
                                                     if k not in n.param("moved")],
              numba=_numba, numba_refuses=_numba_refuses),
    Primitive("positions", "moves", "the numbers 1 .. size of x's elements, shaped as x "
              "(or integer zeros)", shape=lambda n, s, v: s[0], partial_shapes=True,
              vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE, printer=_print_positions,
              params=(("first", "bool"),), integer_valued=True, shape_only=True),
    Primitive("unmove", "moves", "the sums of g by the position of x each element copies",
              shape=lambda n, s, v: s[2], partial_shapes=True, vjp=NOT_YET, jvp=LINEAR,
              printer=_print_unmove),
)
