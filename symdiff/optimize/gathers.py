"""The gradient of a label gather, summed along its rows, is known without summing.

``log_probs[np.arange(N), y]`` reads one entry of each row of an (N, C) array; its
backward writes the upstream gradient g into zeros at those entries, and a softmax's
backward then sums each row of that. Each row holds exactly one written entry (the
row indices are 0 .. N - 1, once each), so the row sum is g itself, exactly:

    sum(scatter(g, like, np.arange(N), y), axis=1)          ->  g       (g of shape (N,))
    sum(scatter(g, like, np.arange(N), y), axis=1, keepdims)  ->  np.full((N, 1), g)

The zeros array then has one reader left, which ``accumulate_in_place`` turns into a
write into the other gradient (``dscores[arange_N, y] += g``). Shapes must be known.
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import Const, Function, Node, Var, map_blocks, walk


def row_sums_of_gathers(fn: Function, shapes: dict) -> Function:
    """``fn`` with each row sum of a one-entry-per-row scatter replaced by its entries."""
    producers = {s.out.name: s for s in walk(fn.body) if isinstance(s, Node)}

    def block(stmts) -> tuple:
        return tuple(map_blocks(s, block) if not isinstance(s, Node) else
                     _row_sum(s, producers, shapes) for s in stmts)
    return replace(fn, body=block(fn.body))


def _shape(v, shapes):
    return () if isinstance(v, Const) and isinstance(v.value, (int, float)) else \
        shapes.get(v.name) if isinstance(v, Var) else None


def _row_sum(n: Node, producers: dict, shapes: dict) -> Node:
    if n.op != "sum" or n.param("axis") not in (1, -1) or not isinstance(n.args[0], Var):
        return n
    scatter = producers.get(n.args[0].name)
    if scatter is None or scatter.op != "scatter" or \
            scatter.param("index") != (("at", 1), ("at", 2)):
        return n
    g, like, rows, cols = scatter.args
    shape = _shape(like, shapes)
    if not isinstance(shape, tuple) or len(shape) != 2 or not isinstance(rows, Var):
        return n
    made = producers.get(rows.name)
    if made is None or made.op != "np" or made.param("fn") != "arange" or \
            len(made.args) != 1 or made.param("keywords"):
        return n
    count = shape[0]                         # np.arange(M) has shape (M,): M is N
    if _shape(rows, shapes) != (count,) or _shape(cols, shapes) != (count,):
        return n
    keep = bool(n.param("keepdims"))
    if _shape(g, shapes) == () and isinstance(count, int):
        return replace(n, op="fill", args=(Const((count, 1) if keep else (count,)), g),
                       params=(("dtype", None), ("fn", "full")))
    if _shape(g, shapes) == (count,):
        if not keep:
            return replace(n, op="alias", args=(g,), params=())
        return replace(n, op="reshape", args=(g, Const(count), Const(1)), params=())
    return n


__all__ = ["row_sums_of_gathers"]
