"""Functions whose derivative the user gives (``symdiff.custom_jvp``), lowered onto the rule.

A call ``out = f(a)`` of a function with the rule ``jvp(primals, tangents) -> (value,
tangent)`` lowers to the rule, inlined like a helper, at a point the chain rule holds still:

    a_at = np.positive(a)          # the rule's point: the value of a, a constant
    a_dot = a - a_at               # a's tangent: 0 in value, d a_dot / d a = 1
    value, tangent = jvp((a_at,), (a_dot,))
    out = value + tangent          # the rule's value (the tangent is 0 here)

``value`` depends on constants only, and ``tangent`` is linear in ``a_dot``: reverse mode
takes the transpose of the rule as the gradient, forward mode carries a's tangent through
it. For second derivatives (``hessian``, ``hvp``: forward mode over the gradient) the
point ``a_at`` varies again (``release_rule_points``), so the derivative of the rule's
tangent is taken as written; ``a_dot = a - a_fixed`` and the value (``value_fixed``) use
points held still in every order, so the first derivative differentiated is the rule's.

The rules come from the live objects (``parse`` files them in ``Scope.rules``) or, in a
file read statically, from the decorators ``@symdiff.custom_jvp`` and ``@f.defjvp``
(``rules_of_file``).
"""
from __future__ import annotations

import ast
from dataclasses import replace

from ..errors import SymdiffError
from ..ir import TMP, Const, Node, Var, map_blocks, walk
from .custom_vjps import VJPRule, lower_vjp_call, vjp_rules_of_file

#: the field of the nodes that hold a custom rule's point still
FIELD = "custom_rule"
#: symdiff's decorators of functions with a rule, and the attributes that hold the rule
KINDS = {"custom_jvp": ("rule",), "custom_vjp": ("fwd", "bwd")}


def rule_of(scope, name: str):
    """The parsed rule of helper ``name``, or None when it has none."""
    entry = scope.rules.get(name)
    if callable(entry):
        entry = entry()
        scope.rules[name] = entry
    return entry


def live_rule(scope, name: str, custom, source_of):
    """The parsed rule of a live custom function, watched like the names a gradient reads:
    the name, the rule's functions it holds now (``defjvp`` or ``defvjp`` again) and their
    code, so a gradient compiled with the rule is compiled again when one of them changes."""
    parts = KINDS[custom.symdiff_function]
    if scope.live is not None:
        scope.live.note(name)
        for part in parts:
            scope.live.hold(vars(custom), part)
            if getattr(custom, part) is not None:
                scope.live.hold(getattr(custom, part), "__code__")
    sources = [getattr(custom, part) and source_of(getattr(custom, part)) for part in parts]
    if custom.symdiff_function == "custom_vjp":
        return VJPRule(*sources, nondiff=custom.nondiff_argnums)
    return sources[0]


def module_attribute(scope, env, func: ast.expr) -> str | None:
    """``helpers.f`` where ``helpers`` is a live module and ``f`` a custom function: filed
    in ``scope`` under a name no user can write (and watched, as the module's
    attribute), which is returned; else None."""
    import sys
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and
            func.value.id not in env and scope.live is not None):
        return None
    module = sys.modules.get(scope.other_modules.get(func.value.id, ""))
    custom = getattr(module, func.attr, None) if module is not None else None
    if getattr(type(custom), "symdiff_function", None) not in KINDS:
        return None
    from .parse import source_of
    key = f"<{func.value.id}.{func.attr}>"
    if key not in scope.rules:
        scope.live.hold(vars(module), func.attr)
        scope.functions[key] = lambda: source_of(custom.fn)
        scope.rules[key] = lambda: live_rule(scope, key, custom, source_of)
    return key


def has_rule(scope, name: str) -> bool:
    return name in scope.rules


