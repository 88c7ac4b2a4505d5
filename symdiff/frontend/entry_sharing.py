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
from .alias import UNMODELLED_VIEWS
from .env import Dict, Obj, Tup, children, holds, leaves
from .lower_containers import is_container


#: IR ops whose result may be a view of their first argument (a getitem conservatively).
VIEW_OPS = {"getitem", "reshape", "transpose", "squeeze", "expand_dims", "swapaxes",
            "moveaxis", "flip", "rot90", "broadcast_to", "diagonal", "move", "split"}


def check_not_held(site, name: str, old, at: ast.AST) -> None:
    """An in-place write through ``name`` into an array a container also holds, or holds
    a view of (``lst = [y[:3]]``, ``parts = np.split(y, 2)``): the container would see it
    in NumPy. Refused."""
    held = _holder(site, name, old)
    if held is None:
        return
    key, whole = held
    if whole:
        raise site.fail(f"`{name}` is also stored in `{key}`; writing into it would "
                        "change that entry too, which symdiff does not model", at,
                        f"write into a copy: `{name} = {name}.copy()` first")
    raise site.fail(f"`{key}` holds a view of `{name}`; writing into `{name}` would "
                    "change that entry too, which symdiff does not model", at,
                    f"store a copy in `{key}` (`.copy()`), or write into `{name}` "
                    "before storing the view")


def check_rebound_not_held(site, name: str, at: ast.AST) -> None:
    """``name op= v`` with ``name`` held by a container (or a view of it held): on an
    array NumPy changes it in place, so the entry changes too, where lowering gives
    ``name`` a new value only; on a number it is rebound, as lowered. Refused for a known
    array; otherwise the generated code checks it holds a number."""
    from .alias import known_array
    old = site.env.get(name)
    held = _holder(site, name, old)
    if held is None:
        return
    if known_array(site.b, site.env, name):
        check_not_held(site, name, old, at)
    site.b.emit("check_ndim", [old], "checked", site.loc, ndim=0,
                message=f"`{name}` is an array stored in `{held[0]}` too: `{name} "
                        f"{_OPERATORS.get(type(getattr(at, 'op', None)), '')}= ...` would "
                        "change that entry in place, which symdiff does not model; write "
                        f"`{name} = {name} + ...` for a new array")


def _holder(site, name: str, old):
    """(the container's name, whether it holds ``old`` itself or a view of it) of a
    container other than ``name`` holding the array ``old``; None if none does."""
    if not isinstance(old, Var):
        return None
    memory = getattr(site.b, "memory", None)
    for key, value in site.env.items():
        if not (isinstance(key, str) and key != name and is_container(value)):
            continue
        if holds(value, old):
            return key, True
        if memory is not None and any(_viewed_from(memory, leaf, old) for leaf in leaves(value)):
            return key, False
    return None


def _viewed_from(memory, v, base, depth: int = 0) -> bool:
    """Whether ``v`` is computed from ``base`` by ops that may return a view of it."""
    node = memory.defs.get(v) if isinstance(v, Var) else None
    if node is None or depth > 8 or not node.args:
        return False
    if node.op not in VIEW_OPS and not (node.op == "np" and node.param("fn") in
                                        UNMODELLED_VIEWS):
        return False
    first = node.args[0]
    return first is base or first == base or _viewed_from(memory, first, base, depth + 1)


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


#: Ops whose result is a new array nobody else holds (a write into it changes only it).
_FRESH = {"zeros", "ones", "zeros_like", "ones_like", "full", "full_like", "eye", "array",
          "empty", "empty_like", "arange", "linspace"}


def element_write(site, target: ast.Subscript, element, value):
    """``xs[t][k] = v``: a write into an array a container holds; it must be a fresh array
    (``np.zeros``...) that no name shares."""
    from . import lower_calls as calls
    from . import lower as L
    if not _fresh(site.b, element):
        raise site.fail("this writes into an array held in a container, which may share memory "
                        "with other arrays", target,
                        "make the entry a fresh array first (np.zeros(...) or .copy())")
    for k, v in site.env.items():
        if isinstance(k, str) and not k.startswith("<") and v == element:
            raise site.fail(f"the entry is also named `{k}`; writing into it would change "
                            f"`{k}` too, which symdiff does not model", target,
                            "write through one name only")
    ctx = L._context(site.b, site.src, site.env, site.loc, ())
    new = calls.setitem(ctx, target, value)
    site.store(target.value, new)


def _fresh(b, v) -> bool:
    node = getattr(b, "memory", None) and b.memory.defs.get(v)
    while node is not None and node.op == "setitem":
        node = b.memory.defs.get(node.args[0])
    if node is None:
        return False
    return node.op == "fill" or node.op == "np" and node.param("fn") in _FRESH


# ---------------------------------------------------------------- one object, many holders


def share_change(site, name: str | None, old, new) -> None:
    """The container or object ``old``, changed through ``name`` into ``new``, changes for
    every other name holding it too (``layer = self.layers[k]; layer.forward(x)`` changes
    ``self.layers[k]``), as Python's references do."""
    if not is_container(old):
        return
    for key, value in list(site.env.items()):
        if isinstance(key, str) and key != name and holds(value, old):
            site.env[key] = replaced(value, old, new)


def propagate(site, old, new) -> None:
    """The list, dict or object ``old``, changed into ``new``, changes for every holder
    of it, as Python's references do: names, and entries of other containers at any
    depth (``outer = [inner, inner]; outer[0][0] = v`` changes ``outer[1]`` and
    ``inner``). What shared one object shares its new version."""
    if not is_container(old) or old is new:
        return
    memo = {id(old): new}

    def rebuild(value):
        if id(value) in memo:
            return memo[id(value)]
        if not is_container(value):
            return value
        if isinstance(value, Tup):
            items = tuple(rebuild(v) for v in value.items)
            out = value if all(a is b for a, b in zip(items, value.items)) else \
                Tup(items, value.kind)
        elif isinstance(value, Dict):
            values = tuple(rebuild(v) for v in value.values)
            out = value if all(a is b for a, b in zip(values, value.values)) else \
                Dict(value.keys, values)
        else:
            attrs = rebuild(value.attrs)
            out = value if attrs is value.attrs else Obj(value.cls, attrs)
        memo[id(value)] = out
        return out

    for key, value in list(site.env.items()):
        if isinstance(key, str) and is_container(value):
            site.env[key] = rebuild(value)


def replaced(value, old, new):
    """``value`` with ``old`` (by identity) replaced by ``new`` wherever it holds it."""
    if value is old:
        return new
    if isinstance(value, Tup) and holds(value, old):
        return Tup(tuple(replaced(v, old, new) for v in value.items), value.kind)
    if isinstance(value, Dict) and holds(value, old):
        return Dict(value.keys, tuple(replaced(v, old, new) for v in value.values))
    if isinstance(value, Obj) and holds(value, old):
        return Obj(value.cls, replaced(value.attrs, old, new))
    return value
