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
upstream gradient on to each argument of the same shape. A contribution whose local
derivative is a constant stays unmasked in the code (``g * 3`` is 0 where g is) but keeps
its mask. The mask ends where a gradient is summed, broadcast, or added to another one.
"""
from __future__ import annotations

from .ir import Const, Node, Value, Var, nodes

Mask = tuple  # of (cond, side) pairs

#: the comment of a masking line
NOTE = "where routes: the branch not taken contributes 0"

#: NumPy's floating-point warnings off for a function that computes a branch np.where may
#: discard: its untaken elements may be sqrt(-1) or 1/0, and they never reach the result
QUIET = 'divide="ignore", invalid="ignore", over="ignore"'
QUIET_WHY = "np.where discards the branch not taken"


def contribution_mask(em, n: Node, i: int, upstream: Mask | None) -> Mask | None:
    """The mask of the contribution of ``n`` to its argument ``i``, or None."""
    arg = n.args[i]
    if not isinstance(arg, Var) or not em.same_shape(arg, n.out):
        return None                              # summed back over broadcast axes
    if n.op == "where" and i > 0:
        return (upstream or ()) + ((n.args[0], i),)
    if n.op == "ew" and upstream:
        return upstream
    return None


def tangent_mask(em, n: Node, ts: list) -> Mask | None:
    """Forward mode: the mask of the tangent of ``n.out``, from its arguments' tangents
    ``ts`` (None for a constant). ``np.where(c, x, 0.0)`` has the tangent ``where(c, x_dot,
    0)``, zero where c does not hold; ``np.sqrt`` of it must not turn those zeros into
    ``0 * inf``."""
    varied = [i for i, t in enumerate(ts) if t is not None]
    if not varied or any(not em.same_shape(n.args[i], n.out) for i in varied):
        return None
    inner = {em.masks.get(ts[i].name) if isinstance(ts[i], Var) else None for i in varied}
    if n.op == "where" and 0 not in varied and len(varied) == 1:
        return (inner.pop() or ()) + ((n.args[0], varied[0]),)
    if n.op == "ew" and len(inner) == 1 and None not in inner:
        return inner.pop()
    return None


def needs_select(n: Node, i: int) -> bool:
    """Whether the product for argument ``i`` must be selected under the mask: the local
    derivative of an elementwise node may be inf or NaN off the taken branch, unless it is
    a number."""
    from .rules.elementwise import local_derivative
    return n.op == "ew" and not local_derivative(n.param("expr"), i).is_number


def select(em, part: Value, mask: Mask, hint: str) -> Value:
    """``part`` where the mask holds, 0 elsewhere: one ``np.where`` per condition."""
    note, em.note = em.note, NOTE
    for k, (cond, side) in enumerate(mask):
        em.hint = hint if k == len(mask) - 1 else "tmp"
        picked = [cond, part, Const(0.0)] if side == 1 else [cond, Const(0.0), part]
        shape = em.shape(part)
        part = em.out("where", picked)
        em.set_shape(part, shape)
    em.note = note
    return part


def masked_where_branches(body) -> bool:
    """Whether a function computes a branch of ``np.where`` that may be discarded: its
    untaken elements (and their derivatives) may divide by zero or overflow, and NumPy
    must not warn about them."""
    producers = {n.out.name: n for n in nodes(body)}
    for n in nodes(body):
        if n.op != "where":
            continue
        for branch in n.args[1:]:
            made = producers.get(branch.name) if isinstance(branch, Var) else None
            if made is not None:
                return True
    return False
