"""Printing the IR like a whiteboard: one node a line, source location at the right.

    >>> print(fn)
    def f(x, y, z):
        q = x + y                       # f.py:2
        f = q * z                       # f.py:3
        return f
"""
from __future__ import annotations

import sympy

from .exprs import ew_symbols
from .stmts import Function, If, Node


def format_node(n: Node) -> str:
    """``out = op[params](args)`` for primitives; elementwise nodes print as their formula."""
    if n.op == "ew":
        expr = n.param("expr")
        subs = {s: sympy.Symbol(str(a)) for s, a in zip(ew_symbols(len(n.args)), n.args)}
        rhs = str(expr.xreplace(subs))
    elif n.op == "np":
        rhs = f"np.{n.param('fn')}({', '.join(str(a) for a in n.args)})"
    else:
        shown = [f"{k}={v!r}" for k, v in n.params]
        rhs = f"{n.op}({', '.join([str(a) for a in n.args] + shown)})"
    return f"{n.out} = {rhs}"


def format_block(stmts, indent: str = "    ") -> list[str]:
    """One line a node; regions print as Python-like headers with indented blocks."""
    lines = []
    for s in stmts:
        if isinstance(s, Node):
            text = indent + format_node(s)
            where = f"  # {s.loc}" if s.loc else ""
            note = f"  {s.note}" if s.note else ""
            lines.append(f"{text:<40}{where}{note}".rstrip())
        elif isinstance(s, If):
            outs = ", ".join(map(str, s.outs))
            lines.append(f"{indent}if {s.cond}:  # -> {outs}" if outs else f"{indent}if {s.cond}:")
            lines += format_block(s.then, indent + "    ")
            lines.append(f"{indent}    yield {', '.join(map(str, s.then_values))}")
            lines.append(f"{indent}else:")
            lines += format_block(s.orelse, indent + "    ")
            lines.append(f"{indent}    yield {', '.join(map(str, s.else_values))}")
        else:
            carried = ", ".join(f"{c}={i}" for c, i in zip(s.carried, s.inits))
            head = (f"for {s.index} in {'reversed' if s.backward else ''}"
                    f"range({', '.join(map(str, s.bounds))})" if s.index else "while True")
            lines.append(f"{indent}{head}:  # carried {carried} -> {', '.join(map(str, s.outs))}")
            if s.cond is not None:
                lines += format_block(s.cond_body, indent + "    ")
                lines.append(f"{indent}    if not {s.cond}: break")
            lines += format_block(s.body, indent + "    ")
            lines.append(f"{indent}    next {', '.join(map(str, s.nexts))}")
    return lines


def format_function(fn: Function) -> str:
    """The whiteboard view of a function: one node a line, source location at the right."""
    lines = [f"def {fn.name}({', '.join(p.name for p in fn.params)}):"]
    lines += format_block(fn.body)
    lines.append("    return " + ", ".join(_show(v) for v in fn.result))
    return "\n".join(lines)


def _show(item) -> str:
    if isinstance(item, tuple):
        return "(" + ", ".join(_show(v) for v in item) + ("," if len(item) == 1 else "") + ")"
    return str(item)


Function.__str__ = format_function  # type: ignore[assignment]
