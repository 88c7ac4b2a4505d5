"""Tapes: what a loop's backward needs from each forward iteration, saved or recomputed.

The backward of a loop body reads forward values that later iterations overwrite. For
each such value the forward saves it (a push onto a tape) and the backward restores it
(a pop), or, for cheap values whose inputs the backward still has, recomputes it. Only
values the backward actually reads are saved.

    for t in range(n):              for t in range(n - 1, -1, -1):
        tape_h[t] = h                   h = tape_h[t]
        h = np.tanh(Wh @ h + x[t])      xt = x[t]            # recomputed, not saved

A loop variable whose values both before and after an iteration the backward reads
(``h`` and ``np.tanh(...)`` above, when the backward also needs the step's output) has
one tape, n + 1 long: entry t is the value before iteration t, entry t + 1 the value
after it, so each value is saved once, not once per name.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from ..ir import BACKWARD, TAPE, Const, Node, Var, bound_here, ew_symbols, node, reads_here, walk


#: Cheap operations the backward recomputes from values it has, rather than saving them.
RECOMPUTE = {"getitem", "dim", "shape", "ndim", "size", "transpose", "compare", "intop"}


@dataclass(frozen=True)
class Slot:
    """An outermost ``for index in range(count)``: its tapes are allocated once (into
    ``allocations``, before the loop) and indexed by ``index``; ``carried`` holds each
    loop variable as (value before an iteration, value after it, value before the loop)."""

    index: Var
    count: object
    allocations: list
    carried: tuple = ()


def cheap_elementwise(n: Node) -> bool:
    """An elementwise sum or product (``h - target``, ``2 * x + y``): one pass over its
    inputs, no function call, cheaper to recompute than to save when its inputs are."""
    expr = n.param("expr")
    if n.op != "ew" or not isinstance(expr, sympy.Expr):
        return False
    return all(isinstance(e, (sympy.Symbol, sympy.Number, sympy.Add, sympy.Mul))
               for e in sympy.preorder_traversal(expr))


def _plus_one(cx, v, loc, role) -> Node:
    """``v + 1`` (an integer: a tape's length, the index of the value after a step)."""
    return replace(node(cx.em.b.names.fresh(f"{v.name}_next" if isinstance(v, Var) else "count"),
                        "ew", [v], loc, expr=ew_symbols(1)[0] + 1, lib=""), role=role)


def _shared(cx, slot, read: set, forward: list) -> dict:
    """Loop variables whose values before and after an iteration the backward both reads:
    the name after the step -> (the name before it, the value before the loop)."""
    if slot is None:
        return {}
    bound = {v.name for s in forward for v in bound_here(s)}
    shared = {}
    for before, after, init in slot.carried:
        if (isinstance(after, Var) and after.name in bound and after.name != before.name
                and {before.name, after.name} <= read
                and cx.em.shape(before) == cx.em.shape(after)):
            shared[after.name] = (before, init)
    return shared


def save_for_backward(cx, forward: list, backward: list, defined_first,
                      slot: Slot | None = None) -> tuple[list, list]:
    """Save, iteration by iteration, the values the backward block reads (and only those).

    A cheap value (``x[t]``, ``X.shape[0]``, ``h - target``) whose inputs the backward
    block still has is recomputed there instead of saved. In the body of an outermost
    ``for t in range(n)`` the tape is allocated once, n long (n + 1 for a loop variable
    read before and after the step), and indexed by t; elsewhere (nested loops, branches,
    while loops) it is a stack.
    """
    read = {v.name for s in walk(backward) for v in reads_here(s) if isinstance(v, Var)}
    local = {v.name for v in defined_first} | {v.name for s in forward for v in bound_here(s)}
    shared = _shared(cx, slot, read, forward)
    before_names = {before.name: after for after, (before, _) in shared.items()}
    pushed, pops, out = [], [], []
    recomputed: set[str] = set()
    next_index: list[Node] = []

    producers = {v.name: s for s in forward if isinstance(s, Node) for v in bound_here(s)}

    def available(a) -> bool:
        return (not isinstance(a, Var) or a.name not in local or a.name in recomputed
                or a.name in {p.out.name for p in pops})

    def recomputable(producer, depth: int = 1) -> bool:
        """Whether the backward can recompute this value from what it has: its inputs are
        restored, recomputed, or (one level deep) index reads it can recompute too."""
        if not isinstance(producer, Node) or not (producer.op in RECOMPUTE
                                                  or cheap_elementwise(producer)):
            return False
        return all(available(a) or (depth > 0 and recomputable(producers.get(a.name), depth - 1)
                                    and producers[a.name].op in RECOMPUTE)
                   for a in producer.args)

    def recompute(producer) -> None:
        for a in producer.args:
            if not available(a):
                recompute(producers[a.name])
        pops.append(replace(producer.with_params(restored=True),
                            note="recomputed, not saved", role=BACKWARD))
        recomputed.add(producer.out.name)
        read.update(a.name for a in producer.args if isinstance(a, Var))

    def push(tape: Var, value, at: list, loc) -> Node:
        """``tape[at] = value``; ``listed``: the tape is a list of values of unknown shape,
        which numba's code fills by appending (the slots are filled in order)."""
        listed = slot is not None and any(a.op == "tape" and a.out == tape and
                                          a.param("shape") is None for a in slot.allocations)
        return replace(node(cx.em.b.names.fresh("saved"), "push", [tape, value, *at], loc,
                            **({"listed": True} if listed else {})), role=TAPE)

    def allocate(v: Var, loc, longer: bool) -> Var:
        tape = cx.tapes.get(v.name)
        if tape is not None:
            return tape
        tape = cx.em.b.names.fresh("tape_" + v.name)
        cx.tapes[v.name] = tape
        if slot is None:
            cx.tape_nodes.append(replace(node(tape, "tape", [], loc, ""), role=TAPE))
            return tape
        count = slot.count
        if longer:
            length = _plus_one(cx, count, loc, TAPE)
            slot.allocations.append(length)
            count = length.out
        shape = cx.em.shape(v)
        slot.allocations.append(replace(node(tape, "tape", [count], loc, "",
                                             shape=None if shape is None else tuple(shape)),
                                        role=TAPE))
        return tape

    def index_after(loc) -> Var:
        """t + 1, computed once in the forward body and once in the backward body."""
        if not next_index:
            next_index.append(_plus_one(cx, slot.index, loc, TAPE))
            pushed.append(next_index[0])
            pops.append(replace(next_index[0].with_params(restored=True),
                                note="the index of the value after this step", role=BACKWARD))
        return next_index[0].out

    def save(v: Var, loc, producer=None):
        if v.name not in read:
            return
        if recomputable(producer) and v.name not in shared:   # (its slots are promised)
            recompute(producer)
            return
        if v.name in before_names:           # saved before the loop and after each step
            tape = allocate(v, loc, longer=True)
            init = shared[before_names[v.name]][1]
            slot.allocations.append(push(tape, init, [Const(0)], loc))
            pops.append(replace(node(v, "pop", [tape, slot.index], loc,
                                     "restore the value this iteration saw", restored=True),
                                role=BACKWARD))
            return
        if v.name in shared:                 # the tape of the value before the step
            before = shared[v.name][0]
            tape, at = cx.tapes[before.name], [index_after(loc)]
            note = "restore the value this iteration made"
        else:
            tape = allocate(v, loc, longer=False)
            at = [] if slot is None else [slot.index]
            note = "restore the value this iteration saw"
        pushed.append(push(tape, v, at, loc))
        pops.append(replace(node(v, "pop", [tape, *at], loc, note, restored=True),
                            role=BACKWARD))

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
