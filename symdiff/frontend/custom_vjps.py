"""Functions whose backward pass the user gives (``symdiff.custom_vjp``), lowered onto
the rule ``fwd(x...) -> (value, residuals)``, ``bwd(residuals, g) -> (dx, ...)``.

A call ``out = f(a, b)`` inlines ``fwd(a, b)`` like a helper, where it is called, and
lowers ``bwd`` apart, on stand-ins for the residuals and for the upstream gradient ``g``:

    value, residuals = fwd(a, b)           # the forward part, in the forward pass
    out = custom_vjp(value, a, b, r...)    # out is value; its backward: bwd's statements

Reverse mode writes bwd's statements into the backward pass on the residuals and the
upstream gradient of ``out`` (``primitives.custom``); ``a`` and ``b`` get what it returns,
and nothing flows back through ``fwd``. With ``nondiff_argnums``, those arguments get no
gradient and ``bwd`` takes them first, ``bwd(*nondiff, residuals, g)``, as in JAX.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from ..errors import SymdiffError
from ..ir import TMP, Const, Var
from ..primitives.custom import Backward
from .env import Tup


@dataclass
class VJPRule:
    """The two parts of a custom_vjp's rule (None until ``defvjp`` gives them)."""

    fwd: object = None                # FunctionSource
    bwd: object = None
    nondiff: tuple[int, ...] = ()


def lower_vjp_call(ctx, e: ast.Call, hint: str, name: str, args: list, rule: VJPRule):
    """``name(*args)`` through its rule (see the module docstring)."""
    if rule.fwd is None or rule.bwd is None:
        raise ctx.fail(f"`{name}` is a symdiff.custom_vjp without a rule", e.func,
                       f"give its backward pass with {name}.defvjp(fwd, bwd)")
    if e.keywords or any(isinstance(a, ast.Starred) for a in e.args):
        raise ctx.fail(f"keyword arguments to `{name}` are not supported", e,
                       "pass its arguments by position")
    bad = [k for k in rule.nondiff if not 0 <= k < len(args)]
    if bad:
        raise ctx.fail(f"nondiff_argnums of `{name}` names argument {bad[0]}, but it is "
                       f"called with {len(args)}", e, "give positions of its arguments")
    scope = ctx.src.scope
    forward, backward = f"<forward of {name}>", f"<backward of {name}>"   # no user name
    scope.functions[forward], scope.functions[backward] = rule.fwd, rule.bwd
    out = ctx.call_helper(forward, args, TMP, _call(forward, e.args, e))
    if not (isinstance(out, Tup) and len(out.items) == 2):
        raise SymdiffError(f"the forward rule of `{name}` must return a pair (value, "
                           "residuals)", _return_loc(rule.fwd),
                           hint="end it with `return value, residuals` (residuals may be a "
                                "tuple, or () for none)")
    value = ctx.array(out.items[0], e)
    inputs = [ctx.array(a, at) for k, (a, at) in enumerate(zip(args, e.args))
              if k not in rule.nondiff]
    saved: list = []                                # the values the backward part reads
    given = [_stand_in(ctx, args[k], saved) for k in rule.nondiff] + \
        [_stand_in(ctx, out.items[1], saved)]
    g = ctx.b.names.fresh("g")
    body, ctx.b.body = ctx.b.body, []
    try:
        result = ctx.call_helper(backward, given + [g], TMP, _call(backward, (), e))
    finally:
        body, ctx.b.body = ctx.b.body, body
    results = _results(ctx, name, rule.bwd, result, len(inputs), e)
    rule_of = Backward(name, len(inputs), tuple(s for s, _ in saved), g, tuple(body),
                       results, _return_loc(rule.bwd))
    return ctx.emit("custom_vjp", [value, *inputs, *(v for _, v in saved)], hint,
                    custom_rule=name, backward=rule_of,
                    note=f"{name}: its value from its forward rule; its gradient from its "
                         "backward rule")


def _return_loc(src):
    """Where a rule's function returns (its last ``return``), or where it starts."""
    ends = [s for s in src.tree.body if isinstance(s, ast.Return)]
    return src.loc(ends[-1] if ends else src.tree)


def _call(name: str, args, at: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), list(args), []), at)


def _stand_in(ctx, value, saved: list):
    """``value`` with each array in it replaced by a stand-in, recorded in ``saved`` as
    (stand-in, array): the backward part reads the stand-ins (tuples, numbers and the
    like are read as they are)."""
    if isinstance(value, Tup):
        return replace(value, items=tuple(_stand_in(ctx, v, saved) for v in value.items))
    if isinstance(value, Var):
        stand_in = ctx.b.names.fresh(value.name)
        saved.append((stand_in, value))
        return stand_in
    return value


def _results(ctx, name: str, bwd, result, inputs: int, e: ast.Call) -> tuple:
    """The gradients the backward part returns, one per input (None: none)."""
    items = result.items if isinstance(result, Tup) else (result,) if inputs == 1 else None
    if items is None or len(items) != inputs:
        got = f"{len(result.items)} values" if isinstance(result, Tup) else "one value"
        raise SymdiffError(f"the backward rule of `{name}` must return a tuple of {inputs} "
                           f"gradient(s), one per argument it is differentiated by; it "
                           f"returns {got}", _return_loc(bwd),
                           hint="end it with `return (dx,)` for one argument, "
                                "`return dx, dy` for two")
    return tuple(None if isinstance(v, Const) and v.value is None else ctx.array(v, e)
                 for v in items)


# ---------------------------------------------------------------- files read statically


def vjp_rules_of_file(scope, found: dict, custom: set, module_body) -> set:
    """File the rules ``f.defvjp(fwd, bwd)`` statements of a file give its custom_vjp
    functions in ``scope.rules``; returns the names of the rules' functions."""
    rules = set()
    for name in custom:
        scope.rules[name] = VJPRule()
    for stmt in module_body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and
                call.func.attr == "defvjp" and isinstance(call.func.value, ast.Name) and
                call.func.value.id in custom):
            continue
        parts = [a.id for a in call.args if isinstance(a, ast.Name) and a.id in found]
        if len(parts) != 2 or len(call.args) != 2 or call.keywords:
            where = found[call.func.value.id]
            raise SymdiffError(f"{call.func.value.id}.defvjp takes two functions of this file, "
                               "fwd and bwd", where.loc(stmt),
                               hint=f"write {call.func.value.id}.defvjp(fwd, bwd) with two "
                                    "functions defined with `def`")
        scope.rules[call.func.value.id] = VJPRule(found[parts[0]], found[parts[1]])
        rules.update(parts)
    return rules
