"""Elementwise expressions: SymPy formulas over the argument symbols ``_0, _1, ...``."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy

from ..errors import SymdiffError
from .stmts import Const, Value


@lru_cache(maxsize=1024)
def _written(expr_of, n: int) -> sympy.Expr:
    """The expression a rule's function builds over ``_0.._{n-1}`` (the same every time)."""
    return sympy.sympify(expr_of(*ew_symbols(n)))


def _to_python(expr: sympy.Expr) -> Any:
    if expr.is_Integer:
        return int(expr)
    try:
        return float(expr)
    except TypeError:
        raise SymdiffError(f"cannot evaluate the constant expression {expr}") from None


@lru_cache(maxsize=8192)
def free_symbols(expr: sympy.Expr) -> frozenset:
    """``expr.free_symbols``, remembered (SymPy walks the whole expression each time)."""
    return frozenset(expr.free_symbols)


@lru_cache(maxsize=None)
def ew_symbols(n: int) -> tuple[sympy.Symbol, ...]:
    """The argument symbols ``_0 .. _{n-1}`` of an elementwise expression (real)."""
    return tuple(sympy.Symbol(f"_{i}", real=True) for i in range(n))


def ew_normalize(expr: sympy.Expr, args) -> tuple[sympy.Expr, tuple[Value, ...]]:
    """Renumber an elementwise expression's symbols so each argument appears once, in use.

    ``expr`` is over ``_0.._{n-1}`` for ``args``; duplicates are merged, unused arguments
    dropped, and unnamed numeric constants folded into the expression.
    """
    pattern = []
    for arg in args:
        if isinstance(arg, Const) and arg.name is None and isinstance(arg.value, (int, float)) \
                and not isinstance(arg.value, bool):
            pattern.append(("number", repr(arg.value), arg.value))
        else:
            pattern.append(("arg", args.index(arg)))
    normal, kept = _normalized(expr, tuple(pattern))
    return normal, tuple(args[k] for k in kept)


@lru_cache(maxsize=8192)
def _normalized(expr: sympy.Expr, pattern: tuple) -> tuple[sympy.Expr, tuple[int, ...]]:
    """``ew_normalize`` for arguments described by ``pattern``: a number to fold in, or the
    position of the first argument equal to this one. Returns the positions kept."""
    symbols = ew_symbols(len(pattern))
    free = free_symbols(expr)
    subs: dict = {}
    kept: list[int] = []
    first_use: dict[int, int] = {}
    for k, (sym, slot) in enumerate(zip(symbols, pattern)):
        if sym not in free:
            continue
        if slot[0] == "number":
            subs[sym] = sympy.sympify(slot[2])
        else:
            if slot[1] not in first_use:
                first_use[slot[1]] = len(kept)
                kept.append(k)
            subs[sym] = symbols[first_use[slot[1]]]
    return expr.xreplace(subs), tuple(kept)


@lru_cache(maxsize=8192)
def substitute(expr: sympy.Expr, pairs: tuple) -> sympy.Expr:
    """``expr.xreplace(dict(pairs))``, remembered: elementwise expressions are written over
    the symbols ``_0, _1...``, so the same few substitutions come back again and again, and
    SymPy rebuilds (and re-simplifies) the expression each time."""
    return expr.xreplace(dict(pairs))
