"""What a worked example calls each value: the user's name, or the expression it computes.

The compiler names the values it makes up (``tmp_7``, ``dloss_8``); a student never
wrote them, so tables and pictures never show them. A value the user named is shown by
its name (``z``, ``scores``); an unnamed one by the expression it computes, written with
the names of its inputs (``w[0] * x[0]``, ``X @ W1 + b1``), NumPy's ``np.`` left out, as
maths. An expression longer than ``LONGEST`` characters shows its longest inputs as
``…`` (their own rows say what they are). The backward pass writes the gradient of a
value as the lessons do: ``dz`` for a name, ``d(w[0] * x[0])`` for an expression.

    >>> names = Labels(run)
    >>> names.step[2], names.operation[2]          # tmp_2 = tmp * tmp_1
    ('w[0] * x[0]', 'w[0] * x[0]')
"""
from __future__ import annotations

import ast
import re

from ..backend.codegen_nodes import render, statements
from ..ir import Node, Var
from .trace import Trace

#: The longest expression a label inlines; longer ones show their longest inputs as ``…``.
LONGEST = 40
ELLIPSIS = "\u2026"


def gradient_name(label: str) -> str:
    """``dz`` for a name, ``d(w[0] * x[0])`` for an expression."""
    return f"d{label}" if label.isidentifier() else f"d({label})"


class Labels:
    """Labels of a run's values: ``step[k]`` for forward step k, ``operation[k]`` for what
    it computes from its inputs' labels, ``of(name)`` for a forward variable."""

    def __init__(self, run: Trace):
        self.run = run
        self.step: list[str] = []
        self.operation: list[str] = []
        self.by_name: dict[str, str] = {p: p for p in run.args}
        for k, step in enumerate(run.steps):
            names = self.inputs(k)
            operation = maths(node_code(step.node), names)
            self.operation.append(operation)
            label = shortened(node_code(step.node), names) if step.node.temporary else \
                self.user(step.node.out.name)
            self.step.append(label)
            self.by_name[step.node.out.name] = label

    @property
    def output(self) -> str:
        """The name of the function's result (``loss``, not the compiler's ``loss_8``)."""
        return self.user(self.run.output)

    def inputs(self, k: int) -> dict[str, str]:
        """Argument name of step ``k`` -> the label of the value it read."""
        step = self.run.steps[k]
        names = {}
        for a, source in zip(step.node.args, step.inputs):
            if isinstance(a, Var):
                names[a.name] = self.source(source, a.name)
        return names

    def source(self, source, name: str) -> str:
        """The label of a value by where it came from (a step, a parameter, or neither)."""
        if isinstance(source, int):
            return self.step[source]
        if isinstance(source, str):
            return source
        return self.by_name.get(name) or self.user(name)

    def of(self, name: str) -> str:
        return self.by_name.get(name) or self.user(name)

    def user(self, name: str) -> str:
        """The user's name of a variable the compiler renamed (``loss_2`` is ``loss``)."""
        known, base = self.run.user_names, name
        while base not in known and re.fullmatch(r".+_\d+", base):
            base = base.rsplit("_", 1)[0]
        return base if base in known else name


def maths(code: str, names: dict[str, str]) -> str:
    """``code`` (an expression or statements) with the names replaced by their labels
    (parenthesized where precedence needs it) and ``np.`` left out."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    tree = _Relabel(names).visit(tree)
    return "; ".join(ast.unparse(s) for s in tree.body)


def shortened(code: str, names: dict[str, str], longest: int = LONGEST) -> str:
    """``maths(code, names)``, its longest inputs shown as ``…`` until it fits ``longest``."""
    names = dict(names)
    text = maths(code, names)
    while len(text) > longest:
        long = [k for k, v in names.items() if not v.isidentifier() and v != ELLIPSIS]
        if not long:
            break
        names[max(long, key=lambda k: len(names[k]))] = ELLIPSIS
        text = maths(code, names)
    return text


def node_code(n: Node) -> str:
    """The right-hand side of a node, as the generated code writes it: ``X @ W1``."""
    lines = [render(s) for s in statements(n, set(), set())]
    prefix = f"{n.out.name} = "
    if len(lines) == 1 and lines[0].startswith(prefix):
        text = lines[0][len(prefix):]
        return text[1:-1] if text.startswith("(") and _balanced(text[1:-1]) else text
    return "; ".join(lines)


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


def vjp_maths(lines: list[str], names: dict[str, str], part: str) -> str:
    """A VJP's backward code as one formula: the values it makes on the way written into
    the line that uses them, names replaced by labels (``names``), ``part`` (the variable
    of the contribution) the last line's target; a contribution made by writing into
    zeros reads ``dw[2] = d(w[2]), 0 elsewhere``."""
    inline: dict[str, ast.expr] = {}
    zeros: set[str] = set()
    kept: list[ast.stmt] = []
    for line in lines:
        try:
            body = ast.parse(line).body
        except SyntaxError:
            return "; ".join(lines)
        for stmt in body:
            stmt = _Relabel(names, inline).visit(stmt)
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) and \
                len(stmt.targets) == 1 else None
            if isinstance(target, ast.Name) and target.id not in names.values():
                inline[target.id] = stmt.value
                continue
            if isinstance(target, ast.Name) and _is_zeros(stmt.value):
                zeros.add(target.id)
                continue
            kept.append(stmt)
    text = "; ".join(ast.unparse(s) for s in kept)
    written = [s for s in kept if isinstance(s, ast.Assign) and isinstance(s.targets[0],
                                                                             ast.Subscript)]
    if zeros and written and all(_base(s.targets[0]) in zeros for s in written):
        text += ", 0 elsewhere"
    return text or names.get(part, part)


def _is_zeros(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
        value.func.id in ("zeros", "zeros_like")


def _base(target: ast.expr) -> str:
    while isinstance(target, ast.Subscript):
        target = target.value
    return target.id if isinstance(target, ast.Name) else ""


class _Relabel(ast.NodeTransformer):
    """Names replaced by labels (or by the expressions of ``inline``), ``np.`` left out of a
    function of NumPy itself (``sum``), kept on one of its submodules (``np.fft.rfft``)."""

    def __init__(self, names: dict[str, str], inline: dict[str, ast.expr] | None = None):
        self.names = names
        self.inline = inline or {}

    def visit_Name(self, node: ast.Name):
        if node.id in self.inline:
            return self.inline[node.id]
        label = self.names.get(node.id)
        if label is None:
            return node
        if isinstance(node.ctx, ast.Store):
            return ast.Name(id=label, ctx=node.ctx)
        try:
            return ast.parse(label, mode="eval").body
        except SyntaxError:
            return ast.Name(id=label, ctx=node.ctx)

    def visit_Attribute(self, node: ast.Attribute):
        if self._module(node.value):
            return ast.Name(id=node.attr, ctx=node.ctx)
        inner = node.value
        while isinstance(inner, ast.Attribute):
            inner = inner.value
        if self._module(inner):          # np.linalg.matrix_rank: shown whole, since
            return node                  # linalg.matrix_rank names nothing the user has
        return self.generic_visit(node)

    def _module(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id in ("np", "math") \
            and node.id not in self.names


__all__ = ["Labels", "vjp_maths", "node_code", "maths", "shortened", "gradient_name", "LONGEST"]
