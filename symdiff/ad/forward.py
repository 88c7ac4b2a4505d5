"""Stage 4 (forward mode): tangents carried alongside the values, the chain rule forwards.

Every value ``v`` that depends on a differentiated argument gets a tangent ``v_dot``, its
directional derivative along the tangents given for the arguments. A node's tangent is
the sum, over its arguments, of *local derivative x argument tangent*: the same local
derivatives the reverse mode uses (SymPy for elementwise nodes), applied in the other
direction. Array operations that are linear in an argument (sum, indexing, reshape...)
apply themselves to its tangent; ``x @ y`` gives ``x_dot @ y + x @ y_dot``.

    q = x + y              q_dot = x_dot + y_dot
    f = q * z              f_dot = q_dot * z + q * z_dot

Branches and loops keep their shape: a branch computes the tangents of what it computes,
a loop carries the tangents of its variables. The transform applies to any IR function,
including a generated gradient: the tangent of a gradient is a Hessian-vector product.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import float_checks, masks
from .activity import active_names, refuse_steps
from .emit import Emitter
from .float_checks import known_floats
from ..ir import TANGENT, TMP, Builder, Const, Function, If, Loop, NameSupply, Node, Value, Var
from ..ir import nodes
from ..primitives.registry import LINEAR, primitive, refuse_not_yet
from ..primitives.tangents import linear_first


def jvp(fn: Function, wrt: tuple[int, ...], shapes: dict[str, Any] | None = None,
        tangent_names: tuple[str, ...] | None = None, name: str | None = None,
        with_value: bool = True) -> Function:
    """``fn`` with tangent parameters for ``wrt`` (named ``x_dot`` unless given); returns
    ``(value, tangent)`` (just the tangent without ``with_value``), shaped like fn's result."""
    names = NameSupply(fn.names() | {"np", "math"})
    tangent_names = tangent_names or tuple(fn.params[i].name + "_dot" for i in wrt)
    tangents: dict[str, Value] = {}
    params = []
    shapes = dict(shapes or {})
    for i, hint in zip(wrt, tangent_names):
        t = names.fresh(hint)                 # v_1 if f has a parameter v already
        tangents[fn.params[i].name] = t
        params.append(t)
        if fn.params[i].name in shapes:
            shapes[t.name] = shapes[fn.params[i].name]
    active = active_names(fn, {fn.params[i].name for i in wrt})
    refuse_steps(fn, active)
    em = Emitter(Builder(names, []), shapes, role=TANGENT,
                 producers={n.out.name: n for n in nodes(fn.body)},
                 floats=known_floats(fn, wrt), links=float_checks.links_of(fn.body))
    em.b.body = list(float_checks.insert(tuple(_block(em, fn.body, tangents, active)),
                                         fn.params, em.float_checks, names.fresh))
    tangent = _tangents_of(em, fn.result, tangents)
    if not fn.returns_tuple:
        value, tangent = fn.result[0], tangent[0]
    else:
        value = fn.result
    result = (value, tangent) if with_value else (tangent if fn.returns_tuple else (tangent,))
    return replace(fn, name=name or f"jvp_{fn.name}", params=fn.params + tuple(params),
                   body=tuple(em.b.body), result=result, defaults=(),   # vectors follow
                   returns_tuple=with_value or fn.returns_tuple,
                   tangents=fn.tangents + tuple((t.name, fn.params[i].name)
                                                for t, i in zip(params, wrt)))


def _tangents_of(em: Emitter, result: tuple, tangents: dict) -> tuple:
    return tuple(_tangents_of(em, r, tangents) if isinstance(r, tuple)
                 else _tangent_or_zero(em, r, tangents) for r in result)


# ---------------------------------------------------------------- blocks


def _block(em: Emitter, stmts, tangents: dict, active: set[str]) -> list:
    """The statements with the tangent nodes after each one; fills ``tangents``."""
    saved, em.b.body = em.b.body, []
    for s in stmts:
        if isinstance(s, Node):
            em.b.body.append(s)
            _node(em, s, tangents, active)
        elif isinstance(s, If):
            em.b.body.append(_if(em, s, tangents, active))
        else:
            _loop(em, s, tangents, active)
    body, em.b.body = em.b.body, saved
    return body


