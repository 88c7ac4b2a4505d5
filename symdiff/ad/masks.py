"""Branch masks: the branch ``np.where`` does not take contributes exactly 0 to the gradient.

``y = np.where(x > 0, np.sqrt(x), 0.0)`` routes the upstream gradient into the taken
branch, ``where(x > 0, g, 0)``, and the chain rule then multiplies those zeros by the
branch's local derivative, ``1 / (2 * sqrt(x))``, which is inf or NaN where ``x <= 0``:
``0 * inf = NaN`` (the *where trap* of autograd and JAX). The compiler knows the condition,
so it masks the *product* instead: every contribution computed from a routed gradient is
selected under the same condition, ``dx = np.where(x > 0, g / (2 * sqrt(x)), 0.0)``.

A gradient's *mask* is the tuple of ``(cond, side)`` pairs under which it may be non-zero
(side 1 keeps it where ``cond`` holds, side 2 where it does not); it is zero everywhere
else. A where's contribution to a branch gets the where's condition (added to the mask of
the upstream gradient, for nested wheres); an elementwise node passes the mask of its
upstream gradient on to each argument its conditions fit (``fits``). A contribution whose
local derivative is a constant stays unmasked in the code (``g * 3`` is 0 where g is) but
keeps its mask. A gradient summed over the axes a condition was broadcast along is masked
where it is non-zero; the sum of contributions with one mask keeps it; a mask ends where
contributions with different masks add up, and at every node that is not elementwise
(``g @ W.T`` keeps zeros zero by itself).

Forward mode carries masks on tangents the same way (``tangent_mask``). A max or clip
inside an elementwise expression routes the same way, and is guarded where it is printed
(``codegen_math.routed_steps``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy

from ..backend.codegen_math import may_blow_up, routed_steps
from ..ir import TMP, Const, Node, Value, Var, nodes

Mask = tuple  # of (cond, side) pairs

#: the comment of a masking line
NOTE = "where routes: the branch not taken contributes 0"

#: the comment of the mask of a gradient summed over broadcast axes
SUMMED = "where routes: the branch not taken contributes 0 where this is False"

#: NumPy's floating-point warnings off for a function that computes a branch np.where may
#: discard: its untaken elements may be sqrt(-1) or 1/0, and they never reach the result
QUIET = 'divide="ignore", invalid="ignore", over="ignore"'
QUIET_WHY = "np.where discards the branch not taken"


def contribution_mask(em, n: Node, i: int, upstream: Mask | None, part) -> Mask | None:
    """The mask of ``part``, the contribution of ``n`` to its argument ``i``, or None.

    Where a condition does not fit the argument (its gradient was summed over broadcast
    axes), the mask is where the summed gradient is non-zero: the product with a local
    derivative is zero wherever the gradient is. A mask no product reads is dead code."""
    arg = n.args[i]
    if not isinstance(arg, Var) or not isinstance(part, Var):
        return None
    if n.op == "where" and i > 0:
        mask = (upstream or ()) + ((n.args[0], i),)
    elif n.op == "ew" and upstream:
        mask = upstream
    else:
        return None
    if all(fits(em, cond, arg) for cond, _ in mask):
        return mask
    note, hint, em.note, em.hint = em.note, em.hint, SUMMED, TMP
    nonzero = em.out("compare", [part, Const(0.0)], symbol="!=")
    em.set_shape(nonzero, em.shape(part))
    em.note, em.hint = note, hint
    return ((nonzero, 1),)


#: operations whose result has the broadcast shape of their arguments
ELEMENTWISE = {"ew", "compare", "where"}


def fits(em, cond: Value, v: Value, depth: int = 8) -> bool:
    """Whether ``cond`` broadcasts to ``v``'s shape without enlarging it: then ``v``'s
    gradient is zero wherever ``cond`` says so, even after a sum over broadcast axes.
    From the static shapes where known, else from how the two were computed."""
    sc, sv = em.shape(cond), em.shape(v)
    if sc is not None and sv is not None:
        try:
            return np.broadcast_shapes(tuple(sc), tuple(sv)) == tuple(sv)
        except ValueError:
            return False
    if cond == v or sc == ():
        return True
    if depth == 0:
        return False
    made = em.producers.get(cond.name) if isinstance(cond, Var) else None
    if made is not None and made.op in ELEMENTWISE and \
            all(fits(em, a, v, depth - 1) for a in made.args):
        return True
    made = em.producers.get(v.name) if isinstance(v, Var) else None
    return made is not None and made.op in ELEMENTWISE and \
        any(fits(em, cond, a, depth - 1) for a in made.args)


def tangent_mask(em, n: Node, ts: list) -> Mask | None:
    """Forward mode: the mask of the tangent of ``n.out``, from its arguments' tangents
    ``ts`` (None for a constant). ``np.where(c, x, 0.0)`` has the tangent ``where(c, x_dot,
    0)``, zero where c does not hold; ``np.sqrt`` of it must not turn those zeros into
    ``0 * inf``. A mask that fits an argument fits the (broadcast) output."""
    varied = [i for i, t in enumerate(ts) if t is not None]
    inner = {em.masks.get(ts[i].name) if isinstance(ts[i], Var) else None for i in varied}
    if n.op == "where" and len(varied) == 1 and varied[0] > 0:
        return (inner.pop() or ()) + ((n.args[0], varied[0]),)
    if n.op == "ew" and len(inner) == 1 and None not in inner:
        return inner.pop()
    return None


def keep_common(em, parts: list, total: Value) -> None:
    """A sum of contributions that share one mask has that mask too."""
    found = {em.masks.get(p.name) if isinstance(p, Var) else None for p in parts}
    if isinstance(total, Var) and len(found) == 1 and None not in found:
        em.masks[total.name] = found.pop()


def needs_select(n: Node, i: int) -> bool:
    """Whether the product for argument ``i`` must be selected under the mask: the local
    derivative of an elementwise node may be inf or NaN off the taken branch, unless it is
    a number."""
    from ..primitives.elementwise import local_derivative
    return n.op == "ew" and not local_derivative(n.param("expr"), i).is_number


def select(em, part: Value, mask: Mask, hint: str) -> Value:
    """``part`` where the mask holds, 0 elsewhere: one ``np.where`` per condition."""
    note, outer, em.note = em.note, em.hint, NOTE
    for k, (cond, side) in enumerate(mask):
        em.hint = hint if k == len(mask) - 1 else TMP
        picked = [cond, part, Const(0.0)] if side == 1 else [cond, Const(0.0), part]
        shape = em.shape(part)
        part = em.out("where", picked)
        em.set_shape(part, shape)
    em.note, em.hint = note, outer
    return part


def discards_branches(body) -> bool:
    """Whether a function computes values it may discard that may be inf or NaN: a branch
    of ``np.where`` computed from a division, root, logarithm or exponential
    (``sqrt(x)``, ``g / (2 * sqrt(x))``), or a local derivative that a max routed away
    (``codegen_math.routed_steps``). NumPy must not warn about those."""
    tainted: set[str] = set()            # values computed through a possible inf or NaN
    for n in nodes(body):
        if n.op == "ew" and _has_routed_steps(n.param("expr")):
            return True
        if n.op == "where" and any(isinstance(b, Var) and b.name in tainted
                                   for b in n.args[1:]):
            return True
        if n.op == "ew" and may_blow_up(n.param("expr"), overflow=True) or \
                any(isinstance(a, Var) and a.name in tainted for a in n.args):
            tainted.add(n.out.name)
    return False


@lru_cache(maxsize=4096)
def _has_routed_steps(expr) -> bool:
    return any(routed_steps(e) for e in sympy.preorder_traversal(expr) if e.is_Mul)
