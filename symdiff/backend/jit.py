"""Numba: rewrite a gradient's IR into operations ``numba.njit`` compiles, same numbers.

Numba compiles a subset of NumPy. The code symdiff writes for scalars and loops stays in
that subset once a few forms are written differently (codegen, given ``jit=True``, also
writes backward ranges without ``reversed`` and checks a scalar output without
``np.ndim``):

    np.heaviside(u, 0.5)               0.5 * np.sign(u) + 0.5      (the same at 0: 1/2)
    np.sum(x, axis=k, keepdims=True)   np.expand_dims(np.sum(x, axis=k), k)
    t = np.sum(m, keepdims=True)       t = np.sum(m), when t only meets m's shape again
                                       (max routes: ``m * g / t``)
    np.add.at(dx, (i, j), g)           for k in range(len(i)): dx[i[k], j[k]] += g[k]
                                       (index arrays of known, equal 1-D shapes)
    np.zeros(np.stack([n, m], 0))      np.zeros((n, m))
    np.concatenate([a, b], 0)          np.concatenate((a, b), 0)    (and np.stack)
    np.array(g)  (a writable copy)     np.copy(g)

What numba still cannot compile (reductions over several axes, ``np.max`` along an axis,
the shape-generic ``unbroadcast`` helper, other ``np.add.at``) runs as NumPy: the generated
module's ``jit_or_numpy`` decorator warns once, naming the line.

    >>> numba_friendly(gradient_ir(src, wrt=(0,)), arg_shapes)
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy

from ..ir import Function, If, Loop, NameSupply, Node, Var, reads_here, walk
from ..ir.shapes import infer_shapes

#: NumPy functions whose first argument, a shape, numba wants as a tuple.
SHAPED = {"zeros", "ones", "empty", "full"}

#: H(u) with H(0) = 1/2, written with a function numba compiles.
HALF = sympy.Float(0.5)


def numba_friendly(fn: Function, arg_shapes: dict[str, Any] | None = None) -> Function:
    """``fn`` with the forms numba cannot compile rewritten; shapes, when the arguments'
    are known, allow the ``np.add.at`` loop."""
    shapes = infer_shapes(fn, arg_shapes, scalar_output=False) if arg_shapes else {}
    readers: dict[str, list] = {}
    for s in walk(fn.body):
        for v in reads_here(s):
            if isinstance(v, Var):
                readers.setdefault(v.name, []).append(s)
    cx = (NameSupply(fn.names()), shapes, readers)
    return replace(fn, body=_block(fn.body, cx))


def _block(stmts, cx) -> tuple:
    out: list = []
    for s in stmts:
        if isinstance(s, If):
            out.append(replace(s, then=_block(s.then, cx), orelse=_block(s.orelse, cx)))
        elif isinstance(s, Loop):
            out.append(replace(s, cond_body=_block(s.cond_body, cx), body=_block(s.body, cx)))
        else:
            out.extend(_node(s, cx))
    return tuple(out)


def _node(n: Node, cx) -> list[Node]:
    names, shapes, readers = cx
    if n.op == "ew" and n.param("lib") != "math" and n.param("expr").has(sympy.Heaviside):
        expr = n.param("expr").replace(sympy.Heaviside, lambda u, *_: HALF * sympy.sign(u) + HALF)
        return [n.with_params(expr=expr)]
    if n.op == "sum" and n.param("keepdims") and isinstance(n.param("axis"), int):
        total = names.fresh(n.out.name + "_sum")
        return [replace(n, out=total, params=_with(n, keepdims=False)),
                replace(n, op="expand_dims", args=(total,), params=(("axis", n.param("axis")),))]
    if n.op == "sum" and n.param("keepdims") and n.param("axis") is None \
            and _only_broadcast_against(n, readers.get(n.out.name, [])):
        return [replace(n, params=_with(n, keepdims=False))]
    if n.op in ("scatter_add", "add_at") and (n.op == "scatter_add" or n.param("advanced")) \
            and _loopable(n, shapes):
        return [replace(n, params=_with(n, loop=names.fresh("k").name))]
    if n.op == "copy":
        return [replace(n, op="np", params=(("fn", "copy"), ("keywords", ())))]
    if n.op in ("concatenate", "stack") and not n.param("tuple"):
        n = replace(n, params=_with(n, sequence="tuple"))
    if n.op == "stack" and n.param("axis") == 0 and n.args \
            and all(shapes.get(a.name) == () for a in n.args if isinstance(a, Var)) \
            and all(isinstance(r, Node) and r.op == "np" and r.param("fn") in SHAPED
                    for r in readers.get(n.out.name, [1])):
        return [replace(n, params=_with(n, tuple=True))]
    return [n]


def _with(n: Node, **updates) -> tuple:
    return tuple(sorted({**dict(n.params), **updates}.items()))


def _only_broadcast_against(n: Node, readers: list) -> bool:
    """Every reader is elementwise and also reads the summed array, whose shape the
    keepdims result (all ones) broadcasts to anyway: a scalar gives the same result."""
    return bool(readers) and all(isinstance(r, Node) and r.op == "ew" and n.args[0] in r.args
                                 for r in readers)


def _loopable(n: Node, shapes: dict) -> bool:
    """Only integer indices (no slices), each a 1-D array of one length n: the values
    gathered by ``x[i, j]`` are then ``x[i[k], j[k]]`` for k < n, g is their gradient,
    and ``np.add.at`` is a loop over k."""
    spec = n.param("index")
    if not spec or any(not isinstance(e, tuple) or e[0] != "at" for e in spec):
        return False
    index = [n.args[e[1] + 1] for e in spec]
    index_shapes = {shapes.get(v.name) if isinstance(v, Var) else None for v in index}
    return len(index_shapes) == 1 and None not in index_shapes and \
        len(next(iter(index_shapes))) == 1


__all__ = ["numba_friendly"]
