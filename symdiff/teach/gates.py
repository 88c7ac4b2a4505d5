"""The gate column of the backward table: the lesson's words for what each node does to the
gradient that flows back through it.

The rule table names the patterns of the lectures (*add distributes*, *mul switches*, *max
routes*, see ``primitives.gate``); the other elementwise gates are named here by their
local gradient, so that no row of a worked example is left without a word:

    >>> gate_name(node)            # for tmp = x - y
    'sub distributes, negated to y'
"""
from __future__ import annotations

import sympy

from .. import primitives as rules
from ..ir import Node, ew_symbols
from ..primitives import elementwise as E
from .labels import maths


def gate_name(n: Node, names: dict[str, str] | None = None) -> str:
    """The gate of ``n``, for the backward table; ``names`` label its arguments."""
    named = rules.gate(n)
    if n.op != "ew":
        return named
    expr = n.param("expr")
    negated = [a for a in expr.args if a.could_extract_minus_sign()] if named == \
        "add distributes" else []
    if len(negated) == 1:
        which = 0 if str(-negated[0]) == "_0" else 1
        arg = str(n.args[which])
        return f"sub distributes, negated to {(names or {}).get(arg, arg)}"
    return named or elementwise_gate(expr)


def local_formula(n: Node, i: int, names: dict[str, str]) -> str:
    """The local derivative of elementwise node ``n`` by its argument ``i``, its arguments
    and output written by their labels (``names``: variable name -> label), parenthesized
    where precedence needs it."""
    local = E.local_derivative(n.param("expr"), i)
    symbols = dict(zip(ew_symbols(len(n.args)), map(str, n.args)))
    symbols[E.OUT] = n.out.name
    used = [s for s in symbols if s in local.free_symbols]
    placeholders = {s: sympy.Symbol(f"_arg{k}") for k, s in enumerate(used)}
    text = sympy.sstr(local.xreplace(placeholders), full_prec=False)
    labels = {f"_arg{k}": names.get(symbols[s], symbols[s]) for k, s in enumerate(used)}
    return maths(text, labels)


def elementwise_gate(expr: sympy.Expr) -> str:
    """A one-argument or two-argument elementwise gate, by its local gradient."""
    symbols = expr.free_symbols
    if expr.func is sympy.exp:
        return "exp: local gradient = its output"
    if expr.func is sympy.log:
        return "log: local gradient = 1/input"
    if expr.func is sympy.tanh:
        return "tanh: local gradient = 1 - output**2"
    if expr.is_Pow:
        return _power(expr)
    if expr.is_Mul:
        numerator, denominator = expr.as_numer_denom()
        if denominator.free_symbols and numerator.free_symbols:
            return "div: 1/b to a, -a/b**2 to b" if len(symbols) == 2 else "divide"
        if denominator.free_symbols:
            return ("reciprocal: local gradient = -1/input**2" if numerator == 1 else
                    f"constant over input: local gradient = -{_atom(numerator)}/input**2")
        if len(symbols) == 1 and expr.could_extract_minus_sign() and (-expr).is_Symbol:
            return "negate: flips the sign"
        if len(symbols) == 1 and (expr / next(iter(symbols))).is_number:
            return "scale: times the constant"
    if expr.is_Add and len(symbols) == 1 and any(a.is_number for a in expr.args):
        rest = expr - sum(a for a in expr.args if a.is_number)
        if rest.is_Symbol:
            return "add a constant: passes the gradient through"
        if (-rest).is_Symbol:
            return "constant minus input: flips the sign"
    return ""


def _power(expr: sympy.Pow) -> str:
    base, exponent = expr.args
    if not base.is_Symbol or not exponent.is_number:
        return ""                 # a fused chain: its local gradient column says it all
    if exponent == -1:
        return "reciprocal: local gradient = -1/input**2"
    if exponent == sympy.Rational(1, 2):
        return "sqrt: local gradient = 1/(2*sqrt(input))"
    lower = exponent - 1
    power = "input" if lower == 1 else f"input**{_atom(lower)}"
    return f"power: local gradient = {_atom(exponent)}*{power}"


def _atom(number) -> str:
    text = sympy.sstr(number)
    return f"({text})" if "/" in text or text.startswith("-") else text
