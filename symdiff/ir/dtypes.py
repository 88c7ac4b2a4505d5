"""Which arrays are known to hold integers (or booleans), from how they were made.

A float written into such an array is truncated by NumPy (``y = np.zeros(3, dtype=int);
y[0] = 2.7 * x`` stores 2 or 3), so the value written has no derivative there; a gradient
that flowed through the write would be wrong. ``integer_array`` says when the array's
dtype is known to be integral: a constructor given an integer dtype, ``np.arange`` of
integers, ``np.array`` of integer literals, ``np.full`` of an integer with no dtype,
``.astype(int)``, and the ``*_like`` functions of such an array. Arrays whose dtype is
not known from the program (the arguments) are not claimed. ``made`` finds the node that
computed a value (lowering's memory, or reverse mode's producers).

    >>> integer_array(lambda v: producers.get(v.name), base)
"""
from __future__ import annotations

import numpy as np

from .stmts import Const, Var

#: NumPy functions whose result has the dtype of their first argument's array.
LIKE = {"zeros_like", "ones_like", "empty_like", "copy", "asarray", "ascontiguousarray"}


def integer_array(made, v, depth: int = 0) -> bool:
    """Whether ``v`` is an array known to hold integers or booleans (``made(v)``: the node
    that computed ``v``, or None)."""
    if isinstance(v, Const) or not isinstance(v, Var) or depth > 8:
        return False
    node = made(v)
    while node is not None and node.op == "setitem":
        node = made(node.args[0])
    if node is None:
        return False
    if node.op == "cast":
        return node.param("type") == "int"
    if node.op == "fill":
        if node.param("dtype"):
            return _integral(node.param("dtype"))
        if node.param("fn") == "full_like":
            return integer_array(made, node.args[0], depth + 1)
        fill = node.args[1]
        return isinstance(fill, Const) and _integral(np.asarray(fill.value).dtype)
    if node.op != "np":
        return False
    fn, keywords = node.param("fn"), node.param("keywords") or ()
    if "dtype" in keywords:
        given = node.args[len(node.args) - len(keywords) + keywords.index("dtype")]
        return isinstance(given, Const) and _integral(given.value)
    positional = node.args[:len(node.args) - len(keywords)]
    if fn in LIKE and positional:
        return integer_array(made, positional[0], depth + 1)
    if fn in ("arange", "array") and positional and all(isinstance(a, Const)
                                                        for a in positional):
        try:
            return _integral(np.asarray([a.value for a in positional][0] if fn == "array"
                                        else [a.value for a in positional]).dtype)
        except (TypeError, ValueError):
            return False
    return False


def _integral(dtype) -> bool:
    try:
        return np.dtype(dtype).kind in "iub"
    except TypeError:
        return False
