"""scipy.special functions written with primitives (no rules of their own: the
primitives' rules and SymPy differentiate them):

    logsumexp(a, axis, b, keepdims)  m + log(sum(b * exp(a - m), axis)),  m = max(a, axis)
    softmax(x, axis)                 exp(x - m) / sum(exp(x - m), axis)
    log_softmax(x, axis)             (x - m) - log(sum(exp(x - m), axis))
    polygamma(n, x)                  the n-th derivative of digamma, n a constant integer
    multigammaln(a, d)               d(d-1)/4 log(pi) + sum_{j<d} gammaln(a - j/2), d constant
    jv, jn, yv, yn, iv, ive, kv, kve (v, x)   Bessel functions of a constant order v
                                     (``special_bessel``), differentiable in x

The shift m (the maximum) keeps exp from overflowing; it is marked ``constant``: the
result does not depend on it (d/dm = 1 - sum(b e)/sum(b e) = 0), so no gradient flows
through the maximum and its ties do not matter. Where the maximum is infinite the shift is
0, as SciPy does.
"""
from __future__ import annotations

import sympy

from ..ir import TMP, Const
from .compositions import none, only, option
from .special_bessel import ORDERED
from .registry import Composition, compose


def _shift(ctx, x, axis, keepdims: bool):
    """max(x, axis), 0 where it is infinite: a constant (no gradient flows through it)."""
    m = ctx.emit("amax", [x], TMP, axis=axis, keepdims=keepdims, constant=True)
    finite = ctx.emit("np", [m], TMP, fn="isfinite", keywords=())
    return ctx.emit("where", [finite, m, Const(0.0)], TMP, constant=True)


def logsumexp(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"axis", "b", "keepdims"}, "scipy.special.logsumexp")
    x = ctx.array(args[0], e)
    axis = ctx.static(option(args, keywords, 1, "axis", None), e, "axis")
    b = option(args, keywords, 2, "b", None)
    keepdims = bool(ctx.static(option(args, keywords, 3, "keepdims", False), e, "keepdims"))
    m = _shift(ctx, x, axis, True)
    shifted = ctx.ew(lambda u, v: sympy.exp(u - v), [x, m], TMP)
    if not none(b):
        shifted = ctx.ew(lambda s, w: s * w, [shifted, ctx.array(b, e)], TMP)
    total = ctx.emit("sum", [shifted], TMP, axis=axis, keepdims=keepdims)
    top = m if keepdims else _shift(ctx, x, axis, False)
    return ctx.ew(lambda s, v: sympy.log(s) + v, [total, top], hint)


def _softmax_parts(ctx, e, args, keywords, what):
    only(ctx, e, keywords, {"axis"}, what)
    x = ctx.array(args[0], e)
    axis = ctx.static(option(args, keywords, 1, "axis", None), e, "axis")
    m = _shift(ctx, x, axis, True)
    shifted = ctx.ew(lambda u, v: u - v, [x, m], TMP)
    exps = ctx.ew(sympy.exp, [shifted], TMP)
    return shifted, exps, ctx.emit("sum", [exps], TMP, axis=axis, keepdims=True)


def softmax(ctx, e, hint, name, args, keywords):
    _, exps, total = _softmax_parts(ctx, e, args, keywords, "scipy.special.softmax")
    return ctx.ew(lambda u, s: u / s, [exps, total], hint)


def log_softmax(ctx, e, hint, name, args, keywords):
    shifted, _, total = _softmax_parts(ctx, e, args, keywords, "scipy.special.log_softmax")
    return ctx.ew(lambda u, s: u - sympy.log(s), [shifted, total], hint)


def _order(ctx, e, value, what: str, least: int) -> int:
    order = ctx.static(value, e, what)
    if isinstance(order, bool) or not isinstance(order, int) or order < least:
        raise ctx.fail(f"{what} must be a constant integer >= {least}", e,
                       f"write it as a literal, e.g. {least + 1}; its derivative is not "
                       "defined")
    return order


def polygamma(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, set(), "scipy.special.polygamma")
    if len(args) != 2:
        raise ctx.fail("scipy.special.polygamma takes (n, x)", e)
    n = _order(ctx, e, args[0], "the order n of scipy.special.polygamma", 0)
    return ctx.ew(lambda v: sympy.polygamma(n, v), [ctx.array(args[1], e)], hint)


def multigammaln(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, set(), "scipy.special.multigammaln")
    if len(args) != 2:
        raise ctx.fail("scipy.special.multigammaln takes (a, d)", e)
    d = _order(ctx, e, args[1], "the dimension d of scipy.special.multigammaln", 1)

    def value(a):
        terms = sum(sympy.loggamma(a - sympy.Rational(j, 2)) for j in range(d))
        return sympy.Rational(d * (d - 1), 4) * sympy.log(sympy.pi) + terms
    return ctx.ew(value, [ctx.array(args[0], e)], hint)


def bessel(ctx, e, hint, name, args, keywords):
    what = f"scipy.special.{name}"
    only(ctx, e, keywords, set(), what)
    if len(args) != 2:
        raise ctx.fail(f"{what} takes (v, x)", e)
    order = ctx.static(args[0], e, f"the order v of {what}")
    if isinstance(order, bool) or not isinstance(order, (int, float)):
        raise ctx.fail(f"the order v of {what} must be a constant number", e,
                       "write it as a literal, e.g. 1 or 1.5: its derivative in v has no "
                       "closed form")
    function = ORDERED[name]
    return ctx.ew(lambda x: function(sympy.sympify(order), x), [ctx.array(args[1], e)], hint)


def _bessel(name: str):
    return lambda ctx, e, hint, _, args, keywords: bessel(ctx, e, hint, name, args, keywords)


compose(*[Composition(name, f"the Bessel function {name}(v, x) of a constant order v",
                      _bessel(name), spellings=(f"scipy.special.{name}",))
          for name in ORDERED])

compose(
    Composition("logsumexp", "m + log(sum(b exp(a - m)))", logsumexp,
                spellings=("scipy.special.logsumexp",)),
    Composition("softmax", "exp(x - m) / sum(exp(x - m))", softmax,
                spellings=("scipy.special.softmax",)),
    Composition("log_softmax", "(x - m) - log(sum(exp(x - m)))", log_softmax,
                spellings=("scipy.special.log_softmax",)),
    Composition("polygamma", "d^(n+1)/dx^(n+1) log Gamma(x)", polygamma,
                spellings=("scipy.special.polygamma",)),
    Composition("multigammaln", "log of the multivariate gamma function", multigammaln,
                spellings=("scipy.special.multigammaln",)),
)
