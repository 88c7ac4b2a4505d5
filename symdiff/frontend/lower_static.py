"""Values known when the function is compiled: conditions of unrolled loops (``t == 0``),
keys built from strings (``f"W{i}"``, ``'W{}'.format(i)``, ``name.startswith('W')``),
membership (``'eps' in param``), machine constants (``np.finfo(float).eps``), and the
regrouping of ``first, *rest = items``.
"""
from __future__ import annotations

import ast

import numpy as np

from ..errors import Loc, SymdiffError
from ..ir import Const, Var
from .env import Dict, Tup


_DTYPES = {"float": float, "int": int, "bool": bool}


def _machine_constant(site, e: ast.Attribute):
    """``np.finfo(float).eps``: a number known at compile time."""
    import numpy as np
    arg = e.value.args[0]
    kind = _DTYPES.get(arg.id) if isinstance(arg, ast.Name) else \
        getattr(np, arg.attr, None) if isinstance(arg, ast.Attribute) else None
    try:
        value = getattr(getattr(np, e.value.func.attr)(kind), e.attr)
    except (TypeError, ValueError, AttributeError):
        raise site.fail(f"`{ast.unparse(e)}` is not known at compile time", e,
                        "write the dtype as float, np.float32 or np.float64") from None
    return Const(value.item() if hasattr(value, "item") else value)


def _format(site, e: ast.JoinedStr):
    """An f-string of values known at compile time (``f"W{i + 1}"``): a string."""
    parts = []
    for v in e.values:
        if isinstance(v, ast.Constant):
            parts.append(str(v.value))
            continue
        value = site.lower(v.value)
        if not isinstance(value, Const) or v.format_spec is not None:
            raise site.fail("an f-string here must format numbers known at compile time", e,
                            "build the key from loop indices of unrolled loops and constants")
        parts.append(format(value.value, "") if v.conversion == -1 else
                     {115: str, 114: repr, 97: ascii}[v.conversion](value.value))
    return Const("".join(parts))


def is_format_call(e: ast.expr) -> bool:
    """``'W{}'.format(i + 1)``: a string literal's ``.format``."""
    return isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and \
        e.func.attr == "format" and isinstance(e.func.value, ast.Constant) and \
        isinstance(e.func.value.value, str)


def format_call(site, e: ast.Call):
    """``'W{}'.format(i + 1)`` of values known at compile time: a string."""
    args = [site.lower(a) for a in e.args]
    keywords = {k.arg: site.lower(k.value) for k in e.keywords}
    if any(isinstance(a, ast.Starred) for a in e.args) or None in keywords or \
            not all(isinstance(v, Const) for v in args + list(keywords.values())):
        raise site.fail("`.format()` here must format numbers known at compile time", e,
                        "build the key from loop indices of unrolled loops and constants")
    return Const(e.func.value.value.format(*[a.value for a in args],
                                           **{k: v.value for k, v in keywords.items()}))


def is_membership(e: ast.expr) -> bool:
    """``'seed' in param``, ``k not in cache``: one ``in`` test."""
    return isinstance(e, ast.Compare) and len(e.ops) == 1 and \
        isinstance(e.ops[0], (ast.In, ast.NotIn))


def membership(site, e: ast.Compare):
    """``key in d`` of a dict's keys, or of a list or tuple of constants: known at compile
    time (a Const), or None when the container is an array or holds arrays."""
    item, within = site.lower(e.left), site.lower(e.comparators[0])
    if not isinstance(item, Const) or item.name is not None:
        return None
    if _text(item) and _text(within):               # 'W' in name
        found = item.value in within.value
    elif isinstance(within, Dict):                  # as Python compares: 1 in {1.0: v}
        found = item.value in dict.fromkeys(within.keys)
    elif isinstance(within, Tup) and all(isinstance(v, Const) and v.name is None
                                         for v in within.items):
        found = item.value in [v.value for v in within.items]
    else:
        return None
    return Const(found != isinstance(e.ops[0], ast.NotIn))


#: Methods of a string known at compile time that give a string, a bool or a list of them.
STRING_METHODS = {"startswith", "endswith", "lower", "upper", "strip", "lstrip", "rstrip",
                  "replace", "split", "isdigit", "isalpha"}


def is_string_method(site, e: ast.expr) -> bool:
    """``name.startswith('W')`` where ``name`` holds a string known at compile time (a key
    of a loop over ``params.items()``)."""
    if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and
            e.func.attr in STRING_METHODS):
        return False
    receiver = e.func.value
    return isinstance(receiver, ast.Constant) and isinstance(receiver.value, str) or \
        isinstance(receiver, ast.Name) and _text(site.env.get(receiver.id)) or \
        is_string_method(site, receiver)            # name.lower().startswith('w')


