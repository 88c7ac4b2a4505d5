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
import copy

from . import alias
from . import fence
from . import lower_static as static
from . import alias_flow as flow
from . import lower_memory as memory
from . import received_arrays
from . import module_objects
from ..errors import Loc, SymdiffError
from .desugar import desugar
from ..util.deep import deep
from ..ir import TMP, Builder, Const, Function, If, Loop, NameSupply, Node, Temporary, Var
from .callees import callee, module_attr
from .parse import FunctionSource
from .source_names import _all_names, _defaults, _free_names
from ..primitives.registry import gives_tuple
from . import lower_calls as calls
from .lower_inline import _call_helper, _key
from . import lower_containers as containers
from . import loop_changes
from . import entry_sharing
from . import lower_structures as structures
from . import lower_structures as _structures
from . import lower_complex
from .env import Env, Helper, LoopChanged, Module, Poison, Tup, Undefined, kind_of


# ---------------------------------------------------------------- functions


@deep
def lower(src: FunctionSource, fenced: bool = True, shapes: dict | None = None) -> Function:
    """Lower one checked function (helpers are fenced and inlined as they are met).

    ``fenced=False`` skips the fence, for ``symdiff check``, which reports the fence's
    problems itself and then looks for more. ``shapes``: what a specialization knows of
    the parameters' shapes, for the few calls whose lowering depends on a rank
    (``Function.rank_questions`` names those asked without it).
    """
    if fenced:
        fence.check(src)
    src = desugar(src)
    params = [a.arg for a in src.tree.args.args]
    names = NameSupply(set(params) | _free_names(src.tree), _all_names(src.tree))
    b = alias.Tracked(names)
    env: dict[str, Env] = {p: Var(p) for p in params}
    env.update(src.boundary)          # arguments with structure: dicts, lists, objects
    b.module_inputs = dict(src.module_inputs)     # module arrays the helpers read
    b.received = {}                   # module arrays of a compiled file
    b.live = src.scope.live           # what the compiled code read of live objects
    b.memory.shapes = {k: v for k, v in (shapes or {}).items() if k in params and v is not None}
    result = _lower_block(b, src, env, src.tree.body, (_key(src),))
    if b.problems:                    # an unrolled loop meets a problem once per iteration
        error = RankNeeded if b.memory.rank_asked and not b.memory.shapes else SymdiffError
        raise error(problems=tuple(dict.fromkeys(b.problems)))
    if result is None:
        raise SymdiffError("the function must end with `return <value>`", src.loc(src.tree))
    received_arrays.refuse_clashes(params, b.body, b.received)
    defaults = _defaults(src)
    values = result.items if isinstance(result, Tup) else (result,)
    for v in values:
        if isinstance(v, LoopChanged):
            raise loop_changes.read_error(v, src.loc(src.tree.body[-1]))
        if isinstance(v, lower_complex.Pair):
            raise lower_complex.escaped(src, src.tree.body[-1], "the function returns a "
                                        "complex value")
        if not isinstance(v, (Var, Const)):
            raise SymdiffError("the function must return numbers or arrays",
                               src.loc(src.tree.body[-1]), hint="return the scalar loss "
                               "(a function returning (loss, extra) takes has_aux=True)")
    return Function(src.name, tuple(Var(p) for p in [*params, *b.received]), tuple(b.body),
                    tuple(values), src.loc(src.tree), defaults,
                    tuple(sorted(b.constants.items())), returns_tuple=isinstance(result, Tup),
                    received=tuple((k, file) for k, (file, _) in b.received.items()),
                    rank_questions=tuple(params) if b.memory.rank_asked else ())


class RankNeeded(SymdiffError):
    """Lowering failed where it asked for a rank it was not told (``gx, gy =
    np.gradient(f)``): a specialization that knows the parameters' shapes lowers again."""


class _Poisoned(Exception):
    """A statement read a value whose own statement already failed: no second report."""


def _lower_block(b: Builder, src: FunctionSource, env: dict[str, Env], stmts, stack,
                 result_hint: str | None = None) -> Env | None:
    """Lower statements into ``b``; returns the returned value if the block returns.

    A statement that fails is recorded and its names poisoned, and lowering goes on, so
    that every problem in a function is reported at once.
    """
    for stmt in stmts:
        try:
            returned = _lower_statement(b, src, env, stmt, stack, result_hint)
        except (SymdiffError, _Poisoned) as exc:
            if isinstance(exc, SymdiffError):
                b.problems.extend(exc.problems)
            for name in _assigned([stmt]):
                env[name] = Poison()
            returned = Poison() if isinstance(stmt, ast.Return) else None
        if returned is not None:
            return returned
    return None


