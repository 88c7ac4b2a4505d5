"""Tapes: what a loop's backward needs from each forward iteration, saved or recomputed.

The backward of a loop body reads forward values that later iterations overwrite. For
each such value the forward saves it (a push onto a tape) and the backward restores it
(a pop), or, for cheap values whose inputs the backward still has, recomputes it. Only
values the backward actually reads are saved.

    for t in range(n):              for t in range(n - 1, -1, -1):
        tape_h[t] = h                   h = tape_h[t]
        h = np.tanh(Wh @ h + x[t])      xt = x[t]            # recomputed, not saved
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import BACKWARD, TAPE, Node, Var, bound_here, node, reads_here, walk


#: Cheap operations the backward recomputes from values it has, rather than saving them.
RECOMPUTE = {"getitem", "dim", "shape", "ndim", "size", "transpose", "compare", "intop"}


def save_for_backward(cx, forward: list, backward: list, defined_first,
                      slot=None) -> tuple[list, list]:
    """Save, iteration by iteration, the values the backward block reads (and only those).

    A cheap value (``x[t]``, ``X.shape[0]``) whose inputs the backward block still has is
    recomputed there instead of saved. In the body of an outermost ``for t in range(n)``
    the tape is allocated once, n long, and indexed by t (``slot`` = (t, n, where the
    allocations go)); elsewhere (nested loops, branches, while loops) it is a stack.
    """
    read = {v.name for s in walk(backward) for v in reads_here(s) if isinstance(v, Var)}
    local = {v.name for v in defined_first} | {v.name for s in forward for v in bound_here(s)}
    pushed, pops, out = [], [], []
    recomputed: set[str] = set()

    def save(v: Var, loc, producer=None):
        if v.name not in read:
            return
        if isinstance(producer, Node) and producer.op in RECOMPUTE and all(
                not isinstance(a, Var) or a.name not in local or a.name in recomputed
                or a.name in {p.out.name for p in pops} for a in producer.args):
            pops.append(replace(producer.with_params(restored=True),
                                note="recomputed, not saved", role=BACKWARD))
            recomputed.add(v.name)
            read.update(a.name for a in producer.args if isinstance(a, Var))
            return
        tape = cx.tapes.get(v.name)
        if tape is None:
            tape = cx.em.b.names.fresh("tape_" + v.name)
            cx.tapes[v.name] = tape
            if slot is None:
                cx.tape_nodes.append(replace(node(tape, "tape", [], loc, ""), role=TAPE))
            else:
                shape = cx.em.shape(v)
                slot[2].append(replace(node(tape, "tape", [slot[1]], loc, "",
                                            shape=None if shape is None else tuple(shape)),
                                       role=TAPE))
        at = [] if slot is None else [slot[0]]
        pushed.append(replace(node(cx.em.b.names.fresh("saved"), "push", [tape, v, *at], loc),
                              role=TAPE))
        pops.append(replace(node(v, "pop", [tape, *at], loc, "restore the value this iteration saw",
                                 restored=True), role=BACKWARD))

    for v in defined_first:
        save(v, None)
    out.extend(pushed)
    for s in forward:
        pushed.clear()
        out.append(s)
        for v in bound_here(s):
            save(v, getattr(s, "loc", None), s)
        out.extend(pushed)
    return out, pops + list(backward)
