"""Sequences: np.convolve, np.correlate and np.interp.

    convolve  y = np.convolve(a, v)  (mode 'full': y[n] = sum_m a[m] v[n - m])
              da = np.convolve(g, v[::-1])[len(v) - 1 : len(v) - 1 + len(a)]
              db = np.convolve(g, a[::-1])[len(a) - 1 : len(a) - 1 + len(v)]
              (correlations of g with the other factor: convolutions again)

The other modes are slices of the full convolution (lo, hi = the shorter and longer
length): 'same' is full[(lo - 1) // 2 :][:hi], 'valid' is full[lo - 1 : hi]. And
np.correlate(a, v, mode) is np.convolve(a, v[::-1], mode), but for 'same' with a shorter
than v, which NumPy starts one place later when len(a) is even (full[len(a) // 2 :][:hi]).

    interp    np.interp(x, xp, fp) = fp[i] + t (fp[i + 1] - fp[i]),
              i = the segment of x (np.searchsorted(xp, x, 'right') - 1, kept in range),
              t = (x - xp[i]) / (xp[i + 1] - xp[i]) clipped to [0, 1]

so it is differentiable in x, xp and fp; outside [xp[0], xp[-1]] the value is fp's end
and the derivative in x is 0; at a knot x == xp[k] the derivative in x is that of the
segment on its right (as np.searchsorted(..., 'right') picks it).
"""
from __future__ import annotations

import sympy

from ..ir import TMP, Const
from . import tangents as T
from .registry import Composition, Primitive, compose, register


def _ew(em, f, args):
    return em.ew_tmp(f, args)


def vjp_convolve(em, g, n, i: int):
    own, other = n.args[i], n.args[1 - i]
    flipped = em.tmp("flip", [other], axis=0)
    full = em.tmp("convolve", [g, flipped])
    start = _ew(em, lambda m: m - 1, [em.tmp("dim", [other], axis=0)])
    stop = _ew(em, lambda s, k: s + k, [start, em.tmp("dim", [own], axis=0)])
    return em.out("getitem", [full, start, stop], index=(("slice", 1, 2, None),))


def _mode(ctx, e, name, args, keywords, default: str) -> str:
    if set(keywords) - {"mode"} or len(args) + len(keywords) not in (2, 3) or len(args) < 2:
        raise ctx.fail(f"np.{name} takes two vectors and a mode here", e,
                       f"write np.{name}(a, v, mode='full'), 'same' or 'valid'")
    mode = ctx.static(keywords.get("mode", args[2] if len(args) > 2 else Const(default)), e,
                      "mode")
    if mode not in ("full", "same", "valid"):
        raise ctx.fail(f"np.{name}'s mode is 'full', 'same' or 'valid', not {mode!r}", e)
    return mode


def _lower_convolve(ctx, e, hint, name, args, keywords):
    mode = _mode(ctx, e, name, args, keywords, "full" if name == "convolve" else "valid")
    a, v = (ctx.array(x, e) for x in args[:2])
    if name == "correlate":
        v = ctx.emit("flip", [v], TMP, axis=0)
    if mode == "full":
        return ctx.emit("convolve", [a, v], hint)
    full = ctx.emit("convolve", [a, v], TMP)
    na, nv = (ctx.emit("dim", [x], TMP, axis=0) for x in (a, v))
    lo = ctx.ew(lambda p, q: sympy.Min(p, q), [na, nv], TMP, lib="math")
    hi = ctx.ew(lambda p, q: sympy.Max(p, q), [na, nv], TMP, lib="math")
    if mode == "valid":
        start = ctx.ew(lambda m: m - 1, [lo], TMP)
        return ctx.emit("getitem", [full, start, hi], hint, index=(("slice", 1, 2, None),))
    start = ctx.emit("intop", [ctx.ew(lambda m: m - 1, [lo], TMP), Const(2)], TMP, symbol="//")
    if name == "correlate":               # a shorter than v, len(a) even: one place later
        shorter = ctx.emit("compare", [na, nv], TMP, symbol="<")
        later = ctx.emit("intop", [na, Const(2)], TMP, symbol="//")
        start = ctx.ew(lambda s, c, k: s + c * (k - s), [start, shorter, later], TMP)
    stop = ctx.ew(lambda s, k: s + k, [start, hi], TMP)
    return ctx.emit("getitem", [full, start, stop], hint, index=(("slice", 1, 2, None),))


def _lower_interp(ctx, e, hint, name, args, keywords):
    if keywords or len(args) != 3:
        raise ctx.fail("np.interp takes x, xp and fp here", e,
                       "leave out left=, right= and period= (the ends of fp are used "
                       "outside xp)")
    x, xp, fp = (ctx.array(v, e) for v in args)
    right = ctx.emit("np", [xp, x, Const("right")], TMP, fn="searchsorted",
                     keywords=("side",))
    last = ctx.ew(lambda m: m - 2, [ctx.emit("dim", [xp], TMP, axis=0)], TMP)
    below = ctx.ew(lambda r: r - 1, [right], TMP)
    i = ctx.emit("np", [below, Const(0), last], TMP, fn="clip", keywords=())
    j = ctx.ew(lambda k: k + 1, [i], TMP)
    x0, x1, f0, f1 = (ctx.emit("getitem", [arr, k], TMP, index=(("at", 1),))
                      for arr, k in ((xp, i), (xp, j), (fp, i), (fp, j)))
    t = ctx.ew(lambda u, p, q: sympy.Min(sympy.Max((u - p) / (q - p), 0), 1), [x, x0, x1], TMP)
    return ctx.ew(lambda s, p, q: p + s * (q - p), [t, f0, f1], hint)


register(Primitive(
    "convolve", "signals", "y[n] = sum_m a[m] v[n - m] (the full convolution)",
    shape=lambda n, s, v: (s[0][0] + s[1][0] - 1,) if len(s[0]) == len(s[1]) == 1 else None,
    vjp=vjp_convolve, jvp=T.bilinear(0, 1), printer=lambda n, p: p.np("convolve", p.a),
    gate="convolve correlates back"))
compose(
    Composition("convolve", "slices of the full convolution", _lower_convolve,
                spellings=("np.convolve",)),
    Composition("correlate", "np.convolve(a, v[::-1], mode)", _lower_convolve,
                spellings=("np.correlate",)),
    Composition("interp", "fp[i] + t (fp[i + 1] - fp[i]) on x's segment i", _lower_interp,
                spellings=("np.interp",)),
)
