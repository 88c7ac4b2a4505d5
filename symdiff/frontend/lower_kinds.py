"""Kind tests in conditions: ``isinstance``, ``type(x) is T``, ``hasattr``, ``callable``,
``np.isscalar``, ``np.ndim`` (and ``np.shape``, ``np.size``: no test, the attribute).

They carry no derivative; what matters is that a branch on them is decided as Python
would decide it. Of a value known at compile time (a number written in the code, a list,
a dict, an object of the user's class, a function) the answer is computed here. Of a
number or an array, whose kind the shape-generic program does not know, the test is a
``kind_test`` node, answered by ``optimize.kind_folding`` in each specialization (or
refused there, at the test, saying what to declare):

    if isinstance(x, np.ndarray): ...      kind_test(x, test="isinstance", types=...)
    if np.ndim(x) == 0: ...                x.ndim, as written
    callable(f)                            True for a function, False for a number
"""
from __future__ import annotations

import ast
import builtins

import numpy as np

from ..ir import TMP, Const, Var
from .env import Bound, Closure, Dict, Helper, Obj, Tup

#: Python's types a test may name, by their builtin name
_BUILTIN_TYPES = ("int", "float", "bool", "complex", "str", "list", "tuple", "dict",
                  "object", "type", "slice")


def builtin(ctx, e: ast.Call, name: str):
    """``isinstance(x, T)``, ``hasattr(x, "a")``, ``callable(x)``."""
    want = {"isinstance": 2, "hasattr": 2, "callable": 1}[name]
    if len(e.args) != want or e.keywords or any(isinstance(a, ast.Starred) for a in e.args):
        raise ctx.fail(f"`{name}` takes {want} argument{'s' if want > 1 else ''}", e)
    x = ctx.lower(e.args[0])
    if name == "callable":
        return Const(_callable(ctx, x, e))
    if name == "hasattr":
        attr = ctx.lower(e.args[1])
        if not (isinstance(attr, Const) and isinstance(attr.value, str)):
            raise ctx.fail("hasattr needs the attribute's name as a string", e.args[1],
                           'write hasattr(x, "shape")')
        return _test(ctx, x, e, "hasattr", (), attr.value)
    return _test(ctx, x, e, "isinstance", _types(ctx, e.args[1]), None)


def numpy(ctx, e: ast.Call, name: str, hint: str):
    """``np.isscalar(x)``, ``np.ndim(x)``; ``np.shape(x)`` and ``np.size(x)`` are
    ``x.shape`` and ``x.size``."""
    if len(e.args) != 1 or e.keywords:
        raise ctx.fail(f"`np.{name}` takes one argument", e)
    x = ctx.lower(e.args[0])
    if name == "ndim":
        if isinstance(x, Const) and x.name is None:
            return Const(int(np.ndim(x.value)))
        return ctx.emit("ndim", [ctx.array(x, e.args[0])], hint)
    if name in ("shape", "size"):
        if isinstance(x, Const) and x.name is None:
            return Const(getattr(np, name)(x.value))
        return ctx.emit(name, [ctx.array(x, e.args[0])], hint)
    return _test(ctx, x, e, "isscalar", (), None)


