"""Slices held by a name: ``s = slice(1, 3)``, ``idx = (slice(0, 2), 1)``, ``slice(None)``.

``slice(...)`` makes a ``SliceValue``, a value known at compile time whose bounds are IR
values (or None). A subscript reads it as the slice it stands for, in a read or a write:

    s = slice(1, n, 2); y = x[s]       is      y = x[1:n:2]
    idx = (slice(0, 2), 1); x[idx] = v is      x[0:2, 1] = v
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ir import Const, Var


@dataclass(frozen=True)
class SliceValue:
    """``slice(start, stop, step)``: each part an IR value, or None where left out."""

    start: Any = None
    stop: Any = None
    step: Any = None

    @property
    def parts(self) -> tuple:
        return (self.start, self.stop, self.step)


def make(ctx, args: list, keywords: dict, e) -> SliceValue:
    """The builtin ``slice`` as Python reads its 1 to 3 positional arguments."""
    if keywords or not 1 <= len(args) <= 3:
        raise ctx.fail("`slice` takes 1 to 3 arguments, by position", e,
                       "write slice(stop), slice(start, stop) or slice(start, stop, step)")
    for a, at in zip(args, e.args):
        if not isinstance(a, (Var, Const)) or isinstance(a, Const) and not (
                a.value is None or isinstance(a.value, int) and not isinstance(a.value, bool)):
            raise ctx.fail("a slice's bounds must be integers or None", at,
                           "pass integers (or None) to slice(...)")
    parts = [None if isinstance(a, Const) and a.value is None else a for a in args]
    if len(parts) == 1:
        return SliceValue(None, parts[0], None)
    return SliceValue(*parts)


def entry(ctx, value: SliceValue, args: list) -> tuple:
    """The index entry ``("slice", k0, k1, k2)`` of a slice value; its bounds are appended
    to ``args``, the operands of the getitem or setitem."""
    positions = []
    for part in value.parts:
        if part is None:
            positions.append(None)
            continue
        args.append(part)
        positions.append(len(args) - 1)
    return ("slice", *positions)