def _lower_statement(b: Builder, src: FunctionSource, env, stmt, stack, result_hint):
    loc = src.loc(stmt)
    handled = structures.statement(b, src, env, stmt, loc, stack, result_hint)
    if handled is not structures.NOT_MINE:
        return handled
    if True:
        if isinstance(stmt, ast.Return):
            if stmt.value is None:
                raise SymdiffError("`return` needs a value", loc, hint="return the scalar loss")
            value = _passed(b, src, env, stmt.value, loc, stack, result_hint or src.name)
            env[(alias.REF, RETURN)] = alias.ref_of(b, env, stmt.value, value)
            return value
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            hint = target.id if isinstance(target, ast.Name) else TMP
            emitted = len(b.body)
            value = _passed(b, src, env, stmt.value, loc, stack, hint)
            storage = alias.ref_of(b, env, stmt.value, value)
            fresh = _just_made(b, emitted, stmt.value, value)
            for target in stmt.targets:
                _bind(b, src, env, target, value, loc, stack, storage, fresh)
                fresh = False
                if storage is None and isinstance(target, ast.Name):   # ``a = b = zeros``
                    storage = alias.materialize(env, target.id)
        elif isinstance(stmt, ast.Expr):
            memory.effect(b, src, env, stmt.value, loc, stack)
        elif isinstance(stmt, ast.AugAssign):
            _augmented(b, src, env, stmt, loc, stack)
        elif isinstance(stmt, ast.If):
            return _lower_if(b, src, env, stmt, loc, stack, result_hint)
        elif isinstance(stmt, (ast.For, ast.While)):
            _lower_loop(b, src, env, stmt, loc, stack)
    return None


def _passed(b, src, env, e, loc: Loc, stack, hint) -> Env:
    """An assigned or returned value, which may pass a ``LoopChanged`` on unread."""
    return loop_changes.passed(lambda x, h=TMP: _expr(b, src, env, x, loc, stack, h), env, e, hint)


def _augmented(b: Builder, src, env, stmt: ast.AugAssign, loc: Loc, stack) -> None:
    """``x += v`` is ``x = x + v``; ``a[i] += v`` is ``a[i] = a[i] + v``."""
    target = stmt.target
    load = copy.deepcopy(target)
    for n in ast.walk(load):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    combined = ast.copy_location(ast.BinOp(load, stmt.op, stmt.value), stmt)
    hint = target.id if isinstance(target, ast.Name) else TMP
    entry_sharing.check_entry_not_shared(structures._site(b, src, env, loc, stack), stmt)
    value = _expr(b, src, env, combined, loc, stack, hint)
    if isinstance(target, ast.Name):
        entry_sharing.check_rebound_not_held(structures._site(b, src, env, loc, stack),
                                             target.id, stmt)
    if isinstance(target, ast.Name) and alias.shared(env, target.id):
        memory.in_place(b, env, target.id, value, loc)    # ``a += v`` on an array writes into it
        return
    _bind(b, src, env, target, value, loc, stack)     # a new value: its own storage


# ---------------------------------------------------------------- control flow


def _sub(b: Builder) -> Builder:
    return alias.sub(b)


def _as_value(v: Env, name: str, loc: Loc) -> Var | Const:
    if isinstance(v, (Var, Const)):
        return v
    if isinstance(v, Poison):
        raise _Poisoned()
    if isinstance(v, lower_complex.Pair):
        raise SymdiffError(f"`{name}` holds a complex value that changes inside a branch or "
                           "a loop", loc, hint="keep its real and imaginary parts in two real "
                                               "names: re = z.real; im = z.imag")
    if containers.is_container(v):
        raise SymdiffError(f"`{name}` is {kind_of(v)} that changes inside a "
                           "branch or a loop, in a way not known at compile time", loc,
                           hint="give a loop that fills a list or dict constant bounds (it is "
                                "unrolled), keep the same keys on every branch, or keep the "
                                f"values in an array: {name} = np.zeros((n, ...)); "
                                f"{name}[t] = ...")
    raise SymdiffError(f"`{name}` must hold a number or an array to change inside a branch "
                       "or loop", loc, hint="assign arrays or numbers only in branches and loops")


RETURN = "<return>"          # the key under which a branch's returned value is merged