def type_compare(ctx, e: ast.Compare):
    """``type(x) is T``, ``type(x) == T`` (and ``is not``, ``!=``), or None for another
    comparison."""
    if len(e.ops) != 1 or not isinstance(e.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
        return None
    left, right = e.left, e.comparators[0]
    if not _is_type_call(ctx, left):
        left, right = right, left
        if not _is_type_call(ctx, left):
            return None
    if len(left.args) != 1 or left.keywords:
        raise ctx.fail("`type` takes one argument here", left)
    same = _test(ctx, ctx.lower(left.args[0]), e, "type", _types(ctx, right), None)
    if isinstance(e.ops[0], (ast.Is, ast.Eq)):
        return same
    return Const(not same.value) if isinstance(same, Const) else \
        ctx.emit("not", [same], TMP)


def _is_type_call(ctx, e) -> bool:
    return isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "type" \
        and e.func.id not in ctx.src.scope.functions


def _types(ctx, e: ast.expr) -> tuple[str, ...]:
    """The types a test names, qualified (``numpy.ndarray``, ``builtins.float``,
    ``class:Layer`` for a user's class)."""
    if isinstance(e, ast.Tuple):
        return tuple(t for x in e.elts for t in _types(ctx, x))
    scope = ctx.src.scope
    if isinstance(e, ast.Name) and e.id in _BUILTIN_TYPES:
        return ("builtins." + e.id,)
    if isinstance(e, ast.Constant) and e.value is None:
        return ("builtins.NoneType",)
    if isinstance(e, ast.Name) and e.id in scope.classes:
        return ("class:" + e.id,)
    if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and \
            e.value.id in scope.numpy and isinstance(getattr(np, e.attr, None), type):
        return ("numpy." + e.attr,)
    raise ctx.fail(f"symdiff does not know the type `{ast.unparse(e)}` here", e,
                   "test with Python's types (float, int, list, dict...), NumPy's "
                   "(np.ndarray, np.floating...) or a class of this module")


def _resolve(qualified: str):
    module, _, name = qualified.partition(".")
    if module == "builtins":
        return type(None) if name == "NoneType" else getattr(builtins, name)
    return getattr(np, name)


def _test(ctx, x, e, test: str, names: tuple, attr):
    """The answer, where ``x`` is known at compile time; a kind_test of a number or an
    array otherwise."""
    if isinstance(x, Var) or isinstance(x, Const) and x.name is not None:
        if any(t.startswith("class:") for t in names):
            return Const(False) if test != "hasattr" else _node(ctx, x, e, test, names, attr)
        return _node(ctx, x, e, test, names, attr)
    if isinstance(x, Obj):
        return Const(_of_object(ctx, x, e, test, names, attr))
    if any(t.startswith("class:") for t in names):          # a list or a number: not one
        names = tuple(t for t in names if not t.startswith("class:"))
    example = _example(ctx, x, e)
    kinds = tuple(map(_resolve, names))
    if test == "isinstance":
        return Const(isinstance(example, kinds))
    if test == "type":
        return Const(type(example) in kinds)
    if test == "isscalar":
        return Const(bool(np.isscalar(example)))
    return Const(hasattr(example, attr))


def _node(ctx, x, e, test, names, attr):
    params = {"test": test, "types": tuple(names)}
    if attr is not None:
        params["attr"] = attr
    return ctx.emit("kind_test", [x], TMP, **params)


def _example(ctx, x, e):
    """A Python value of the kind of a value known at compile time."""
    if isinstance(x, Const):
        return x.value
    if isinstance(x, Tup):
        return [] if x.kind == "list" else ()
    if isinstance(x, Dict):
        return {}
    if isinstance(x, (Closure, Helper, Bound)):
        return lambda: None
    raise ctx.fail("symdiff cannot tell the type of this value", e.args[0] if
                   isinstance(e, ast.Call) else e, "test an argument, a number or a container")


def _of_object(ctx, obj: Obj, e, test: str, names: tuple, attr) -> bool:
    """A test of an object of a user's class."""
    info = obj.cls
    if test == "hasattr":
        if attr in obj.attrs.keys or info.method(attr) is not None:
            return True
        if info.cls is not None:
            return hasattr(info.cls, attr)
        raise ctx.fail(f"symdiff cannot tell whether `{info.name}` objects have `{attr}` "
                       "when the file is compiled", e, f"assign self.{attr} in __init__")
    if test == "isscalar":
        return False
    mine = [t[len("class:"):] for t in names if t.startswith("class:")]
    if test == "type":
        return info.name in mine
    if info.name in mine:
        return True
    if info.cls is not None:
        live = [ctx.src.scope.class_info(m).cls for m in mine]
        if all(c is not None for c in live):
            return issubclass(info.cls, tuple(live)) or any(
                issubclass(info.cls, _resolve(t)) for t in names if not t.startswith("class:"))
    if not mine:
        return "builtins.object" in names
    raise ctx.fail(f"symdiff cannot tell whether `{info.name}` derives from "
                   f"{', '.join(mine)} when the file is compiled", e,
                   "test the object's own class")


def _callable(ctx, x, e) -> bool:
    if isinstance(x, (Closure, Helper, Bound)):
        return True
    if isinstance(x, Obj):
        return x.cls.method("__call__") is not None
    if isinstance(x, (Var, Const, Tup, Dict)):
        return isinstance(x, Const) and callable(x.value)
    raise ctx.fail("symdiff cannot tell whether this value can be called", e.args[0],
                   "pass functions and numbers as they are")


