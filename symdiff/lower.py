"""Stage 3, lower: checked Python AST -> IR, one operation per node.

Names carry over from the user's variables (a reassigned name gets a fresh SSA name:
``h``, ``h_1``); every node keeps the source location of the statement it came from.
Helper functions of the same module are inlined (differentiated through, not opaque).
Sugar is lowered onto the small primitive set of ``rules``: ``a - b`` and ``np.exp(a)``
become ``ew`` nodes, ``x.T`` a ``transpose``, ``np.dot`` a ``matmul``.

    >>> fn = lower(source_of(f))
    >>> print(fn)
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Union

from . import fence
from .errors import Loc, SymdiffError
from .ir import Builder, Const, Function, NameSupply, Node, Var
from .parse import BUILTINS, FunctionSource
from . import lower_calls as calls


@dataclass(frozen=True)
class Tup:
    """A tuple known at compile time (``(N, -1)``, a helper's multiple returns)."""

    items: tuple


@dataclass(frozen=True)
class Module:
    """A module or namespace the user refers to: numpy, math, numpy.linalg."""

    kind: str


@dataclass(frozen=True)
class Helper:
    name: str


Env = Union[Var, Const, Tup, Module, Helper]


# ---------------------------------------------------------------- functions


def lower(src: FunctionSource) -> Function:
    """Lower one checked function (helpers are fenced and inlined as they are met)."""
    fence.check(src)
    params = [a.arg for a in src.tree.args.args]
    names = NameSupply(set(params) | _free_names(src.tree))
    b = Builder(names)
    env: dict[str, Env] = {p: Var(p) for p in params}
    result = _lower_body(b, src, env, (src.name,))
    defaults = _defaults(src)
    values = result.items if isinstance(result, Tup) else (result,)
    for v in values:
        if not isinstance(v, (Var, Const)):
            raise SymdiffError("the function must return numbers or arrays", src.loc(src.tree.body[-1]),
                               hint="return the scalar loss")
    return Function(src.name, tuple(Var(p) for p in params), tuple(b.body), tuple(values),
                    src.loc(src.tree), defaults, tuple(sorted(b.constants.items())),
                    returns_tuple=isinstance(result, Tup))


def _free_names(tree: ast.AST) -> set[str]:
    """Names read but never assigned: modules, helpers, constants. Never shadow them."""
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - stored


def _defaults(src: FunctionSource) -> tuple[tuple[str, Any], ...]:
    args = src.tree.args
    pairs = []
    for arg, default in zip(args.args[len(args.args) - len(args.defaults):], args.defaults):
        try:
            pairs.append((arg.arg, ast.literal_eval(default)))
        except ValueError:
            raise SymdiffError("default values must be literals", src.loc(default),
                               hint="use a number, string, None or True/False as the default")
    return tuple(pairs)


def _lower_body(b: Builder, src: FunctionSource, env: dict[str, Env], stack,
                result_hint: str | None = None) -> Env:
    for stmt in src.tree.body:
        loc = src.loc(stmt)
        if isinstance(stmt, ast.Return):
            if stmt.value is None:
                raise SymdiffError("`return` needs a value", loc, hint="return the scalar loss")
            return _expr(b, src, env, stmt.value, loc, stack, hint=result_hint or src.name)
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            hint = target.id if isinstance(target, ast.Name) else "tmp"
            value = _expr(b, src, env, stmt.value, loc, stack, hint)
            for target in stmt.targets:
                _bind(b, src, env, target, value, loc)
        elif isinstance(stmt, ast.AugAssign):
            combined = ast.BinOp(ast.Name(stmt.target.id, ast.Load()), stmt.op, stmt.value)
            ast.copy_location(combined, stmt)
            ast.copy_location(combined.left, stmt.target)
            _bind(b, src, env, stmt.target, _expr(b, src, env, combined, loc, stack,
                                                  stmt.target.id), loc)
        elif isinstance(stmt, ast.Expr):
            continue            # docstrings and print(...): no effect on the value
    raise SymdiffError("the function must end with `return <value>`", src.loc(src.tree))


def _bind(b: Builder, src, env, target: ast.expr, value: Env, loc: Loc) -> None:
    if isinstance(target, ast.Name):
        env[target.id] = value
        return
    count = len(target.elts)
    if isinstance(value, Tup):
        if len(value.items) != count:
            raise SymdiffError(f"cannot unpack {len(value.items)} values into {count} names", loc)
        items = value.items
    elif isinstance(value, Var) and _defining(b, value).op == "shape":
        x = _defining(b, value).args[0]
        items = tuple(b.emit("dim", [x], t.id if isinstance(t, ast.Name) else "n", loc, axis=i)
                      for i, t in enumerate(target.elts))
    else:
        raise SymdiffError("tuple unpacking works on a tuple, `x.shape`, or a helper's returns",
                           loc, hint="index the array instead: `a = v[0]`")
    for t, item in zip(target.elts, items):
        _bind(b, src, env, t, item, loc)


def _defining(b: Builder, v: Var) -> Node:
    for n in reversed(b.body):
        if n.out == v:
            return n
    return Node(v, "param", ())


# ---------------------------------------------------------------- expressions


def _expr(b: Builder, src: FunctionSource, env, e: ast.expr, loc: Loc, stack, hint="tmp") -> Env:
    """Lower an expression; ``loc`` is the enclosing statement's location."""
    ctx = calls.Context(b, src, loc, lambda sub, h="tmp": _expr(b, src, env, sub, loc, stack, h),
                        lambda name, args, h: _call_helper(b, src, name, args, loc, stack, h))
    if isinstance(e, ast.Constant):
        if isinstance(e.value, (int, float, bool, str)) or e.value is None:
            return Const(e.value)
        raise SymdiffError(f"constant {e.value!r} is not supported", src.loc(e))
    if isinstance(e, ast.Name):
        return _name(b, src, env, e)
    if isinstance(e, (ast.Tuple, ast.List)):
        return Tup(tuple(ctx.lower(x) for x in e.elts))
    if isinstance(e, ast.BinOp):
        return calls.binop(ctx, e, hint)
    if isinstance(e, ast.UnaryOp):
        return calls.unaryop(ctx, e, hint)
    if isinstance(e, ast.Compare):
        return calls.compare(ctx, e, hint)
    if isinstance(e, ast.BoolOp):
        return calls.boolop(ctx, e, hint)
    if isinstance(e, ast.IfExp):
        return calls.ifexp(ctx, e, hint)
    if isinstance(e, ast.Attribute):
        return calls.attribute(ctx, e, hint, _module_attr(src, env, e))
    if isinstance(e, ast.Subscript):
        return calls.subscript(ctx, e, hint)
    if isinstance(e, ast.Call):
        return calls.call(ctx, e, hint, _callee(src, env, e.func))
    raise SymdiffError(f"`{type(e).__name__}` is not supported", src.loc(e))


def _name(b: Builder, src: FunctionSource, env, e: ast.Name) -> Env:
    name = e.id
    if name in env:
        return env[name]
    scope = src.scope
    if name in scope.numpy:
        return Module("numpy")
    if name in scope.math:
        return Module("math")
    if name in scope.linalg:
        return Module("linalg")
    if name in scope.constants:
        value = scope.constants[name]
        if isinstance(value, bool):
            return Const(value)
        known = b.constants.get(name)
        if known is not None and known != value:      # same name, two modules: inline it
            return Const(value)
        b.constants[name] = value
        b.names.reserve(name)
        return Const(value, name)
    if name in scope.functions:
        return Helper(name)
    if name in scope.imported:
        return Module("imported:" + name)
    raise SymdiffError(f"unknown name `{name}`", src.loc(e),
                       hint="pass it in as an argument, or define it at module level "
                            "as a number or a function")


def _module_attr(src: FunctionSource, env, e: ast.Attribute) -> str | None:
    """``np.linalg.norm`` -> "linalg.norm"; ``np.exp`` -> "numpy.exp"; else None."""
    base = e.value
    if isinstance(base, ast.Name) and base.id not in env:
        if base.id in src.scope.numpy:
            return "numpy." + e.attr
        if base.id in src.scope.math:
            return "math." + e.attr
        if base.id in src.scope.linalg:
            return "linalg." + e.attr
        if base.id in src.scope.other_modules:
            return "other:" + src.scope.other_modules[base.id] + "." + e.attr
    if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) \
            and base.value.id in src.scope.numpy and base.value.id not in env:
        return f"numpy.{base.attr}.{e.attr}".replace("numpy.linalg.", "linalg.")
    return None


