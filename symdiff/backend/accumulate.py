"""A loop's gradient sums written where each contribution is made.

The backward of a loop adds each iteration's contributions to the gradients it carries
at the end of the body (``dWx += dWx_from_h``), so every contribution, a fresh array,
stays alive until then, beside all the others. Moved next to the line that makes it, the
sum takes that line's expression, ``dWx += np.outer(dWx_plus_b, xs_t)``: no contribution
outlives its use, and the iteration holds one temporary at a time, as a hand-written
backward does. ``added_where_made`` moves the sums; ``added_next`` is what codegen asks
to write inside the sum.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace

from ..ir import Function, If, Loop, Node, Var, blocks, map_blocks, reads_all, uses
from .inside import WRITES
from .printing import SUM2


def added_where_made(fn: Function) -> Function:
    """``fn`` with each sum ``acc_1 = acc + c`` of a loop-carried gradient ``acc`` moved to
    just after the statement that makes ``c``, when ``c`` is read by that sum alone and
    nothing between reads ``acc`` (the value the sum replaces): the order of everything
    that sees either is unchanged. The moved sum takes the contribution's source line and
    says what it applies (``matmul: dWx_xs_t/dWx; gradients add up over the iterations``)."""
    count = uses(fn)

    def block(stmts, carried: frozenset) -> tuple:
        stmts = tuple(_nested(s, block, carried) for s in stmts)
        return _moved(stmts, carried, count) if carried else stmts
    return replace(fn, body=block(fn.body, frozenset()))


def _nested(s, block, carried: frozenset):
    if isinstance(s, Loop):
        inner = carried | {v.name for v in s.carried}
        return replace(s, cond_body=block(s.cond_body, frozenset()), body=block(s.body, inner))
    if isinstance(s, If):
        return map_blocks(s, lambda b: block(b, carried))
    return s


def _moved(stmts: tuple, carried: frozenset, count: dict[str, int]) -> tuple:
    made = {s.out.name: i for i, s in enumerate(stmts) if isinstance(s, Node)}
    readers = _readers(stmts)
    at = dict(made)                     # where each value is made once the sums have moved
    accumulating = set(carried)
    after: dict[int, Node] = {}
    for i, s in enumerate(stmts):
        j = _contribution(s, stmts, made, count, accumulating)
        if j is None or at.get(s.args[0].name, -1) > j or _read_between(readers, s, j, i):
            continue
        c = stmts[j]
        after[j] = replace(s, loc=c.loc or s.loc, note=f"{c.note}; {s.note}" if c.note else s.note)
        at[s.out.name] = j
        accumulating.add(s.out.name)
    if not after:
        return stmts
    moved = {made[n.out.name] for n in after.values()}
    out = []
    for i, s in enumerate(stmts):
        if i in after:                  # the contribution, written inside the sum after it
            out.extend((replace(s, temporary=True), after[i]))
        elif i not in moved:
            out.append(s)
    return tuple(out)


def _contribution(s, stmts, made: dict, count: dict, accumulating: set) -> int | None:
    """The index of the statement making the contribution ``s`` adds to an accumulating
    gradient, or None when ``s`` is no such sum."""
    if not (isinstance(s, Node) and s.gradient_sum and s.op == "ew" and len(s.args) == 2
            and s.param("expr") == SUM2 and all(isinstance(a, Var) for a in s.args)
            and s.args[0].name in accumulating):
        return None
    c = s.args[1].name
    j = made.get(c)
    if j is None or j >= made[s.out.name] or count.get(c) != 1:
        return None
    source = stmts[j]
    return j if source.derived and source.op not in WRITES and not source.gradient_sum \
        else None


def _readers(stmts) -> dict[str, list[int]]:
    """Name -> the indices (ascending) of the statements that read it, at any depth."""
    out: dict[str, list[int]] = {}
    for i, s in enumerate(stmts):
        for name in {a.name for a in reads_all(s) if isinstance(a, Var)}:
            out.setdefault(name, []).append(i)
    return out


def _read_between(readers: dict, s: Node, j: int, i: int) -> bool:
    """Whether a statement after ``j`` and before ``i`` reads what the sum ``s`` reads."""
    seen = readers.get(s.args[0].name, [])
    k = bisect_right(seen, j)
    return k < len(seen) and seen[k] < i


def added_next(fn_body) -> set[str]:
    """The contributions a gradient sum right after them adds in: written inside it."""
    out: set[str] = set()

    def block(stmts):
        for a, b in zip(stmts, stmts[1:]):
            if (isinstance(a, Node) and isinstance(b, Node) and b.gradient_sum
                    and len(b.args) == 2 and b.args[1] == a.out and a.op not in WRITES):
                out.add(a.out.name)
        for s in stmts:
            for inner in blocks(s):
                block(inner)
    block(tuple(fn_body))
    return out