def lower_custom_call(ctx, e: ast.Call, hint: str, name: str, args: list):
    """``name(*args)`` through its rule (see the module docstring)."""
    from .lower import Tup
    rule = rule_of(ctx.src.scope, name)
    if isinstance(rule, VJPRule):
        return lower_vjp_call(ctx, e, hint, name, args, rule)
    if rule is None:
        raise ctx.fail(f"`{name}` is a symdiff.custom_jvp without a rule", e.func,
                       f"give its derivative with @{name}.defjvp on a function "
                       "rule(primals, tangents) returning (value, tangent)")
    if e.keywords:
        raise ctx.fail(f"keyword arguments to `{name}` are not supported", e,
                       "pass its arguments by position")
    primals, tangents = [], []
    for value, at in zip(args, e.args):
        x = ctx.array(value, at)
        if isinstance(x, Const):
            primals.append(x)
            tangents.append(Const(0.0))
            continue
        still = ctx.emit("np", [x], f"{x.name}_at", fn="positive", keywords=(),
                         note=f"{name}'s rule: at the value of {x.name}, a constant",
                         **{FIELD: name})
        fixed = _constant(ctx, x, f"{x.name}_fixed", f"{name}'s rule: {x.name}, a constant "
                                                      "in every order of derivative")
        primals.append(still)
        tangents.append(ctx.ew(lambda v, w: v - w, [x, fixed], f"{x.name}_dot"))
    reserved = f"<rule of {name}>"                     # no user code can name it
    ctx.src.scope.functions[reserved] = rule
    call = ast.copy_location(ast.Call(ast.Name(reserved, ast.Load()),
                                      [_empty_tuple(e), _empty_tuple(e)], []), e)
    result = ctx.call_helper(reserved, [Tup(tuple(primals)), Tup(tuple(tangents))], TMP, call)
    if not (isinstance(result, Tup) and len(result.items) == 2):
        raise SymdiffError(f"the rule of `{name}` must return a pair (value, tangent)",
                           rule.loc(rule.tree), hint="end the rule with `return value, tangent`")
    value, tangent = (ctx.array(v, e) for v in result.items)
    if isinstance(value, Var):
        value = _constant(ctx, value, f"{value.name}_fixed", f"{name}'s value, a constant in "
                                                             "every order of derivative")
    return ctx.ew(lambda v, t: v + t, [value, tangent], hint)


def _constant(ctx, x, hint: str, note: str):
    """``x`` held still in every order of derivative (as ``stop_gradient``)."""
    return ctx.emit("np", [x], hint, fn="positive", keywords=(), stop_gradient=True, note=note)


def release_rule_points(fn):
    """The graph for a derivative of a derivative (``hvp_ir``): the rule's point, which
    the first derivative holds still, varies with the arguments (an alias), so the second
    derivative differentiates the rule's tangent as written; the value and the point the
    tangents are taken from stay constants (``_constant``), so the first derivative that
    is differentiated is the rule's."""
    def release(stmts):
        return tuple(Node(s.out, "alias", s.args[:1], (), s.loc, s.note, s.origin,
                          s.temporary, s.role)
                     if isinstance(s, Node) and s.param(FIELD) and s.op == "np" else
                     map_blocks(s, release) for s in stmts)
    return replace(fn, body=release(fn.body))


def _empty_tuple(at: ast.AST) -> ast.Tuple:
    return ast.copy_location(ast.Tuple([], ast.Load()), at)


def refuse_second_order(fn) -> None:
    """Second derivatives through a backward rule (custom_vjp), which has no derivative
    to take: refused, never a wrong Hessian."""
    for n in walk(fn.body):
        if isinstance(n, Node) and n.param(FIELD) and n.param("backward"):
            raise SymdiffError(f"second derivatives through `{n.param(FIELD)}` are not "
                               "supported: its rule (custom_vjp) gives first derivatives",
                               n.loc, hint="use grad, vjp or jacobian(f, mode='reverse') "
                                           f"here, or give `{n.param(FIELD)}` a forward "
                                           "rule with @symdiff.custom_jvp")


# ---------------------------------------------------------------- files read statically


def rules_of_file(scope, found: dict, module_body: list = ()) -> dict:
    """File the rules that a file's decorators give (``@symdiff.custom_jvp`` on f,
    ``@f.defjvp`` on its rule; ``@symdiff.custom_vjp`` on f and ``f.defvjp(fwd, bwd)``) in
    ``scope.rules``; returns the functions to compile (not the custom functions and their
    rules, which are helpers)."""
    custom = {name for name, src in found.items()
              if any(_is_custom(d, scope, "custom_jvp") for d in src.tree.decorator_list)}
    rules = set()
    for name, src in found.items():
        for d in src.tree.decorator_list:
            if isinstance(d, ast.Attribute) and d.attr == "defjvp" and \
                    isinstance(d.value, ast.Name) and d.value.id in custom:
                scope.rules[d.value.id] = replace(src, decorators_checked=True)
                rules.add(name)
    for name in custom:
        scope.rules.setdefault(name, None)
    vjps = {name for name, src in found.items()
            if any(_is_custom(d, scope, "custom_vjp") for d in src.tree.decorator_list)}
    rules |= vjp_rules_of_file(scope, found, vjps, module_body)
    return {k: v for k, v in found.items() if k not in custom | vjps | rules}


def _is_custom(d: ast.expr, scope, kind: str) -> bool:
    """Whether decorator ``d`` is ``symdiff.<kind>`` (``custom_jvp``, ``custom_vjp``)."""
    if isinstance(d, ast.Attribute) and isinstance(d.value, ast.Name):
        return d.attr == kind and scope.other_modules.get(d.value.id) == "symdiff"
    return isinstance(d, ast.Name) and scope.imported.get(d.id) == ("symdiff", kind)
