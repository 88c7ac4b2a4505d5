"""``np.vectorize(f)``: the body of a scalar function, applied to whole arrays.

NumPy's ``np.vectorize(f)(x)`` calls ``f`` once per element (broadcasting its
arguments). Where ``f`` is made of operations that are elementwise in NumPy, calling it
once on the whole arrays computes the same numbers; that is how it is lowered:

    f = np.vectorize(lambda t: t ** 2 + 1)         ->  f(x) is x ** 2 + 1
    @np.vectorize
    def g(t, s):                                   ->  g(x, y) is
        u = math.exp(-t)                                   u = np.exp(-x)
        return u if t > s else s * u                       np.where(x > y, u, y * u)

Allowed in the body: assignments to names and one ``return`` at its end; numbers, the
arithmetic and comparison operators, NumPy's elementwise functions (``np.exp``,
``np.maximum``, ``np.where``...), ``math``'s functions that have one (``math.exp`` is
``np.exp``), ``abs``, ``min``/``max`` of two values, and ``a if c else b`` (which becomes
``np.where(c, a, b)``: both sides are computed, as everywhere in NumPy code). Loops,
branches, returns inside branches, and other calls are refused, naming the line.
``otypes=``, ``excluded=``, ``signature=`` and ``cache=`` are refused: the output takes the
dtype of the whole-array computation, so a result that NumPy would make integer (a
branch returning the literal ``0``) is refused too (write ``0.0``). Names the body reads
from where it is made are used as they are, so they should be numbers.
"""
from __future__ import annotations

import ast
import copy
import dataclasses

from ..primitives.registry import spelled
from .env import Closure, Helper

#: ``math`` functions whose NumPy function has another name
_MATH_NAMES = {"fabs": "abs", "pow": "power", "asin": "arcsin", "acos": "arccos",
               "atan": "arctan", "atan2": "arctan2", "asinh": "arcsinh",
               "acosh": "arccosh", "atanh": "arctanh"}
#: builtins with an elementwise NumPy function (min and max of two values)
_BUILTINS = {"abs": "abs", "min": "minimum", "max": "maximum"}
_REFUSED_KEYWORDS = ("otypes", "excluded", "signature", "cache", "doc")


def call(site, e: ast.Call) -> Closure:
    """``np.vectorize(f)``: a closure of f's body written for whole arrays."""
    for k in e.keywords:
        raise site.fail(f"np.vectorize's `{k.arg}=` is not supported", k.value,
                        "leave it out: the function is applied to whole arrays, its dtype "
                        "that of the arithmetic" if k.arg in _REFUSED_KEYWORDS else
                        "call np.vectorize(f) with the function only")
    if len(e.args) != 1 or isinstance(e.args[0], ast.Starred):
        raise site.fail("np.vectorize takes one function", e, "write np.vectorize(f)")
    value = site.lower(e.args[0])
    if isinstance(value, Helper):
        value = Closure(site.src.scope.function(value.name))
    if not isinstance(value, Closure) or value.given or value.keywords:
        raise site.fail("np.vectorize needs a function written in this module (a lambda or "
                        "a def)", e.args[0], "pass a lambda or a function's name")
    return whole_array(site, value)


def decorated(site, closure: Closure, stmt: ast.FunctionDef) -> Closure:
    """A nested ``def`` made with ``@np.vectorize``: rewritten; any other, as it is."""
    scope = site.src.scope
    if len(stmt.decorator_list) == 1 and _is_vectorize(stmt.decorator_list[0], scope):
        return whole_array(site, closure)
    return closure


def _is_vectorize(d: ast.expr, scope) -> bool:
    return isinstance(d, ast.Attribute) and d.attr == "vectorize" and \
        isinstance(d.value, ast.Name) and d.value.id in scope.numpy


def whole_array(site, closure: Closure) -> Closure:
    """The closure with its body checked elementwise and rewritten for whole arrays."""
    src = closure.src
    tree = src.tree
    args = tree.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise _refuse(src, tree, "a vectorized function takes plain parameters",
                      "write def f(t, s): ...")
    params = {a.arg for a in args.args}
    new = copy.deepcopy(tree)
    new.decorator_list = []
    body = []
    for k, stmt in enumerate(tree.body):
        last = k == len(tree.body) - 1
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and k == 0:
            continue                                         # a docstring
        if last and isinstance(stmt, ast.Return) and stmt.value is not None:
            _integer_result(src, stmt.value, _assigned(tree.body))
            body.append(ast.copy_location(ast.Return(_rewrite(src, stmt.value, params)), stmt))
        elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name)
                                                  for t in stmt.targets):
            body.append(ast.copy_location(ast.Assign(stmt.targets,
                                                     _rewrite(src, stmt.value, params)), stmt))
        else:
            what = "returns in branches" if _returns(stmt) else \
                f"a `{type(stmt).__name__.lower()}` statement"
            raise _refuse(src, stmt, f"np.vectorize of a function with {what}: symdiff "
                          "applies the body to whole arrays, which needs every statement "
                          "elementwise", "assign names and end with one `return`; write a "
                          "choice as `a if c else b` (it becomes np.where)")
    if not body or not isinstance(body[-1], ast.Return):
        raise _refuse(src, tree, "a vectorized function must end with `return <value>`",
                      "end the body with one return")
    new.body = body
    ast.fix_missing_locations(new)
    return dataclasses.replace(closure, src=dataclasses.replace(src, tree=new))