def _merge(b: Builder, env: dict, branches: list[dict], loc: Loc, result_hint: str = "result"):
    """Names that differ between branches become the outputs of the region (phi values)."""
    names = []
    for branch in branches:
        names += [k for k in branch if k not in names]
    outs, values = [], [[] for _ in branches]
    for name in names:
        seen = [branch.get(name) for branch in branches]
        if all(v is seen[0] for v in seen) and name in env or alias.is_hidden(name) \
                and name[0] != alias.ROOT:
            continue
        stale = [v for v in seen if isinstance(v, (alias.Stale, LoopChanged))]
        if stale:
            env[name] = stale[0]
            continue
        if any(v is None or isinstance(v, Undefined) for v in seen):
            env[name] = Undefined(name)
            continue
        if all(v == seen[0] for v in seen):
            env[name] = seen[0]
            continue
        label = result_hint if name == RETURN else alias.hint(name)
        merged = containers.merge(b, seen, label, lambda v, name=name: _as_value(v, name, loc)) \
            if any(map(containers.is_container, seen)) else None
        if merged is not None:
            outs += merged[0]
            for k, more in enumerate(merged[1]):
                values[k].extend(more)
            env[name] = merged[2]
            continue
        out = b.names.fresh(label)
        outs.append(out)
        for k, v in enumerate(seen):
            values[k].append(_as_value(v, name, loc))
        env[name] = out
    return tuple(outs), [tuple(v) for v in values]


def _lower_if(b: Builder, src, env, stmt: ast.If, loc: Loc, stack, result_hint) -> Env | None:
    cond = calls_array(b, src, env, stmt.test, loc, stack)
    blocks, envs, returned = [], [], []
    for body in (stmt.body, stmt.orelse):
        sub, inner = _sub(b), dict(env)
        returned.append(_lower_block(sub, src, inner, body, stack, result_hint))
        blocks.append(sub.body)
        envs.append(inner)
    flow.fill_roots(env, envs)
    if (returned[0] is None) != (returned[1] is None):
        raise SymdiffError("only one branch returns a value", loc,
                           hint="return from both branches, or from neither")
    if returned[0] is not None:
        for inner, value in zip(envs, returned):
            inner[RETURN] = _as_value(value, "the returned value", loc)
    outs, (then_values, else_values) = _merge(b, env, envs, loc, result_hint or src.name)
    flow.merge_refs(env, envs)
    b.body.append(If(cond, tuple(blocks[0]), tuple(blocks[1]), outs, then_values, else_values, loc))
    if returned[0] is not None:
        return env.pop(RETURN)
    return None


def calls_array(b, src, env, e, loc, stack):
    value = _expr(b, src, env, e, loc, stack, Temporary("cond"))
    if not isinstance(value, (Var, Const)):
        raise SymdiffError("a condition must be a boolean value", src.loc(e))
    return value


def _assigned(stmts) -> list[str]:
    """Names a block assigns (in order of first assignment), including array writes."""
    found: list[str] = []
    for s in stmts:
        for n in ast.walk(s):
            target = None
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                target = n.id
            elif isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) \
                    and isinstance(n.value, ast.Name):
                target = n.value.id
            if target and target not in found:
                found.append(target)
    return found


def _lower_loop(b: Builder, src, env, stmt, loc: Loc, stack) -> None:
    """A loop: names it assigns become its carried values; a placeholder each inside."""
    if isinstance(stmt, ast.For) and _unrolled(b, src, env, stmt, loc, stack):
        return
    index, bounds = None, ()
    if isinstance(stmt, ast.For):
        args = stmt.iter.args
        if not 1 <= len(args) <= 3 or stmt.iter.keywords:
            raise SymdiffError("range takes 1 to 3 arguments", src.loc(stmt.iter))
        values = [calls_array(b, src, env, a, loc, stack) for a in args]
        start, stop, step = ([Const(0)] + values + [Const(1)])[:3] if len(values) == 1 else \
            (values + [Const(1)])[:3]
        bounds = (start, stop, step)
    names = [n for n in _assigned(stmt.body) if not (isinstance(stmt, ast.For)
                                                     and n == stmt.target.id)]
    names = [n for n in flow.with_roots(env, names) if not containers.is_container(env.get(n))]
    lowered, names = memory.lower_until_stable(b, src, env, stmt, loc, stack, names)
    index, carried, inits, body, cond_builder, cond, start, inner = lowered
    names, carried, inits, marks = loop_changes.settle(
        structures._site(b, src, env, loc, stack), stmt, env, names, carried, inits, inner,
        tuple(body.body) + tuple(cond_builder.body))
    nexts = tuple(_as_value(inner[n], n, loc) if not isinstance(inner[n], (Undefined, alias.Stale))
                  else Const(None) for n in names)
    outs = tuple(b.names.fresh(alias.hint(n)) for n in names)
    b.body.append(Loop(index, bounds, tuple(carried), tuple(inits), tuple(body.body), nexts,
                       outs, tuple(cond_builder.body), cond, loc))
    for name, out in zip(names, outs):
        env[name] = inner[name] if isinstance(inner[name], alias.Stale) else out
    flow.loop_refs(env, start, inner)
    flow.stale_after(env, inner)
    env.update(marks)


