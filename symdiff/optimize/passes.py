"""Stage 5, optimize: small pure passes over the IR, run in order to a fixed point.

Each pass takes a Function and returns a new one; none changes what the function
computes. Identities (``x*1``, ``x+0``, ``0*x``) never reach the IR: SymPy folds them when
an elementwise node is built.

    dead_code               drop statements whose values nobody uses (gradients nobody
                            asked for, loop variables nobody reads)
    trivial_joins           phi(a, a) = a; a loop variable the loop never changes (or only
                            copies) is constant
    temporary_aliases       a temporary's gradient that only renames another is not emitted
    common_subexpressions   compute each identical operation once, across forward and backward
    accumulate_in_place     acc + (zeros with g at idx)  ->  acc with g added at idx
    fold_into_sums          (with shapes) t = -(da*k); dx = dx + t  ->  dx = dx - da*k
    implicit_broadcasts     (with shapes) broadcast_to(s) where NumPy broadcasts s anyway
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from ..ir import (Const, Function, If, Loop, Node, Value, Var, blocks, ew_normalize, flatten,
                 map_blocks, reads_here, rename_reads, walk)

#: Operations with an effect beyond their value (tapes), or fresh arrays that may be
#: written into: never merged, and tape writes never dropped.
EFFECTS = {"push", "pop", "tape", "check_scalar", "check_ndim", "check_floats"}
KEPT = {"push", "check_scalar", "check_ndim", "check_floats"}   # kept though no value reads them
FRESH = {"np", "zeros_like", "copy", "setitem", "scatter", "scatter_add"}
UNMERGED = EFFECTS | FRESH | {"alias"}


def _names(values) -> set[str]:
    return {v.name for v in values if isinstance(v, Var)}


def dead_code(fn: Function) -> Function:
    """Keep only statements whose values reach the result (and the tapes that feed them)."""
    live = _names(flatten(fn.result))
    body = _dce_block(fn.body, live)
    return replace(fn, body=body)


def _dce_block(stmts, live: set[str]) -> tuple:
    """Statements of a block still needed; ``live`` grows by what the kept ones read."""
    kept = []
    for s in reversed(stmts):
        if isinstance(s, Node):
            if s.out.name in live or s.op in KEPT:
                kept.append(s)
                if s.param("restored"):      # a backward rebinding: what it shadows is
                    live.discard(s.out.name)   # not read through this name after it
                live |= _names(s.args)
        elif isinstance(s, If):
            s = _dce_if(s, live)
            if s is not None:
                kept.append(s)
        else:
            s = _dce_loop(s, live)
            if s is not None:
                kept.append(s)
    return tuple(reversed(kept))


def _dce_if(s: If, live: set[str]) -> If | None:
    keep = [k for k, out in enumerate(s.outs) if out.name in live]
    then_live = set(live) | _names(s.then_values[k] for k in keep)
    else_live = set(live) | _names(s.else_values[k] for k in keep)
    then, orelse = _dce_block(s.then, then_live), _dce_block(s.orelse, else_live)
    if not keep and not then and not orelse:
        return None
    live |= then_live | else_live | _names([s.cond])
    return replace(s, then=then, orelse=orelse, outs=tuple(s.outs[k] for k in keep),
                   then_values=tuple(s.then_values[k] for k in keep),
                   else_values=tuple(s.else_values[k] for k in keep))


def _dce_loop(s: Loop, live: set[str]) -> Loop | None:
    """A carried value is kept when it is read after the loop or inside it (to a fixed point)."""
    keep = {k for k, out in enumerate(s.outs) if out.name in live}
    while True:
        inner = set(live) | _names(s.nexts[k] for k in keep) | _names([s.cond])
        body = _dce_block(s.body, inner)
        cond_body = _dce_block(s.cond_body, inner)
        more = keep | {k for k, c in enumerate(s.carried) if c.name in inner}
        if more == keep:
            break
        keep = more
    if not keep and not body:
        return None
    order = sorted(keep)
    live |= inner | _names(s.inits[k] for k in order) | _names(s.bounds)
    return replace(s, body=body, cond_body=cond_body,
                   carried=tuple(s.carried[k] for k in order),
                   inits=tuple(s.inits[k] for k in order),
                   nexts=tuple(s.nexts[k] for k in order),
                   outs=tuple(s.outs[k] for k in order))


def _key(n: Node):
    return (n.op, n.args, n.params)


def common_subexpressions(fn: Function) -> Function:
    """Replace a repeated operation by the first one that computed the same value.

    Values that a backward loop restores (rebinds) are left alone: renaming them would
    make the backward read another iteration's value.
    """
    rename: dict[str, Value] = {}
    rebound = {s.out.name for s in walk(fn.body) if isinstance(s, Node) and s.param("restored")}
    body = _cse_block(fn.body, {}, rename, rebound)
    return replace(fn, body=body, result=_rename_result(fn.result, rename))


def _cse_block(stmts, seen: dict, rename: dict, rebound: set) -> tuple:
    popped = {s.out.name for s in stmts if isinstance(s, Node) and s.param("restored")}
    if popped:       # restored from a tape: earlier results computed from these are stale
        for key in [k for k in seen if _names(k[1]) & popped]:
            del seen[key]
    out = []
    for s in stmts:
        s = _renamed(s, rename)
        if isinstance(s, Node):
            key = _key(s)
            if s.op in UNMERGED or s.out.name in rebound:
                out.append(s)
                continue
            if key in seen:
                rename[s.out.name] = seen[key]
                continue
            seen[key] = s.out
            out.append(s)
        else:
            out.append(_renamed(map_blocks(s, _cse_scope(s, seen, rename, rebound)), rename))
    return tuple(out)


def _cse_scope(s, seen: dict, rename: dict, rebound: set):
    """What CSE does to each block of ``s``: each side of a branch sees what came before
    it; a loop's condition and body share one scope."""
    inner = dict(seen)

    def block(stmts):
        return _cse_block(stmts, dict(seen) if isinstance(s, If) else inner, rename, rebound)
    return block


