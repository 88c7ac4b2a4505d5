"""Index arrays made from sizes, with no derivative: ``np.tril_indices(n, k, m)``,
``np.triu_indices(n, k, m)``, ``np.diag_indices(n, ndim)`` and ``np.indices(shape)``.

Sizes written as constants give constant index arrays, computed when compiling (a tuple
of them, as NumPy returns); sizes known only when the code runs (``x.shape[0]``) give an
``indices`` node that NumPy computes there.
"""
from __future__ import annotations

import numpy as np

from ..errors import SymdiffError
from ..ir import TMP, Const
from .compositions import only, option
from .registry import Composition, compose

#: the functions, and the parameters each takes after the first, with NumPy's defaults
TAKES = {"tril_indices": ("k", "m"), "triu_indices": ("k", "m"), "diag_indices": ("ndim",),
         "indices": ()}
DEFAULTS = {"k": 0, "m": None, "ndim": 2}


def lower_index_set(ctx, e, hint, name, args, keywords):
    allowed = {"n", *TAKES[name]} if name != "indices" else {"dimensions"}
    only(ctx, e, keywords, allowed, f"np.{name}")
    first = option(args, keywords, 0, "dimensions" if name == "indices" else "n", None)
    rest = [option(args, keywords, 1 + i, p, None) for i, p in enumerate(TAKES[name])]
    try:
        sizes = ctx.static(first, e, "the size")
        extra = [ctx.static(r, e, "the offset") for r in rest]
    except SymdiffError:            # a size known only when the code runs
        return _at_run_time(ctx, e, hint, name, first, rest)
    if name == "indices":
        return _constant(ctx, np.indices(sizes), hint)
    kwargs = {p: v for p, v in zip(TAKES[name], extra) if v is not None}
    return ctx.tup(_constant(ctx, a, TMP) for a in getattr(np, name)(sizes, **kwargs))


def _constant(ctx, a: np.ndarray, hint: str):
    """A constant integer array, as ``np.array`` of its nested tuple of numbers."""
    return ctx.emit("np", [Const(_nested(a.tolist()))], hint, fn="array", keywords=())


def _nested(items):
    return tuple(_nested(i) for i in items) if isinstance(items, list) else items


def _at_run_time(ctx, e, hint, name, first, rest):
    """An ``indices`` node NumPy computes where the code runs, every parameter by position
    (one left out is NumPy's default, so that a later one keeps its place)."""
    if name == "indices":
        raise ctx.fail(f"np.{name} needs sizes written as constants here", e,
                       "write the shape as numbers, e.g. np.indices((3, 4))")
    values = [ctx.array(first, e)]
    for parameter, value in zip(TAKES[name], rest):
        left_out = isinstance(value, Const) and value.value is None
        values.append(Const(DEFAULTS[parameter]) if left_out else ctx.array(value, e))
    return ctx.emit("indices", values, hint, fn=name)


compose(*[Composition(name, "integer positions made from sizes (no derivative)",
                      lower_index_set, spellings=(f"np.{name}",)) for name in TAKES])
