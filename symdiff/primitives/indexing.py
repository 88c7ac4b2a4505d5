"""Indexing primitives: reading and writing parts of arrays, and choosing between two.

    getitem   y = x[idx]              dx = zeros like x, g written at idx: index routes
                                      (repeated indices add up: ``np.add.at``)
    setitem   y = x; y[idx] = v       dx = g with zeros at idx, dv = g[idx]
    where     y = where(c, a, b)      da = g where c, db = g where not c

An index spec is a tuple of entries: None (newaxis), Ellipsis, ``("at", k)`` (argument k)
or ``("slice", k0, k1, k2)`` (arguments for start, stop, step; None when left out).
"""
from __future__ import annotations

import ast

import numpy as np

from ..errors import SymdiffError
from ..ir import TMP, Const
from . import arrays as A
from . import tangents as T
from .registry import LINEAR, NO_DERIVATIVE, Primitive, register


def _getitem_shape(n, shapes, values):
    bounds = {k for e in n.param("index") if isinstance(e, tuple) and e[0] == "slice"
              for k in e[1:] if k is not None}
    if any(values[k] is None for k in bounds):
        return None
    if n.param("length") is not None and tuple(shapes[0])[-1:] != (n.param("length"),):
        # a lowering's own pick along the last axis, which must have this length
        raise SymdiffError(f"{n.param('needs')}, not an array of shape {tuple(shapes[0])}",
                           n.loc)
    ints = [np.zeros(s, int) if v is None else v for s, v in zip(shapes, values)]
    return A._dummy(shapes[0])[A.index_tuple(n.param("index"), ints)].shape


def _by_mask(n, is_mask) -> bool:
    return any(is_mask(v) for v in n.args[1:])


def _print_setitem(n, p):
    base, value, *index_args = n.args
    start = p.start_write(base)
    index = p.index(n.param("index"), n.args)
    write = ast.Assign([ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())],
                       p.name(value))
    return [ast.Assign([p.target], start), write]


def _setitem_jvp(em, n, ts):
    """y = x with y[idx] = v: y_dot = x_dot with y_dot[idx] = v_dot."""
    if ts[1] is not None:
        A.refuse_integer_base(em, n)
    base = ts[0] if ts[0] is not None else T.zeros(em, n.args[0])
    value = ts[1] if ts[1] is not None else Const(0.0)
    return em.out("setitem", [base, value, *n.args[2:]], **dict(n.params))


def _where_jvp(em, n, ts):
    t = em.out("where", [n.args[0], ts[1] if ts[1] is not None else Const(0.0),
                         ts[2] if ts[2] is not None else Const(0.0)])
    return T.broadcast_like(em, t, n.out)


def _lower_where(ctx, e, hint, name, args, keywords):
    if len(args) == 1 and not keywords:                 # np.where(c) is np.nonzero(c)
        return ctx.emit("indices", [ctx.array(args[0], e)], hint, fn="where")
    if len(args) != 3 or keywords:
        raise ctx.fail("np.where takes a condition and two arrays here", e,
                       "write np.where(cond, a, b); for the indices where cond holds, "
                       "compute them outside the function")
    return ctx.emit("where", [ctx.array(a, e) for a in args], hint)


def add_at_loop(n, g, p) -> ast.For:
    """``np.add.at(out, (i, j), g)`` for 1-D index arrays as the loop numba compiles:
    ``for k in range(len(i)): out[i[k], j[k]] += g[k]`` (repeated indices add up)."""
    k = ast.Name(n.param("loop"), ast.Load())
    index_args = [n.args[entry[1] + 1] for entry in n.param("index")]
    at = [ast.Subscript(p.name(v), k, ast.Load()) for v in index_args]
    slot = ast.Subscript(ast.Name(n.out.name, ast.Load()),
                         at[0] if len(at) == 1 else ast.Tuple(at, ast.Load()), ast.Store())
    count = ast.Call(ast.Name("len", ast.Load()), [p.name(index_args[0])], [])
    add = ast.AugAssign(slot, ast.Add(), ast.Subscript(p.name(g), k, ast.Load()))
    return ast.For(ast.Name(n.param("loop"), ast.Store()),
                   ast.Call(ast.Name("range", ast.Load()), [count], []), [add], [])


