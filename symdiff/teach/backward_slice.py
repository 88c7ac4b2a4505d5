"""Separate a forward pass from a hand-written backward pass, on the function's syntax tree.

A CS231n loss returns ``(loss, dW)`` and computes both in one body; a layer's forward
returns ``(out, cache)``. To get symdiff's own gradient, ``verify`` differentiates only
what the returned loss (or output) depends on: a backward slice of the body. Statements
that only feed the hand-written gradients (``dW = ...``, ``dscores[...] -= 1``) are left
out, so symdiff never has to read them.

    >>> tree = loss_slice(src.tree)            # def f(W, X, y, reg): ... return loss
    >>> tree = vjp_slice(src.tree, 1, "np")    # def f(x, w, b, dout): ... return np.sum(out * dout)

Every kept statement keeps its line numbers, so errors and reports point at the user's
file. Liveness is conservative: a statement is kept if it may write a name the result
needs (a call as a statement may write its arguments and its receiver).
"""
from __future__ import annotations

import ast
import copy
from typing import Callable

from ..errors import SymdiffError


def loss_slice(tree: ast.FunctionDef, modules=frozenset(), loc=None) -> ast.FunctionDef:
    """``tree`` returning only the first element of each ``return (loss, grads...)``."""
    def loss_of(ret: ast.Return) -> ast.expr:
        if not isinstance(ret.value, ast.Tuple) or len(ret.value.elts) < 2:
            raise SymdiffError(f"{tree.name} returns one value, not (loss, gradients...)",
                               loc(ret) if loc else None,
                               hint="return the loss and the hand-written gradients, "
                                    "`return loss, dW`, or give the backward function")
        return ret.value.elts[0]
    return sliced(tree, loss_of, modules)


def vjp_slice(tree: ast.FunctionDef, outputs: int, seeds: list[str], scalar: list[bool],
              modules=frozenset(), numpy: str | None = None, loc=None) -> ast.FunctionDef:
    """``tree`` with parameters ``seeds`` added, returning ``sum(out_i * seed_i)`` over its
    first ``outputs`` results: the function whose gradient is the vector-Jacobian product."""
    def product(ret: ast.Return) -> ast.expr:
        values = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
        if ret.value is None or len(values) < outputs:
            raise SymdiffError(f"{tree.name} returns {len(values)} values; its backward "
                               f"takes {outputs} upstream gradients and a cache",
                               loc(ret) if loc else None,
                               hint="return the outputs, then the cache: `return out, cache`")
        total = None
        for value, seed, is_scalar in zip(values[:outputs], seeds, scalar):
            term = ast.BinOp(copy.deepcopy(value), ast.Mult(), ast.Name(seed, ast.Load()))
            if not is_scalar:
                term = _sum(term, numpy)
            total = term if total is None else ast.BinOp(total, ast.Add(), term)
        return total
    out = sliced(tree, product, modules)
    out.args.args += [ast.arg(seed) for seed in seeds]
    return out


def _sum(term: ast.expr, numpy: str | None) -> ast.expr:
    if numpy:
        return ast.Call(ast.Attribute(ast.Name(numpy, ast.Load()), "sum", ast.Load()), [term], [])
    return ast.Call(ast.Attribute(term, "sum", ast.Load()), [], [])


def sliced(tree: ast.FunctionDef, result: Callable[[ast.Return], ast.expr],
           modules=frozenset()) -> ast.FunctionDef:
    """A copy of ``tree`` keeping what ``result`` (the new value of each return) needs;
    ``modules`` are the names of modules (``np``)."""
    out = copy.deepcopy(tree)
    out.decorator_list = []
    body = out.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]                                   # the docstring
    kept, _, _ = _slice(body, set(), result, frozenset(modules))
    out.body = kept or [ast.Pass()]
    return _located(out)


def _located(tree: ast.FunctionDef) -> ast.FunctionDef:
    """New nodes take the place of the node they replace."""
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                if not hasattr(child, attr) and hasattr(node, attr):
                    setattr(child, attr, getattr(node, attr))
    return tree


# ---------------------------------------------------------------- liveness

