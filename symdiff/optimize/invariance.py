"""Shift invariance: a reduction whose every change leaves the output unchanged gets no
gradient (the max a softmax subtracts to keep ``exp`` from overflowing).

    m = np.max(s, axis=1, keepdims=True)       # m + c for any row constant c:
    shifted = s - m                            #   shifted - c
    e = np.exp(shifted)                        #   e * exp(-c)
    log_norm = np.log(np.sum(e, axis=1, keepdims=True))   # log_norm - c
    log_probs = shifted - log_norm             #   unchanged

The loss does not depend on m, so its gradient is zero in exact arithmetic; without this
pass the backward computes it anyway (a comparison, a count of ties, two sums), and gets
zero up to rounding. The pass follows a change of m by a symbolic constant ``c`` forward
through the graph, as an additive (``v + a c``) or multiplicative (``v exp(b c)``) change;
when the result does not change, the max is marked ``constant`` and the chain rule leaves
it out. Anything it cannot follow (indexing, products of arrays, branches and loops)
ends the search: the gradient is then computed as usual.
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from ..ir import Function, Node, Var, ew_symbols, flatten, reads_all

C = sympy.Symbol("_c", real=True)
EXTREMA = ("amax", "amin")


def shift_invariant_extrema(fn: Function) -> Function:
    """``fn`` with each max/min the output is invariant to marked ``constant=True``."""
    body = list(fn.body)
    for k, s in enumerate(body):
        if isinstance(s, Node) and s.op in EXTREMA and _per_row(s) is not None \
                and _unchanged(fn, k, _per_row(s)):
            body[k] = s.with_params(constant=True)
    return fn if body == list(fn.body) else fn.__class__(**{**fn.__dict__, "body": tuple(body)})


def _per_row(n: Node):
    """The axes along which the reduction's change is constant: None for all (a scalar
    change), the reduced axis with ``keepdims``; else no invariance is tried."""
    if n.param("axis") is None:
        return "all"
    if n.param("keepdims") and isinstance(n.param("axis"), int):
        return n.param("axis")
    return None


def _unchanged(fn: Function, k: int, axis) -> bool:
    """Whether the output is the same when statement ``k``'s value changes by ``c``."""
    changed = {fn.body[k].out.name: ("add", sympy.Integer(1))}
    for s in fn.body[k + 1:]:
        if not isinstance(s, Node):
            if any(isinstance(v, Var) and v.name in changed for v in reads_all(s)):
                return False                         # branches and loops: not followed
            continue
        states = [changed.get(a.name) if isinstance(a, Var) else None for a in s.args]
        if all(st is None for st in states):
            continue
        state = _through(s, states, axis)
        if state is False:
            return False
        if state is not None:
            changed[s.out.name] = state
    return not any(isinstance(v, Var) and v.name in changed for v in flatten(fn.result))


def _through(n: Node, states: list, axis):
    """The change of ``n``'s value, None if none, False if it cannot be followed."""
    if n.op == "ew":
        return _elementwise(n.param("expr"), tuple(states))
    same_rows = axis == "all" or (n.param("axis") == axis and n.param("keepdims"))
    kind, amount = states[0] if len(states) == 1 or all(s is None for s in states[1:]) \
        else (None, None)
    if n.op == "sum" and kind == "mul" and same_rows:
        return states[0]                             # sum(v e^{bc}) = sum(v) e^{bc}
    if n.op in EXTREMA and kind == "add" and same_rows:
        return states[0]                             # max(v + ac) = max(v) + ac
    return False


@lru_cache(maxsize=1024)
def _elementwise(expr: sympy.Expr, states: tuple):
    symbols = ew_symbols(len(states))
    moved = {}
    for sym, st in zip(symbols, states):
        if st is not None:
            kind, amount = st
            moved[sym] = sym + amount * C if kind == "add" else sym * sympy.exp(amount * C)
    after = expr.xreplace(moved)
    try:
        added = sympy.simplify(sympy.expand_log(after - expr, force=True))
        if not added.free_symbols - {C}:
            rate = sympy.simplify(added / C)
            if rate.is_number and not rate.has(C):
                return None if rate == 0 else ("add", rate)
        ratio = sympy.simplify(sympy.powsimp(after / expr, force=True))
        if not ratio.free_symbols - {C}:
            rate = sympy.simplify(sympy.expand_log(sympy.log(ratio), force=True) / C)
            if rate.is_number and not rate.has(C):
                return None if rate == 0 else ("mul", rate)
    except (TypeError, ValueError, ZeroDivisionError):
        pass
    return False


__all__ = ["shift_invariant_extrema"]