#: index producers: how many arrays they take (a tuple of them for ravel_multi_index),
#: whether they take a shape, and whether they give a tuple of arrays
PRODUCERS = {"nonzero": (1, False, True), "where": (1, False, True),
             "argwhere": (1, False, False), "flatnonzero": (1, False, False),
             "ravel_multi_index": (1, True, False), "unravel_index": (1, True, True),
             "tril_indices": (1, False, True), "triu_indices": (1, False, True),
             "diag_indices": (1, False, True)}
#: made from sizes, lowered by ``index_sets`` (which emits this entry for run-time sizes)
SIZED = {"where", "tril_indices", "triu_indices", "diag_indices"}
#: their results' length depends on the data
DATA_SIZED = {"nonzero", "where", "argwhere", "flatnonzero"}


def _indices_shape(n, shapes, values):
    if n.param("fn") in DATA_SIZED or PRODUCERS[n.param("fn")][2]:
        return None
    stand_ins = [v if v is not None else np.zeros(s, int) for s, v in zip(shapes, values)]
    return np.shape(getattr(np, n.param("fn"))(*stand_ins))


def _print_indices(n, p):
    return p.np(n.param("fn"), p.a)


def lower_indices(ctx, e, hint, name, args, keywords):
    """np.nonzero(c), np.argwhere(c), np.flatnonzero(c), np.ravel_multi_index((i, j),
    shape), np.unravel_index(k, shape): integer indices, no derivative."""
    count, shaped, _ = PRODUCERS[name]
    if keywords or len(args) != count + shaped:
        raise ctx.fail(f"np.{name} takes {'an array and a shape' if shaped else 'an array'}"
                       " here", e, "leave out order= and mode=")
    first = ctx.items(args[0])
    if first is not None:                       # (i, j): a tuple of index arrays
        arrays = [ctx.array(v, e) for v in first]
        value = ctx.emit("tuple", arrays, TMP)
    else:
        value = ctx.array(args[0], e)
    node_args = [value]
    if shaped:
        shape = args[1]
        items = ctx.items(shape)
        node_args.append(ctx.emit("tuple", [ctx.array(v, e) for v in items], TMP)
                         if items is not None else ctx.array(shape, e))
    return ctx.emit("indices", node_args, hint, fn=name)


INDEX = (("index", "index"),)

register(
    Primitive("getitem", "indexing", "x[idx]", shape=_getitem_shape, vjp=A.vjp_getitem,
              jvp=LINEAR, gate="index routes",
              params=INDEX + (("item", "bool"), ("needs", "str"), ("length", "int")),
              printer=lambda n, p: ast.Subscript(p.a[0], p.index(n.param("index"), n.args),
                                                 ast.Load()),
              makes_mask=_by_mask, selects=True, spellings=("x[]",),
              counts=lambda n: n.args[1:]),
    Primitive("setitem", "indexing", "x with x[idx] = v", shape=lambda n, s, v: s[0],
              partial_shapes=True, vjp=A.vjp_setitem, jvp=_setitem_jvp,
              printer=_print_setitem, params=INDEX, spellings=("x[]=",)),
    Primitive("where", "indexing", "a where c, else b", shape=lambda n, s, v:
              tuple(np.broadcast_shapes(*s)), vjp=A.vjp_where, jvp=_where_jvp,
              printer=lambda n, p: p.np("where", p.a), scalar_args=True, broadcasts=True,
              spellings=("np.where",), lower=_lower_where),
    Primitive("indices", "indexing", "integer indices computed from x (no derivative)",
              shape=_indices_shape, vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=_print_indices, params=(("fn", "str"),),
              integer_valued=True, tuple_valued=lambda n: PRODUCERS[n.param("fn")][2],
              spellings=tuple(f"np.{f}" for f in PRODUCERS if f not in SIZED) +
              ("x.nonzero()",),
              lower=lower_indices),
)
