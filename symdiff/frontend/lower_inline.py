"""Inlining: a helper, method or closure called by the function is lowered in place, its
parameters bound to the caller's values (by position or keyword, defaults filled in).

Like ``lower_memory``, it reads lowering's own functions at call time.
"""
from __future__ import annotations

import ast

from . import alias_flow as flow
from . import fence
from . import lower_memory as memory
from . import star_params as star
from .desugar import desugar
from .env import Dict, Env, Obj, Poison, Tup
from .lower_containers import is_container
from ..errors import Loc, SymdiffError
from ..ir import Builder, Const
from .parse import FunctionSource


def _call_helper(b: Builder, src: FunctionSource, name: str, args: list[Env], loc: Loc,
                 stack, hint: str, caller=None, call=None) -> Env:
    """Inline a helper function: lower its body with the arguments bound to its parameters."""
    helper = src.scope.function(name)
    if helper is None:
        raise SymdiffError(f"cannot read the source of helper `{name}`", loc,
                           hint="define the helper with `def` in a file symdiff can read")
    return _inline(b, helper, args, {}, loc, stack, hint, None, caller, call)[0]


def _key(fn: FunctionSource) -> tuple:
    """Which function this is, for the call stack (methods of two classes share names)."""
    return (fn.name, fn.file, fn.tree.lineno)


def _inline(b: Builder, helper: FunctionSource, args: list, keywords: dict, loc: Loc, stack,
            hint: str, captured: dict | None = None, caller=None, call=None, kept=(),
            leading: int = 0):
    """Lower a function's body with its parameters bound to ``args`` and ``keywords`` (and
    the names it reads from where it was made, ``captured``); returns its result and its
    final environment. A container parameter (or captured container) the function changes
    is refused unless the caller takes its final value back (``kept``: a method's
    ``self``). With the ``caller``'s environment and the ``call``, what the function
    writes into the arrays it is given or captures is written in the caller too
    (``leading``: how many of ``args`` come before the call's own, a method's object or a
    partial's arguments)."""
    from . import lower as L
    if _key(helper) in stack:
        raise SymdiffError(f"recursive call to `{helper.name}` cannot be differentiated", loc,
                           hint="write the recursion as a loop or closed form")
    aligned = None
    if star.has_star(helper.tree):          # *args, **kwargs: bound for this call
        helper, args, aligned = star.bound(helper, list(args), keywords, loc, (Const, Tup, Dict))
        keywords = {}
    if not fence.always_returns(helper.tree.body):      # Python returns None at the end
        helper = memory.returning_none(helper)
    fence.check(helper)
    helper = desugar(helper)
    params = [a.arg for a in helper.tree.args.args]
    defaults = dict(L._defaults(helper))
    unknown = [k for k in keywords if k not in params or params.index(k) < len(args)]
    if len(args) > len(params) or unknown:
        raise SymdiffError(f"`{helper.name}` takes {len(params)} arguments, got "
                           f"{len(args) + len(keywords)}" + (f" (`{unknown[0]}` given twice or "
                                                             "not a parameter)" if unknown else ""),
                           loc, hint=f"call it as {helper.name}({', '.join(params)})")
    env: dict[str, Env] = dict(captured or {})
    for p in params[len(args):]:
        if p not in keywords and p not in defaults:
            raise SymdiffError(f"`{helper.name}` is missing its argument `{p}`", loc,
                               hint=f"call it as {helper.name}({', '.join(params)})")
        env[p] = keywords[p] if p in keywords else Const(defaults[p])
    env.update(zip(params, args))
    given = {p: env[p] for p in params if p in env and p not in kept and is_container(env[p])}
    given.update({n: v for n, v in (captured or {}).items()
                  if n not in params and is_container(v)})
    if caller is not None:
        exprs = ([None] * leading + list(call.args))[:aligned]
        shared = [n for n, v in (captured or {}).items()      # the maker's own arrays
                  if n not in params and caller.get(n) is v and not is_container(v)]
        flow.enter_helper(b, caller, env, params + shared,
                          exprs + [None] * (len(params) - len(exprs)) +
                          [ast.Name(id=n, ctx=ast.Load()) for n in shared],
                          list(args) + [None] * (len(params) - len(args)) +
                          [captured[n] for n in shared])
    for n in L._free_names(helper.tree):
        b.names.reserve(n)
    result = L._lower_block(b, helper, env, helper.tree.body, stack + (_key(helper),), hint)
    if caller is not None and not isinstance(result, Poison):
        flow.leave_helper(b, caller, env, call, loc)
    if isinstance(result, Poison):
        raise L._Poisoned()                   # the helper's own problem is already recorded
    if result is None:
        raise SymdiffError(f"helper `{helper.name}` does not return a value", loc,
                           hint="end the helper with `return <value>`")
    _refuse_changed_containers(helper, given, env, loc, set(captured or ()) - set(params))
    return result, env


def _refuse_changed_containers(helper: FunctionSource, given: dict, env: dict, loc: Loc,
                               captured: set = frozenset()):
    """A dict, list or object the function was given and changed (``p['W'] = ...``,
    ``xs.append(...)``, ``layer.W = ...``): Python changes the caller's too, which inlining
    does not carry back. Refused, never a gradient of the unchanged value."""
    for name, value in given.items():
        final = env.get(name)
        if final is not value and final != value:
            kind = {Dict: "dict", Obj: "object"}.get(type(value), getattr(value, "kind", "list"))
            how = "captures" if name in captured else "is given"
            raise SymdiffError(f"`{helper.name}` changes the {kind} `{name}` it {how}; "
                               "symdiff does not carry that change back to the caller", loc,
                               hint=f"return the new {kind} from `{helper.name}` and assign it "
                                    f"where it is called, or build a new {kind} in it")
