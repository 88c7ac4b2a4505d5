"""Lean forms: a gradient computed straight into the name that keeps it.

``tmp = 2 * s * W2`` then ``dW2_1 = tmp``, or ``dscores = dshifted`` where nothing else
reads ``dshifted``: the copy says nothing a reader needs. When the value an alias renames
is computed by a backward node of the same block and read by nothing but the alias, that
node computes the alias's name instead and the alias goes.
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import Function, If, Loop, Var, flatten, map_blocks, uses


def lean_aliases(fn: Function) -> Function:
    """``t = f(...); y = t`` -> ``y = f(...)`` when only the alias reads t (backward nodes)."""
    count = uses(fn)
    returned = {v.name for v in flatten(fn.result) if isinstance(v, Var)}
    params = {p.name for p in fn.params}

    def block(stmts) -> tuple:
        out: list = []
        where: dict[str, int] = {}
        for s in stmts:
            if isinstance(s, (If, Loop)):
                out.append(map_blocks(s, block))
                continue
            source = s.args[0] if s.op == "alias" and s.args else None
            at = where.get(source.name) if isinstance(source, Var) else None
            if s.derived and at is not None and count.get(source.name) == 1 \
                    and source.name not in returned | params and not s.gradient_sum:
                made = out[at]
                # the copy's origin stays with the value (what a lesson says of this line)
                out[at] = replace(made, out=s.out, temporary=s.temporary and made.temporary,
                                  origin=made.origin or s.origin)
                where[s.out.name] = at
                continue
            if s.derived and not s.param("restored") and s.op != "check_scalar":
                where[s.out.name] = len(out)
            out.append(s)
        return tuple(out)
    return replace(fn, body=block(fn.body))


__all__ = ["lean_aliases"]