def loaded(node: ast.AST | None) -> set[str]:
    """Names ``node`` reads (a store into ``a[i]`` or ``a.x`` reads ``a`` too)."""
    if node is None:
        return set()
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Load)}
    for n in ast.walk(node):
        if isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, ast.Store):
            names |= {m.id for m in ast.walk(n) if isinstance(m, ast.Name)}
    return names


def root(target: ast.expr) -> str | None:
    """``a`` for ``a``, ``a[i]``, ``a.x[j]``."""
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _targets(targets) -> tuple[set[str], set[str]]:
    """(names bound whole, names written into) by assignment targets."""
    whole, partly = set(), set()
    for t in targets:
        if isinstance(t, (ast.Tuple, ast.List)):
            w, p = _targets(t.elts)
            whole |= w
            partly |= p
        elif isinstance(t, ast.Name):
            whole.add(t.id)
        elif isinstance(t, ast.Starred) and isinstance(t.value, ast.Name):
            whole.add(t.value.id)
        elif root(t):
            partly.add(root(t))
    return whole, partly


def writes(stmt: ast.stmt, modules=frozenset()) -> tuple[set[str], set[str]]:
    """(names a simple statement binds whole, names it may write into); ``modules`` are
    names of modules (``np.add.at(...)`` writes its first argument, not ``np``)."""
    if isinstance(stmt, ast.Assign):
        return _targets(stmt.targets)
    if isinstance(stmt, ast.AnnAssign):
        return _targets([stmt.target]) if stmt.value is not None else (set(), set())
    if isinstance(stmt, ast.AugAssign):
        whole, partly = _targets([stmt.target])
        return set(), whole | partly
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value          # hs.append(h) writes hs, np.add.at(dW, i, g) writes dW
        func = call.func
        if isinstance(func, ast.Attribute) and root(func.value) and \
                root(func.value) not in modules:
            return set(), {root(func.value)}
        return set(), {root(call.args[0])} - {None} if call.args else set()
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}, set()
    if isinstance(stmt, ast.Delete):
        return set(), set()
    return set(), set()


_CONTROL = (ast.Break, ast.Continue, ast.Raise)
_WHOLE = (ast.With, ast.Try, ast.FunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal)


def _slice(stmts: list[ast.stmt], live: set[str], result, modules) -> tuple[list, set, bool]:
    """(kept statements, names live before them, whether any kept statement computes
    something: control flow alone does not count)."""
    kept: list[ast.stmt] = []
    useful = False
    live = set(live)
    for stmt in reversed(stmts):
        if isinstance(stmt, ast.Return):
            value = result(stmt) if stmt.value is not None else None
            kept.append(ast.copy_location(ast.Return(value), stmt))
            live, useful = loaded(value), True
        elif isinstance(stmt, _CONTROL):
            kept.append(stmt)
            live |= loaded(stmt)
        elif isinstance(stmt, ast.If):
            body, live_body, use_body = _slice(stmt.body, live, result, modules)
            other, live_other, use_other = _slice(stmt.orelse, live, result, modules)
            if use_body or use_other or _has_control(body + other):
                kept.append(_with_bodies(stmt, body, other))
                live = live_body | live_other | loaded(stmt.test)
                useful |= use_body or use_other
        elif isinstance(stmt, (ast.For, ast.While)):
            head = stmt.iter if isinstance(stmt, ast.For) else stmt.test
            inside = set(live)
            while True:
                body, live_body, use_body = _slice(stmt.body, inside, result, modules)
                grown = inside | live_body
                if grown == inside:
                    break
                inside = grown
            other, live_other, use_other = _slice(stmt.orelse, live, result, modules)
            if use_body or use_other:
                kept.append(_with_bodies(stmt, body, other))
                live = inside | live_other | loaded(head)
                useful = True
        elif isinstance(stmt, _WHOLE):
            kept.append(stmt)
            live |= loaded(stmt)
            useful = True
        else:
            whole, partly = writes(stmt, modules)
            if (whole | partly) & live:
                kept.append(stmt)
                live = (live - whole) | loaded(stmt)
                useful = True
    return kept[::-1], live, useful


