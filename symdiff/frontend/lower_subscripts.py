"""Subscripts: ``x[idx]`` and ``x[idx] = v`` lowered onto getitem and setitem.

An index is a list of entries: None (np.newaxis), Ellipsis, ``("at", k)`` (the k-th
argument: a number, an array, a mask) or ``("slice", k0, k1, k2)``. A tuple, written out
or held by a name (``idx = (rows, cols)``, ``np.tril_indices(n)``), gives one entry per
item, as NumPy reads a tuple index; a list is one array index.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from . import lower_complex as complex_
from . import slice_values
from .env import Tup
from ..ir import TMP, Const, Var

if TYPE_CHECKING:
    from .lower_calls import Context


def subscript(ctx: Context, e: ast.Subscript, hint: str):
    base = e.value
    if isinstance(base, ast.Attribute) and base.attr == "shape" \
            and isinstance(e.slice, ast.Constant):
        x = ctx.array(ctx.lower(base.value), base.value)
        return ctx.emit("dim", [x], hint, axis=e.slice.value)
    x = ctx.lower(base)
    if isinstance(x, Tup):
        index = ctx.static(ctx.lower(e.slice), e.slice, "a tuple index")
        return x.items[index]
    if isinstance(x, complex_.Pair):
        return complex_.subscript(ctx, e, x, hint)
    x = ctx.array(x, base)
    args = [x]
    spec = _index_entries(ctx, e.slice, args)
    return ctx.emit("getitem", args, hint, index=tuple(spec))


def _index_entries(ctx: Context, index: ast.expr, args: list) -> list:
    """The entries of ``x[index]``: a tuple written out, or a name holding a tuple (``idx =
    (rows, cols)``; ``np.tril_indices(n)``), gives one entry per item, as NumPy reads a
    tuple index; anything else (a list, an array) is one entry."""
    if isinstance(index, ast.Tuple):
        return [_index_entry(ctx, entry, args) for entry in index.elts]
    if not isinstance(index, (ast.Slice, ast.List, ast.Constant)):
        value = ctx.lower(index)
        if isinstance(value, Tup) and value.kind == "tuple":
            return [_value_entry(ctx, item, args, index) for item in value.items]
        return [_value_entry(ctx, value, args, index)]
    return [_index_entry(ctx, index, args)]


def _value_entry(ctx: Context, value, args: list, at: ast.expr):
    """The entry of an index already lowered: a list or a tuple in it is an array index
    (``x[((0, 1), 2)]`` is ``x[np.array((0, 1)), 2]``, as NumPy reads it)."""
    if isinstance(value, Const) and value.value is None:
        return None
    if isinstance(value, Const) and value.value is Ellipsis:
        return Ellipsis
    if isinstance(value, slice_values.SliceValue):        # s = slice(1, 3); x[s]
        return slice_values.entry(ctx, value, args)
    args.append(ctx.array(value, at))
    return ("at", len(args) - 1)


def setitem(ctx: Context, target: ast.Subscript, value):
    """``x[idx] = v``: a new version of x, equal to x but for ``idx`` (inputs are never changed)."""
    base = ctx.lower(target.value)
    if not isinstance(base, (Var, Const)):
        raise ctx.fail("only arrays can be assigned into", target)
    args = [base, ctx.array(value, target)]
    spec = _index_entries(ctx, target.slice, args)
    name = target.value.id if isinstance(target.value, ast.Name) and \
        target.value.id.isidentifier() else TMP                      # xs[t][k] = v
    return ctx.emit("setitem", args, name, index=tuple(spec))


def _index_entry(ctx: Context, entry: ast.expr, args: list):
    """One index entry: None (newaxis), Ellipsis, ("at", k) or ("slice", k0, k1, k2)."""
    if isinstance(entry, ast.Constant) and entry.value is None:
        return None
    if isinstance(entry, ast.Constant) and entry.value is Ellipsis:
        return Ellipsis

    def position(part):
        if part is None:
            return None
        args.append(ctx.array(ctx.lower(part), part))
        return len(args) - 1

    if isinstance(entry, ast.Slice):
        return ("slice", position(entry.lower), position(entry.upper), position(entry.step))
    return _value_entry(ctx, ctx.lower(entry), args, entry)
