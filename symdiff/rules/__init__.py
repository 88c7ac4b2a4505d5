"""The rule table: for every primitive, its vector-Jacobian product.

Elementwise primitives (``ew``) are differentiated by SymPy (``rules.elementwise``); array
primitives have templates (``rules.arrays``). ``vjp`` is the one entry point the reverse
engine calls; ``describe`` says in words what a backward line does, for comments.
"""
from __future__ import annotations

import sympy

from ..ir import Node, Value, ew_symbols
from . import elementwise as E
from .arrays import NO_GRADIENT, VJPS, sum_to

__all__ = ["vjp", "describe", "differentiable", "NO_GRADIENT", "E"]


def differentiable(n: Node) -> bool:
    return n.op not in NO_GRADIENT


def vjp(em, g: Value, n: Node, i: int) -> Value | None:
    """Contribution of upstream gradient ``g`` (of ``n.out``) to ``n.args[i]``; None if zero."""
    if n.op == "ew":
        return vjp_elementwise(em, g, n, i)
    rule = VJPS.get(n.op)
    if rule is None:
        from ..errors import SymdiffError
        raise SymdiffError(f"no gradient rule for `{n.op}` yet", n.loc,
                           hint="rewrite this line with supported NumPy operations")
    return rule(em, g, n, i)


def vjp_elementwise(em, g: Value, n: Node, i: int) -> Value | None:
    """upstream gradient x local derivative, then undo broadcasting."""
    local = E.local_derivative(n.param("expr"), i)
    if local == 0:
        return None
    k = len(n.args)
    symbols = ew_symbols(k + 2)          # upstream _0, arguments _1.._k, output _{k+1}
    shift = {s: symbols[j + 1] for j, s in enumerate(ew_symbols(k))}
    shift[E.OUT] = symbols[k + 1]
    expr = symbols[0] * local.xreplace(shift)
    arg = n.args[i]
    gshape = em.shape(n.out)
    direct = em.same_shape(arg, n.out)
    lib = n.param("lib") or ""
    if direct:
        return em.ew_out(expr, [g, *n.args, n.out], lib=lib)
    if local.is_number:                  # sum first, then scale the smaller result:
        if local == 1:                            # -sum(g) rather than sum(-g)
            return sum_to(em, g, arg, gshape)
        hint, em.hint = em.hint, "tmp"
        summed = sum_to(em, g, arg, gshape)
        em.hint = hint
        return em.ew_out(local * symbols[0], [summed])
    full = em.ew_tmp(expr, [g, *n.args, n.out], lib=lib)
    return sum_to(em, full, arg, gshape)


# ---------------------------------------------------------------- words for comments


def gate(n: Node) -> str:
    """The backprop lesson's name for a node's pattern: add distributes, mul switches..."""
    if n.op != "ew":
        return {"amax": "max routes", "amin": "min routes", "sum": "sum distributes",
                "matmul": "matmul", "getitem": "index routes"}.get(n.op, "")
    expr = n.param("expr")
    if len(n.args) == 2 and set(expr.free_symbols) == set(ew_symbols(2)):
        if expr.func is sympy.Add and len(expr.args) == 2 and all(a.is_Symbol or
                                                                  (-a).is_Symbol for a in expr.args):
            return "add distributes"
        if expr.func is sympy.Mul and all(a.is_Symbol for a in expr.args):
            return "mul switches"
        if expr.func in (sympy.Max, sympy.Min):
            return "max routes" if expr.func is sympy.Max else "min routes"
    if expr.func in (sympy.Max, sympy.Min):
        return "max routes" if expr.func is sympy.Max else "min routes"
    return ""


def describe(n: Node, i: int) -> str:
    """``mul switches: df/dq = z``: the gate and the local derivative, in the user's names."""
    arg = n.args[i]
    head = gate(n)
    if n.op != "ew":
        return f"{head}: d{n.out}/d{arg}".lstrip(": ") if head else f"d{n.out}/d{arg}"
    local = E.local_derivative(n.param("expr"), i)
    names = {s: sympy.Symbol(str(a)) for s, a in zip(ew_symbols(len(n.args)), n.args)}
    names[E.OUT] = sympy.Symbol(str(n.out))
    text = f"d{n.out}/d{arg} = {sympy.sstr(local.xreplace(names), full_prec=False)}"
    return f"{head}: {text}" if head else text
