"""The builder lowering writes into: the node list, the name supply, the helper stack."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import sympy

from ..errors import Loc
from .exprs import _to_python, _written, ew_normalize, ew_symbols, free_symbols
from .names import NameSupply, Temporary
from .stmts import Const, Node, Value, Var, node


@dataclass
class Builder:
    """Where lowering writes: the node list, the name supply, and the helper call stack."""

    names: NameSupply
    body: list[Node] = field(default_factory=list)
    stack: tuple[str, ...] = ()
    constants: dict[str, Any] = field(default_factory=dict)
    problems: list = field(default_factory=list)      # errors found so far (all are reported)

    def emit(self, op: str, args, hint: str, loc: Loc | None, note: str = "", **params) -> Var:
        out = self.names.fresh(hint)
        made = node(out, op, args, loc, note, **params)
        self.body.append(replace(made, temporary=True) if isinstance(hint, Temporary) else made)
        return out

    def ew(self, expr_of, args, hint: str, loc: Loc | None = None, lib: str = "np",
           note: str = "") -> Value:
        """Emit an elementwise node ``expr_of(*symbols)``, or fold it when nothing is left.

        ``x * 1`` returns x itself; an expression of numbers only returns a Const.
        """
        args = tuple(args)
        written = _written(expr_of, len(args)) if callable(expr_of) else sympy.sympify(expr_of)
        expr, kept = ew_normalize(written, args)
        if not free_symbols(expr):
            used = free_symbols(written)      # x - x reads x: its result has x's shape
            shaped = list(dict.fromkeys(a for s, a in zip(ew_symbols(len(args)), args)
                                        if isinstance(a, Var) and s in used))
            if shaped:                     # x - x is zeros shaped like x, not the number 0
                return self.emit("full", shaped, hint, loc, note, value=_to_python(expr))
            return Const(_to_python(expr))
        if expr == ew_symbols(1)[0]:
            return kept[0]
        return self.emit("ew", kept, hint, loc, note, expr=expr, lib=lib)
