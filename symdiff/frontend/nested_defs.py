"""``symdiff compile -f loss`` where ``loss`` is defined inside a factory function.

The compiler reads the file without running it, so a closure is compiled from its source
alone: it works when the function reads only its parameters and module-level names
(constants, helpers, imports), as a top-level function would. A name it reads from the
factory (``X`` in ``def make_loss(X, y): def loss(w): ...``) is a value known only when
the factory runs: refused, located, saying what to write instead.

    def make_loss(reg):
        def loss(w):                 # symdiff compile -f loss: reads SCALE, a constant
            return SCALE * np.sum(w ** 2)
        return loss
"""
from __future__ import annotations

import ast
import copy

from ..errors import SymdiffError
from .parse import FunctionSource, node_loc, source_lines


def nested_function(path: str, text: str, name: str, found: dict):
    """The function ``name`` defined inside a top-level function of the file (or made by
    one, ``loss = make_loss(X, y)``), as a FunctionSource; None if there is none."""
    tree = ast.parse(text)
    lines = source_lines(text)
    made = _made_by(tree, name)
    places = _defined_inside(tree, made or name)
    if not places:
        return None
    node, chain = places[0]
    if len(places) > 1:
        raise SymdiffError(f"{len(places)} functions named `{name}` are defined inside "
                           "functions of the file", node_loc(path, lines, places[1][0]),
                           hint="give them different names")
    outer = _bound(chain)
    for use in _free_loads(node):
        if use.id in outer:
            factory = outer[use.id]
            raise SymdiffError(
                f"`{name}` reads `{use.id}` from `{factory.name}`, "
                + ("a function defined there" if _defines(factory, use.id) else
                   f"a value known only when `{factory.name}` runs")
                + "; symdiff compile reads the file without running it",
                node_loc(path, lines, use),
                hint=f"make `{use.id}` a parameter of `{name}` or a module-level name, or "
                     f"differentiate the closure when it exists: symdiff.grad("
                     f"{factory.name}(...))")
    scope = next(iter(found.values())).scope if found else None
    if scope is None:
        return None
    if node.name != name:                         # objective = make_loss(...): grad_objective
        node = copy.copy(node)
        node.name = name
    return FunctionSource(name, node, path, lines, 0, scope)


def _made_by(tree: ast.Module, name: str) -> str | None:
    """``loss = make_loss(X, y)`` at module level, ``make_loss`` returning its ``def
    inner``: ``inner``."""
    factories = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name and \
                isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name) \
                and stmt.value.func.id in factories:
            returned = [r.value.id for r in _own_nodes(factories[stmt.value.func.id])
                        if isinstance(r, ast.Return) and isinstance(r.value, ast.Name)]
            return returned[0] if len(set(returned)) == 1 else None
    return None


def _defined_inside(tree: ast.Module, name: str) -> list[tuple]:
    """(the def, the functions around it, outermost first) for each def of ``name``
    inside a top-level function."""
    out = []

    def visit(node, chain):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if chain and child.name == name:
                    out.append((child, chain))
                visit(child, chain + [child])
            elif not isinstance(child, ast.ClassDef):
                visit(child, chain)
    visit(tree, [])
    return out


def _bound(chain: list) -> dict:
    """Every name the enclosing functions bind -> the innermost function binding it."""
    out = {}
    for fn in chain:
        for n in _bindings(fn):
            out[n] = fn
    return out


def _bindings(fn) -> set[str]:
    a = fn.args
    names = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
    names |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
    for node in _own_nodes(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(al.asname or al.name).partition(".")[0] for al in node.names}
    return names


def _own_nodes(fn):
    """The nodes of ``fn``'s body, not those of the functions defined in it (their
    names, though)."""
    pending = list(fn.body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))


def _defines(fn, name: str) -> bool:
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
               for n in _own_nodes(fn))


def _free_loads(fn) -> list[ast.Name]:
    """The names ``fn`` (and what it defines) reads that it does not bind, in order."""
    own = _bindings(fn)
    loads = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
             and n.id not in own]
    return sorted(loads, key=lambda n: (n.lineno, n.col_offset))
