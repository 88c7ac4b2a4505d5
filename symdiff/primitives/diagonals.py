"""Diagonals, written with primitives: no rules of their own, ``einsum``, ``getitem`` and
``moveaxis`` carry the derivatives.

    diagonal(a, offset, axis1, axis2)   einsum("ii...->...i", b[:k, :k])
    trace(a, offset, axis1, axis2)      einsum("ii...->...", b[:k, :k])

where b is a with axes axis1 and axis2 moved to the front (``np.moveaxis``), then cut to
start at the offset's diagonal (b[:, offset:] above the main one, b[-offset:] below), and
k = min(b.shape[0], b.shape[1]). As NumPy does, the diagonal is the last axis of the
result, the other axes keep their order, and an offset past the edge gives an empty
diagonal (a trace of 0). Offset and axes are compile-time constants.

    >>> np.diagonal(a, offset=1)        # a[0, 1], a[1, 2], ...
    >>> a.trace(-1, axis1=1, axis2=2)   # over a stack of matrices
"""
from __future__ import annotations

import sympy

from ..ir import TMP, Const
from .compositions import only, option
from .registry import Composition, compose

WHOLE = ("slice", None, None, None)
#: the einsum of the square block: its diagonal, or the diagonal's sum
SUBSCRIPTS = {"diagonal": "ii...->...i", "trace": "ii...->..."}


def _integer(ctx, e, args, keywords, position: int, name: str, default: int, what: str) -> int:
    value = ctx.static(option(args, keywords, position, name, default), e, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.fail(f"{what}'s {name} must be a constant integer", e,
                       f"write {name} as a literal, e.g. {name}={default}")
    return value


def _square(ctx, x):
    """x[:k, :k], k = min(x.shape[0], x.shape[1]): the block whose diagonal is x's."""
    rows = ctx.emit("dim", [x], TMP, axis=0)
    cols = ctx.emit("dim", [x], TMP, axis=1)
    k = ctx.ew(lambda a, b: sympy.Min(a, b), [rows, cols], TMP, lib="math")
    spec = (("slice", None, 1, None), ("slice", None, 1, None))
    return ctx.emit("getitem", [x, k], TMP, index=spec)


def _lower(ctx, e, hint, name, args, keywords):
    what = f"np.{name}"
    only(ctx, e, keywords, {"offset", "axis1", "axis2"}, what)
    if len(args) > 4 or not args:
        raise ctx.fail(f"{what} takes an array, offset, axis1 and axis2 here", e,
                       f"write {what}(a, offset=k, axis1=i, axis2=j)")
    x = ctx.array(args[0], e)
    offset = _integer(ctx, e, args, keywords, 1, "offset", 0, what)
    axes = tuple(_integer(ctx, e, args, keywords, p, n, d, what)
                 for p, n, d in ((2, "axis1", 0), (3, "axis2", 1)))
    if axes[0] == axes[1]:
        raise ctx.fail(f"{what} needs two different axes", e, "give axis1 and axis2 apart")
    if axes != (0, 1):
        x = ctx.emit("moveaxis", [x], TMP, source=axes, destination=(0, 1))
    if offset > 0:                              # a[i, i + offset]: columns from offset on
        x = ctx.emit("getitem", [x, Const(offset)], TMP, index=(WHOLE, ("slice", 1, None, None)))
    elif offset < 0:                            # a[i - offset, i]: rows from -offset on
        x = ctx.emit("getitem", [x, Const(-offset)], TMP, index=(("slice", 1, None, None),))
    return ctx.emit("einsum", [_square(ctx, x)], hint, subscripts=SUBSCRIPTS[name])


compose(
    Composition("diagonal", "einsum('ii...->...i') of the block from the offset's diagonal",
                _lower, spellings=("np.diagonal", "x.diagonal()")),
    Composition("trace", "einsum('ii...->...') of the block from the offset's diagonal",
                _lower, spellings=("np.trace", "x.trace()")),
)
