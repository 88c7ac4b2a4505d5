"""Stage 4, reverse: the chain rule on the graph, from the output back to the inputs.

Walks the forward nodes backwards. For every node whose output has a gradient, it asks
the rule table for each active argument's contribution, *upstream gradient x local
derivative*, and records it. A value used in several places (a branch) receives the
sum of the contributions coming back. The gradient of the output with respect to itself
is 1.

    >>> grad_fn = reverse(fn, wrt=(0, 1), shapes={})   # forward + backward in one Function
    >>> grad_fn, shapes = reverse_with_shapes(fn, (0, 1), forward_shapes)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from . import float_checks, masks
from .float_checks import known_floats
from .. import primitives as rules
from .emit import Emitter, _is_int, add_all
from ..errors import SymdiffError
from ..ir import (BACKWARD, TAPE, Builder, Const, Function, If, Loop, NameSupply, Node, Value,
                 Var, bound_here, bound_inside, ew_symbols, node, nodes, reads_here, walk)
from .tape import Slot, save_for_backward
from .activity import active_names, is_active as _is_active, refuse_steps


@dataclass
class Reverser:
    """What the chain rule needs while it walks the graph backwards."""

    em: Emitter
    active: set[str]
    table: Any
    expected: dict[str, int]
    tapes: dict[str, Var] = field(default_factory=dict)
    tape_nodes: list[Node] = field(default_factory=list)


def reverse(fn: Function, wrt: tuple[int, ...], shapes: dict[str, Any] | None = None,
            with_value: bool = False, tuple_out: bool = False, table=rules,
            check_output: bool = False, seeded: bool = False) -> Function:
    """The graph ``reverse_with_shapes`` makes, without the shapes."""
    return reverse_with_shapes(fn, wrt, shapes, with_value, tuple_out, table, check_output,
                               seeded)[0]


def reverse_with_shapes(fn: Function, wrt: tuple[int, ...],
                        shapes: dict[str, Any] | None = None, with_value: bool = False,
                        tuple_out: bool = False, table=rules, check_output: bool = False,
                        seeded: bool = False) -> tuple[Function, dict[str, Any]]:
    """Forward statements, then backward statements; returns the gradients (and the value).

    Returns the graph and the static shapes of its values: ``shapes`` (of the forward
    values, left as it is) and those of the backward values the chain rule wrote.

    ``table`` provides ``vjp``, ``describe`` and ``differentiable``: the full rule table by
    default, a toy one in the engine's own tests. ``check_output`` adds a run-time check
    that the output is a scalar, for code compiled without knowing the shapes. ``seeded``
    makes a vector-Jacobian product: the output may be an array, and its upstream
    gradient is one more parameter (``dout``, shaped like the output) instead of 1.
    """
    if len(fn.result) != 1 or fn.returns_tuple:
        raise SymdiffError(f"`{fn.name}` returns a tuple; grad needs a single scalar output",
                           fn.loc, hint="return only the loss, e.g. `return loss`")
    shapes = dict(shapes or {})                  # grows with the backward's own values
    output = fn.result[0]
    out_shape = shapes.get(output.name) if isinstance(output, Var) else ()
    if seeded:
        seed = NameSupply(fn.names()).fresh("d" + (output.name if isinstance(output, Var)
                                                    else "out"))
        fn = replace(fn, params=fn.params + (seed,), defaults=())    # dout comes last
        if out_shape is not None:
            shapes[seed.name] = out_shape
    elif out_shape not in (None, ()):
        raise SymdiffError(f"`{fn.name}` returns an array of shape {out_shape}; "
                           "grad needs a scalar output", fn.loc,
                           hint="reduce it to a scalar, e.g. return np.sum(...), or use "
                                "symdiff.jacobian(f) for the derivative of every element")
    active = active_names(fn, {fn.params[i].name for i in wrt}, table)
    refuse_steps(fn, active)
    names = NameSupply(fn.names() | {"np", "math"})
    em = Emitter(Builder(names, []), shapes, producers={n.out.name: n for n in nodes(fn.body)},
                 floats=known_floats(fn, wrt), links=float_checks.links_of(fn.body))
    cx = Reverser(em, active, table, _expected_contributions(fn, active, table))
    contributions: dict[str, list[Value]] = {}
    if isinstance(output, Var) and output.name in active:
        contributions[output.name] = [seed if seeded else Const(1)]
    forward, backward = _reverse_block(cx, fn.body, contributions, in_loop=False)

    em.b.body = backward
    grads = []
    for i in wrt:
        p = fn.params[i]
        grads.append(_total(em, p, contributions.pop(p.name, []), fn.loc, param=True))
    grads = [Const(float(g.value)) if isinstance(g, Const) and _is_int(g.value)
             else _returnable(em, g, fn.params[i]) for g, i in zip(grads, wrt)]
    several = tuple_out or len(grads) != 1
    if with_value:
        result: tuple = (output, tuple(grads) if several else grads[0])
    else:
        result = tuple(grads)
    if isinstance(output, Var) and check_output and not seeded:
        forward = list(forward) + [node(names.fresh("checked"), "check_scalar", [output],
                                        fn.loc, "", function=fn.name)]
    forward = float_checks.insert(tuple(forward), fn.params, em.float_checks, names.fresh)
    body = tuple(cx.tape_nodes) + forward + tuple(em.b.body)
    return replace(fn, name=f"grad_{fn.name}", body=body, result=result,
                   returns_tuple=with_value or several), shapes


def _reverse_block(cx: Reverser, stmts, contributions: dict, in_loop: bool,
                   defined_first: tuple[Var, ...] = (), slot=None,
                   finish=None) -> tuple[list, list]:
    """Backward statements for a block; returns (forward block with tape pushes, backward)."""
    em = cx.em
    saved, em.b.body = em.b.body, []
    was_in_loop, em.in_loop = em.in_loop, in_loop
    forward = list(stmts)
    for k in reversed(range(len(stmts))):
        s = stmts[k]
        if isinstance(s, Node):
            _reverse_node(cx, s, contributions)
        elif isinstance(s, If):
            forward[k] = _reverse_if(cx, s, contributions, in_loop)
        else:
            forward[k] = _reverse_loop(cx, s, contributions, in_loop)
    if finish is not None:
        finish()
    backward, em.b.body = em.b.body, saved
    em.in_loop = was_in_loop
    forward = [x for s in forward for x in (s if isinstance(s, tuple) else (s,))]
    if in_loop:
        forward, backward = save_for_backward(cx, forward, backward, defined_first, slot)
    return forward, backward


def _reverse_node(cx: Reverser, n: Node, contributions: dict) -> None:
    em = cx.em
    if n.out.name not in contributions:
        return
    g = _total(em, n.out, contributions.pop(n.out.name), n.loc)
    if g is None:
        return
    upstream = em.masks.get(g.name) if isinstance(g, Var) else None
    order = range(len(n.args))
    if n.op == "setitem":            # read g[idx] for the value before zeroing it in g
        order = reversed(order)
    for i in order:
        arg = n.args[i]
        if not _is_active(arg, cx.active):
            continue
        em.loc, em.note = n.loc, cx.table.describe(n, i)
        em.hint = _grad_hint(arg, cx.expected, contributions)
        em.alias = cx.expected.get(arg.name, 0) <= 1
        em.origin = (n, i)
        em.mask = upstream if n.op == "ew" else None    # the rule selects under it
        part = cx.table.vjp(em, g, n, i)
        em.mask = None
        mask = masks.contribution_mask(em, n, i, upstream, part)
        if mask is not None:
            em.masks[part.name] = mask
        em.origin = None
        if part is not None:
            contributions.setdefault(arg.name, []).append(part)


def _zero(em: Emitter, like: Value, into: list) -> Value:
    """A zero gradient shaped like ``like``: 0.0 for a scalar, zeros for an array."""
    if not isinstance(like, Var) or em.shape(like) == ():
        return Const(0.0)
    saved, em.b.body = em.b.body, into
    em.hint, em.note = "d" + like.name, "zero gradient"
    zero = em.out("zeros_like", [like], known=em.shape(like) is not None)
    em.b.body = saved
    return zero


def _zero_in_loop(em: Emitter, s: Loop, k: int) -> Value:
    """Zeros shaped like loop variable ``k`` as this iteration saw it (its shape may change
    from one iteration to the next); from the static shape when known, so nothing is saved."""
    carried = s.carried[k]
    shapes = {em.shape(v) for v in (carried, s.inits[k], s.nexts[k])}
    shape = shapes.pop() if len(shapes) == 1 else None
    if shape == ():
        return Const(0.0)
    em.hint, em.note = "d" + carried.name, "overwritten: its gradient before this iteration is zero"
    if shape is not None:
        zero = em.out("np", [Const(tuple(shape))], fn="zeros", keywords=())
    else:
        zero = em.out("zeros_like", [carried], known=False)
    return zero


def _sum_in(em: Emitter, name: str, parts: list[Value], into: list, loc,
            note: str = "branch: gradients add") -> Value | None:
    """The sum of some contributions to ``name``, emitted into the block ``into``."""
    saved, em.b.body = em.b.body, into
    total = _total(em, Var(name), parts, loc, note=note)
    em.b.body = saved
    return total


def _reverse_if(cx: Reverser, s: If, contributions: dict, in_loop: bool) -> If:
    """Backward of a branch: the same branch, taken the same way, run backwards.

    What the code after the branch already contributed to a value (``pending``) is added
    inside each branch, so a branch that contributes nothing simply passes it on.
    """
    em = cx.em
    grads = [_total(em, out, contributions.pop(out.name, []), s.loc) for out in s.outs]
    if all(g is None for g in grads):
        return s
    blocks, remaining = [], []
    for block, values in ((s.then, s.then_values), (s.orelse, s.else_values)):
        inner: dict[str, list[Value]] = {}
        for g, v in zip(grads, values):
            if g is not None and _is_active(v, cx.active):
                inner.setdefault(v.name, []).append(g)
        forward, backward = _reverse_block(cx, block, inner, in_loop)
        remaining.append(inner)
        blocks.append((forward, backward))
    names = list(dict.fromkeys([*remaining[0], *remaining[1]]))
    outs, values = [], ([], [])
    for name in names:
        pending = contributions.pop(name, [])
        outs.append(em.b.names.fresh("d" + name))
        em.set_shape(outs[-1], em.shape(Var(name)))
        for side in (0, 1):
            parts = pending + remaining[side].get(name, [])
            total = _sum_in(em, name, parts, blocks[side][1], s.loc)
            values[side].append(_floated(total) if total is not None else
                                _zero(em, Var(name), blocks[side][1]))
    if names:
        em.b.body.append(If(s.cond, tuple(blocks[0][1]), tuple(blocks[1][1]), tuple(outs),
                            tuple(values[0]), tuple(values[1]), s.loc,
                            "backward: the branch taken forward, run backwards", BACKWARD))
    for name, out in zip(names, outs):
        contributions.setdefault(name, []).append(out)
    return replace(s, then=tuple(blocks[0][0]), orelse=tuple(blocks[1][0]))


def _read_from_outside(s: Loop, active: set[str]) -> list[str]:
    """Active values defined before the loop that its body reads: gradient accumulators."""
    inside = {v.name for v in bound_inside(s)}
    for t in walk(s.cond_body + s.body):
        inside |= {v.name for v in bound_here(t) + bound_inside(t)}
    names = []
    reads = [v for t in walk(s.cond_body + s.body) for v in reads_here(t)] + list(s.nexts)
    for v in reads:
        if _is_active(v, active) and v.name not in inside and v.name not in names:
            names.append(v.name)
    return names


def _reverse_loop(cx: Reverser, s: Loop, contributions: dict, in_loop: bool) -> tuple:
    """Backward of a loop: the iterations in reverse, restoring what each one overwrote.

    Gradients of values from before the loop accumulate in loop variables of the backward
    loop, which start from what the code after the loop already contributed.
    """
    em = cx.em
    grads = [_total(em, out, contributions.pop(out.name, []), s.loc) for out in s.outs]
    if all(g is None for g in grads):
        return (s,)
    names = em.b.names
    allocations: list[Node] = []
    counted = (not in_loop and s.index is not None and _is_number(s.bounds[0], 0)
               and _is_number(s.bounds[2], 1))
    slot = Slot(s.index, s.bounds[1], allocations,
                tuple(zip(s.carried, s.nexts, s.inits))) if counted else None
    carried = [k for k, c in enumerate(s.carried) if c.name in cx.active]
    seeds = {}
    for k in carried:
        seeds[k] = _floated(grads[k]) if grads[k] is not None else \
            _zero(em, s.outs[k], em.b.body)
    places = {k: names.fresh("d" + s.carried[k].name) for k in carried}
    for k in carried:                      # a gradient has the shape of its value
        em.set_shape(places[k], em.shape(s.carried[k]))
    inner: dict[str, list[Value]] = {}
    for k in carried:
        if _is_active(s.nexts[k], cx.active):
            inner.setdefault(s.nexts[k].name, []).append(places[k])
    outer = _read_from_outside(s, cx.active)
    accumulators = {name: names.fresh("d" + name) for name in outer}
    for name in outer:
        em.set_shape(accumulators[name], em.shape(Var(name)))
    for name in outer:
        inner.setdefault(name, []).insert(0, accumulators[name])
    defined_first = s.carried + tuple(v for c in s.cond_body for v in bound_here(c))
    nexts: list[Value] = []

    def carried_gradients():                # at the end of the backward body, before the tape
        for k in carried:
            total = _total(em, s.carried[k], inner.pop(s.carried[k].name, []), s.loc)
            if total is None:               # the body overwrote it: nothing flows back
                total = _zero_in_loop(em, s, k)
            nexts.append(_floated(total))

    forward, backward = _reverse_block(cx, s.body, inner, True, defined_first, slot,
                                       carried_gradients)
    used, acc_inits = [], []
    for name in outer:
        total = _sum_in(em, name, inner.pop(name), backward, s.loc,
                        "gradients add up over the iterations")
        if total == accumulators[name]:
            continue                             # the body adds nothing to this one
        used.append(name)
        nexts.append(total)
        pending = _sum_in(em, name, contributions.pop(name, []), em.b.body, s.loc)
        acc_inits.append(_floated(pending) if pending is not None else
                         _zero(em, Var(name), em.b.body))
    index, bounds = s.index, s.bounds
    if s.index is None:                          # a while loop: count its iterations
        count = names.fresh("iterations")
        step = replace(node(names.fresh("iterations"), "ew", [count], s.loc,
                            expr=ew_symbols(1)[0] + 1, lib=""), role=TAPE)
        total_count = names.fresh("iterations")
        s = replace(s, carried=s.carried + (count,), inits=s.inits + (Const(0),),
                    nexts=s.nexts + (step.out,), outs=s.outs + (total_count,))
        forward = list(forward) + [step]
        index, bounds = names.fresh("k"), (Const(0), total_count, Const(1))
    outs = [names.fresh("d" + (s.inits[k] if isinstance(s.inits[k], Var) else s.carried[k]).name)
            for k in carried]
    outs += [names.fresh("d" + name) for name in used]
    for out, like in zip(outs, [s.carried[k] for k in carried] + [Var(n) for n in used]):
        em.set_shape(out, em.shape(like))
    em.b.body.append(Loop(index, bounds, tuple(places[k] for k in carried) +
                          tuple(accumulators[n] for n in used),
                          tuple(seeds[k] for k in carried) + tuple(acc_inits), tuple(backward),
                          tuple(nexts), tuple(outs), loc=s.loc,
                          note="backward: the iterations in reverse", backward=True,
                          role=BACKWARD))
    for k, out in zip(carried, outs):
        if _is_active(s.inits[k], cx.active):
            contributions.setdefault(s.inits[k].name, []).append(out)
    for name, out in zip(used, outs[len(carried):]):
        contributions.setdefault(name, []).append(out)
    return tuple(allocations) + (replace(s, body=tuple(forward)),)


def _floated(v: Value) -> Value:
    """The seed's 1 becomes 1.0 where it enters a variable: gradients are floats."""
    return Const(float(v.value)) if isinstance(v, Const) and _is_int(v.value) else v