def _callee(src: FunctionSource, env, func: ast.expr) -> str | None:
    """The qualified name of a called function, or None for a method call."""
    if isinstance(func, ast.Name):
        if func.id in env:
            return "local:" + func.id
        if func.id in src.scope.functions:
            return "helper:" + func.id
        if func.id in src.scope.imported:
            module, attr = src.scope.imported[func.id]
            return f"{module}.{attr}"
        if func.id in BUILTINS:
            return "builtin." + func.id
        return "unknown:" + func.id
    if isinstance(func, ast.Attribute):
        return _module_attr(src, env, func)
    return None


def _call_helper(b: Builder, src: FunctionSource, name: str, args: list[Env], loc: Loc,
                 stack, hint: str) -> Env:
    """Inline a helper function: lower its body with the arguments bound to its parameters."""
    helper = src.scope.function(name)
    if helper is None:
        raise SymdiffError(f"cannot read the source of helper `{name}`", loc,
                           hint="define the helper with `def` in a file symdiff can read")
    if helper.name in stack:
        raise SymdiffError(f"recursive call to `{helper.name}` cannot be differentiated", loc,
                           hint="write the recursion as a loop or closed form")
    fence.check(helper)
    params = [a.arg for a in helper.tree.args.args]
    defaults = dict(_defaults(helper))
    if len(args) > len(params) or any(p not in defaults for p in params[len(args):]):
        raise SymdiffError(f"`{helper.name}` takes {len(params)} arguments, got {len(args)}", loc,
                           hint=f"call it as {helper.name}({', '.join(params)})")
    env: dict[str, Env] = {p: Const(defaults[p]) for p in params[len(args):]}
    env.update(zip(params, args))
    for n in _free_names(helper.tree):
        b.names.reserve(n)
    return _lower_body(b, helper, env, stack + (helper.name,), hint)