def _sub(v, rename):
    return rename.get(v.name, v) if isinstance(v, Var) else v


#: A statement reading renamed values (its own nested blocks are renamed by the caller).
_renamed = rename_reads


def _rename_result(result, rename):
    out = []
    for item in result:
        if isinstance(item, tuple):
            out.append(_rename_result(item, rename))
        else:
            out.append(_sub(item, rename))
    return tuple(out)


def trivial_joins(fn: Function) -> Function:
    """A branch result equal on both sides, or a loop variable the loop never changes,
    is just that value: ``phi(a, a) = a``; a loop variable with ``next = itself`` keeps its
    initial value."""
    rename: dict[str, Value] = {}
    body = _joins_block(fn.body, rename)
    return replace(fn, body=body, result=_rename_result(fn.result, rename))


def _joins_block(stmts, rename: dict) -> tuple:
    out = []
    for s in stmts:
        s = _folded(_renamed(s, rename))
        if isinstance(s, If):
            s = _renamed(map_blocks(s, lambda b: _joins_block(b, rename)), rename)
            keep = []
            for k, o in enumerate(s.outs):
                if s.then_values[k] == s.else_values[k]:
                    rename[o.name] = s.then_values[k]
                else:
                    keep.append(k)
            s = replace(s, outs=tuple(s.outs[k] for k in keep),
                        then_values=tuple(s.then_values[k] for k in keep),
                        else_values=tuple(s.else_values[k] for k in keep))
        elif isinstance(s, Loop):
            same = _aliases_of(s.body)
            invariant = [k for k, (c, n) in enumerate(zip(s.carried, s.nexts))
                         if c == n or isinstance(n, Var) and same.get(n.name) == c]
            for k in invariant:
                rename[s.carried[k].name] = s.inits[k]
                rename[s.outs[k].name] = s.inits[k]
            keep = [k for k in range(len(s.carried)) if k not in invariant]
            s = replace(s, carried=tuple(s.carried[k] for k in keep),
                        inits=tuple(s.inits[k] for k in keep),
                        nexts=tuple(s.nexts[k] for k in keep),
                        outs=tuple(s.outs[k] for k in keep))
            s = _renamed(map_blocks(s, lambda b: _joins_block(b, rename)), rename)
        out.append(s)
    return tuple(out)


def _folded(s):
    """An elementwise node that now reads a number (a loop variable that never changes,
    renamed to its initial value) with the number written into its expression."""
    if not (isinstance(s, Node) and s.op == "ew" and any(isinstance(a, Const) for a in s.args)):
        return s
    expr, args = ew_normalize(s.param("expr"), s.args)
    if args == s.args or not args or expr.is_Symbol:   # x itself: a copy of it is no fold
        return s
    return replace(s.with_params(expr=expr), args=args)


def _aliases_of(body) -> dict[str, Value]:
    """Name -> the value a node of ``body`` binds it to unchanged (``dloss_1 = dloss``):
    a loop variable whose next value is such a copy of itself never changes."""
    return {s.out.name: s.args[0] for s in body if isinstance(s, Node) and s.op == "alias"}


