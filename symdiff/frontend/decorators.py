"""Decorated functions: differentiate what the decorator made, or refuse.

A decorator may wrap a function (``functools.wraps`` doubling its output, caching it,
timing it): the body in the file is then not what calling the function runs. symdiff
never differentiates the undecorated body in its place:

- a live function (``symdiff.grad(f)``) is differentiated when its code is the code of
  the ``def`` read from the file, i.e. its decorators returned the function itself (as
  ``@symdiff.grad`` sees it, or a registering decorator); a wrapper that says what it
  wraps (``__wrapped__``, set by ``functools.wraps``) is refused, as ``inspect`` would
  read the source of the function inside it; a wrapper that does not say so is read
  from its own source, which calls the inner function like any helper;
- in ``symdiff compile``, which never runs the file, no decorator is known to return
  the function unchanged: a decorated function is refused, as is a call to one.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import types

from ..errors import Loc, Problem, SymdiffError

HINT = ("differentiate the undecorated function: define it without the decorator "
        "(`def f_plain(...)`, then `f = decorator(f_plain)`), or write what the decorator "
        "adds into the function itself")


def check_live(fn) -> None:
    """Refuse a function that wraps another: its source would be the wrong function's."""
    try:
        inner = inspect.unwrap(fn)
    except ValueError:                    # a cycle of __wrapped__
        inner = None
    if inner is fn or (inner is not None and getattr(inner, "__code__", None) is
                       getattr(fn, "__code__", 0)):
        return
    name = getattr(fn, "__name__", type(fn).__name__)
    where, decorators = _decorators_of(inner)
    shown = ", ".join(f"`@{d}`" for d in decorators)
    said = f"{name} is decorated with {shown}, which wraps it" if decorators else \
        f"{name} is a wrapper around another function (it has `__wrapped__`)"
    raise SymdiffError(f"{said}: symdiff would read the source of the function inside, not "
                       "what calling the wrapper runs", where, hint=HINT)


def _decorators_of(fn) -> tuple[Loc | None, list[str]]:
    """Where the decorators of ``fn``'s ``def`` are, and what they say (best effort)."""
    if not isinstance(fn, types.FunctionType):
        return None, []
    try:
        lines, first = inspect.getsourcelines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError, ValueError):
        return None, []
    node = next((n for n in tree.body if isinstance(n, (ast.FunctionDef,
                                                         ast.AsyncFunctionDef))), None)
    if node is None:
        return None, []
    file = inspect.getsourcefile(fn) or fn.__code__.co_filename
    shift = len(lines[0]) - len(lines[0].lstrip())
    at = node.decorator_list[0] if node.decorator_list else node
    line = at.lineno + first - 1
    text = lines[at.lineno - 1].rstrip("\r\n")
    col = max(at.col_offset - (1 if node.decorator_list else 0), 0) + shift
    return Loc(file, line, col, text), [ast.unparse(d) for d in node.decorator_list]


def problem(src) -> Problem | None:
    """A decorated ``def`` whose decorators are not known to return it unchanged."""
    decorators = src.tree.decorator_list
    if not decorators or src.decorators_checked:
        return None
    first = decorators[0]
    loc = src.loc(first)
    loc = Loc(loc.file, loc.line, max(loc.col - 1, 0), loc.text)     # at the `@`
    shown = ", ".join(f"`@{ast.unparse(d)}`" for d in decorators)
    return Problem(f"{src.tree.name} is decorated with {shown}: symdiff cannot tell what "
                   "the decorator makes of it, and will not differentiate the undecorated "
                   "body in its place", loc, HINT)