def _with_bodies(stmt: ast.stmt, body: list, orelse: list) -> ast.stmt:
    """A copy of a compound statement with other bodies (the original is sliced again
    while a loop's live names grow)."""
    new = copy.copy(stmt)
    new.body, new.orelse = body or [ast.Pass()], orelse
    return new


def _has_control(stmts: list[ast.stmt]) -> bool:
    return any(isinstance(n, _CONTROL + (ast.Return,)) for s in stmts for n in ast.walk(s))


# ---------------------------------------------------------------- intermediates

def top_level_assignments(tree: ast.FunctionDef) -> dict[str, ast.stmt]:
    """Name -> the last top-level statement binding it whole (``scores = X @ W``)."""
    found: dict[str, ast.stmt] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            whole, _ = writes(stmt)
            for name in whole:
                found[name] = stmt
    return found


def seeded_at(tree: ast.FunctionDef, name: str, stmt: ast.stmt, seed: str) -> ast.FunctionDef:
    """``tree`` with ``name = seed`` right after ``stmt`` and ``seed`` a parameter: its
    gradient with respect to ``seed`` is the gradient of the result with respect to that
    intermediate (what a hand-written ``d<name>`` holds)."""
    out = copy.deepcopy(tree)
    index = [ast.dump(s) for s in out.body].index(ast.dump(stmt))
    line = ast.Assign([ast.Name(name, ast.Store())], ast.Name(seed, ast.Load()))
    out.body.insert(index + 1, ast.copy_location(line, stmt))
    out.args.args.append(ast.arg(seed))
    return _located(out)


def value_at(tree: ast.FunctionDef, name: str, stmt: ast.stmt) -> ast.FunctionDef:
    """``tree`` cut after ``stmt``, returning ``name`` (run as plain Python)."""
    out = copy.deepcopy(tree)
    index = [ast.dump(s) for s in out.body].index(ast.dump(stmt))
    ret = ast.copy_location(ast.Return(ast.Name(name, ast.Load())), stmt)
    out.body = out.body[:index + 1] + [ret]
    out.decorator_list = []
    return _located(out)


def first_line_using(tree: ast.FunctionDef, name: str) -> ast.stmt | None:
    """The first top-level statement that reads ``name`` (where a scalar parameter such as
    ``reg`` enters the loss)."""
    for stmt in tree.body:
        if name in loaded(stmt):
            return stmt
    return None


# ---------------------------------------------------------------- terms of a loss

def additive_terms(tree: ast.FunctionDef) -> list[tuple[int, int, ast.expr]]:
    """The terms added into the returned name at the top level (``loss += reg_term``,
    ``loss = data_loss + 0.5 * np.sum(W * W)``): (statement index, node index in
    ``ast.walk`` of the statement, the term), for ``scaled_term``."""
    returned = [s.value.id for s in tree.body if isinstance(s, ast.Return)
                and isinstance(s.value, ast.Name)]
    if not returned:
        return []
    out = []
    for i, stmt in enumerate(tree.body):
        terms = []
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, (ast.Add, ast.Sub)) and \
                isinstance(stmt.target, ast.Name) and stmt.target.id == returned[-1]:
            terms = [stmt.value]
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == returned[-1]:
            terms = _summands(stmt.value)
            terms = terms if len(terms) > 1 else []
        nodes = list(ast.walk(stmt))
        out += [(i, next(j for j, n in enumerate(nodes) if n is t), t) for t in terms]
    return out


def _summands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        return _summands(node.left) + [node.right]
    return [node]


def scaled_term(tree: ast.FunctionDef, stmt: int, node: int, seed: str) -> ast.FunctionDef:
    """``tree`` with one term of ``additive_terms`` multiplied by a new parameter ``seed``
    (0 leaves the term out)."""
    out = copy.deepcopy(tree)
    target = list(ast.walk(out.body[stmt]))[node]

    class Scale(ast.NodeTransformer):
        def visit(self, n):
            if n is target:
                return ast.copy_location(ast.BinOp(ast.Name(seed, ast.Load()), ast.Mult(), n), n)
            return self.generic_visit(n)
    out.body[stmt] = Scale().visit(out.body[stmt])
    out.args.args.append(ast.arg(seed))
    return _located(out)
