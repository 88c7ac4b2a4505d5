"""Shared pieces of forward-mode rules: ``jvp(em, n, ts)`` gives the tangent of ``n.out``
from the tangents ``ts`` of its arguments (None where an argument has none).

    bilinear(a, b)   x @ y:   x_dot @ y + x @ y_dot     (the product rule)
    all_linear       concatenate([a, b]):  concatenate([a_dot, b_dot])
"""
from __future__ import annotations

from ..ir import Const, Node, Value, Var


def zeros(em, v: Value) -> Value:
    """A zero tangent shaped like ``v``."""
    shape = em.shape(v)
    if not isinstance(v, Var) or shape == ():
        return Const(0.0)
    return em.tmp("zeros_like", [v], known=shape is not None)


def add(em, parts: list) -> Value | None:
    from ..ad.emit import add_all
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else add_all(em, parts)


def broadcast_like(em, t: Value, like: Var) -> Value:
    """A tangent stretched to the shape of its value (``w_dot`` of a scalar added to x)."""
    if em.shape(t) is not None and em.shape(t) == em.shape(like):
        return t
    shape = em.shape(like)
    if shape == ():
        return t
    size = Const(tuple(shape)) if shape is not None else em.tmp("shape", [like], style="np")
    em.note = "a scalar tangent spreads over the array"
    return em.out("broadcast_to", [t, size])


def bilinear(a: int, b: int):
    """A primitive linear in arguments ``a`` and ``b`` separately (x @ y): the product rule."""
    def rule(em, n: Node, ts):
        varied = [i for i in (a, b) if ts[i] is not None]
        terms = []
        for i in varied:
            args = list(n.args)
            args[i] = ts[i]
            emit = em.out if len(varied) == 1 else em.tmp
            terms.append(emit(n.op, args, **dict(n.params)))
        return add(em, terms)
    return rule


def all_linear(em, n: Node, ts):
    """concatenate, stack: linear in every argument together."""
    args = [t if t is not None else zeros(em, a) for a, t in zip(n.args, ts)]
    return em.out(n.op, args, **dict(n.params))


def linear_first(em, n: Node, ts):
    """The primitive applied to its first argument's tangent (sum, reshape, getitem...)."""
    return em.out(n.op, [ts[0], *n.args[1:]], **dict(n.params)) if ts[0] is not None else None
