"""Powers written with primitives (the elementwise power carries the derivative):

    float_power(x, y)                  x ** y (float64, as NumPy computes it)
    ldexp(x, i)                        x * 2 ** i   (i integers: no derivative in i)
    logspace(a, b, num, endpoint, base)   base ** linspace(a, b, num, endpoint)
    geomspace(a, b, num, endpoint)     exp(linspace(log a, log b, num, endpoint)), a, b > 0,
                                       with the ends exactly a and b as NumPy gives them
"""
from __future__ import annotations

import sympy

from ..ir import TMP, Const
from .compositions import only, option
from .registry import Composition, compose


def _two(ctx, e, args, keywords, name):
    only(ctx, e, keywords, set(), f"np.{name}")
    if len(args) != 2:
        raise ctx.fail(f"np.{name} takes two arrays here", e, "leave out out=, where=, dtype=")
    return ctx.array(args[0], e), ctx.array(args[1], e)


def float_power(ctx, e, hint, name, args, keywords):
    x, y = _two(ctx, e, args, keywords, name)
    return ctx.ew(lambda a, b: a ** b, [x, y], hint)


def ldexp(ctx, e, hint, name, args, keywords):
    x, i = _two(ctx, e, args, keywords, name)
    return ctx.ew(lambda a, k: a * 2 ** k, [x, i], hint)


def _points(ctx, e, args, keywords, name, allowed):
    only(ctx, e, keywords, allowed, f"np.{name}")
    start = ctx.array(option(args, keywords, 0, "start", None), e)
    stop = ctx.array(option(args, keywords, 1, "stop", None), e)
    num = ctx.array(option(args, keywords, 2, "num", 50), e)
    endpoint = ctx.static(option(args, keywords, 3, "endpoint", True), e, "endpoint")
    return start, stop, num, bool(endpoint)


def logspace(ctx, e, hint, name, args, keywords):
    start, stop, num, endpoint = _points(ctx, e, args, keywords, name,
                                         {"start", "stop", "num", "endpoint", "base"})
    base = ctx.array(option(args, keywords, 4, "base", 10.0), e)
    exponents = ctx.emit("linspace", [start, stop, num], TMP, endpoint=endpoint)
    return ctx.ew(lambda b, t: b ** t, [base, exponents], hint)


def geomspace(ctx, e, hint, name, args, keywords):
    start, stop, num, endpoint = _points(ctx, e, args, keywords, name,
                                         {"start", "stop", "num", "endpoint"})
    logs = [ctx.ew(sympy.log, [v], TMP) for v in (start, stop)]
    points = ctx.ew(sympy.exp, [ctx.emit("linspace", [*logs, num], TMP, endpoint=endpoint)],
                    TMP)
    first = ctx.emit("setitem", [points, start, Const(0)], TMP, index=(("at", 2),))
    if not endpoint:
        return first
    return ctx.emit("setitem", [first, stop, Const(-1)], hint, index=(("at", 2),))


compose(
    Composition("float_power", "x ** y", float_power, spellings=("np.float_power",)),
    Composition("ldexp", "x * 2 ** i", ldexp, spellings=("np.ldexp",)),
    Composition("logspace", "base ** linspace(a, b, num)", logspace, spellings=("np.logspace",)),
    Composition("geomspace", "exp(linspace(log a, log b, num))", geomspace,
                spellings=("np.geomspace",)),
)
