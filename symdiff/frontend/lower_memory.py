"""Lowering of what writes into memory: in-place operators on shared arrays, call
statements, helpers that end without ``return``, and loops whose body writes through views.

The facts about sharing are ``alias``'s; this module turns statements into IR with them.
It reads lowering's own functions (``lower._merge``, ``lower._lower_block``...) at call time.
"""
from __future__ import annotations

import ast
import copy
import dataclasses

from . import alias
from . import alias_flow as flow
from ..errors import Loc, SymdiffError
from ..ir import Const, If, Temporary, Var
from .parse import FunctionSource


def in_place(b, env, name: str, value, loc: Loc) -> None:
    """``name op= v`` where ``name`` shares memory: in place on an array, a new number on a
    number. When the kind is not known here, the generated code asks at run time."""
    from . import lower as L
    if alias.known_array(b, env, name):
        alias.write(b, env, name, value, loc)
        return
    scalar = b.emit("np", [env[name]], "is_number", loc, fn="isscalar", keywords=())
    before = dict(env)
    env[name] = value
    as_number, as_array = dict(env), dict(env)
    array_body = L._sub(b)
    alias.write(array_body, as_array, name, value, loc)
    flow.fill_roots(before, [as_number, as_array])
    outs, (number_values, array_values) = L._merge(b, env, [as_number, as_array], loc)
    flow.merge_refs(env, [as_number, as_array])
    b.body.append(If(scalar, (), tuple(array_body.body), outs, number_values, array_values, loc))


#: Calls that change their arguments in place, which a statement of its own would do.
MUTATING = {"fill", "sort", "put", "itemset", "resize", "partition", "setfield", "copyto",
            "place", "putmask", "fill_diagonal", "at"}


def effect(b, src, env, e: ast.expr, loc: Loc, stack) -> None:
    """A call as a statement: a helper may write into its arguments; NumPy calls that
    write in place are refused; others (``print``, ``np.random.seed(0)``) have no effect
    on the result."""
    from . import lower as L
    if not isinstance(e, ast.Call):
        return
    func = e.func
    if isinstance(func, ast.Name) and func.id in src.scope.functions and func.id not in env:
        L._expr(b, src, env, e, loc, stack, "unused")
        return
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in QUIET_CALLS or _seeds(src, func):
        return
    if name in MUTATING or any(k.arg == "out" for k in e.keywords) or not _numpy(src, func):
        raise SymdiffError(f"`{ast.unparse(e.func)}(...)` as a statement may change an array "
                           "in place, which symdiff does not model", src.loc(e),
                           hint="assign the result instead, e.g. `out = np.add(a, b)` or "
                                "`out[:] = x`")


#: Calls as statements that only report (``print(loss)``, ``warnings.warn(...)``), or
#: choose what is reported (``warnings.simplefilter("ignore")``).
QUIET_CALLS = {"print", "warn", "debug", "info", "warning", "error", "critical",
               "simplefilter", "filterwarnings"}


def _seeds(src, func: ast.expr) -> bool:
    """Whether ``func`` is ``np.random.seed``: seeding changes no value of the function,
    whose random draws are refused (``lower_calls``: they are drawn outside and passed
    in), so the gradient leaves the statement out, as it leaves out ``print``; the
    generated code does not seed NumPy's global generator."""
    return isinstance(func, ast.Attribute) and func.attr == "seed" and \
        isinstance(func.value, ast.Attribute) and func.value.attr == "random" and \
        isinstance(func.value.value, ast.Name) and func.value.value.id in src.scope.numpy


def _numpy(src, func: ast.expr) -> bool:
    """Whether ``func`` is a NumPy function outside ``np.random`` (whose ``shuffle``
    writes in place); any other call as a statement may change an array unseen."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or not parts:
        return False
    return func.id in src.scope.numpy and "random" not in parts


def returning_none(helper: FunctionSource) -> FunctionSource:
    """A helper that may end without ``return``, as Python runs it: ``return None`` last."""
    tree = copy.copy(helper.tree)
    end = ast.Return(ast.Constant(None))
    ast.copy_location(end, tree.body[-1])
    ast.fix_missing_locations(end)
    tree.body = list(tree.body) + [end]
    return dataclasses.replace(helper, tree=tree)


def lower_until_stable(b, src, env, stmt, loc: Loc, stack, names: list):
    """A loop's body, lowered again while it writes through views into names or storages
    it does not carry yet; returns what ``loop_body`` returns and the carried names."""
    problems, moved = len(b.problems), {}
    for _ in range(4):
        writes = b.memory.writes
        lowered = loop_body(b, src, env, stmt, loc, stack, names, moved)
        if b.memory.writes == writes:
            break
        more = flow.changed_outside(env, lowered[-2], lowered[-1], names)
        scratch: dict = {}
        again = [n for n in flow.loop_refs(scratch, lowered[-2], lowered[-1]) if n not in moved]
        if not more and not again:
            break
        del b.problems[problems:]
        names = names + more
        moved.update({n: scratch[(alias.REF, n)] for n in again})
    return lowered, names


def loop_body(b, src, env, stmt, loc: Loc, stack, names, moved):
    """Lower a loop's body once, ``names`` carried; the names in ``moved`` may live in
    other storages from one iteration to the next."""
    from . import lower as L
    index = None
    carried, inits, inner = [], [], dict(env)
    for name in names:
        before = env.get(name) if not alias.is_hidden(name) else alias.root(env, name[1])
        fresh = before is None or isinstance(before, L.Undefined)
        init = Const(None) if fresh else L._as_value(before, name, loc)
        # a name first assigned inside the loop keeps its own name for that assignment
        placeholder = b.names.fresh(Temporary(alias.hint(name) + "_prev") if fresh
                                    else alias.hint(name))
        carried.append(placeholder)
        inits.append(init)
        inner[name] = placeholder
    flow.carry_refs(env, inner, names)
    inner.update({(alias.REF, n): r for n, r in moved.items()})
    if isinstance(stmt, ast.For):
        index = b.names.fresh(stmt.target.id)
        b.memory.ints.add(index)
        inner[stmt.target.id] = index
    cond_builder, cond = L._sub(b), None
    if isinstance(stmt, ast.While):
        cond = L.calls_array(cond_builder, src, inner, stmt.test, loc, stack)
    start = dict(inner)
    body = L._sub(b)
    L._lower_block(body, src, inner, stmt.body, stack)
    return index, carried, inits, body, cond_builder, cond, start, inner


def chained_write(b, src, env, target: ast.Subscript, view, value, loc: Loc, stack) -> bool:
    """``y[0][1] = v``, ``y.T[0, 1] = v``, ``y[::2][1] = v``: a write into ``y[0]``, as
    ``view = y[0]; view[1] = v`` writes it (into y where y[0] is a view of it, into a copy
    where it is one, as NumPy does; refused where that is not known). False when the
    chain does not start at a name holding an array (a container's entry)."""
    from . import lower as L
    root = target.value
    while isinstance(root, (ast.Subscript, ast.Attribute)):
        root = root.value
    if not (isinstance(root, ast.Name) and isinstance(env.get(root.id), Var)):
        return False
    name = f"<view {target.lineno}:{target.col_offset}>"
    alias.bind(env, name, view, alias.ref_of(b, env, target.value, view))
    through = ast.copy_location(ast.Subscript(ast.Name(name, ast.Load()), target.slice,
                                              ast.Store()), target)
    L._bind(b, src, env, through, value, loc, stack)
    for key in (name, (alias.REF, name)):
        env.pop(key, None)
    return True
