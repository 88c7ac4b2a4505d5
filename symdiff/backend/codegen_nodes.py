"""Codegen for one node: IR node -> Python expression and statements (as ASTs).

A node prints by its primitive's printer (``registry.Primitive.printer``): ``matmul`` as
``a @ b``, reductions as ``np.sum(x, axis=1)``, writes into arrays as ``out = x.copy()``
then ``out[i] = v`` (or in place when nobody else can see the array), tapes as lists or
arrays indexed by the loop counter. The printers build their code with the kit in
``printing``. ``render`` is the single use of astor in the package.
"""
from __future__ import annotations

import ast
import re

import astor

from .helpers import HELPER_NEEDS, HELPERS
from .printing import Printing, _name
from .wrapping import wrapped
from ..ir import Node
from ..primitives.registry import primitive

__all__ = ["HELPERS", "HELPER_NEEDS", "expression", "statements", "render", "_name",
           "TRANSLATIONS"]

#: What turns a node's printed NumPy code into another library's: ``translate(printed, n)``
#: (``array_api.translating`` adds one while it writes array-API code); empty for NumPy.
TRANSLATIONS: list = []

def render(tree: ast.AST) -> str:
    """Python source for an AST node (the single use of astor in the package).

    astor is slow, and generated code repeats a few shapes of statement with different
    names (``dx = dq * z``). So each shape is rendered once with numbered slots for its
    names, and the names are put into the text. astor writes each statement on one line;
    a long one is broken in ``wrapping`` (inside brackets, never inside a name).
    """
    names: list[str] = []
    shape = _skeleton(tree, names)
    template = _TEMPLATES.get(shape)
    if template is None:
        template = _TEMPLATES[shape] = _astor(_with_slots(tree, iter(range(len(names)))))
    if "\n" in template:
        return _astor(tree)
    return wrapped(_SLOT_PATTERN.sub(lambda m: names[int(m.group(1))], template))


def _astor(tree: ast.AST) -> str:
    return astor.to_source(tree, pretty_source="".join).rstrip("\n")


_SLOT = "\x00"
_SLOT_PATTERN = re.compile(_SLOT + r"(\d+)" + _SLOT)
_TEMPLATES: dict = {}


def _skeleton(node, names: list[str]):
    """A hashable description of a tree without its names (collected into ``names``, in
    the order of the fields, as ``_with_slots`` numbers them)."""
    kind = type(node)
    if kind is ast.Name:
        names.append(node.id)
        return kind
    if kind is ast.BinOp:                      # the common nodes, spelled out for speed
        return kind, _skeleton(node.left, names), type(node.op), _skeleton(node.right, names)
    if kind is ast.Constant:
        return kind, type(node.value), repr(node.value)
    if kind is ast.Attribute:
        return kind, _skeleton(node.value, names), node.attr
    if isinstance(node, ast.AST):
        return (kind,) + tuple(_skeleton(getattr(node, f, None), names) for f in node._fields)
    if kind is list:
        return tuple(_skeleton(x, names) for x in node)
    return kind, repr(node)


def _with_slots(node, slots):
    """A copy of the tree with its names replaced by numbered slots, in ``_skeleton``'s order."""
    if isinstance(node, ast.Name):
        return ast.Name(f"{_SLOT}{next(slots)}{_SLOT}", node.ctx)
    if isinstance(node, ast.AST):
        return type(node)(**{f: _with_slots(getattr(node, f, None), slots) for f in node._fields})
    if isinstance(node, list):
        return [_with_slots(x, slots) for x in node]
    return node


# ---------------------------------------------------------------- nodes -> statements


def expression(n: Node, imports: set[str], helpers: set[str], inline=None) -> ast.expr:
    """The right-hand side of one node, as a Python expression: its primitive's printer."""
    printed = primitive(n.op).printer(n, Printing(n, imports, helpers, inline))
    if isinstance(printed, list):
        raise NotImplementedError(f"{n.op} prints as statements, not as an expression")
    for translate in TRANSLATIONS:
        printed = translate(printed, n)
    return printed


def statements(n: Node, imports: set[str], helpers: set[str], inline=None,
               cx=None) -> list[ast.stmt]:
    """One node as statements: one, except writes into arrays (allocate or copy, then write)."""
    p = Printing(n, imports, helpers, inline, cx, statement=True)
    printed = primitive(n.op).printer(n, p)
    if not isinstance(printed, list):
        printed = [ast.Assign([p.target], printed)]
    if cx is not None and n.out.name in cx.copied and isinstance(printed[0], ast.Assign):
        printed[0].value = ast.Call(ast.Attribute(printed[0].value, "copy", ast.Load()), [], [])
    for translate in TRANSLATIONS:
        printed = translate(printed, n)
    return printed


# ---------------------------------------------------------------- functions and modules