def _returns(stmt) -> bool:
    return any(isinstance(n, ast.Return) for n in ast.walk(stmt))


def _assigned(stmts) -> dict:
    """Each name's last assigned expression."""
    return {t.id: s.value for s in stmts if isinstance(s, ast.Assign) for t in s.targets
            if isinstance(t, ast.Name)}


def _integer_result(src, e: ast.expr, names: dict | None = None) -> None:
    """A result that may be the integer literal: NumPy's output would be integer."""
    names = names or {}
    if isinstance(e, ast.Name) and e.id in names:
        _integer_result(src, names.pop(e.id), names)
    elif isinstance(e, ast.IfExp):
        _integer_result(src, e.body, names)
        _integer_result(src, e.orelse, names)
    elif isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in ("min",
                                                                                  "max"):
        for a in e.args:                  # max(t, 0) is the integer 0 for a negative t
            _integer_result(src, a, names)
    elif isinstance(e, ast.Constant) and isinstance(e.value, (bool, int)):
        raise _refuse(src, e, f"this vectorized function may return the integer "
                      f"{e.value!r}: np.vectorize would then make an integer array",
                      f"write {float(e.value)!r}")


def _refuse(src, node, message: str, hint: str):
    from ..errors import SymdiffError
    return SymdiffError(message, src.loc(node), hint=hint)


def _numpy(src, name: str, args: list, like) -> ast.Call:
    module = next(iter(sorted(src.scope.numpy)), None)
    if module is None:
        raise _refuse(src, like, "np.vectorize's function is rewritten with NumPy calls",
                      "import numpy as np in this module")
    func = ast.Attribute(ast.Name(module, ast.Load()), name, ast.Load())
    return ast.copy_location(ast.Call(func, args, []), like)


def _rewrite(src, e: ast.expr, params: set) -> ast.expr:
    """``e`` for whole arrays: IfExp -> np.where, math.f -> np.f; anything not
    elementwise is refused where it is."""
    again = lambda x: _rewrite(src, x, params)          # noqa: E731
    scope = src.scope
    if isinstance(e, (ast.Constant, ast.Name)):
        if isinstance(e, ast.Constant) and not isinstance(e.value, (int, float, bool)):
            raise _refuse(src, e, f"constant {e.value!r} in a vectorized function",
                          "use numbers")
        return e
    if isinstance(e, ast.BinOp):
        return ast.copy_location(ast.BinOp(again(e.left), e.op, again(e.right)), e)
    if isinstance(e, ast.UnaryOp) and not isinstance(e.op, ast.Not):
        return ast.copy_location(ast.UnaryOp(e.op, again(e.operand)), e)
    if isinstance(e, ast.Compare) and len(e.ops) == 1:
        return ast.copy_location(ast.Compare(again(e.left), e.ops,
                                             [again(e.comparators[0])]), e)
    if isinstance(e, ast.IfExp):
        return _numpy(src, "where", [_condition(src, e.test, params), again(e.body),
                                     again(e.orelse)], e)
    if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and \
            (e.value.id in scope.numpy or e.value.id in scope.math) and e.attr in ("pi", "e"):
        return e
    if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name) and \
            e.value.id not in params and not _reads(e.slice, params):
        return e                              # w[0] of a captured array: one number
    if isinstance(e, ast.Call) and not e.keywords and \
            not any(isinstance(a, ast.Starred) for a in e.args):
        name = _elementwise(src, e.func, len(e.args))
        if name is not None:
            return _numpy(src, name, [again(a) for a in e.args], e)
    raise _refuse(src, e, f"`{ast.unparse(e)}` is not elementwise in NumPy, so symdiff "
                  "cannot apply np.vectorize's function to whole arrays",
                  "use arithmetic, NumPy's elementwise functions (np.exp, np.maximum, "
                  "np.where) or math's, and `a if c else b`")


def _condition(src, e: ast.expr, params: set) -> ast.expr:
    """A condition: ``and`` / ``or`` / ``not`` become np.logical_and / _or / _not."""
    if isinstance(e, ast.BoolOp):
        parts = [_condition(src, v, params) for v in e.values]
        name = "logical_and" if isinstance(e.op, ast.And) else "logical_or"
        out = parts[0]
        for p in parts[1:]:
            out = _numpy(src, name, [out, p], e)
        return out
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        return _numpy(src, "logical_not", [_condition(src, e.operand, params)], e)
    return _rewrite(src, e, params)


def _reads(e: ast.expr, params: set) -> bool:
    return any(isinstance(n, ast.Name) and n.id in params for n in ast.walk(e))


def _elementwise(src, func: ast.expr, count: int) -> str | None:
    """The NumPy name of an elementwise function called as ``func``, or None."""
    scope = src.scope
    if isinstance(func, ast.Name) and func.id in _BUILTINS and func.id not in scope.functions:
        if func.id in ("min", "max") and count != 2:
            return None
        return _BUILTINS[func.id]
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    if func.value.id in scope.math:
        name = _MATH_NAMES.get(func.attr, func.attr)
    elif func.value.id in scope.numpy:
        name = func.attr
    else:
        return None
    found = spelled("np." + name)
    return name if found is not None and (getattr(found, "elementwise", False) or
                                          getattr(found, "name", None) == "where") else None
