"""Which arrays are known to hold integers (or booleans), from how they were made.

A float written into such an array is truncated by NumPy (``y = np.zeros(3, dtype=int);
y[0] = 2.7 * x`` stores 2 or 3), so the value written has no derivative there; a gradient
that flowed through the write would be wrong. ``integer_array`` says when the array's
dtype is known to be integral: a constructor given an integer dtype, ``np.arange`` of
integers, ``np.array`` of integer literals, ``np.full`` of an integer with no dtype,
``.astype(int)``, and the ``*_like`` functions of such an array. Arrays whose dtype is
not known from the program (the arguments) are not claimed. ``made`` finds the node that
computed a value (lowering's memory, or reverse mode's producers).

``float_array`` says the opposite: the array is known to hold floats (a float constructor,
a differentiated argument, arithmetic with a float, a view or copy of such an array). An
array known as neither (an integer argument written into, ``np.argsort(x)``) is checked
where it is made, by the generated code (``check_floats``).

    >>> integer_array(lambda v: producers.get(v.name), base)
    >>> float_array(lambda v: producers.get(v.name), base, floats={"x"}, links={})
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


#: Operations whose result has the dtype of their first argument (views, copies, moves).
SAME_DTYPE = {"setitem", "add_at", "getitem", "reshape", "transpose", "expand_dims", "squeeze",
              "broadcast_to", "alias", "contiguous", "as_array", "copy", "zeros_like", "sum",
              "amax", "amin", "move", "unmove", "unbroadcast"}
#: Operations whose result holds floats if any argument does (NumPy's promotion).
PROMOTING = {"ew", "matmul", "outer", "where", "concatenate", "stack", "maximum", "minimum"}
#: Operations whose result holds floats whatever their arguments hold.
FLOAT_RESULT = {"mean", "cast_like"}         # cast_like: its dtype's array checked to hold floats
#: NumPy functions whose result holds floats whatever their arguments hold.
FLOAT_FUNCTIONS = {"zeros", "ones", "empty", "eye", "identity",
                   "mean", "average", "std", "var", "sqrt", "exp", "log", "linspace", "sin",
                   "cos", "tanh", "true_divide", "divide", "median", "percentile", "quantile"}


def float_array(made, v, floats=frozenset(), links=None, seen=None) -> bool:
    """Whether ``v`` is known to hold floats. ``floats``: names known to (the differentiated
    arguments); ``links``: a loop's carried value or a branch's output -> the values it may
    take (it holds floats when each of them does)."""
    if isinstance(v, Const):
        return np.asarray(v.value).dtype.kind == "f"
    if not isinstance(v, Var):
        return False
    if v.name in floats:
        return True
    seen = set() if seen is None else seen
    if v.name in seen or len(seen) > 64:
        return v.name in seen           # a loop's value is a float if it starts as one
    seen.add(v.name)
    node = made(v)
    if node is None:
        options = (links or {}).get(v.name)
        return bool(options) and all(float_array(made, o, floats, links, seen)
                                     for o in options)
    def again(w):
        return float_array(made, w, floats, links, seen)
    op, args = node.op, [a for a in node.args if isinstance(a, (Var, Const))]
    if op == "cast":
        return node.param("type") == "float"
    if op == "fill":
        if node.param("dtype"):
            return np.dtype(node.param("dtype")).kind == "f" if _known(node.param("dtype")) \
                else False
        return again(node.args[0] if node.param("fn") == "full_like" else node.args[1])
    if op == "np" and "dtype" in (node.param("keywords") or ()):
        keywords = node.param("keywords")
        given = node.args[len(node.args) - len(keywords) + keywords.index("dtype")]
        return isinstance(given, Const) and _known(given.value) and \
            np.dtype(given.value).kind == "f"
    if op in FLOAT_RESULT or op == "np" and node.param("fn") in FLOAT_FUNCTIONS:
        return True
    if op in SAME_DTYPE or op == "np" and node.param("fn") in LIKE:
        return bool(args) and again(args[0])
    if op in PROMOTING:
        return any(again(a) for a in args)
    return False


def _known(dtype) -> bool:
    try:
        np.dtype(dtype)
        return True
    except TypeError:
        return False


def request(em, base, loc, message: str = "") -> bool:
    """Whether ``base`` is known to hold integers (then the caller refuses); otherwise asks
    for a check of ``base``'s storage unless it is known to hold floats (``message``: what
    the check says, if not that a write truncates)."""
    def made(v):
        return em.producers.get(v.name)
    if integer_array(made, base):
        return True
    if not float_array(made, base, em.floats, em.links) and isinstance(base, Var):
        root = _root(made, base, em.links)
        em.float_checks.setdefault(root.name, (root, loc, message))
    return False


def _root(made, v: Var, links: dict) -> Var:
    """The value where ``v``'s dtype was decided: back through views, copies and earlier
    writes, and from a loop's carried value to its start when each step keeps it."""
    seen = set()
    while v.name not in seen:
        seen.add(v.name)
        n = made(v)
        if n is not None and n.op in SAME_DTYPE and isinstance(n.args[0], Var):
            v = n.args[0]
            continue
        options = links.get(v.name)
        if n is None and options and len(options) == 2 and isinstance(options[0], Var) and \
                isinstance(options[1], Var) and _root(made, options[1], {}) == v:
            v = options[0]
            continue
        break
    return v
