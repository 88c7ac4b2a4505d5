"""The printing kit: what a primitive's printer builds its NumPy code with.

A printer (``registry.Primitive.printer``) is ``printer(n, p)``: it returns the Python
expression of node ``n`` (an AST), or a list of statements for the few primitives that
write into arrays. ``p`` is a ``Printing`` for that node: its arguments as expressions
(``p.a``), ``p.np("sum", args, keywords)`` for a NumPy call (recording the import),
``p.index`` for an index spec, ``p.helper`` for a call to an emitted helper, and for
statements the target and how a write into an array starts.
"""
from __future__ import annotations

import ast

from .codegen_math import global_name, print_expression
from .helpers import HELPER_NEEDS, NUMBA_OVERLOADS
from ..ir import Var, ew_symbols

#: A sum of two gradients, which may be accumulated in place (``dx += g``).
SUM2 = ew_symbols(2)[0] + ew_symbols(2)[1]


class Printing:
    """The kit for printing one node; ``statement`` when its statements are asked for."""

    def __init__(self, n, imports: set[str], helpers: set[str], inline=None, cx=None,
                 statement: bool = False):
        self.n, self.imports, self.helpers, self.inline = n, imports, helpers, inline
        self.cx, self.statement = cx, statement
        self.a = [_name(x, inline) for x in n.args]
        self.target = ast.Name(n.out.name, ast.Store())

    @property
    def jit(self) -> bool:
        return self.cx is not None and self.cx.jit

    def np(self, func: str, args, keywords=()) -> ast.expr:
        return _np(func, args, keywords, self.imports)

    literal = staticmethod(lambda value: _literal(value))

    def name(self, v) -> ast.expr:
        return _name(v, self.inline)

    def plain(self, v) -> ast.expr:
        """``v`` by its own name, never inlined (a tape)."""
        return _name(v)

    def index(self, spec, args, in_call: bool = False) -> ast.expr:
        return _index(spec, args, self.inline, in_call)

    def use_helper(self, name: str) -> None:
        self.imports.add("numpy")
        self.helpers.update((name, *HELPER_NEEDS.get(name, ())))
        if self.jit and name in NUMBA_OVERLOADS:
            overload = NUMBA_OVERLOADS[name]
            self.helpers.update((overload, *HELPER_NEEDS.get(overload, ())))

    def helper(self, name: str, args) -> ast.expr:
        self.use_helper(name)
        return ast.Call(ast.Name(global_name(name), ast.Load()), list(args), [])

    def ew(self, n) -> ast.expr:
        """An elementwise node's SymPy expression, in NumPy (or math) functions."""
        return print_expression(n.param("expr"), [_text(x, self.inline) for x in n.args],
                                n.param("lib") or "np", self.imports)

    def accumulate(self, n) -> list[ast.stmt] | None:
        """A sum of gradients into a fresh array only it reads, as ``dx += g`` (in place)."""
        if not (self.statement and n.gradient_sum and len(n.args) == 2
                and n.param("expr") == SUM2 and self._private(n.args[0])):
            return None
        add = ast.AugAssign(ast.Name(n.out.name, ast.Store()), ast.Add(), self.name(n.args[1]))
        if n.args[0] == n.out:                                           # add in place
            return [add]
        return [ast.Assign([self.target], self.name(n.args[0])), add]

    def _private(self, v) -> bool:
        """A fresh array that only this statement reads: safe to change in place."""
        cx = self.cx
        return (cx is not None and isinstance(v, Var) and v.name in cx.fresh
                and cx.reads.get(v.name) == 1)

    def start_write(self, base) -> ast.expr:
        """What a write into an array starts from: the array itself when nobody else can
        see it (a fresh array read only here, or before here by copying reads), else a
        copy, so no input is ever changed."""
        if self._private(base) or self.cx is not None and self.n.out.name in self.cx.in_place:
            return self.name(base)
        return ast.Call(ast.Attribute(self.name(base), "copy", ast.Load()), [], [])


def _name(v, inline: dict | None = None) -> ast.expr:
    if isinstance(v, Var) and inline and v.name in inline:
        return inline[v.name]
    if isinstance(v, Var):
        return ast.Name(v.name, ast.Load())
    if v.name:
        return ast.Name(v.name, ast.Load())
    return _literal(v.value)


def _literal(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_literal(x) for x in value], ast.Load())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _np(func: str, args, keywords=(), imports=None) -> ast.expr:
    imports.add("numpy")
    kws = [ast.keyword(k, _literal(v) if not isinstance(v, ast.AST) else v) for k, v in keywords]
    target: ast.expr = ast.Name(global_name("np"), ast.Load())
    for part in func.split("."):                  # np.add.at: attributes of attributes
        target = ast.Attribute(target, part, ast.Load())
    return ast.Call(target, list(args), kws)


def _index(spec, args, inline=None, in_call: bool = False) -> ast.expr:
    """The index expression; ``in_call`` writes slices as ``slice(a, b)`` (outside ``[]``)."""
    parts = []
    for entry in spec:
        if entry is None:
            parts.append(ast.Constant(None))
        elif entry is Ellipsis:
            parts.append(ast.Constant(Ellipsis))
        elif entry[0] == "at":
            parts.append(_name(args[entry[1]], inline))
        else:
            bounds = [None if k is None else _name(args[k], inline) for k in entry[1:]]
            if in_call:
                if bounds[2] is None:
                    bounds.pop()            # slice(start, stop): never slice(stop) by accident
                bounds = [b if b is not None else ast.Constant(None) for b in bounds]
                parts.append(ast.Call(ast.Name("slice", ast.Load()), bounds, []))
            else:
                parts.append(ast.Slice(*bounds))
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


def _text(v, inline=None) -> str:
    if isinstance(v, Var) and inline and v.name in inline:
        from .codegen_nodes import render
        text = render(inline[v.name])
        atom = isinstance(inline[v.name], (ast.Call, ast.Name, ast.Attribute, ast.Subscript))
        return text if atom else "(" + text + ")"
    return v.name if isinstance(v, Var) or v.name else repr(v.value)
