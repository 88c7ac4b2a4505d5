"""The rule table: for every primitive, its vector-Jacobian product.

Every primitive is one entry of the registry (``registry.primitive(name)``), grouped by
family: ``ew`` (elementwise: the SymPy table of ``elementwise``, differentiated by SymPy),
``reductions``, ``shaping``, ``indexing``, ``linalg``, ``constructors``, ``bookkeeping`` and
the compiler's own ``internal`` primitives. ``vjp`` is the one entry point the reverse
engine calls; ``describe`` says in words what a backward line does, for comments.
"""
from __future__ import annotations

import re
from functools import lru_cache

import sympy

from ..ir import Node, Value, ew_symbols, free_symbols
from . import elementwise as E
from .registry import primitive, refuse_not_yet

__all__ = ["vjp", "describe", "differentiable", "gate", "primitive", "E"]


def differentiable(n: Node) -> bool:
    """Whether gradients flow through ``n`` (not for indices, masks, constants, nor for a
    reduction the output is invariant to: ``invariance.shift_invariant_extrema``)."""
    return primitive(n.op).differentiable and not n.param("constant")


def vjp(em, g: Value, n: Node, i: int) -> Value | None:
    """Contribution of upstream gradient ``g`` (of ``n.out``) to ``n.args[i]``; None if zero."""
    rule = primitive(n.op).vjp
    if not callable(rule):
        raise refuse_not_yet(n)
    return rule(em, g, n, i)


# ---------------------------------------------------------------- words for comments


def gate(n: Node) -> str:
    """The backprop lesson's name for a node's pattern: add distributes, mul switches..."""
    words = primitive(n.op).gate
    return words(n) if callable(words) else words


def describe(n: Node, i: int) -> str:
    """``mul switches: df/dq = z``: the gate and the local derivative, in the user's names."""
    arg = n.args[i]
    head = gate(n)
    if not primitive(n.op).elementwise:
        return f"{head}: d{n.out}/d{arg}".lstrip(": ") if head else f"d{n.out}/d{arg}"
    local = E.local_derivative(n.param("expr"), i)
    names = dict(zip(ew_symbols(len(n.args)), map(str, n.args)))
    names[E.OUT] = str(n.out)
    text = f"d{n.out}/d{arg} = {_in_user_names(local, names)}"
    return f"{head}: {text}" if head else text


def _in_user_names(local: sympy.Expr, names: dict) -> str:
    """``local`` printed with each symbol renamed, as ``sstr`` prints it after renaming.

    Renaming rebuilds the expression (``Max`` and ``Heaviside`` ask slow questions of their
    arguments) and SymPy orders terms by comparing names; the printed text depends only on
    how the names compare. So it is printed once per expression and order of names, with
    placeholders that compare the same way, and the placeholders are then replaced.
    """
    used = sorted(free_symbols(local), key=lambda s: names[s])
    shown = [names[s] for s in used]
    if len(set(shown)) < len(shown) or any(_PLACEHOLDER_MARK in t for t in shown):
        return sympy.sstr(local.xreplace({s: sympy.Symbol(names[s]) for s in used}),
                          full_prec=False)
    template = _template(local, tuple(used))
    return _PLACEHOLDER.sub(lambda m: shown[int(m.group(1))], template)


_PLACEHOLDER_MARK = "\u00a7"
_PLACEHOLDER = re.compile(_PLACEHOLDER_MARK + r"(\d+)" + _PLACEHOLDER_MARK)


@lru_cache(maxsize=4096)
def _template(local: sympy.Expr, in_order: tuple) -> str:
    """``local`` printed with the k-th of ``in_order`` renamed to a placeholder for k."""
    width = len(str(len(in_order)))
    renamed = {s: sympy.Symbol(f"{_PLACEHOLDER_MARK}{k:0{width}d}{_PLACEHOLDER_MARK}")
               for k, s in enumerate(in_order)}
    return sympy.sstr(local.xreplace(renamed), full_prec=False)
