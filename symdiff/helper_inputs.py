"""Module-level arrays read by helpers, read at each call like the function's own.

The differentiated function's free names holding arrays are inputs read when the gradient
is called (``pytrees.free_inputs``); so are the module-level arrays its helpers read,
followed through the helpers it calls (also in other modules, and methods of the classes
it uses). Each becomes one more parameter of the flat function, and lowering binds the
helper's name to it (``FunctionSource.module_inputs``). A helper that assigns the name
(``global A; A = ...``) or writes into the array (``A[0] = ...``, ``A += ...``) changes it
between calls in a way the inputs do not show: that array stays refused by name.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import types

import numpy as np

#: (a function's code) -> (the names it reads and never changes, those it changes)
_READ: dict = {}


def helper_arrays(fn: types.FunctionType) -> list[tuple[tuple, str, object]]:
    """((id of the module's globals, name), name, value) of every module-level array the
    helpers of ``fn`` read (not ``fn``'s own names: those are ``free_inputs``)."""
    out, changed, seen = {}, set(), {fn.__code__}
    pending = list(_callees(fn))
    while pending:
        helper = pending.pop()
        if helper.__code__ in seen:
            continue
        seen.add(helper.__code__)
        read, written = _arrays_read(helper)
        for name in read:
            key = (id(helper.__globals__), name)
            out.setdefault(key, (key, name, helper.__globals__[name]))
        changed |= {(id(helper.__globals__), name) for name in written}
        pending += _callees(helper)
    return [v for k, v in out.items() if k not in changed]   # one helper changes it: refused


def names_read(fn: types.FunctionType) -> list[tuple] | None:
    """(globals dict or closure cell, name, what it holds) for every free name that
    ``free_inputs`` and ``helper_arrays`` look at, through the same helpers, with each
    helper's code: while all still hold the same objects, both give the same answer.
    None when a class is reached (its methods are not watched)."""
    out = [(cell, name, _UNREAD if not _filled(cell) else cell.cell_contents)
           for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ())]
    seen, pending = set(), [fn]
    while pending:
        helper = pending.pop()
        if helper.__code__ in seen:
            continue
        seen.add(helper.__code__)
        out.append((helper, "__code__", helper.__code__))
        where = helper.__globals__
        for name in dict.fromkeys(_names(helper.__code__)):
            value = where.get(name, _UNREAD)
            if isinstance(value, type):
                return None
            out.append((where, name, value))
        pending += _callees(helper)
    return out


def unchanged(reads: list[tuple]) -> bool:
    """Whether every name of ``names_read`` still holds the very object it held."""
    for where, name, was in reads:
        if type(where) is dict:
            if where.get(name, _UNREAD) is not was:
                return False
        elif type(where) is types.CellType:
            if (where.cell_contents if _filled(where) else _UNREAD) is not was:
                return False
        elif getattr(where, name) is not was:
            return False
    return True


_UNREAD = object()


def _filled(cell) -> bool:
    try:
        return cell.cell_contents is not _UNREAD
    except ValueError:
        return False


def _callees(fn: types.FunctionType) -> list[types.FunctionType]:
    """The user's functions that ``fn`` names: helpers, and the methods of its classes."""
    from .frontend.parse import _in_a_library, _user_class
    out = []
    for name in _names(fn.__code__):
        value = fn.__globals__.get(name)
        if isinstance(value, types.FunctionType) and not _in_a_library(value) and \
                not value.__module__.partition(".")[0] == "symdiff":
            out.append(value)
        elif isinstance(value, type) and _user_class(value):
            out += [v for v in vars(value).values() if isinstance(v, types.FunctionType)]
    return out


def _names(code) -> list[str]:
    out = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out += _names(const)
    return out


def _arrays_read(fn: types.FunctionType) -> tuple[list[str], list[str]]:
    """The module arrays ``fn`` reads and never changes, and those it changes."""
    names = _READ.get(fn.__code__)
    if names is None:
        changed = _changed_names(fn)
        every = list(dict.fromkeys(_names(fn.__code__)))
        names = _READ[fn.__code__] = ([n for n in every if n not in changed],
                                      [n for n in every if n in changed])
    return tuple([n for n in group if isinstance(fn.__globals__.get(n), np.ndarray)]
                 for group in names)


def _changed_names(fn: types.FunctionType) -> set[str]:
    """Names ``fn`` declares global, assigns, or writes into (``A[0] = ...``, ``A += ...``);
    all of its names when its source cannot be read."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return set(_names(fn.__code__))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            out.update(node.names)
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            while isinstance(target, (ast.Subscript, ast.Attribute)):
                target = target.value
            if isinstance(target, ast.Name):
                out.add(target.id)
    return out
