"""The condition number of a matrix, written with primitives (the singular values, norms
and inverse carry the derivatives):

    cond(A)          s[..., 0] / s[..., -1], s the singular values of A (descending);
                     p=2 the same, p=-2 its reciprocal s[..., -1] / s[..., 0]
    cond(A, p)       norm(A, p) * norm(inv(A), p) over the last two axes, for p in
                     'fro', 'nuc', 1, -1, inf and -inf (A square)

As NumPy computes them, with one difference: for a singular A and p other than None, 2
and -2, NumPy returns inf where the inverse here stops with NumPy's LinAlgError (there is
no derivative there). Where singular values tie (p = None, 2, -2) or a norm's max picks
among equal sums (1, inf...), the derivative routes as those primitives say.

    >>> np.linalg.cond(a, 'fro')
"""
from __future__ import annotations

import math

from ..ir import TMP, Const
from .compositions import none, only, option
from .registry import Composition, compose, spelled

#: the orders np.linalg.cond takes besides None
ORDERS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)
MATRIX_AXES = (-2, -1)


def _singular_values(ctx, e, a):
    return spelled("np.linalg.svd").lower(ctx, e, TMP, "linalg.svd", [a],
                                          {"compute_uv": Const(False)})


def _norm(ctx, e, m, p):
    """norm(m, p) over the last two axes; the nuclear norm is the sum of the singular
    values."""
    if p == "nuc":
        return ctx.emit("sum", [_singular_values(ctx, e, m)], TMP, axis=-1, keepdims=False)
    return ctx.emit("norm", [m], TMP, ord=p, axis=MATRIX_AXES, keepdims=False)


def _ends(ctx, e, a):
    """The largest and the smallest singular values of A (of each matrix of a stack)."""
    values = _singular_values(ctx, e, a)
    return [ctx.emit("getitem", [values, Const(k)], TMP, index=(Ellipsis, ("at", 1)))
            for k in (0, -1)]


def cond(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"p"}, "np.linalg.cond")
    if len(args) not in (1, 2):
        raise ctx.fail("np.linalg.cond takes a matrix and an order p", e,
                       "write np.linalg.cond(a) or np.linalg.cond(a, 'fro')")
    a = ctx.array(args[0], e)
    given = option(args, keywords, 1, "p", None)
    p = None if none(given) else ctx.static(given, e, "p")
    if p is not None and (isinstance(p, bool) or p not in ORDERS):
        raise ctx.fail(f"p={p!r} is not an order of np.linalg.cond", e,
                       "pass None, 'fro', 'nuc', 1, -1, 2, -2, np.inf or -np.inf")
    if p in (None, 2, -2):
        largest, smallest = _ends(ctx, e, a)
        pair = [smallest, largest] if p == -2 else [largest, smallest]
        return ctx.ew(lambda u, v: u / v, pair, hint)
    inverse = spelled("np.linalg.inv").lower(ctx, e, TMP, "linalg.inv", [a], {})
    norms = [_norm(ctx, e, m, p) for m in (a, inverse)]
    return ctx.ew(lambda u, v: u * v, norms, hint)


compose(Composition("cond", "s_max / s_min, or norm(A, p) * norm(inv(A), p)", cond,
                    spellings=("np.linalg.cond",)))
