"""Module-level numeric constants of a file, evaluated statically as Python would.

``symdiff compile`` never runs the model file, so the numbers its functions read from
module level (``K = 2.0``, ``LR = K / 10``, ``K += 1.0``) are evaluated here: the
top-level assignments of a name in file order, each expression folded from literals and
the constants assigned before it. Only what a function uses is evaluated, when it is
first used, and a value that would be huge (``BIG = 9 ** 9 ** 9``) is refused before it
is computed.

A name bound anywhere else as well (under an ``if``, in a loop or a ``try``, as a loop
variable, by unpacking, an import, a ``def``, a ``del``, or ``global`` in a function) has
a value that depends on how the module runs: a function that reads it is refused, with
the place of that binding.

    >>> constants = ModuleConstants(tree, locate)
    >>> constants.value("K", scope, use_loc)     # 3.0, None (not a number), or SymdiffError
"""
from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import Loc, SymdiffError

#: The largest integer a constant may hold, in bits (floats stop near 2 ** 1024 anyway).
MAX_BITS = 1024

MISSING = object()          # no number: not assigned (yet), or not a number

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
        ast.Pow: operator.pow}

_WITHIN = {ast.If: "under an `if`", ast.For: "in a `for` loop", ast.AsyncFor: "in a `for` loop",
           ast.While: "in a `while` loop", ast.Try: "in a `try`", ast.With: "in a `with`",
           ast.AsyncWith: "in a `with`", ast.Match: "in a `match`"}
if hasattr(ast, "TryStar"):
    _WITHIN[ast.TryStar] = "in a `try`"


#: Bindings that make a name a module, a function or a class (never a number).
_DEFINES = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Binding:
    """One place a module-level name is bound: ``how`` is None for a top-level assignment
    (``K = ...``, ``K += ...``) evaluated in order, else what makes it unsure."""

    index: int               # the top-level statement, by position
    stmt: ast.stmt
    node: ast.AST
    how: str | None


class _TooBig(Exception):
    pass


