"""The distinct values of an array, written with primitives: ``np.unique(x)`` reads x at
the first place each distinct value occurs, so the gather (``getitem``) carries the
derivative:

    unique(x)        ravel(x)[first], first = np.unique(x, return_index=True)[1]
                     d/dx: the upstream gradient of each distinct value goes to its first
                     occurrence in x (in x's flat order), zeros elsewhere

Convention at ties: where x holds equal values, the derivative of the distinct value is
not defined (moving one copy splits them); the gradient goes to the first copy, as a
gather by NumPy's ``return_index`` does. How many distinct values there are depends on
the data, as for ``x[x > 0]``: the length is known only where the code runs.
``return_index=``, ``return_inverse=`` and ``return_counts=`` give their integer arrays
after the values, with no derivative. ``axis=`` is refused.

    >>> values, counts = np.unique(x, return_counts=True)
"""
from __future__ import annotations

from ..ir import TMP, Const
from .compositions import only
from .registry import Composition, compose

#: np.unique's optional integer outputs, in the order NumPy returns them
EXTRAS = ("return_index", "return_inverse", "return_counts")


def unique(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, set(EXTRAS), "np.unique")
    if len(args) != 1:
        raise ctx.fail("np.unique takes one array here (axis= is not supported)", e,
                       "write np.unique(x, return_index=True, ...) with keywords")
    x = ctx.array(args[0], e)
    wanted = [k for k in EXTRAS if ctx.static(keywords.get(k, Const(False)), e, k)]
    asked = ["return_index"] + [k for k in wanted if k != "return_index"]
    found = ctx.emit("np", [x] + [Const(True)] * len(asked), TMP, fn="unique",
                     keywords=tuple(asked))
    parts = {k: ctx.emit("getitem", [found, Const(1 + i)], TMP, index=(("at", 1),))
             for i, k in enumerate(asked)}
    flat = ctx.emit("reshape", [x, Const(-1)], TMP)
    values = ctx.emit("getitem", [flat, parts["return_index"]], hint if not wanted else TMP,
                      index=(("at", 1),))
    return values if not wanted else ctx.tup([values] + [parts[k] for k in wanted])


compose(Composition("unique", "ravel(x)[first occurrence of each distinct value]", unique,
                    spellings=("np.unique",)))
