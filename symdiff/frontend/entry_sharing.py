"""Arrays held by a container (a list or dict entry, an object's attribute) and also by a
name or another entry: an in-place change through one holder shows through the others in
NumPy, which lowering's values (one per holder) would not.

Two ways in are refused where they are written, with what to write instead:

- ``y[0] = v`` where a container also holds ``y`` (``check_not_held``);
- ``d["a"] += v`` (or ``self.w -= v``) where the entry's array is also ``y``, or another
  entry: ``+=`` on an array changes it in place (``check_entry_not_shared``). An entry no
  one else holds is just given its new value.
"""
from __future__ import annotations

import ast
import copy

from ..ir import Var
from .env import children, holds
from .lower_containers import is_container


def check_not_held(site, name: str, old, at: ast.AST) -> None:
    """An in-place write through ``name`` into an array a container also holds (the
    container would see it in NumPy): refused."""
    if not isinstance(old, Var):
        return
    for key, value in site.env.items():
        if isinstance(key, str) and key != name and is_container(value) and holds(value, old):
            raise site.fail(f"`{name}` is also stored in `{key}`; writing into it would "
                            "change that entry too, which symdiff does not model", at,
                            f"write into a copy: `{name} = {name}.copy()` first")


def check_entry_not_shared(site, stmt: ast.AugAssign) -> None:
    """``target op= v`` with ``target`` a container entry or an attribute: refused when
    the array it holds is held elsewhere too (a name, or another entry)."""
    target = stmt.target
    if not isinstance(target, (ast.Subscript, ast.Attribute)):
        return
    if not is_container(site.lower(target.value)):
        return                                        # an element of an array: a write
    load = copy.deepcopy(target)
    for n in ast.walk(load):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    old = site.lower(load)
    if not isinstance(old, Var):
        return                                        # a number, a literal: rebound
    named = [k for k, v in site.env.items()
             if isinstance(k, str) and not k.startswith("<") and isinstance(v, Var) and v == old]
    seen: set = set()
    entries = sum(_slots(v, old, seen) for k, v in site.env.items()
                  if isinstance(k, str) and is_container(v))
    if named or entries > 1:
        text, symbol = ast.unparse(target), _OPERATORS.get(type(stmt.op), "")
        other = f"`{named[0]}`" if named else "another entry"
        raise site.fail(f"`{text} {symbol}= ...` changes the array in place, and {other} "
                        "holds the same array, which would change too", target,
                        f"write `{text} = {text} {symbol} ...` for a new array, or store a "
                        "copy (`.copy()`)")


_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
              ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}


def _slots(value, target, seen: set) -> int:
    """How many entries of ``value`` and the containers inside it (each counted once,
    however many names reach it) hold ``target``."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    total = 0
    for child in children(value):
        if child is target or isinstance(child, Var) and child == target:
            total += 1
        elif is_container(child):
            total += _slots(child, target, seen)
    return total
