"""The structure of a dict, list or tuple parameter as ``--shapes`` gives it.

A compiled file is never run, so a parameter's structure comes from the source (the keys
the function reads, ``discover``) or from the command line, where a shape is a tuple of
sizes, a dict or list holds shapes or more structure, and ``...`` is a leaf of unknown
shape::

    params={'W': (D, C), 'b': (C,)}        a dict (keys may be written without quotes)
    layers=[((3, 4), (4,)), ((4, 2), (2,))]  a list of (W, b) pairs
    layers=[(..., ...)] * 3                 three pairs of any shapes

    >>> declared("[((3, 4), (4,))] * 2").structure[0]
    'list'
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..errors import SymdiffError

LEAF = ("leaf",)

HINT = ("write e.g. params={'W': (D, C), 'b': (C,)} or layers=[((3, 4), (4,))] * 2 "
        "(... for a leaf of any shape)")


@dataclass(frozen=True)
class Declared:
    """A parameter's structure (as ``pytrees.flatten`` writes one) and its leaves' shapes
    in order (None where not given)."""

    structure: tuple
    shapes: tuple


def declared(text: str) -> Declared:
    """The structure written in ``text``, or a SymdiffError saying what to write."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise SymdiffError(f"cannot read the structure {text!r}", hint=HINT) from None
    shapes: list = []
    structure = _structure(node, shapes, text)
    return Declared(structure, tuple(shapes))


def _structure(node: ast.expr, shapes: list, text: str) -> tuple:
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        shapes.append(None)
        return LEAF
    if isinstance(node, ast.Tuple) and all(_size(e) is not None for e in node.elts):
        shapes.append(tuple(_size(e) for e in node.elts))
        return LEAF
    if isinstance(node, (ast.Tuple, ast.List)):
        kind = "tuple" if isinstance(node, ast.Tuple) else "list"
        return (kind, tuple(_structure(e, shapes, text) for e in node.elts))
    if isinstance(node, ast.Dict) and None not in node.keys:
        keys = tuple(_key(k, text) for k in node.keys)
        if len(set(keys)) != len(keys):
            raise SymdiffError(f"a key repeats in {text!r}", hint=HINT)
        return ("dict", keys, tuple(_structure(v, shapes, text) for v in node.values))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        items, times = (node.left, node.right) if isinstance(node.right, ast.Constant) else \
            (node.right, node.left)
        if isinstance(items, ast.List) and isinstance(times, ast.Constant) and \
                type(times.value) is int and times.value >= 0:
            return _structure(ast.List(items.elts * times.value), shapes, text)
    raise SymdiffError(f"`{ast.unparse(node)}` in {text!r} is not a shape, dict or list",
                       hint=HINT)


def _size(e: ast.expr):
    if isinstance(e, ast.Constant) and type(e.value) is int and e.value >= 0:
        return e.value
    if isinstance(e, ast.Name):
        return e.id
    return None


def _key(k: ast.expr, text: str):
    if isinstance(k, ast.Name):
        return k.id
    if isinstance(k, ast.Constant) and isinstance(k.value, (str, int)) and \
            not isinstance(k.value, bool):
        return k.value
    raise SymdiffError(f"the key `{ast.unparse(k)}` in {text!r} is not a name, string or number",
                       hint=HINT)


def value_end(text: str) -> int:
    """Where the value at the start of ``text`` ends: the first ``,`` or ``;`` outside
    brackets and quotes (or the end)."""
    depth, quote = 0, None
    for i, c in enumerate(text):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c in ",;" and depth == 0:
            return i
    return len(text)


__all__ = ["Declared", "declared", "value_end", "LEAF"]
