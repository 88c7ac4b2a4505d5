"""The rule table: for every primitive, its vector-Jacobian product.

Elementwise primitives (``ew``) are differentiated by SymPy (``rules.elementwise``); array
primitives have templates (``rules.arrays``). ``vjp`` is the one entry point the reverse
engine calls; ``describe`` says in words what a backward line does, for comments.
"""
from __future__ import annotations

import re
from functools import lru_cache

import sympy

from ..ir import TMP, Node, Value, ew_symbols, free_symbols
from . import elementwise as E
from .arrays import NO_GRADIENT, VJPS, sum_to

__all__ = ["vjp", "describe", "differentiable", "NO_GRADIENT", "E"]


def differentiable(n: Node) -> bool:
    """Whether gradients flow through ``n`` (not for indices, masks, constants, nor for a
    reduction the output is invariant to: ``invariance.shift_invariant_extrema``)."""
    return n.op not in NO_GRADIENT and not n.param("constant")


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
    expr = _upstream_times_local(n.param("expr"), i, len(n.args))
    if expr is None:
        return None
    arg = n.args[i]
    gshape = em.shape(n.out)
    direct = em.same_shape(arg, n.out)
    lib = n.param("lib") or ""
    upstream = ew_symbols(1)[0]
    select = em.mask is not None and expr.free_symbols != {upstream}   # symdiff.masks
    if direct and select:
        return em.select(em.ew_tmp(expr, [g, *n.args, n.out], lib=lib))
    if direct:
        return em.ew_out(expr, [g, *n.args, n.out], lib=lib)
    if expr.free_symbols == {upstream}:  # a constant local derivative: sum first, then
        if expr == upstream:             # scale the smaller result (-sum(g), not sum(-g))
            return sum_to(em, g, arg, gshape)
        hint, em.hint = em.hint, TMP
        summed = sum_to(em, g, arg, gshape)
        em.hint = hint
        return em.ew_out(expr, [summed])
    full = em.ew_tmp(expr, [g, *n.args, n.out], lib=lib)
    if select:
        full = em.select(full, TMP)
    return sum_to(em, full, arg, gshape)


@lru_cache(maxsize=4096)
def _upstream_times_local(expr: sympy.Expr, i: int, k: int) -> sympy.Expr | None:
    """``g * d expr/d _i`` over upstream ``_0``, arguments ``_1.._k``, output ``_{k+1}``."""
    local = E.local_derivative(expr, i)
    if local == 0:
        return None
    symbols = ew_symbols(k + 2)
    shift = {s: symbols[j + 1] for j, s in enumerate(ew_symbols(k))}
    shift[E.OUT] = symbols[k + 1]
    return symbols[0] * local.xreplace(shift)


# ---------------------------------------------------------------- words for comments


def gate(n: Node) -> str:
    """The backprop lesson's name for a node's pattern: add distributes, mul switches..."""
    if n.op != "ew":
        return {"amax": "max routes", "amin": "min routes", "sum": "sum distributes",
                "matmul": "matmul", "getitem": "index routes"}.get(n.op, "")
    expr = n.param("expr")
    if len(n.args) == 2 and free_symbols(expr) == set(ew_symbols(2)):
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