def _is_number(v, value) -> bool:
    return isinstance(v, Const) and v.name is None and v.value == value


def _expected_contributions(fn: Function, active: set[str], table) -> dict[str, int]:
    """How many statements read each active value: more than one means a branch."""
    count: dict[str, int] = {}
    for s in walk(fn.body):
        if isinstance(s, Node) and not table.differentiable(s):
            continue
        for a in reads_here(s):
            if _is_active(a, active):
                count[a.name] = count.get(a.name, 0) + 1
    return count


def _grad_hint(arg: Var, expected: dict[str, int], contributions: dict) -> str:
    if expected.get(arg.name, 0) <= 1:
        return "d" + arg.name
    return f"d{arg.name}_{len(contributions.get(arg.name, [])) + 1}"


def _total(em: Emitter, v: Var, parts: list[Value], loc, param: bool = False,
           note: str = "branch: gradients add") -> Value | None:
    """The gradient of ``v``: its one contribution, or the sum of several (a branch)."""
    em.loc, em.hint = loc, "d" + v.name
    if not parts:
        if not param:
            return None
        if em.shape(v) == ():
            return Const(0.0)                  # a float's zero gradient is the float 0.0
        em.note = "no dependence: the gradient is zero"
        return em.out("zeros_like", [v], known=bool(em.shape(v)))
    if len(parts) == 1:
        return parts[0]
    em.note, em.alias, em.gradient_sum = note, False, True
    total = add_all(em, parts)
    em.gradient_sum = False
    masks.keep_common(em, parts, total)
    return total


def _returnable(em: Emitter, g: Value, param: Var) -> Value:
    """Broadcast views are read-only: hand the caller a fresh array."""
    producer = next((n for n in reversed(em.b.body) if isinstance(n, Node) and n.out == g), None)
    if producer is not None and producer.op == "broadcast_to":
        em.note, em.hint = "a writable copy of the broadcast gradient", "d" + param.name
        return em.out("copy", [g])
    return g