def string_method(site, e: ast.Call):
    """The value of a string method of values known at compile time."""
    text = site.lower(e.func.value).value
    args = [site.lower(a) for a in e.args]
    if e.keywords or not all(isinstance(a, Const) and a.name is None for a in args):
        raise site.fail(f"`.{e.func.attr}()` of a string here takes values known at compile "
                        "time", e, "pass constants or loop indices of unrolled loops")
    value = getattr(text, e.func.attr)(*[a.value for a in args])
    return Tup(tuple(Const(v) for v in value), "list") if isinstance(value, list) else \
        Const(value)


def _text(value) -> bool:
    return isinstance(value, Const) and value.name is None and isinstance(value.value, str)


_COMPARE = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
            ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}


def _folded(site, e: ast.expr):
    """A condition of numbers known at compile time, computed (``t == 0``, ``len(hs) > 1``)."""
    if isinstance(e, ast.Compare) and len(e.ops) == 1 and type(e.ops[0]) in _COMPARE:
        a, b = _folded(site, e.left), _folded(site, e.comparators[0])
        if _number(a) and _number(b):
            return Const(bool(_COMPARE[type(e.ops[0])](a.value, b.value)))
        return None
    if isinstance(e, ast.Compare) and len(e.ops) == 1 and isinstance(e.ops[0], (ast.Is,
                                                                             ast.IsNot)):
        same = _is(site.lower(e.left), site.lower(e.comparators[0]))
        return None if same is None else Const(same == isinstance(e.ops[0], ast.Is))
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        a = _folded(site, e.operand)
        return Const(not a.value) if _number(a) else None
    if isinstance(e, ast.BoolOp):
        values = [_folded(site, v) for v in e.values]
        if all(map(_number, values)):
            pick = all if isinstance(e.op, ast.And) else any
            return Const(bool(pick(v.value for v in values)))
        return None
    value = site.lower(e)
    if isinstance(value, (Tup, Dict)):            # ``if args:``: a container's length is known
        return Const(bool(value.items if isinstance(value, Tup) else value.keys))
    return value


def _is(a, b) -> bool | None:
    """``a is b`` where one side is None and the other is known at compile time (a
    constant or a container); an array might be None at run time: not folded."""
    if not (_none(a) or _none(b)):
        return None
    other = b if _none(a) else a
    if isinstance(other, Const) and other.name is None or isinstance(other, (Tup, Dict)):
        return _none(other)
    return None


def _none(v) -> bool:
    return isinstance(v, Const) and v.value is None


def _number(v) -> bool:
    return isinstance(v, Const) and v.name is None and isinstance(v.value, (int, float, bool,
                                                                            str))


def module_input(b, src, name: str):
    """A module-level array a helper reads, read at call time (``helper_inputs``): the
    parameter that holds it, or None."""
    live = src.scope.live
    param = None if live is None else \
        getattr(b, "module_inputs", {}).get((id(live.globals_), name))
    return None if param is None else Var(param)


def refuse_module_array(src, name: str, loc: Loc) -> None:
    """A module-level array read by a helper that is not read at call time: a helper
    changes it (``global``, ``A[0] = ...``), so its value may differ between calls in a
    way the inputs do not show. Refused by name."""
    live = src.scope.live
    if live is not None and isinstance(live.globals_.get(name), np.ndarray):
        raise SymdiffError(f"`{name}` is a module-level array read by `{src.name}`, and a "
                           "helper assigns it or writes into it, so symdiff cannot read it "
                           "as an input at each call", loc,
                           hint=f"pass `{name}` to `{src.name}` as an argument, and return "
                                "a new array instead of changing it")


def starred(site, target: ast.Tuple, value):
    """``first, *rest = items``: the target without its star and the value regrouped, one
    item per name (``rest`` a list of what is left over), as Python unpacks."""
    at = next(k for k, t in enumerate(target.elts) if isinstance(t, ast.Starred))
    after = len(target.elts) - at - 1
    if not isinstance(value, Tup):
        raise site.fail("`*name` unpacks a tuple or list here, whose length is known at "
                        "compile time", target, "index it instead: `first = v[0]`")
    items = value.items
    if len(items) < len(target.elts) - 1:
        raise site.fail(f"cannot unpack {len(items)} values into {len(target.elts) - 1} or "
                        "more names", target)
    middle = Tup(items[at:len(items) - after], "list")
    elts = list(target.elts)
    elts[at] = target.elts[at].value
    plain = ast.copy_location(ast.Tuple(elts, ast.Store()), target)
    return plain, Tup(items[:at] + (middle,) + items[len(items) - after:], value.kind)
