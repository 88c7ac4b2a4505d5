"""Shapes without sizes: what the program itself says about how its values' shapes relate.

Without argument shapes the rules write shape-generic code: ``unbroadcast(g, x)`` to undo
a broadcast, ``np.broadcast_to(g, np.shape(x))`` to spread a sum's gradient, the count of
a mean from ``np.size``. Yet most of it follows from the program alone: ``W2 ** 2`` has
W2's shape, so the gradient ``2 * dsq * W2`` needs no unbroadcast to W2; ``shifted =
scores - np.max(scores, axis=1, keepdims=True)`` has the shape of scores, and the
gradient of the max term is ``np.sum(g, axis=1, keepdims=True)``. A value's shape here is

    a tuple            known outright (a scalar is ``()``);
    Like(x, ones)      the shape of the value ``x``, whatever it is, with the axes in
                       ``ones`` of size 1 (what a ``keepdims`` reduction of x leaves);
    Joined(parts)      the shape broadcasting gives to several such (``y * np.log(p)``),
                       named after the first value that has it: ``Like(y_times_log_p)``;
    None               unknown.

Every value bound once is at least ``Like(itself)``. ``simplify_broadcasts`` rewrites
with these facts; an ``unbroadcast`` it cannot decide stays, and its comment says why.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..ir import (TMP, Const, Function, If, Loop, Node, NameSupply, Var, bound_here, bound_inside,
                  ew_normalize, ew_symbols, flatten, free_symbols, map_blocks,
                  rename_reads, uses, walk)
from ..primitives.registry import primitive
from .passes import renamable
from .gathers import row_sums_of_gathers


@dataclass(frozen=True)
class Like:
    """The shape of the value called ``base``, with the axes ``ones`` of size 1."""

    base: str
    ones: frozenset = frozenset()


@dataclass(frozen=True)
class Joined:
    """The shape NumPy broadcasting gives to the shapes ``parts`` (each a ``Like`` of its
    own base), whatever they are: ``y * np.log(p)`` and ``(1 - y) * np.log(1 - p)`` have
    one shape, though neither has y's or p's."""

    parts: frozenset


def broadcast(a, b):
    """The shape NumPy broadcasting gives to two shapes, or None when it cannot be told."""
    if a is None or b is None:
        return None
    if a == () or a == b:
        return b
    if b == ():
        return a
    if isinstance(a, tuple) and isinstance(b, tuple):
        try:
            return tuple(np.broadcast_shapes(a, b))
        except (ValueError, TypeError):
            return None
    if isinstance(a, tuple) or isinstance(b, tuple):
        return None
    parts: dict[str, Like] = {}
    for part in _parts(a) | _parts(b):
        seen = parts.get(part.base)
        if seen is not None:
            if not _one_side(seen.ones | part.ones):
                return None
            part = Like(part.base, seen.ones & part.ones)
        parts[part.base] = part
    if len(parts) == 1:
        return next(iter(parts.values()))
    return Joined(frozenset(parts.values()))


def _parts(shape) -> frozenset:
    return shape.parts if isinstance(shape, Joined) else frozenset((shape,))


def _one_side(axes) -> bool:
    """Axes all counted from the start or all from the end: comparable without the rank."""
    return all(a >= 0 for a in axes) or all(a < 0 for a in axes)


def symbolic_shapes(fn: Function, shapes: dict[str, Any]) -> tuple[dict, dict]:
    """``(shape of each name, the shape each shape-valued name holds)``; ``shapes`` are the
    static shapes already known (tuples), which win."""
    bound: dict[str, int] = {}
    for s in walk(fn.body):
        for v in bound_here(s) + bound_inside(s):
            bound[v.name] = bound.get(v.name, 0) + 1
    once = {name for name, k in bound.items() if k == 1} | {p.name for p in fn.params}
    shapes = {**{name: () for name in _proven_scalars(fn, bound)}, **shapes}
    out: dict[str, Any] = {}
    held: dict[str, Any] = {}
    joins: dict = {}                    # Joined -> Like(its first value); name -> Joined

    def known(name):
        given = shapes.get(name)
        if given is not None and name in once:
            return tuple(given)
        return Like(name) if name in once else None

    for p in fn.params:
        out[p.name] = known(p.name)

    def of(v):
        if isinstance(v, Const):
            return np.shape(v.value) if isinstance(v.value, (int, float)) else None
        return out.get(v.name)

    for s in walk(fn.body):
        if isinstance(s, Node):
            shape = _node_shape(s, of, held, known(s.out.name), joins)
            out[s.out.name] = _named(shape, s.out.name if s.out.name in once else None, joins)
        else:
            for v in bound_inside(s):
                out[v.name] = () if isinstance(s, Loop) and v == s.index else known(v.name)
            for v in bound_here(s):
                out[v.name] = known(v.name)
    for s in walk(fn.body):             # branch results after both sides are known
        if isinstance(s, If):
            for o, a, b in zip(s.outs, s.then_values, s.else_values):
                if of(a) is not None and of(a) == of(b) and o.name in once:
                    out[o.name] = of(a)
    return out, held


def _proven_scalars(fn: Function, bound: dict) -> set[str]:
    """The values the program proves scalars: a gradient's output is checked to be one
    before the backward runs, and an elementwise result is a scalar only when every
    argument is (``r_r / N + lam * w_w``: r_r, N, lam and w_w are)."""
    params = {p.name for p in fn.params}
    scalars = {s.args[0].name for s in fn.body if isinstance(s, Node) and s.op == "check_scalar"
               and isinstance(s.args[0], Var)}
    for s in reversed(fn.body):
        if not isinstance(s, Node) or s.out.name not in scalars or s.derived \
                or bound.get(s.out.name) != 1:
            continue
        entry = primitive(s.op)
        if entry.elementwise or entry.broadcasts:
            args = s.args
        elif entry.keeps_shape_of is not None:
            args = s.args[entry.keeps_shape_of:entry.keeps_shape_of + 1]
        else:
            continue
        scalars |= {a.name for a in args if isinstance(a, Var)
                    and bound.get(a.name, 0) + (a.name in params) == 1}
    return scalars


def _named(shape, name, joins: dict):
    """A broadcast of several values' shapes as the ``Like`` of the first value that has
    it (``name`` when it is the first and bound once; unknown when it is not)."""
    if not isinstance(shape, Joined):
        return shape
    if shape not in joins and name is not None:
        joins[shape], joins[name] = Like(name), shape
    return joins.get(shape)


def _expanded(shape, joins: dict):
    """``Like(x)`` as the broadcast it was named for, to broadcast it with others."""
    if isinstance(shape, Like) and not shape.ones and shape.base in joins:
        return joins[shape.base]
    return shape


def _node_shape(n: Node, of, held: dict, default, joins: dict):
    if isinstance(default, tuple):
        return default
    entry = primitive(n.op)
    if entry.gives_shape:
        held[n.out.name] = of(n.args[0])
        return default
    if entry.elementwise or entry.broadcasts:
        shape = ()
        for a in n.args:
            shape = broadcast(shape, of(a))
        if isinstance(shape, Joined):   # its parts may be broadcasts named before
            shape = ()
            for a in n.args:
                shape = broadcast(shape, _expanded(of(a), joins))
        return shape if shape is not None else default
    if entry.reduction:
        return _reduced(of(n.args[0]), n.param("axis"), n.param("keepdims")) or default
    if entry.keeps_shape_of is not None:
        return of(n.args[entry.keeps_shape_of]) or default
    if entry.shaped_by is not None:
        a = n.args[entry.shaped_by]
        holds_shape = entry.counts is None or a in entry.counts(n)   # not np.full_like's x
        if isinstance(a, Var) and holds_shape and held.get(a.name) is not None:
            return held[a.name]
    return default


def _reduced(x, axis, keepdims):
    if axis is None:
        return None if keepdims else ()
    if not keepdims or not isinstance(x, Like):
        return None
    axes = frozenset(axis if isinstance(axis, tuple) else (axis,))
    return Like(x.base, x.ones | axes) if _one_side(x.ones | axes) else None


# ---------------------------------------------------------------- rewriting with them


def simplify_broadcasts(fn: Function, shapes: dict) -> Function:
    """Undo and spread broadcasts the way a person would, from the facts above:

    unbroadcast(g, x), g shaped like x            ->  g
    unbroadcast(g, x), x a scalar                 ->  np.sum(g)
    unbroadcast(g, x), x a keepdims reduction     ->  np.sum(g, axis=a, keepdims=True)
    broadcast_to(s, shape(x)) * y, y shaped like x ->  s * y        (NumPy broadcasts s)
    size(x), x a scalar                           ->  1
    dot_vjp_left(g, x, y), np.dot(x, y) a scalar  ->  g * y     (x, y vectors or scalars)
    shape(x), size(x), x shaped like y            ->  shape(y), size(y)  (y the first such)
    broadcast_to(s, S) / c, c a scalar            ->  np.full(S, s / c)   (s a scalar)
                                                  or  broadcast_to(s / c, S)
    broadcast_to(expand_dims(broadcast_to(s)), S) ->  broadcast_to(s, S)   (s a scalar)

    and folds the numbers a renaming leaves in an elementwise node (``2 * 1.0 * x``).
    """
    fn = row_sums_of_gathers(fn, shapes)     # (and the row sum of a label gather's gradient)
    sym, held = symbolic_shapes(fn, shapes)
    count = uses(fn)
    rename: dict = {}
    producers = {s.out.name: s for s in walk(fn.body) if isinstance(s, Node)}
    spreads = _implicit_spreads(fn, sym, held, producers)
    names = NameSupply(fn.names() | {s.origin[0].out.name for s in walk(fn.body)   # notes
                                     if isinstance(s, Node) and s.origin is not None})
    readable, earliest = _earliest_of_shapes(fn, sym)
    params = frozenset(p.name for p in fn.params)

    def of(v):
        if isinstance(v, Const):
            return np.shape(v.value) if isinstance(v.value, (int, float)) else None
        return sym.get(v.name)

    def block(stmts, top: bool = False) -> tuple:
        out = []
        for s in stmts:
            s = rename_reads(s, rename)
            if isinstance(s, (If, Loop)):
                out.append(rename_reads(map_blocks(s, block), rename))
                continue
            if s.out.name in spreads:
                rename[s.out.name] = s.args[0]
                continue
            s = _shape_read_from(s, of, earliest)
            out.extend(_rewrite(s, of, held, producers, count, names, rename, params))
            if top and out and out[-1].out == s.out and s.out.name in readable:
                earliest.setdefault(sym[s.out.name], s.out.name)
        return tuple(out)

    body = block(fn.body, top=True)
    result = tuple(_sub_result(item, rename) for item in fn.result)
    return replace(fn, body=body, result=result)


def _sub_result(item, rename):
    if isinstance(item, tuple):
        return tuple(_sub_result(x, rename) for x in item)
    return rename.get(item.name, item) if isinstance(item, Var) else item


def _rewrite(n: Node, of, held, producers, count, names, rename, params=frozenset()) -> list:
    entry = primitive(n.op)
    if n.op == "unbroadcast":
        made = _unbroadcast(n, of)
        if made.op == "alias" and _gradient_of_made_up(n.out.name, producers, params):
            made = replace(made, temporary=True)     # a copy no reader needs: it goes
        return [made]
    if n.op in DOT_VJPS and _scalar_dot(n, of, producers):
        g, x, y = n.args
        a, b = ew_symbols(2)
        return [replace(n, op="ew", args=(g, y if n.op == DOT_VJPS[0] else x),
                        params=(("expr", a * b), ("lib", "")))]
    if n.op == "size" and of(n.args[0]) == ():
        rename[n.out.name] = Const(1)
        return []
    if n.op == "broadcast_to":
        scalar = _uniform(n.args[0], producers, of)
        if scalar is not None and scalar != n.args[0]:
            return [replace(n, args=(scalar, *n.args[1:]))]
    if entry.elementwise:
        n = _folded(n)
        if n.op != "ew":
            return [n]
        filled = _filled(n, of, producers, count, names)
        if filled:
            return filled
    return [n]


def _earliest_of_shapes(fn: Function, sym: dict) -> tuple[set, dict]:
    """``(the names a shape may be read from, the first of them for each shape)``: names
    bound once with a symbolic shape; the parameters come first, then the top level in
    order, added as the rewriting passes them."""
    bound = {p.name: 1 for p in fn.params}
    for s in walk(fn.body):
        for v in bound_here(s) + bound_inside(s):
            bound[v.name] = bound.get(v.name, 0) + 1
    names = {name for name, shape in sym.items() if bound.get(name) == 1
             and (isinstance(shape, Joined) or isinstance(shape, Like) and not shape.ones)}
    first: dict = {}
    for p in fn.params:
        if p.name in names:
            first.setdefault(sym[p.name], p.name)
    return names, first


#: The gradients of ``np.dot(x, y)`` with respect to x and to y, for any ranks.
DOT_VJPS = ("dot_vjp_left", "dot_vjp_right")


def _scalar_dot(n: Node, of, producers) -> bool:
    """Whether the ``np.dot(x, y)`` whose gradient n is gives a scalar: then x and y are
    both vectors or both scalars, and the gradients are ``g * y`` and ``g * x``."""
    g, x, y = n.args
    return of(g) == () and any(made.op in ("dot", "matmul") and made.args == (x, y)
                               and of(made.out) == ()
                               for made in producers.values() if not made.derived)


def _gradient_of_made_up(name: str, producers: dict, params) -> bool:
    """Whether ``name`` is the gradient (``d<t>``, or a part ``d<t>_2``) of a value the
    compiler made up: no user wrote its name, so a copy of it need not be kept."""
    if not name.startswith("d"):
        return False
    base = name[1:]
    if base in params:                        # a user's argument called tmp_3: dtmp_3
        return False
    if base not in producers:                 # a part: d<t>_2
        base = base.rsplit("_", 1)[0]
    made = producers.get(base)
    return made is not None and made.temporary and not made.derived


def _shape_read_from(n: Node, of, first: dict) -> Node:
    """A derived read of a shape alone (``np.shape(x)``, ``np.size(x)``: the value follows
    from the shape) asks the first value bound before it with x's shape: ``np.size(r)``,
    not ``np.size(small_where)``, so the forward need not keep x."""
    entry = primitive(n.op)
    if not (n.derived and entry.shape_only and entry.known_value is not None and n.args):
        return n
    x = n.args[0]
    if not isinstance(x, Var):
        return n
    like = first.get(of(x))
    if like is not None and like != x.name:
        return replace(n, args=(Var(like), *n.args[1:]))
    return n


def _unbroadcast(n: Node, of) -> Node:
    g, x = n.args
    gs, xs = of(g), of(x)
    if gs is not None and gs == xs:
        return replace(n, op="alias", args=(g,), params=())
    if xs == ():
        return replace(n, op="sum", args=(g,), params=(("axis", None), ("keepdims", False)))
    if isinstance(gs, Like) and isinstance(xs, Like) and gs.base == xs.base \
            and gs.ones <= xs.ones and _one_side(xs.ones):
        axes = tuple(sorted(xs.ones - gs.ones))
        return replace(n, op="sum", args=(g,),
                       params=(("axis", axes if len(axes) > 1 else axes[0]), ("keepdims", True)))
    name = x.name if isinstance(x, Var) else "x"
    why = f"rank of {name} unknown: the helper sums the broadcast axes"
    return n if why in n.note else replace(n, note=f"{n.note}  ({why})".strip())


def _folded(n: Node) -> Node:
    """An elementwise node with numbers among its arguments, the numbers folded in."""
    if not any(isinstance(a, Const) and a.name is None for a in n.args):
        return n
    expr, args = ew_normalize(n.param("expr"), n.args)
    if not free_symbols(expr):
        return n                     # a constant of some shape: leave it to the rules
    if expr == ew_symbols(1)[0]:
        return replace(n, op="alias", args=args, params=())
    return replace(n.with_params(expr=expr), args=args)


def _uniform(v, producers, of, depth: int = 8):
    """The scalar every element of v equals, when v only spreads one (``broadcast_to(s)``,
    then ``expand_dims``): None otherwise."""
    if of(v) == ():
        return v
    made = producers.get(v.name) if isinstance(v, Var) else None
    if made is None or depth == 0 or made.op not in ("broadcast_to", "expand_dims", "alias"):
        return None
    return _uniform(made.args[0], producers, of, depth - 1)


def _filled(n: Node, of, producers, count, names) -> list | None:
    """``broadcast_to(s, S) / c`` with c a scalar: ``np.full(S, s / c)`` for a scalar s,
    else ``np.broadcast_to(s / c, S)``: the arithmetic on the small array."""
    spread = [i for i, a in enumerate(n.args) if isinstance(a, Var) and a.name in producers
              and producers[a.name].op == "broadcast_to" and count.get(a.name) == 1]
    if len(spread) != 1 or n.gradient_sum:
        return None
    b = producers[n.args[spread[0]].name]
    s, target = b.args
    if any(of(a) != () for k, a in enumerate(n.args) if k != spread[0]):
        return None
    scalar = names.fresh(TMP)
    inner = replace(n, out=scalar, args=tuple(s if k == spread[0] else a
                                               for k, a in enumerate(n.args)), temporary=True)
    if of(s) != ():
        return [inner, replace(n, op="broadcast_to", args=(scalar, target), params=())]
    fill = replace(n, op="fill", args=(target, scalar), params=(("dtype", None), ("fn", "full")))
    return [inner, fill]


def _implicit_spreads(fn: Function, sym, held, producers) -> set[str]:
    """The ``broadcast_to(s, shape(x))`` every reader of which broadcasts s anyway: an
    elementwise node with another argument shaped like x (or the broadcast is a no-op)."""
    targets = {}
    for s in walk(fn.body):
        if isinstance(s, Node) and s.op == "broadcast_to" and isinstance(s.args[1], Var):
            shape = held.get(s.args[1].name)
            if shape is not None:
                targets[s.out.name] = (s, shape)
    if not targets:
        return set()
    blocked = {v.name for v in flatten(fn.result) if isinstance(v, Var)}
    same = frozenset(name for name, (b, shape) in targets.items()
                     if sym.get(b.args[0].name if isinstance(b.args[0], Var) else "") == shape)
    full = {name: shape for name, (_, shape) in targets.items()}
    return renamable(fn, full, blocked, sym, same)     # the same test, sym shapes


__all__ = ["Like", "Joined", "broadcast", "symbolic_shapes", "simplify_broadcasts"]