def _if(em: Emitter, s: If, tangents: dict, active: set[str]) -> If:
    wanted = [k for k, out in enumerate(s.outs) if out.name in active]
    branches = []
    for block, values in ((s.then, s.then_values), (s.orelse, s.else_values)):
        inner = dict(tangents)
        body = _block(em, block, inner, active)
        saved, em.b.body = em.b.body, body
        em.loc = s.loc
        ts = tuple(_tangent_or_zero(em, values[k], inner) for k in wanted)
        branches.append((tuple(em.b.body), ts))
        em.b.body = saved
        tangents.update(inner)     # a gradient's backward branch reads the forward branch's
    outs = []
    for k in wanted:
        out = em.b.names.fresh(s.outs[k].name + "_dot")
        em.set_shape(out, em.shape(s.outs[k]))
        tangents[s.outs[k].name] = out
        outs.append(out)
    (then, then_ts), (orelse, else_ts) = branches
    return replace(s, then=then, orelse=orelse, outs=s.outs + tuple(outs),
                   then_values=s.then_values + then_ts, else_values=s.else_values + else_ts)


def _loop(em: Emitter, s: Loop, tangents: dict, active: set[str]) -> None:
    wanted = [k for k, c in enumerate(s.carried) if c.name in active]
    em.loc = s.loc
    inits = tuple(_tangent_or_zero(em, s.inits[k], tangents) for k in wanted)
    inner = dict(tangents)
    carried, carried_names = [], {c.name for c in s.carried}
    for k in wanted:
        t = em.b.names.fresh(s.carried[k].name + "_dot")
        em.set_shape(t, em.shape(s.carried[k]))
        inner[s.carried[k].name] = t
        carried.append(t)
    cond_body = _block(em, s.cond_body, inner, active)
    body = _block(em, s.body, inner, active)
    saved, em.b.body = em.b.body, body
    em.loc = s.loc
    nexts = tuple(_tangent_or_zero(em, s.nexts[k], inner) for k in wanted)
    body, em.b.body = em.b.body, saved
    tangents.update((k, v) for k, v in inner.items() if k not in carried_names)
    outs = []
    for k in wanted:
        out = em.b.names.fresh(s.outs[k].name + "_dot")
        em.set_shape(out, em.shape(s.outs[k]))
        tangents[s.outs[k].name] = out
        outs.append(out)
    em.b.body.append(replace(s, carried=s.carried + tuple(carried), inits=s.inits + inits,
                             cond_body=tuple(cond_body), body=tuple(body),
                             nexts=s.nexts + nexts, outs=s.outs + tuple(outs)))


def _tangent_or_zero(em: Emitter, v: Value, tangents: dict) -> Value:
    """The tangent of ``v``, or a zero of its shape when it has none."""
    if isinstance(v, Var) and v.name in tangents:
        return tangents[v.name]
    shape = em.shape(v)
    if not isinstance(v, Var) or shape == ():
        return Const(0.0)
    em.hint, em.note = v.name + "_dot", "constant: its tangent is zero"
    return em.out("zeros_like", [v], known=shape is not None)


# ---------------------------------------------------------------- nodes


def _node(em: Emitter, n: Node, tangents: dict, active: set[str]) -> None:
    entry = primitive(n.op)
    filled = entry.fills_argument                         # a push fills its tape
    watched = n.args[filled] if filled is not None else n.out
    if watched.name not in active:
        return
    ts = [tangents.get(a.name) if isinstance(a, Var) else None for a in n.args]
    em.loc, em.hint, em.alias = n.loc, n.out.name + "_dot", False
    em.note = f"tangent of {n.out.name}"
    mask = masks.tangent_mask(em, n, ts)
    select = mask is not None and any(masks.needs_select(n, i)
                                      for i, t in enumerate(ts) if t is not None)
    if select:
        em.hint = TMP
    rule = linear_first if entry.jvp is LINEAR else entry.jvp
    if not callable(rule):
        raise refuse_not_yet(n, "tangent")
    t = rule(em, n, ts)
    if t is not None and select:
        t = masks.select(em, t, mask, n.out.name + "_dot")
    if isinstance(t, Var) and mask is not None:
        em.masks[t.name] = mask
    if t is not None:
        tangents[n.out.name] = t


__all__ = ["jvp", "active_names"]
