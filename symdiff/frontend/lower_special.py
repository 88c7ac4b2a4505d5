"""scipy.special functions that are compositions of NumPy primitives, lowered onto them
rather than given rules of their own (style: the cheapest rule is none):

    logsumexp(a, axis, b, keepdims)  m + log(sum(b * exp(a - m), axis)),  m = max(a, axis)
    softmax(x, axis)                 exp(x - m) / sum(exp(x - m), axis)
    log_softmax(x, axis)             (x - m) - log(sum(exp(x - m), axis))

The shift m (the maximum) keeps exp from overflowing; it is marked ``constant``: the
result does not depend on it (d/dm = 1 - sum(b e)/sum(b e) = 0), so no gradient flows
through the maximum and its ties do not matter. Where the maximum is infinite the shift is
0, as SciPy does.

    LOWERINGS[name](ctx, e, hint, args, keywords) -> the value
"""
from __future__ import annotations

import sympy

from ..ir import TMP, Const


def _option(ctx, e, args, keywords, position: int, name: str, default):
    if name in keywords:
        return keywords[name]
    return args[position] if len(args) > position else Const(default)


def _only(ctx, e, keywords, allowed: set, what: str):
    extra = sorted(set(keywords) - allowed)
    if extra:
        raise ctx.fail(f"{what} does not take `{extra[0]}=` here", e,
                       f"pass only {', '.join(sorted(allowed))}")


def _shift(ctx, x, axis, keepdims: bool):
    """max(x, axis), 0 where it is infinite: a constant (no gradient flows through it)."""
    m = ctx.emit("amax", [x], TMP, axis=axis, keepdims=keepdims, constant=True)
    finite = ctx.emit("np", [m], TMP, fn="isfinite", keywords=())
    return ctx.emit("where", [finite, m, Const(0.0)], TMP, constant=True)


def logsumexp(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, {"axis", "b", "keepdims"}, "scipy.special.logsumexp")
    x = ctx.array(args[0], e)
    axis = ctx.static(_option(ctx, e, args, keywords, 1, "axis", None), e, "axis")
    b = _option(ctx, e, args, keywords, 2, "b", None)
    keepdims = bool(ctx.static(_option(ctx, e, args, keywords, 3, "keepdims", False), e,
                               "keepdims"))
    m = _shift(ctx, x, axis, True)
    shifted = ctx.ew(lambda u, v: sympy.exp(u - v), [x, m], TMP)
    if not (isinstance(b, Const) and b.value is None):
        shifted = ctx.ew(lambda s, w: s * w, [shifted, ctx.array(b, e)], TMP)
    total = ctx.emit("sum", [shifted], TMP, axis=axis, keepdims=keepdims)
    top = m if keepdims else _shift(ctx, x, axis, False)
    return ctx.ew(lambda s, v: sympy.log(s) + v, [total, top], hint)


def _softmax_parts(ctx, e, args, keywords, what):
    _only(ctx, e, keywords, {"axis"}, what)
    x = ctx.array(args[0], e)
    axis = ctx.static(_option(ctx, e, args, keywords, 1, "axis", None), e, "axis")
    m = _shift(ctx, x, axis, True)
    shifted = ctx.ew(lambda u, v: u - v, [x, m], TMP)
    exps = ctx.ew(sympy.exp, [shifted], TMP)
    return shifted, exps, ctx.emit("sum", [exps], TMP, axis=axis, keepdims=True)


def softmax(ctx, e, hint, args, keywords):
    _, exps, total = _softmax_parts(ctx, e, args, keywords, "scipy.special.softmax")
    return ctx.ew(lambda u, s: u / s, [exps, total], hint)


def log_softmax(ctx, e, hint, args, keywords):
    shifted, _, total = _softmax_parts(ctx, e, args, keywords, "scipy.special.log_softmax")
    return ctx.ew(lambda u, s: u - sympy.log(s), [shifted, total], hint)


LOWERINGS = {"logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax}
