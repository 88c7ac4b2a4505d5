"""What lowering reads from a function's own source before its body: the names it uses
(generated names never take one), the names it reads but never assigns (never shadowed),
and its parameters' literal defaults."""
from __future__ import annotations

import ast
from typing import Any

from ..errors import SymdiffError


def _all_names(tree: ast.AST) -> set[str]:
    """Every name the user's code uses: generated names must never take one of them."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
        {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}


def _free_names(tree: ast.AST) -> set[str]:
    """Names read but never assigned: modules, helpers, constants. Never shadow them."""
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    return {n.id for n in names} - {n.id for n in names if isinstance(n.ctx, ast.Store)}


def _defaults(src) -> tuple[tuple[str, Any], ...]:
    args = src.tree.args
    pairs = []
    for arg, default in zip(args.args[len(args.args) - len(args.defaults):], args.defaults):
        try:
            pairs.append((arg.arg, ast.literal_eval(default)))
        except ValueError:
            raise SymdiffError("default values must be literals", src.loc(default),
                               hint="use a number, string, None or True/False as the "
                                    "default") from None
    return tuple(pairs)