class ModuleConstants:
    """The module-level bindings of one file, and the constants evaluated from them."""

    def __init__(self, tree: ast.Module, locate: Callable[[ast.AST], Loc]):
        self.locate = locate
        self.bindings: dict[str, list[Binding]] = {}
        for index, stmt in enumerate(tree.body):
            for name, node, how in bindings_in(stmt):
                self.bindings.setdefault(name, []).append(Binding(index, stmt, node, how))
        self._values: dict[int, Any] = {}        # id(binding) -> its value
        self._end = len(tree.body)
        self.tree = tree

    def attribute_store(self, owner: str, name: str) -> ast.AST | None:
        """Where the file assigns ``owner.name`` (``Model.K = 5.0``, ``Model.K += 1``,
        ``setattr(Model, "K", v)``), anywhere in it: a class attribute or method rebound
        after the class, whose value depends on how the module runs. None if nowhere."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                    and node.attr == name and isinstance(node.value, ast.Name) and \
                    node.value.id == owner:
                return node
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in ("setattr", "delattr") and node.args and \
                    isinstance(node.args[0], ast.Name) and node.args[0].id == owner:
                return node
        return None

    def value(self, name: str, scope, use: Loc | None = None) -> Any:
        """The number ``name`` holds once the module has run, or None if it is no number;
        a SymdiffError if it is rebound where symdiff cannot follow, or too large."""
        try:
            value = self._at(name, self._end, scope, use)
        except RecursionError:
            return None
        return None if value is MISSING else value

    def _at(self, name: str, index: int, scope, use: Loc | None) -> Any:
        """The value of ``name`` before top-level statement ``index`` runs."""
        every = self.bindings.get(name, [])
        unsure = next((b for b in every if b.how), None)
        if unsure is not None:
            if all(b.how for b in every) and any(isinstance(b.node, _DEFINES) for b in every):
                return MISSING             # a module, function or class: not a number
            where = self.locate(unsure.node)
            if all(b.how for b in every):
                raise SymdiffError(
                    f"module-level `{name}` is bound only {unsure.how} (line {where.line}), "
                    "which symdiff does not evaluate", use or where,
                    hint=f"assign `{name}` a number with a plain top-level `{name} = ...`, "
                         "or pass it in as an argument")
            raise SymdiffError(
                f"module constant `{name}` is also bound {unsure.how} (line {where.line}), "
                "so its value depends on how the module runs", use or where,
                hint=f"assign `{name}` once at module level (or only with plain top-level "
                     "assignments), or pass it in as an argument")
        value = MISSING
        for b in every:
            if b.index >= index:
                break
            if id(b) not in self._values:
                self._values[id(b)] = self._evaluate(name, b, value, scope, use)
            value = self._values[id(b)]
        return value

    def _evaluate(self, name: str, b: Binding, before: Any, scope, use) -> Any:
        stmt = b.stmt
        try:
            value = self._fold(stmt.value, b.index, scope, use)
            if isinstance(stmt, ast.AugAssign):
                if before is MISSING or type(stmt.op) not in _OPS:
                    return MISSING
                value = _apply(type(stmt.op), before, value)
        except (_TooBig, OverflowError) as exc:
            what = f"has more than {MAX_BITS} bits" if isinstance(exc, _TooBig) else \
                "overflows a float"
            raise SymdiffError(f"module constant `{name}` is too large to evaluate: it {what}",
                               self.locate(stmt),
                               hint="write a number a float can hold, or pass the value in "
                                    "as an argument") from None
        except (ValueError, TypeError, ArithmeticError):
            return MISSING
        return value if isinstance(value, (int, float)) else MISSING

    def _fold(self, expr: ast.expr, index: int, scope, use) -> Any:
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, (int, float)):
                return expr.value
        elif isinstance(expr, ast.Name):
            value = self._at(expr.id, index, scope, use)
            if value is not MISSING:
                return value
        elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) \
                and (expr.value.id in scope.numpy or expr.value.id in scope.math) \
                and expr.attr in ("pi", "e", "inf"):
            return getattr(math, expr.attr)
        elif isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            value = self._fold(expr.operand, index, scope, use)
            return -value if isinstance(expr.op, ast.USub) else +value
        elif isinstance(expr, ast.BinOp) and type(expr.op) in _OPS:
            return _apply(type(expr.op), self._fold(expr.left, index, scope, use),
                          self._fold(expr.right, index, scope, use))
        raise ValueError("not a constant")


def _apply(op: type, a: Any, b: Any) -> Any:
    """``a op b``, refusing integers that would grow past MAX_BITS before computing them."""
    if isinstance(a, int) and isinstance(b, int):
        if op is ast.Pow and b > 0 and abs(a) > 1 and b * math.log2(abs(a)) > MAX_BITS:
            raise _TooBig
        if op is ast.Mult and a.bit_length() + b.bit_length() > MAX_BITS + 1:
            raise _TooBig
    return _OPS[op](a, b)


# ---------------------------------------------------------------- bindings


def bindings_in(stmt: ast.stmt) -> list[tuple[str, ast.AST, str | None]]:
    """Every module-level name a top-level statement binds: (name, node, how), ``how``
    None for a plain assignment to a name."""
    out: list = []
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                if stmt.value is not None:
                    out.append((target.id, target, None))
            else:
                _visit(target, "by unpacking", out)
        if stmt.value is not None:
            _visit(stmt.value, "by `:=`", out)
        return out
    _visit(stmt, None, out)
    return out


def _visit(node: ast.AST, how: str | None, out: list) -> None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        kind = "class" if isinstance(node, ast.ClassDef) else "def"
        out.append((node.name, node, how or f"by `{kind} {node.name}`"))
        for inner in ast.walk(node):
            if isinstance(inner, ast.Global):
                out += [(n, inner, f"by `global {n}` in {node.name}") for n in inner.names]
        return
    if isinstance(node, ast.Lambda):
        return
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        out += [(a.asname or a.name.split(".")[0], node, how or "by an import")
                for a in node.names if a.name != "*"]
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        out.append((node.id, node, how or "by unpacking"))
        return
    if isinstance(node, ast.NamedExpr):
        out.append((node.target.id, node, how or "by `:=`"))
        _visit(node.value, how, out)
        return
    if isinstance(node, ast.comprehension):         # its variables stay in it
        for part in [node.iter, *node.ifs]:
            _visit(part, how, out)
        return
    if isinstance(node, ast.AnnAssign) and node.value is None:
        return                                      # `K: float` binds nothing
    name = getattr(node, "name", None)              # except ... as, match patterns
    if isinstance(name, str) and isinstance(node, (ast.ExceptHandler, ast.MatchAs,
                                                   ast.MatchStar)):
        out.append((name, node, how or "in a `try`"))
    if isinstance(node, ast.MatchMapping) and node.rest:
        out.append((node.rest, node, how or "in a `match`"))
    if isinstance(node, ast.Delete):
        how = how or "by `del`"
    inner = how or _WITHIN.get(type(node))
    if isinstance(node, (ast.For, ast.AsyncFor)):
        _visit(node.target, how or "as a `for` loop variable", out)
    for child in ast.iter_child_nodes(node):
        if isinstance(node, (ast.For, ast.AsyncFor)) and child is node.target:
            continue
        _visit(child, inner, out)
