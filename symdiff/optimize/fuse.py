"""Stage 3b, fuse: merge a statement's single-argument elementwise chains into one node.

``s = 1 / (1 + np.exp(-z))`` lowers to four gates (negate, exp, add 1, reciprocal). Fused
into one ``ew`` node, SymPy sees the whole expression and derives its local derivative
as one formula, ``s * (1 - s)``: the collapse into a sigmoid gate that backprop lessons do
by hand. Only temporaries of one statement are merged, and a node is merged into its
consumer only when it reads a single variable (``0.5 * s``, ``np.exp(-z)``), never when it
joins two: gates between different variables (``x + y``, ``q * z``) stay visible as the
add and mul gates they are.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy

from ..ir import (Function, If, Loop, Node, Var, ew_normalize, ew_symbols, free_symbols,
                 map_blocks, substitute, uses)


def fuse(fn: Function) -> Function:
    return replace(fn, body=_fuse_block(fn.body, uses(fn)))


def _fuse_block(stmts, count: dict) -> tuple:
    body: list = []
    where: dict[str, int] = {}
    for n in stmts:
        if isinstance(n, (If, Loop)):
            n = map_blocks(n, lambda b: _fuse_block(b, count))
        elif n.op == "ew":
            n = _absorb(n, body, where, count)
        if isinstance(n, Node):
            where[n.out.name] = len(body)
        body.append(n)
    return tuple(n for n in body if n is not None)


def _absorb(n: Node, body: list, where: dict, count: dict) -> Node:
    changed = True
    while changed:
        changed = False
        for i, arg in enumerate(n.args):
            producer = body[where[arg.name]] if isinstance(arg, Var) and arg.name in where else None
            if not isinstance(producer, Node) or producer.op != "ew" or count.get(arg.name) != 1 \
                    or producer.loc != n.loc:
                continue
            if len({a for a in producer.args if isinstance(a, Var)}) > 1:
                continue
            libs = {n.param("lib"), producer.param("lib")} - {"", None}
            if len(libs) > 1:                 # math.cos(w) stays apart from np.tanh(y)
                continue
            merged = _substitute(n, i, producer)
            if not free_symbols(merged.param("expr")):
                continue                      # would lose the shape: keep the gates apart
            expr = merged.param("expr")
            if expression_size(expr) > MAX_FUSED or function_depth(expr) > MAX_NESTED:
                continue                      # SymPy's work grows faster than the formula
            body[where[arg.name]] = None
            n, changed = merged, True
            break
    return n


#: The most SymPy nodes one fused expression holds: a 300-term sum on one line stays 300
#: gates (each derived in constant time), not one formula SymPy derives and compares whole.
MAX_FUSED = 48


#: The most functions one fused expression nests (``log(1 + exp(x))`` nests two): the
#: derivative of ``tanh(tanh(tanh(...)))`` grows exponentially with the nesting in SymPy.
MAX_NESTED = 3


@lru_cache(maxsize=8192)
def function_depth(expr: sympy.Basic) -> int:
    """How deeply functions (and fractional powers) nest in an expression."""
    inner = max((function_depth(a) for a in expr.args), default=0)
    own = isinstance(expr, sympy.Function) or expr.is_Pow and not expr.exp.is_Integer
    return inner + 1 if own else inner


@lru_cache(maxsize=8192)
def expression_size(expr: sympy.Basic) -> int:
    """How many nodes an expression tree has (shared subtrees counted each time)."""
    return 1 + sum(expression_size(a) for a in expr.args)


def _substitute(n: Node, i: int, producer: Node) -> Node:
    """``n`` with its argument ``i`` replaced by the expression that ``producer`` computes."""
    ours = ew_symbols(len(n.args))
    theirs = ew_symbols(len(n.args) + len(producer.args))[len(n.args):]
    inner = substitute(producer.param("expr"), tuple(zip(ew_symbols(len(producer.args)), theirs)))
    expr = substitute(n.param("expr"), ((ours[i], inner),))
    expr, args = ew_normalize(expr, n.args + producer.args)
    lib = n.param("lib") or producer.param("lib")
    return replace(n.with_params(expr=expr, lib=lib), args=args)
