"""``from helpers import *`` of a module of the user's own, for ``symdiff compile``.

The names it binds are read from ``helpers.py`` next to the compiled file, statically, by
the rules of the file's own imports: its ``__all__`` when that is a literal list, else its
top-level names without a leading underscore. A function it defines is followed like one
imported by name; whatever else it binds (``sum = ...``, ``from numpy import *``) shadows
the builtin of that name. When the module cannot be read so (not next to the file, names
bound in a branch or through ``globals()``), the import is noted in the scope and every
builtin or unknown name a compiled function reads is refused where it is read
(``refusals``): the import may rebind it.
"""
from __future__ import annotations

import ast

from ..errors import Problem, SymdiffError
from .source_files import read_file

#: calls at a module's top level that may bind names no statement shows
_DYNAMIC = {"globals", "exec", "vars", "setattr", "__import__", "locals"}


def bind(scope, stmt: ast.ImportFrom, path: str, seen: frozenset = frozenset(),
         only: set | None = None) -> None:
    """Bind in ``scope`` what ``stmt`` (``from helpers import *`` in ``path``) binds, or
    note it as unread."""
    from . import source_modules as sm
    sibling = sm._sibling_module(path, stmt)
    tree = _tree(sibling) if sibling and sibling not in seen else None
    names = _exports(sibling, tree, seen | {path}) if tree is not None else None
    if names is None:
        scope.unread_stars.append((stmt.module or "", stmt.lineno))
        return
    if only is not None:
        names &= only
    if not seen:                              # the compiled file's own import
        scope.star_bound.update(dict.fromkeys(names, stmt.lineno))
    for s in tree.body:
        _apply(scope, s, stmt.module, sibling, names, seen | {path})


def _apply(scope, s: ast.stmt, module: str, file: str, names: set, seen: frozenset) -> None:
    from . import source_modules as sm
    if isinstance(s, ast.FunctionDef) and s.name in names:
        _forget(scope, s.name)
        scope.functions[s.name] = (lambda file=file, name=s.name:
                                   sm.functions_of_file(file).get(name))
    elif isinstance(s, ast.ImportFrom) and any(a.name == "*" for a in s.names):
        if s.module in sm.STAR_MODULES:
            for name in sm._public_names(s.module):
                if name in names:
                    _forget(scope, name)
                    sm._static_import(scope, ast.ImportFrom(s.module, [ast.alias(name)], 0), file)
        else:
            bind(scope, s, file, seen, names)
    elif isinstance(s, (ast.Import, ast.ImportFrom)):
        for a in s.names:
            if _bound(a) in names:
                _forget(scope, _bound(a))
                one = ast.Import([a]) if isinstance(s, ast.Import) else \
                    ast.ImportFrom(s.module, [a], s.level)
                sm._static_import(scope, one, file)
    else:
        for name in _assigned(s):
            if name in names:
                _forget(scope, name)
                scope.other_modules[name] = f"{module}.{name}"


def _forget(scope, name: str) -> None:
    """A name bound again: what it stood for before no longer holds."""
    for table in (scope.functions, scope.imported, scope.other_modules, scope.classes,
                  scope.constants):
        table.pop(name, None)
    for names in (scope.numpy, scope.math, scope.linalg):
        names.discard(name)


def _tree(path: str) -> ast.Module | None:
    try:
        return ast.parse(read_file(path)[0])
    except (SymdiffError, SyntaxError, ValueError, OSError):
        return None


def _exports(path: str, tree: ast.Module, seen: frozenset) -> set | None:
    """The names ``from module import *`` binds from this file, or None where that is not
    known statically."""
    from . import source_modules as sm
    found: set = set()
    explicit = None
    for s in tree.body:
        if _main_block(s) or isinstance(s, (ast.Expr, ast.Pass)) and not _dynamic(s):
            continue
        if _dynamic(s) or isinstance(s, (ast.If, ast.For, ast.While, ast.Try, ast.With)):
            if _dynamic(s) or _assigned_inside(s):
                return None
            continue
        if isinstance(s, ast.ImportFrom) and any(a.name == "*" for a in s.names):
            if s.module in sm.STAR_MODULES:
                found |= set(sm._public_names(s.module))
                continue
            inner = sm._sibling_module(path, s)
            inner_tree = _tree(inner) if inner and inner not in seen else None
            more = _exports(inner, inner_tree, seen | {path}) if inner_tree else None
            if more is None:
                return None
            found |= more
            continue
        names = [_bound(a) for a in s.names] if isinstance(s, (ast.Import, ast.ImportFrom)) \
            else _assigned(s)
        if "__all__" in names:
            try:
                explicit = set(ast.literal_eval(s.value))
            except (ValueError, TypeError, SyntaxError, AttributeError):
                return None
        found |= set(names)
    if explicit is not None:
        return explicit
    return {n for n in found if not n.startswith("_")}


def _bound(a: ast.alias) -> str:
    return a.asname or a.name.split(".")[0]


def _assigned(s: ast.stmt) -> list[str]:
    if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [s.name]
    targets = s.targets if isinstance(s, ast.Assign) else \
        [s.target] if isinstance(s, (ast.AnnAssign, ast.AugAssign)) else []
    return [n.id for t in targets for n in ast.walk(t)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]


def _assigned_inside(s: ast.stmt) -> bool:
    return any(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)) or
               isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) for n in ast.walk(s))


def _dynamic(s: ast.stmt) -> bool:
    if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    return any(isinstance(n, ast.Name) and n.id in _DYNAMIC for n in ast.walk(s))


def _main_block(s: ast.stmt) -> bool:
    """``if __name__ == "__main__":``, which an import does not run."""
    return isinstance(s, ast.If) and isinstance(s.test, ast.Compare) and \
        isinstance(s.test.left, ast.Name) and s.test.left.id == "__name__"


def refusals(src) -> list[Problem]:
    """Builtin or unknown names the function reads that an unread star import may bind."""
    stars = getattr(src.scope, "unread_stars", ())
    if not stars:
        return []
    module, line = stars[0]
    params = {a.arg for a in ast.walk(src.tree) if isinstance(a, ast.arg)}
    local = params | {n.id for n in ast.walk(src.tree)
                      if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local |= {n.name for n in ast.walk(src.tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))
              and hasattr(n, "name")}
    out, seen = [], set()
    for n in ast.walk(src.tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local and \
                n.id not in seen and not src.scope.shadows(n.id):
            seen.add(n.id)
            out.append(Problem(f"`{n.id}` may be bound by `from {module} import *` (line "
                               f"{line}), which symdiff cannot read statically: {module}.py "
                               "is not next to this file, or binds names in a way not known "
                               "without running it", src.loc(n),
                               f"import what you use by name (`from {module} import f`), or "
                               f"put {module}.py next to this file"))
    return sorted(out, key=lambda p: (p.loc.line, p.loc.col) if p.loc else (0, 0))