def accumulate_in_place(fn: Function) -> Function:
    """``acc + scatter(g at idx) + ...`` is ``acc`` with each g added at its idx: the zeros
    arrays and the sums disappear (the scatter of a lone contribution stays as it is)."""
    from ..ir import NameSupply, uses
    names = NameSupply(fn.names())
    return replace(fn, body=_accumulate_block(fn.body, uses(fn), names))


def _accumulate_block(stmts, count: dict, names) -> tuple:
    out: list = []
    where: dict[str, int] = {}
    for s in stmts:
        if isinstance(s, (If, Loop)):
            s = map_blocks(s, lambda b: _accumulate_block(b, count, names))
        elif s.op == "ew" and len(s.args) >= 2 and s.param("expr") == _sum_of(len(s.args)):
            scatters = [a for a in s.args if isinstance(a, Var) and a.name in where
                        and count.get(a.name) == 1]
            others = [a for a in s.args if a not in scatters]
            if scatters and all(isinstance(a, Var) for a in others):
                out.extend(_add_at_chain(s, scatters, others, out, where, names))
                continue
        if isinstance(s, Node) and s.op in ("scatter", "scatter_add"):
            where[s.out.name] = len(out)
        out.append(s)
    return tuple(x for x in out if x is not None)


def _add_at_chain(s: Node, scatters, others, out: list, where: dict, names) -> list:
    """The statements replacing ``s``: a base (the other terms, or the first scatter), then
    one ``add_at`` per remaining scatter, the last one named as ``s``."""
    made = []
    if len(others) > 1:
        base = names.fresh(s.out.name + "_sum")
        made.append(replace(s, out=base, args=tuple(others),
                            params=tuple(sorted({**dict(s.params),
                                                 "expr": _sum_of(len(others))}.items()))))
    elif others:
        base = others[0]
    else:
        base, scatters = scatters[0], scatters[1:]
    for k, src in enumerate(scatters):
        scatter = out[where[src.name]]
        out[where[src.name]] = None
        g, _, *index = scatter.args
        target = s.out if k == len(scatters) - 1 else names.fresh(s.out.name + "_part")
        made.append(replace(s, out=target, op="add_at", args=(base, g, *index),
                            params=(("advanced", scatter.op == "scatter_add"),
                                    ("index", scatter.param("index")))))
        base = target
    if not scatters:                                  # only one scatter: it is the sum
        made.append(replace(s, op="alias", args=(base,), params=()))
    return made


@lru_cache(maxsize=None)
def _sum_of(n: int):
    from ..ir import ew_symbols
    return sum(ew_symbols(n)[1:], ew_symbols(n)[0])


def temporary_aliases(fn: Function) -> Function:
    """``dtmp = dq`` for a temporary's gradient is just dq: read dq directly. Aliases of
    the user's own variables stay, so the backward still names every gradient the user
    would write by hand."""
    rename: dict[str, Value] = {}
    returned = _names(flatten(fn.result))
    body = _alias_block(fn.body, rename, returned)
    return replace(fn, body=body, result=_rename_result(fn.result, rename))


def _alias_block(stmts, rename: dict, returned: set) -> tuple:
    out = []
    for s in stmts:
        s = _folded(_renamed(s, rename))
        if isinstance(s, Node) and s.op == "alias" and s.temporary \
                and s.out.name not in returned and isinstance(s.args[0], (Var, Const)):
            rename[s.out.name] = s.args[0]
            continue
        if isinstance(s, (If, Loop)):
            s = _renamed(map_blocks(s, lambda b: _alias_block(b, rename, returned)), rename)
        out.append(s)
    return tuple(out)


