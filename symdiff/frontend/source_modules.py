"""Files read statically, for ``symdiff compile``: a file's top-level functions parsed
without importing or running it, with the scope its imports make (``from numpy import
*`` binds every public NumPy name), and the sibling modules it takes functions from."""
from __future__ import annotations

import ast
import functools

from ..errors import SymdiffError
from . import custom_rules
from . import star_imports
from .module_constants import ModuleConstants
from .parse import FunctionSource, Scope, _parse, node_loc
from .source_files import read_file, source_lines


def functions_of_file(path: str, text: str | None = None) -> dict[str, FunctionSource]:
    """Every top-level function of a file, parsed without importing or running it."""
    if text is None:
        text, lines = read_file(path)
    else:
        lines = source_lines(text)
    tree = _parse(text, path)
    scope = Scope(module=ModuleConstants(tree, functools.partial(node_loc, path, lines)),
                  file=path, lines=lines)
    found: dict[str, FunctionSource] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            _static_import(scope, stmt, path)
        elif isinstance(stmt, ast.ClassDef):
            scope.classes[stmt.name] = stmt
        elif isinstance(stmt, ast.FunctionDef):
            found[stmt.name] = FunctionSource(stmt.name, stmt, path, lines, 0, scope)
    scope.functions.update({name: f for name, f in found.items()   # a later import * wins
                            if scope.star_bound.get(name, 0) < f.tree.lineno})
    return custom_rules.rules_of_file(scope, found, tree.body)


def files_of(path: str) -> list[str]:
    """The model file and the sibling modules it takes functions from, and theirs: every
    file a compile of ``path`` may read (none of them may be overwritten by its output)."""
    seen: list[str] = []
    pending = [path]
    while pending:
        file = pending.pop()
        if file in seen:
            continue
        seen.append(file)
        try:
            tree = ast.parse(read_file(file)[0])
        except (SymdiffError, SyntaxError, ValueError):
            continue
        pending += [sibling for stmt in tree.body if isinstance(stmt, ast.ImportFrom)
                    for sibling in [_sibling_module(file, stmt)] if sibling]
    return seen


def _sibling_module(path: str, stmt: ast.ImportFrom) -> str | None:
    """The file of ``from helpers import f`` next to the model file, if there is one: its
    functions are followed (read, never run) like the model's own."""
    import os
    if not stmt.module or stmt.level > 1:
        return None
    candidate = os.path.join(os.path.dirname(os.path.abspath(path)),
                             *stmt.module.split(".")) + ".py"
    return candidate if os.path.isfile(candidate) else None


#: the modules whose ``from ... import *`` a file's scope reads name by name
STAR_MODULES = ("numpy", "math", "scipy.special", "scipy.linalg")


def _public_names(module: str) -> list[str]:
    """What ``from module import *`` binds: its ``__all__``, else its names without a
    leading underscore."""
    import importlib
    loaded = importlib.import_module(module)
    names = getattr(loaded, "__all__", None)
    return list(names) if names is not None else [n for n in dir(loaded) if not n.startswith("_")]


def _static_import(scope: Scope, stmt: ast.Import | ast.ImportFrom, path: str = "") -> None:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            bound = alias.asname or alias.name.split(".")[0]
            if alias.name == "numpy":
                scope.numpy.add(bound)
            elif alias.name == "math":
                scope.math.add(bound)
            elif alias.name == "numpy.linalg" and alias.asname:
                scope.linalg.add(bound)
            else:              # import scipy.special binds scipy
                scope.other_modules[bound] = alias.name if alias.asname else bound
        return
    for alias in stmt.names:
        bound = alias.asname or alias.name
        if alias.name == "*" and stmt.module in STAR_MODULES:
            for name in _public_names(stmt.module):     # from numpy import *: sum is np.sum
                _static_import(scope, ast.ImportFrom(stmt.module, [ast.alias(name)], 0), path)
        elif alias.name == "*":             # from helpers import *: read helpers.py
            star_imports.bind(scope, stmt, path)
        elif stmt.module == "numpy" and alias.name == "linalg":
            scope.linalg.add(bound)
        elif stmt.module in ("numpy", "math", "symdiff", "scipy.special", "scipy.linalg"):
            scope.imported[bound] = (stmt.module, alias.name)
        else:
            scope.other_modules[bound] = f"{stmt.module}.{alias.name}"
            sibling = _sibling_module(path, stmt)
            if sibling:
                scope.functions[bound] = (lambda file=sibling, name=alias.name:
                                          functions_of_file(file).get(name))


