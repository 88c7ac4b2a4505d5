"""Arrays joined from pieces, written with primitives (``reshape``, slices and
``concatenate`` carry the derivatives):

    ediff1d(a, to_end, to_begin)   concatenate([ravel(to_begin), d, ravel(to_end)]),
                                   d = f[1:] - f[:-1] of f = ravel(a)
    block([[A, B], [C, D]])        concatenate([concatenate([A, B], -1),
                                                concatenate([C, D], -1)], -2)

np.block joins the innermost lists along the last axis, the lists holding them along the
axis before it; each piece is first given as many axes as the lists are deep
(axes of length 1 put in front: ``np.atleast_1d`` / ``np.atleast_2d``, and
``np.array(a, ndmin=3)`` for lists three deep or more), as NumPy does. Pieces with more
axes than that keep them; NumPy's promotion of a piece to the largest rank among its
neighbours is not made, so pieces of mixed ranks stop at a concatenate on the
mismatched ranks, where NumPy would have joined them.

    >>> np.block([[a, b], [c, d]])      # 2 x 2 blocks of matrices
    >>> np.block([[[a, b]], [[c, d]]])  # 2 x 1 x 2 blocks along the last three axes
    >>> np.ediff1d(x, to_begin=0.0)     # x[0] - 0 is not added: to_begin is put in front
"""
from __future__ import annotations

from ..ir import TMP, Const
from .compositions import none, only, option
from .differences import _slice
from .registry import Composition, compose


def _flat(ctx, e, value, hint=TMP):
    return ctx.emit("reshape", [ctx.array(value, e), Const(-1)], hint)


def ediff1d(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, {"to_end", "to_begin"}, "np.ediff1d")
    if len(args) > 3 or not args:
        raise ctx.fail("np.ediff1d takes an array, to_end and to_begin", e,
                       "write np.ediff1d(a, to_end=..., to_begin=...)")
    flat = _flat(ctx, e, args[0])
    later, earlier = _slice(ctx, flat, 0, 1, None), _slice(ctx, flat, 0, None, -1)
    ends = [option(args, keywords, 2, "to_begin", None), option(args, keywords, 1, "to_end",
                                                                  None)]
    if all(none(v) for v in ends):
        return ctx.ew(lambda u, v: u - v, [later, earlier], hint)
    middle = ctx.ew(lambda u, v: u - v, [later, earlier], TMP)
    parts = ([_flat(ctx, e, ends[0])] if not none(ends[0]) else []) + [middle] + \
        ([_flat(ctx, e, ends[1])] if not none(ends[1]) else [])
    return ctx.emit("concatenate", parts, hint, axis=0)


def _depth(ctx, e, value) -> int:
    """How deeply the lists of ``np.block`` are nested (0 for a piece); uneven depths are
    refused, as NumPy refuses them."""
    items = ctx.items(value)
    if items is None:
        return 0
    if not items:
        raise ctx.fail("np.block takes non-empty lists", e, "give each list a piece")
    depths = {_depth(ctx, e, v) for v in items}
    if len(depths) != 1:
        raise ctx.fail("np.block takes lists nested to the same depth", e,
                       "write every piece at the same depth, e.g. [[a, b], [c, d]]")
    return 1 + depths.pop()


def _joined(ctx, e, value, depth: int, level: int, hint):
    if level == depth:
        op = "atleast" if depth <= 2 else "ndmin"     # both put the new axes in front
        return ctx.emit(op, [ctx.array(value, e)], hint, ndim=depth)
    parts = [_joined(ctx, e, v, depth, level + 1, TMP) for v in ctx.items(value)]
    return ctx.emit("concatenate", parts, hint, axis=level - depth)


def block(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, set(), "np.block")
    if len(args) != 1:
        raise ctx.fail("np.block takes one list of pieces", e, "write np.block([[a, b], [c, d]])")
    depth = _depth(ctx, e, args[0])
    if depth == 0:
        raise ctx.fail("np.block takes a list of pieces", e, "write np.block([a, b]), or use "
                       "the array itself")
    return _joined(ctx, e, args[0], depth, 0, hint)


compose(
    Composition("ediff1d", "concatenate([to_begin, f[1:] - f[:-1], to_end]), f = ravel(a)",
                ediff1d, spellings=("np.ediff1d",)),
    Composition("block", "concatenations along the last axes, innermost list last",
                block, spellings=("np.block",)),
)
