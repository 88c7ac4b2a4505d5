"""Functions written with primitives: no rules of their own, SymPy and the primitives'
rules differentiate them (as tinygrad writes most functions).

    var(x, axis, ddof, keepdims)   mean((x - mean(x, axis))**2, axis), times n / (n - ddof)
    std(x, axis, ddof, keepdims)   sqrt(var(x, ...))   (its gradient is inf where var = 0,
                                   as sqrt'(0) is)
"""
from __future__ import annotations

import sympy

from ..ir import TMP, Const
from .registry import Composition, compose


def option(args, keywords, position: int, name: str, default):
    """The argument given as ``name=`` or at ``position``, else ``Const(default)``."""
    if name in keywords:
        return keywords[name]
    return args[position] if len(args) > position else Const(default)


def only(ctx, e, keywords, allowed: set, what: str):
    """Refuse, at the call, a keyword the composition does not read."""
    extra = sorted(set(keywords) - allowed)
    if extra:
        raise ctx.fail(f"{what} does not take `{extra[0]}=` here", e,
                       f"pass only {', '.join(sorted(allowed))}")


def none(value) -> bool:
    """Whether an argument is the constant None (an option left out)."""
    return isinstance(value, Const) and value.value is None


def _lower_moment(ctx, e, hint, name, args, keywords):
    if set(keywords) - {"axis", "ddof", "keepdims"} or len(args) > 2:
        raise ctx.fail(f"np.{name} takes an array, axis, ddof and keepdims here", e,
                       f"leave out dtype=, out= and where=; write np.{name}(x, axis=k, ddof=1)")
    x = ctx.array(args[0], e)
    axis = ctx.static(keywords.get("axis", args[1] if len(args) > 1 else Const(None)), e, "axis")
    ddof = ctx.static(keywords.get("ddof", Const(0)), e, "ddof")
    keepdims = bool(ctx.static(keywords.get("keepdims", Const(False)), e, "keepdims"))
    if isinstance(ddof, bool) or not isinstance(ddof, (int, float)):
        raise ctx.fail("ddof must be a number", e, "write ddof=0 or ddof=1")
    last = hint if name == "var" else TMP
    centre = ctx.emit("mean", [x], TMP, axis=axis, keepdims=True)
    square = ctx.ew(lambda a, m: (a - m) ** 2, [x, centre], TMP)
    if ddof == 0:
        var = ctx.emit("mean", [square], last, axis=axis, keepdims=keepdims)
    else:
        total = ctx.emit("sum", [square], TMP, axis=axis, keepdims=keepdims)
        count = ctx.emit("size", [x], TMP)
        kept = ctx.emit("size", [total], TMP)
        var = ctx.ew(lambda t, n, k: t / (n / k - ddof), [total, count, kept], last)
    return var if name == "var" else ctx.ew(sympy.sqrt, [var], hint)


compose(
    Composition("var", "mean((x - mean(x))**2) * n / (n - ddof)", _lower_moment,
                spellings=("np.var", "x.var()")),
    Composition("std", "sqrt(var(x))", _lower_moment, spellings=("np.std", "x.std()")),
)