def _unrolled(b: Builder, src, env, stmt: ast.For, loc: Loc, stack) -> bool:
    """A loop of known length whose body uses lists or dicts runs once per index here."""
    site = structures._site(b, src, env, loc, stack)
    iterations = containers.static_range(site, stmt.iter)
    if not containers.unrolls(site, stmt, iterations):
        return False
    containers.too_long(site, stmt, iterations)
    for k in iterations:
        env[stmt.target.id] = Const(k)
        _lower_block(b, src, env, stmt.body, stack)
    return True


def _ifexp(b: Builder, src, env, e: ast.IfExp, loc: Loc, stack, hint: str) -> Env:
    """``a if c else b`` computes only the chosen side: a branch with one output."""
    cond = calls_array(b, src, env, e.test, loc, stack)
    blocks, values = [], []
    for side in (e.body, e.orelse):
        sub = _sub(b)
        values.append(_as_value(_expr(sub, src, dict(env), side, loc, stack), hint, loc))
        blocks.append(tuple(sub.body))
    out = b.names.fresh(hint)
    b.body.append(If(cond, blocks[0], blocks[1], (out,), (values[0],), (values[1],), loc))
    return out


def _just_made(b: Builder, emitted: int, expr: ast.expr, value) -> bool:
    """Whether ``value`` is the result of a node this statement appended last (so no
    other name can hold it yet; a walrus inside could have named it, so not then)."""
    if len(b.body) <= emitted or not isinstance(b.body[-1], Node) or b.body[-1].out != value:
        return False
    return not any(isinstance(n, ast.NamedExpr) for n in ast.walk(expr))


def _bind(b: Builder, src, env, target: ast.expr, value: Env, loc: Loc, stack=(),
          storage=None, fresh: bool = False) -> None:
    """``target = value``; ``storage`` is where the value lives (``alias.ref_of``);
    ``fresh``: the value was just made, no other name holds it."""
    if isinstance(target, ast.Name):
        alias.bind(env, target.id, value, storage, fresh)
        return
    if isinstance(target, ast.Attribute) or isinstance(target, ast.Subscript) and not (
            isinstance(target.value, ast.Name) and not containers.is_container(
                env.get(target.value.id))):
        structures._store(b, src, env, target, value, loc, stack)
        return
    if isinstance(target, ast.Subscript):
        name = target.value.id
        entry_sharing.check_not_held(structures._site(b, src, env, loc, stack), name,
                                  env.get(name), target)
        if isinstance(env.get(name), alias.Stale):
            raise alias.stale_error(env[name], src.loc(target.value))
        new = calls.setitem(_context(b, src, env, loc, stack), target, value)
        alias.write(b, env, name, new, loc)
        return
    count = len(target.elts)
    if any(isinstance(t, ast.Starred) for t in target.elts):
        target, value = static.starred(structures._site(b, src, env, loc, stack), target, value)
    if isinstance(value, Tup):
        if len(value.items) != count:
            raise SymdiffError(f"cannot unpack {len(value.items)} values into {count} names", loc)
        items = value.items
    elif isinstance(value, Var) and _defining(b, value).op == "shape":
        x = _defining(b, value).args[0]
        items = tuple(b.emit("dim", [x], t.id if isinstance(t, ast.Name) else "n", loc, axis=i)
                      for i, t in enumerate(target.elts))
    elif isinstance(value, Var) and gives_tuple(_defining(b, value)):       # np.nonzero
        items = tuple(b.emit("getitem", [value, Const(i)], TMP, loc, index=(("at", 1),))
                      for i in range(count))
    elif isinstance(value, Var) and value in b.memory.rank_unknown:
        raise SymdiffError(f"{b.memory.rank_unknown[value]} gives one array per axis, and "
                           "the rank is not known here", loc,
                           hint="give the shape (symdiff compile --shapes \"f=(3, 4)\"; a "
                                "call of the gradient knows it), or pass axis=(0, 1, ...)")
    else:
        raise SymdiffError("tuple unpacking works on a tuple, `x.shape`, or a helper's returns",
                           loc, hint="index the array instead: `a = v[0]`")
    refs = storage if isinstance(storage, tuple) else (None,) * len(items)
    for t, item, r in zip(target.elts, items, refs):
        _bind(b, src, env, t, item, loc, stack, r)


