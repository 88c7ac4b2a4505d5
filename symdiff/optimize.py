"""Stage 5, optimize: small pure passes over the IR, run in order to a fixed point.

Each pass takes a Function and returns a new one; none changes what the function
computes. Identities (``x*1``, ``x+0``, ``0*x``) never reach the IR: SymPy folds them when
an elementwise node is built.

    dead_code               drop nodes whose value nobody uses (gradients nobody asked for)
    common_subexpressions   compute each identical operation once, across forward and backward
"""
from __future__ import annotations

from dataclasses import replace

from .ir import Function, Node, Value, Var, flatten


def dead_code(fn: Function) -> Function:
    """Keep only nodes whose outputs reach the result."""
    live = {v.name for v in flatten(fn.result) if isinstance(v, Var)}
    kept: list[Node] = []
    for n in reversed(fn.body):
        if n.out.name in live:
            kept.append(n)
            live.update(a.name for a in n.args if isinstance(a, Var))
    return replace(fn, body=tuple(reversed(kept)))


def _key(n: Node):
    return (n.op, n.args, n.params)


def common_subexpressions(fn: Function) -> Function:
    """Replace a repeated operation by the first one that computed the same value."""
    seen: dict = {}
    rename: dict[str, Value] = {}
    body: list[Node] = []
    for n in fn.body:
        n = _renamed(n, rename)
        key = _key(n)
        if n.op not in ("alias", "copy", "zeros_like") and key in seen:
            rename[n.out.name] = seen[key]
            continue
        seen.setdefault(key, n.out)
        body.append(n)
    return replace(fn, body=tuple(body), result=_rename_result(fn.result, rename))


def _renamed(n: Node, rename: dict[str, Value]) -> Node:
    if not rename:
        return n
    args = tuple(rename.get(a.name, a) if isinstance(a, Var) else a for a in n.args)
    return n if args == n.args else replace(n, args=args)


def _rename_result(result, rename):
    out = []
    for item in result:
        if isinstance(item, tuple):
            out.append(_rename_result(item, rename))
        elif isinstance(item, Var):
            out.append(rename.get(item.name, item))
        else:
            out.append(item)
    return tuple(out)


PASSES = (dead_code, common_subexpressions)


def optimize(fn: Function, passes=PASSES, rounds: int = 8) -> Function:
    """Run the passes in order until nothing changes (at most ``rounds`` times)."""
    for _ in range(rounds):
        before = fn
        for p in passes:
            fn = p(fn)
        if fn == before:
            break
    return fn


__all__ = ["optimize", "PASSES", "dead_code", "common_subexpressions"]
