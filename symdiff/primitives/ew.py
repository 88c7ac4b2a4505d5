"""The elementwise primitive ``ew``: one entry for every function of the SymPy table.

A node ``ew[expr](args)`` computes the SymPy expression ``expr`` over ``_0, _1, ...``
elementwise, with broadcasting. Its local derivatives come from SymPy
(``elementwise.local_derivative``); a new elementwise function is one row of
``elementwise.TABLE``, not a new primitive.

    reverse    dx = g * d expr/d x, summed back to x's shape (undoing broadcasting)
    forward    out_dot = sum_i d expr/d x_i * x_i_dot
"""
from __future__ import annotations

import numpy as np
import sympy

from functools import lru_cache

from ..ir import TMP, Const, Node, Value, Var, ew_symbols, free_symbols
from . import elementwise as E
from . import tangents as T
from .arrays import sum_to
from .registry import Primitive, register


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


def jvp_elementwise(em, n: Node, ts: list) -> Value | None:
    """sum_i (d out / d arg_i) * arg_i_dot, as one elementwise node."""
    k = len(n.args)
    symbols = ew_symbols(2 * k + 1)          # arguments, output, then the tangents
    out_symbol = symbols[k]
    expr, used = sympy.Integer(0), []
    for i, t in enumerate(ts):
        if t is None:
            continue
        local = E.local_derivative(n.param("expr"), i).xreplace({E.OUT: out_symbol})
        expr += local * symbols[k + 1 + i]
        used.append(n.args[i])
    if expr == 0:
        return None
    args = [*n.args, n.out, *[t if t is not None else Const(0.0) for t in ts]]
    before = len(em.b.body)
    t = em.ew_out(expr, args, lib=n.param("lib") or "")
    reads = set(em.b.body[-1].args) if len(em.b.body) > before else {t}
    primal = {t: a for a, t in zip(n.args, ts) if t is not None}
    reads |= {primal[r] for r in list(reads) if r in primal}
    if n.out in reads or all(a in reads for a in n.args if isinstance(a, Var)):
        return t                 # it reads something of the output's full shape
    return T.broadcast_like(em, t, n.out)


def gate(n: Node) -> str:
    """The backprop lesson's name for an elementwise node's pattern."""
    expr = n.param("expr")
    if len(n.args) == 2 and free_symbols(expr) == set(ew_symbols(2)):
        if expr.func is sympy.Add and len(expr.args) == 2 and \
                all(a.is_Symbol or (-a).is_Symbol for a in expr.args):
            return "add distributes"
        if expr.func is sympy.Mul and all(a.is_Symbol for a in expr.args):
            return "mul switches"
    if expr.func in (sympy.Max, sympy.Min):
        return "max routes" if expr.func is sympy.Max else "min routes"
    return ""


def _known(n, shapes, values):
    """Integer arithmetic on known integers (sizes, counts) is folded."""
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        expr = n.param("expr").xreplace(dict(zip(ew_symbols(len(values)),
                                                 [sympy.Integer(v) for v in values])))
        if expr.is_Integer:
            return int(expr)
    return None


#: H(u) with H(0) = 1/2, written with a function numba compiles.
HALF = sympy.Float(0.5)


def _numba(n: Node, cx):
    """np.heaviside(u, 0.5) is 0.5 * np.sign(u) + 0.5 (the same at 0: 1/2), a user's
    np.heaviside(x, h) is written with np.sign too (``signs.Step.with_sign``); np.isclose
    is written out (``special.WithinTolerance``)."""
    from .signs import Step
    from .special import IsClose, WithinTolerance
    expr = n.param("expr")
    if expr.has(IsClose):
        expr = expr.replace(IsClose, WithinTolerance)
    if expr.has(Step):
        expr = expr.replace(Step, Step.with_sign)
    if n.param("lib") != "math" and expr.has(sympy.Heaviside):
        expr = expr.replace(sympy.Heaviside, lambda u, *_: HALF * sympy.sign(u) + HALF)
    return [n.with_params(expr=expr)] if expr != n.param("expr") else None


def _numba_refuses(n: Node) -> str:
    """A SciPy function in the expression: numba compiles none of scipy.special."""
    from .special import printed_as
    for e in sympy.preorder_traversal(n.param("expr")):
        spelled = printed_as(e, n.param("lib") or "np") if isinstance(e, sympy.Function) \
            else None
        if spelled and spelled[0].startswith("scipy"):
            return f"{spelled[0]}.{spelled[1]} (numba compiles no scipy.special function)"
    return ""


def _print(n, p):
    return p.accumulate(n) or p.ew(n)


register(Primitive(
    "ew", "elementwise", "expr(args), element by element (elementwise.TABLE)",
    shape=lambda n, s, v: tuple(np.broadcast_shapes(*s)), vjp=vjp_elementwise,
    jvp=jvp_elementwise, printer=_print, gate=gate, params=(("expr", "expr"), ("lib", "name")),
    elementwise=True, scalar_args=True, known_value=_known, numba=_numba,
    numba_refuses=_numba_refuses,
    spellings=("x.copy()", *(f"np.{name}" for name in E.TABLE))))