def _defining(b: Builder, v: Var) -> Node:
    for n in reversed(b.body):
        if n.out == v:
            return n
    return Node(v, "param", ())


# ---------------------------------------------------------------- expressions


def _context(b: Builder, src: FunctionSource, env, loc: Loc, stack) -> "calls.Context":
    return calls.Context(b, src, loc, lambda sub, h=TMP: _expr(b, src, env, sub, loc, stack, h),
                         lambda name, args, h, at: _call_helper(b, src, name, args, src.loc(at),
                                                                stack, h, env, at),
                         lambda value, at: _bind_hidden(env, value, at))


def _bind_hidden(env, value: Env, at: ast.AST) -> str:
    """Bind ``value`` to a name that is not an identifier (no user code can refer to it)."""
    name = f"<operand {at.lineno}:{at.col_offset}:{len(env)}>"
    env[name] = value
    return name


def _expr(b: Builder, src: FunctionSource, env, e: ast.expr, loc: Loc, stack, hint=TMP,
          structures: bool = True) -> Env:
    """Lower an expression; ``loc`` is the enclosing statement's location. Containers,
    objects and closures are ``lower_structures``'s (``structures=False``: not asked)."""
    if structures:
        value = _structures.expression(b, src, env, e, loc, stack, hint)
        if value is not _structures.NOT_MINE:
            return value
    ctx = _context(b, src, env, loc, stack)
    if isinstance(e, ast.Constant):
        if isinstance(e.value, (int, float, bool, str)) or e.value is None:
            return Const(e.value)
        if isinstance(e.value, complex):
            return lower_complex.literal(e.value)
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
        return _ifexp(b, src, env, e, loc, stack, hint)
    if isinstance(e, ast.Attribute):
        return calls.attribute(ctx, e, hint, module_attr(src, env, e))
    if isinstance(e, ast.Subscript):
        return calls.subscript(ctx, e, hint)
    if isinstance(e, ast.Call):
        return calls.call(ctx, e, hint, callee(src, env, e.func))
    raise SymdiffError(f"`{type(e).__name__}` is not supported", src.loc(e))


def _name(b: Builder, src: FunctionSource, env, e: ast.Name) -> Env:
    name = e.id
    if isinstance(env.get(name), Poison):
        raise _Poisoned()
    if isinstance(env.get(name), alias.Stale):
        raise alias.stale_error(env[name], src.loc(e))
    if isinstance(env.get(name), LoopChanged):
        raise loop_changes.read_error(env[name], src.loc(e))
    if isinstance(env.get(name), Undefined):
        raise SymdiffError(f"`{name}` may be undefined here: it is assigned on only some paths",
                           src.loc(e), hint=f"assign `{name}` before the `if` or loop too")
    if name in env:
        return env[name]
    scope = src.scope
    value = scope.constant(name, src.loc(e))      # first: refused if also imported
    if value is not None:
        if isinstance(value, bool):
            return Const(value)
        known = b.constants.get(name)
        if known is not None and known != value:      # same name, two modules: inline it
            return Const(value)
        b.constants[name] = value
        b.names.reserve(name)
        return Const(value, name)
    if name in scope.numpy:
        return Module("numpy")
    if name in scope.math:
        return Module("math")
    if name in scope.linalg:
        return Module("linalg")
    if name in scope.functions:
        return Helper(name)
    if name in scope.imported:
        return Module("imported:" + name)
    read = static.module_input(b, src, name) or received_arrays.receive(b, src, name, e) or \
        module_objects.instance(b, src, name, e)
    if read is not None:
        return read
    static.refuse_module_array(src, name, src.loc(e))
    raise SymdiffError(f"unknown name `{name}`", src.loc(e),
                       hint="pass it in as an argument, or define it at module level "
                            "as a number or a function")