def fold_into_sums(fn: Function, shapes: dict) -> Function:
    """A scalar contribution used once, ``t = -(da * k)``, is written into the gradient sum
    that takes it: ``dx = dx - da * k`` (one line and one temporary fewer per iteration).
    Only for scalars, where no array allocation is at stake."""
    from .fuse import MAX_FUSED, _substitute, expression_size
    from ..ir import uses
    count = uses(fn)

    def scalar(v) -> bool:
        return isinstance(v, Var) and shapes.get(v.name) == ()

    def block(stmts) -> tuple:
        out: list = []
        where: dict[str, int] = {}
        for s in stmts:
            if isinstance(s, (If, Loop)):
                s = map_blocks(s, block)
            elif s.op == "ew" and s.gradient_sum and scalar(s.out):
                changed, kept = True, set()   # kept: tried and left (the sum only grows)
                while changed:
                    changed = False
                    for i, a in enumerate(s.args):
                        at = where.get(a.name) if isinstance(a, Var) else None
                        if at is None or count.get(a.name) != 1 or not scalar(a) \
                                or a.name in kept:
                            continue
                        merged = _substitute(s, i, out[at])
                        kept.add(a.name)
                        if not merged.param("expr").free_symbols:
                            continue          # da - da: keep the parts, not an int 0
                        if expression_size(merged.param("expr")) > MAX_FUSED:
                            continue          # a long sum stays in lines of bounded size
                        s, out[at], changed = merged, None, True
                        break
            if isinstance(s, Node) and s.op == "ew" and s.derived:
                where[s.out.name] = len(out)
            out.append(s)
        return tuple(x for x in out if x is not None)
    return replace(fn, body=block(fn.body))



def implicit_broadcasts(fn: Function, shapes: dict) -> Function:
    """``g = broadcast_to(s, shape)`` read only where NumPy broadcasts ``s`` anyway (an
    elementwise node with another argument of that full shape, or the value written by a
    scatter) is ``s`` itself: ``dW = 2 * s * W`` instead of a broadcast view first."""
    targets = {s.out.name: s for s in walk(fn.body)
               if isinstance(s, Node) and s.op == "broadcast_to" and isinstance(s.args[1], Const)}
    if not targets:
        return fn
    blocked = _names(flatten(fn.result))
    wanted = {name: tuple(b.args[1].value) for name, b in targets.items()}
    kept = renamable(fn, wanted, blocked, shapes)
    rename = {name: b.args[0] for name, b in targets.items() if name in kept}
    if not rename:
        return fn
    return replace(fn, body=_rename_block(fn.body, rename))


def renamable(fn: Function, targets: dict, blocked: set, shapes: dict,
              same_shape: frozenset = frozenset()) -> set:
    """The broadcasts in ``targets`` (name -> full shape) every reader of which broadcasts
    the source anyway, counting as full-shaped only the arguments that stay so once the
    others are replaced by their sources (``2 * ones_spread * x_spread`` keeps one of the
    two). ``same_shape``: broadcasts that change nothing, full-shaped either way."""
    reads = [(s, i, a.name) for s in walk(fn.body) for i, a in enumerate(reads_here(s))
             if isinstance(a, Var) and a.name in targets]
    blocked = set(blocked)
    while True:
        kept = set(targets) - blocked
        shrunk = frozenset(kept - same_shape)
        bad = next((name for s, i, name in reads if name in kept and name not in same_shape
                    and not _broadcasts_anyway(s, i, targets[name], shapes, shrunk)), None)
        if bad is None:
            return kept
        blocked.add(bad)


def _broadcasts_anyway(s, i: int, shape: tuple, shapes: dict,
                       shrunk: frozenset = frozenset()) -> bool:
    if not isinstance(s, Node):
        return False
    if s.op in ("scatter", "scatter_add"):
        return i == 0                                   # out[idx] = g: g may be smaller
    if s.op == "add_at":
        return i == 1
    if s.op != "ew" or s.gradient_sum:                  # sums may be added in place
        return False
    return any(j != i and isinstance(a, Var) and a.name not in shrunk
               and shapes.get(a.name) == shape for j, a in enumerate(s.args))


def _rename_block(stmts, rename: dict) -> tuple:
    out = []
    for s in stmts:
        s = _renamed(s, rename)
        out.append(map_blocks(s, lambda b: _rename_block(b, rename)))
    return tuple(out)

PASSES = (dead_code, trivial_joins, temporary_aliases, common_subexpressions,
          accumulate_in_place)


def optimize(fn: Function, passes=PASSES, rounds: int = 8) -> Function:
    """Run the passes in order until nothing changes (at most ``rounds`` times)."""
    for _, _, after in optimize_steps(fn, passes, rounds):
        fn = after
    return fn


def optimize_steps(fn: Function, passes=PASSES, rounds: int = 8):
    """What ``optimize`` does, one pass at a time: ``(round, pass, function after it)``."""
    for round_ in range(rounds):
        before = fn
        for p in passes:
            fn = p(fn)
            yield round_, p, fn
        if fn == before:
            break


__all__ = ["optimize", "optimize_steps", "PASSES", "dead_code", "trivial_joins",
           "temporary_aliases", "common_subexpressions", "accumulate_in_place", "blocks",
           "reads_here"]
