"""NumPy calls whose results carry no gradient, written with the ``np`` primitive, and the
bin edges of a histogram, written with primitives where they follow the data:

    linalg.matrix_rank(a, tol)   an integer: no derivative
    fft.fftfreq(n, d)            the frequencies of an n-point transform: constants of n, d
    fft.rfftfreq(n, d)           the same for the real transform (n // 2 + 1 of them)
    histogram_bin_edges(a, bins, range)
                                 bins a number: linspace(min a, max a, bins + 1), widened
                                 by 1/2 on each side when min a == max a (as NumPy does), so
                                 the edges follow a's extremes (max routes); range=(lo, hi)
                                 constants: constant edges; bins an array: those edges
    histogram(a, bins, range)    (counts, edges): the counts are integers, a step function
                                 of a (no derivative); the edges as above

np.histogram's weights= and density= are refused: they make the counts depend on numbers
(the weights, the widths of the bins) that carry a gradient.

    >>> counts, edges = np.histogram(x, bins=4)    # edges[0] == np.min(x)
"""
from __future__ import annotations

import numpy as np

from ..ir import TMP, Const
from .compositions import none, only, option
from .registry import Composition, compose


def _no_gradient(ctx, e, hint, fn, args, keywords):
    """``np.<fn>(*args, **keywords)`` as one ``np`` node (constants stay constants)."""
    values = [ctx.array(a, e) for a in args] + [ctx.array(v, e) for v in keywords.values()]
    return ctx.emit("np", values, hint, fn=fn, keywords=tuple(keywords))


def matrix_rank(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"tol", "hermitian", "rtol"}, "np.linalg.matrix_rank")
    return _no_gradient(ctx, e, hint, name, args, keywords)


def frequencies(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"n", "d"}, f"np.{name}")
    n = option(args, keywords, 0, "n", None)
    if none(n) or len(args) > 2:
        raise ctx.fail(f"np.{name} takes a length n and a spacing d", e,
                       f"write np.{name}(n, d)")
    return _no_gradient(ctx, e, hint, name, [n, option(args, keywords, 1, "d", 1.0)], {})


def _bins(ctx, e, args, keywords, name):
    only(ctx, e, keywords, {"bins", "range"}, f"np.{name}")
    if len(args) > 3:
        raise ctx.fail(f"np.{name} takes an array, bins and range here", e,
                       f"write np.{name}(a, bins=10, range=(lo, hi))")
    bins = option(args, keywords, 1, "bins", 10)
    span = option(args, keywords, 2, "range", None)
    if not none(span):
        span = ctx.static(span, e, "range")
        if not (isinstance(span, tuple) and len(span) == 2 and span[0] <= span[1]):
            raise ctx.fail(f"np.{name}'s range must be two constants lo <= hi", e,
                           "write range=(0.0, 1.0)")
    return ctx.array(args[0], e), bins, span


def _edges(ctx, e, x, bins, span, hint, name):
    """The bin edges NumPy gives ``np.histogram(x, bins, range)``."""
    if isinstance(bins, Const) and isinstance(bins.value, str):
        raise ctx.fail(f"np.{name} with bins={bins.value!r} is not supported: its edges "
                       "depend on the data by a rule of their own", e,
                       "pass a number of bins or an array of edges")
    if not isinstance(bins, Const) or isinstance(bins.value, tuple):
        edges = ctx.array(bins, e)
        if not isinstance(edges, Const):
            ctx.emit("check_ndim", [edges], TMP, ndim=1, message=f"np.{name}(a, bins) takes "
                     "a 1-D array of edges as bins here; write a number of bins as a literal")
        return edges
    count = bins.value
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ctx.fail(f"np.{name} takes a positive number of bins", e, "write bins=10")
    if not none(span):          # edges of a constant range: known when compiling
        edges = np.histogram_bin_edges(np.zeros(0), count, range=span)
        return ctx.emit("np", [Const(tuple(edges.tolist()))], hint, fn="array", keywords=())
    ends = [ctx.emit(op, [x], TMP, axis=None, keepdims=False) for op in ("amin", "amax")]
    same = ctx.emit("compare", ends, TMP, symbol="==")
    low = ctx.emit("where", [same, ctx.ew(lambda a: a - 0.5, ends[:1], TMP), ends[0]], TMP)
    high = ctx.emit("where", [same, ctx.ew(lambda a: a + 0.5, ends[1:], TMP), ends[1]], TMP)
    return ctx.emit("linspace", [low, high, Const(count + 1)], hint, endpoint=True)


def histogram_bin_edges(ctx, e, hint, name, args, keywords):
    x, bins, span = _bins(ctx, e, args, keywords, name)
    return _edges(ctx, e, x, bins, span, hint, name)


def histogram(ctx, e, hint, name, args, keywords):
    for weighting in ("weights", "density"):
        if weighting in keywords:
            raise ctx.fail(f"np.histogram with {weighting}= is not supported: its counts "
                           "would carry a gradient", e,
                           "sum the weights per bin with np.where masks of the bin edges")
    x, bins, span = _bins(ctx, e, args, keywords, name)
    edges = _edges(ctx, e, x, bins, span, TMP, name)
    given = [x] if isinstance(bins, Const) and bins.value == 10 and "bins" not in keywords \
        and len(args) < 2 else [x, bins]
    pair = _no_gradient(ctx, e, TMP, "histogram", given,
                        {} if none(span) else {"range": Const(span)})
    counts = ctx.emit("getitem", [pair, Const(0)], TMP, index=(("at", 1),))
    return ctx.tup([counts, edges])


compose(
    Composition("matrix_rank", "the number of singular values above tol (no derivative)",
                matrix_rank, spellings=("np.linalg.matrix_rank",)),
    Composition("fftfreq", "[0, 1, ..., -1] / (d n): constants of n and d", frequencies,
                spellings=("np.fft.fftfreq", "np.fft.rfftfreq")),
    Composition("histogram_bin_edges", "linspace(min a, max a, bins + 1)",
                histogram_bin_edges, spellings=("np.histogram_bin_edges",)),
    Composition("histogram", "(counts per bin: no derivative, the bin edges)", histogram,
                spellings=("np.histogram",)),
)
