"""Values written inside the line that reads them, not on a line of their own.

A view used once (``X.T``), a shape read once, the number ``np.full`` spreads, the made-up
product ``unbroadcast`` sums (``dr = unbroadcast(2 * g * r, r)``) and the made-up gradient
one gradient helper alone reads (``dw = matmul_vjp_right(unbroadcast(dr, X_w), X, w)``)
read better inside the call. ``summed_inside`` marks the backward values that may be;
``inlinable`` is what codegen asks of each node.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..ir import Function, If, Loop, Node, Var, map_blocks, uses, walk
from ..primitives.registry import primitive


def inlinable(n: Node, count: dict[str, int], fills=frozenset(), summed=frozenset()) -> bool:
    """A temporary view used once (``X.T``), a shape or size read once, the number
    ``np.full`` spreads (``np.full(np.shape(x), -1.0 / np.size(x))``), or the product
    ``unbroadcast`` sums (``dr = unbroadcast(2 * g * r, r)``) reads better inside the line
    that uses it."""
    if not n.temporary or count.get(n.out.name) != 1:
        return False
    if n.op == "transpose":
        return n.param("axes") is None
    if n.op == "ew" and n.out.name in fills or n.op in SUMMED_INSIDE and n.out.name in summed:
        return True
    if n.op == "unbroadcast" and n.derived:         # a helper's argument (``summed_inside``)
        return True
    return primitive(n.op).shape_only and n.derived and not n.param("restored")


#: What a made-up gradient ``unbroadcast`` (or ``np.broadcast_to``) alone reads may
#: compute inside its call.
SUMMED_INSIDE = ("ew", "where")
#: The calls that sum or spread their first argument to the shape of the second.
SUMMING = ("unbroadcast", "broadcast_to")
#: Operations that may write into an array in place (``in_place``).
WRITES = ("setitem", "add_at")


def spread_or_summed(fn: Function) -> set[str]:
    return {s.args[0].name for s in walk(fn.body) if isinstance(s, Node)
            and s.op in SUMMING and isinstance(s.args[0], Var)}


def summed_inside(fn: Function, made_up) -> Function:
    """``fn`` with each made-up backward value of ``made_up`` (an elementwise product, a
    ``where``) that only an ``unbroadcast`` or ``np.broadcast_to`` reads marked temporary:
    written inside that call, ``dr = unbroadcast(2 * dweights_times_r_sq * weights * r,
    r)``, ``dx_2 = np.broadcast_to(dm / x_dim, np.shape(x))``, not on a line of its own;
    so is a made-up gradient ``unbroadcast`` sums for one gradient helper alone,
    ``dw = matmul_vjp_right(unbroadcast(dr, X_w), X, w)``.
    Only when no branch, loop or write in place (``setitem``, ``dx += g``) comes between,
    and never for a gradient of a user's variable (``dr``): that keeps its line and name."""
    count = uses(fn)

    def reader(k: int, stmts, first_reader: dict, barrier: list):
        """The statement that writes stmts[k] inside its call, or None."""
        s = stmts[k]
        if not (isinstance(s, Node) and s.derived and s.out.name in made_up
                and count.get(s.out.name) == 1 and s.op in (*SUMMED_INSIDE, "unbroadcast")):
            return None
        at = first_reader.get(s.out.name)
        if at is None or at <= k or barrier[k + 1] <= at:
            return None                 # a branch, a loop or a write in place between
        after = stmts[at]
        inside = _helped(after) if s.op == "unbroadcast" else after.op in SUMMING
        return at if inside and after.args[0] == s.out else None

    def block(stmts) -> tuple:
        stmts = list(stmts)
        first_reader, barrier = _first_readers(stmts), _barriers(stmts)
        for k, s in enumerate(stmts):
            if isinstance(s, (If, Loop)):
                stmts[k] = map_blocks(s, block)
                continue
            at = reader(k, stmts, first_reader, barrier)
            if at is None:
                continue
            after = stmts[at]
            stmts[k] = replace(s, temporary=True)
            why = _RANK_NOTE.search(s.note) if s.op == "unbroadcast" else None
            if why and why.group(0) not in after.note:    # the reader's line says why
                stmts[at] = replace(after, note=f"{after.note}{why.group(0)}")
        return tuple(stmts)
    return replace(fn, body=block(fn.body))


def _first_readers(stmts) -> dict[str, int]:
    """Name -> the index of the first statement of the block that reads it as an argument
    (found in one pass, so that the search for each value's reader stays linear)."""
    out: dict[str, int] = {}
    for i, s in enumerate(stmts):
        if isinstance(s, Node):
            for a in s.args:
                if isinstance(a, Var):
                    out.setdefault(a.name, i)
    return out


def _barriers(stmts) -> list[int]:
    """For each index, the first statement at or after it that nothing is moved across (a
    branch, a loop, a write in place, a gradient sum); len(stmts) where there is none."""
    out = [len(stmts)] * (len(stmts) + 1)
    for i in range(len(stmts) - 1, -1, -1):
        s = stmts[i]
        stop = not isinstance(s, Node) or s.op in WRITES or s.gradient_sum
        out[i] = i if stop else out[i + 1]
    return out


#: The part of an ``unbroadcast`` line's comment that says why the helper is needed.
_RANK_NOTE = re.compile(r"  \(rank of \w+ unknown[^)]*\)")


def _helped(n: Node) -> bool:
    """A helper computing a gradient from its first argument (``matmul_vjp_right(g, x,
    y)``): the made-up gradient it reads, summed by ``unbroadcast``, is written inside."""
    return bool(primitive(n.op).helper) and n.op not in SUMMING
