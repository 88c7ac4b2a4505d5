"""Numba: rewrite a gradient's IR into operations ``numba.njit`` compiles, same numbers.

Numba compiles a subset of NumPy. The code symdiff writes for scalars and loops stays in
that subset once a few forms are written differently (codegen, given ``jit=True``, also
writes backward ranges without ``reversed`` and checks a scalar output without
``np.ndim``):

    np.heaviside(u, 0.5)               0.5 * np.sign(u) + 0.5      (the same at 0: 1/2)
    np.sum(x, axis=k, keepdims=True)   np.expand_dims(np.sum(x, axis=k), k)
    t = np.sum(m, keepdims=True)       t = np.sum(m), when t only meets m's shape again
                                       (max routes: ``m * g / t``)
    np.add.at(dx, (i, j), g)           for k in range(len(i)): dx[i[k], j[k]] += g[k]
                                       (index arrays of known, equal 1-D shapes)
    np.zeros(np.stack([n, m], 0))      np.zeros((n, m))
    np.concatenate([a, b], 0)          np.concatenate((a, b), 0)    (and np.stack)
    np.array(g)  (a writable copy)     np.copy(g)

Names too: numba gives a name bound twice (``dx`` on both sides of a branch) the versions
``dx.1``, ``dx.2``..., which its array expressions spell ``dx_1``, ``dx_2``: where the
function has a name of its own so spelt, the compile fails ("'dx_2_1' not unique").
``numba_renaming`` gives such a rebound name one that no other name extends.

    x @ y  (a rank beyond 2)           stacked_matmul(x, y)   (numba's @ takes matrices)

The shape-generic ``unbroadcast`` helper compiles through a numba overload emitted with
it (``unbroadcast_numba``: the ranks come from the types, the axes from the shapes); so do
``stacked_matmul`` and the ``matmul_vjp_left``/``matmul_vjp_right`` helpers, loops over
the stack of 2-D products (``numba_stacks``). What numba still cannot compile (the
``np.dot`` helpers beyond 2-D, other ``np.add.at``) runs as NumPy: the generated module's
``jit_or_numpy`` decorator warns once, naming the line.

Each rewrite is the ``numba`` field of its primitive's registry entry.

    >>> numba_friendly(gradient_ir(src, wrt=(0,)), arg_shapes)
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import replace
from typing import Any

from ..ir import Function, If, Loop, NameSupply, Node, Var, reads_here, walk
from ..ir.shapes import MASKS, infer_shapes, masks_of
from ..primitives.registry import primitive
from .helpers import NUMBA_OVERLOADS

def numba_friendly(fn: Function, arg_shapes: dict[str, Any] | None = None) -> Function:
    """``fn`` with the forms numba cannot compile rewritten; shapes, when the arguments'
    are known, allow the ``np.add.at`` loop."""
    shapes = infer_shapes(fn, arg_shapes, scalar_output=False) if arg_shapes else {}
    shapes[MASKS] = masks_of(fn)            # a mask is no list of indices to loop over
    readers: dict[str, list] = {}
    for s in walk(fn.body):
        for v in reads_here(s):
            if isinstance(v, Var):
                readers.setdefault(v.name, []).append(s)
    cx = (NameSupply(fn.names()), shapes, readers)
    return replace(fn, body=_block(fn.body, cx))


def _block(stmts, cx) -> tuple:
    out: list = []
    for s in stmts:
        if isinstance(s, If):
            out.append(replace(s, then=_block(s.then, cx), orelse=_block(s.orelse, cx)))
        elif isinstance(s, Loop):
            out.append(replace(s, cond_body=_block(s.cond_body, cx), body=_block(s.body, cx)))
        else:
            out.extend(_node(s, cx))
    return tuple(out)


def _node(n: Node, cx) -> list[Node]:
    """The node as Numba compiles it: its primitive's Numba form, where it has one."""
    rewrite = primitive(n.op).numba
    return (rewrite(n, cx) if rewrite else None) or [n]


def numba_refusal(fn: Function) -> str:
    """What numba is known not to compile in ``fn`` (as ``numba_friendly`` wrote it), with
    the source line, or "": a call of a helper of the generated module (plain Python), or
    what its primitive's entry names (``numba_refuses``: np.add.at, an axis numba's
    reduction does not take...). Said before any compile, it spares a failed one."""
    for s in walk(fn.body):
        if not isinstance(s, Node):
            continue
        entry = primitive(s.op)
        plain = entry.helper and entry.helper not in NUMBA_OVERLOADS   # plain Python
        what = f"the helper {entry.helper}" if plain else \
            entry.numba_refuses(s) if entry.numba_refuses else ""
        if what:
            if s.loc is None:
                return what
            line = f"`{s.loc.text.strip()}`, " if s.loc.text.strip() else ""
            return f"{what} ({line}{s.loc.file.rsplit('/', 1)[-1]}:{s.loc.line})"
    return ""


def numba_renaming(fn: Function, source: str) -> dict[str, str]:
    """Old name -> new name for the names of ``fn`` (printed as ``source``) that numba's
    versions of a rebound name would clash with: the rebound name renamed (``dx`` ->
    ``dx_3``), or, for a parameter, the names that extend it. Empty when nothing clashes."""
    tree = ast.parse(source)
    params = {p.name for p in fn.params}
    bound = Counter(params)
    bound.update(node.id for node in ast.walk(tree)
                 if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store))
    taken = set(bound) | {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    new: dict[str, str] = {}
    for name in sorted(k for k, times in bound.items() if times > 1):
        clashing = sorted(_extending(name, taken))
        if not clashing:
            continue
        renames = [name] if name not in params else [c for c in clashing if c not in params]
        for old in renames:
            new[old] = _free_name(old, taken)
    return new


def _extending(name: str, names) -> set[str]:
    """The names spelt like numba's versions of ``name``: ``name_1``, ``name_2_1``..."""
    pattern = re.compile(re.escape(name) + r"(_\d+)+")
    return {other for other in names if pattern.fullmatch(other)}


def _free_name(name: str, taken: set[str]) -> str:
    """``name_<k>``, the first not taken that no taken name extends."""
    k = 1
    while f"{name}_{k}" in taken or _extending(f"{name}_{k}", taken):
        k += 1
    taken.add(f"{name}_{k}")
    return f"{name}_{k}"


__all__ = ["numba_friendly", "numba_refusal", "numba_renaming"]
