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

import math
from dataclasses import replace
from typing import Any

import sympy

from . import masks
from .activity import active_names, refuse_steps
from .emit import Emitter, add_all
from ..ir import (TANGENT, TMP, Builder, Const, Function, If, Loop, NameSupply, Node, Value, Var,
                 ew_symbols)
from ..primitives import elementwise as E

#: Operations linear in their first argument; the others are indices or shapes.
LINEAR_FIRST = {"sum", "mean", "transpose", "reshape", "expand_dims", "squeeze", "getitem",
                "broadcast_to", "unbroadcast", "alias", "copy", "linspace_vjp"}


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
    em = Emitter(Builder(names, []), shapes, role=TANGENT)
    em.b.body = _block(em, fn.body, tangents, active)
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


def _norm_vjp(em, n: Node, ts):
    """The gradient of a norm of order 1, -1, inf or -inf is g times a sign and tie pattern
    that is constant away from the kinks: linear in g. Vectors' p-norms and 'fro' depend on
    x and the norm too (the helper norm_vjp_jvp)."""
    if n.param("ord") not in (1, -1, math.inf, -math.inf):
        tangents = [t if t is not None else Const(None) for t in ts]
        return em.out("norm_vjp_jvp", [*tangents, *n.args], **dict(n.params))
    if ts[0] is None:
        return None
    return em.out("norm_vjp", [ts[0], *n.args[1:]], **dict(n.params))


def _node(em: Emitter, n: Node, tangents: dict, active: set[str]) -> None:
    watched = n.args[0] if n.op == "push" else n.out     # a push fills its tape
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
    if n.op == "tape":
        t = em.out("tape", list(n.args), **dict(n.params))
    elif n.op == "push":
        t = em.out("push", [tangents[n.args[0].name], ts[1], *n.args[2:]])
    elif n.op == "pop":
        t = em.out("pop", [tangents[n.args[0].name], *n.args[1:]], **dict(n.params))
    elif n.op == "ew":
        t = _ew(em, n, ts)
    elif n.op in LINEAR_FIRST or n.op == "cast":
        t = em.out(n.op, [ts[0], *n.args[1:]], **dict(n.params)) if ts[0] is not None else None
    else:
        t = RULES[n.op](em, n, ts)
    if t is not None and select:
        t = masks.select(em, t, mask, n.out.name + "_dot")
    if isinstance(t, Var) and mask is not None:
        em.masks[t.name] = mask
    if t is not None:
        tangents[n.out.name] = t


def _ew(em: Emitter, n: Node, ts: list) -> Value | None:
    """sum_i (d out / d arg_i) * arg_i_dot, as one elementwise node."""
    k = len(n.args)
    symbols = ew_symbols(2 * k + 1)          # arguments, output, then the tangents
    out_symbol = symbols[k]
    expr, used = sympy.Integer(0), []
    for i, t in enumerate(ts):
        if t is None:
            continue
        local = E.local_derivative(n.param("expr"), i).xreplace({E.OUT: out_symbol})
        expr += local * symbols[k + 1 + i]
        used.append(n.args[i])
    if expr == 0:
        return None
    args = [*n.args, n.out, *[t if t is not None else Const(0.0) for t in ts]]
    before = len(em.b.body)
    t = em.ew_out(expr, args, lib=n.param("lib") or "")
    reads = set(em.b.body[-1].args) if len(em.b.body) > before else {t}
    primal = {t: a for a, t in zip(n.args, ts) if t is not None}
    reads |= {primal[r] for r in list(reads) if r in primal}
    if n.out in reads or all(a in reads for a in n.args if isinstance(a, Var)):
        return t                 # it reads something of the output's full shape
    return _broadcast_like(em, t, n.out)


def _broadcast_like(em: Emitter, t: Value, like: Var) -> Value:
    """A tangent stretched to the shape of its value (``w_dot`` of a scalar added to x)."""
    if em.shape(t) is not None and em.shape(t) == em.shape(like):
        return t
    shape = em.shape(like)
    if shape == ():
        return t
    size = Const(tuple(shape)) if shape is not None else em.tmp("shape", [like], style="np")
    em.note = "a scalar tangent spreads over the array"
    return em.out("broadcast_to", [t, size])


def _zeros(em: Emitter, v: Value) -> Value:
    shape = em.shape(v)
    if not isinstance(v, Var) or shape == ():
        return Const(0.0)
    return em.tmp("zeros_like", [v], known=shape is not None)


def _add(em: Emitter, parts: list) -> Value | None:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else add_all(em, parts)


def _bilinear(op: str, a: int, b: int):
    """``op`` linear in arguments ``a`` and ``b`` separately (x @ y): the product rule."""
    def rule(em, n: Node, ts):
        varied = [i for i in (a, b) if ts[i] is not None]
        terms = []
        for i in varied:
            args = list(n.args)
            args[i] = ts[i]
            emit = em.out if len(varied) == 1 else em.tmp
            terms.append(emit(op, args, **dict(n.params)))
        return _add(em, terms)
    return rule


def _all_linear(em, n: Node, ts):
    """concatenate, stack: linear in every argument together."""
    args = [t if t is not None else _zeros(em, a) for a, t in zip(n.args, ts)]
    return em.out(n.op, args, **dict(n.params))


def _where(em, n: Node, ts):
    cond, a, b = n.args
    t = em.out("where", [cond, ts[1] if ts[1] is not None else Const(0.0),
                         ts[2] if ts[2] is not None else Const(0.0)])
    return _broadcast_like(em, t, n.out)


def _extremum(em, n: Node, ts):
    """max routes: the tangent of the max is the tangent of the elements equal to it,
    averaged over ties (the same split the reverse mode uses)."""
    from ..primitives.arrays import _expand_back
    x = n.args[0]
    oute = _expand_back(em, n.out, n)
    mask = em.tmp("compare", [x, oute], symbol="==")
    ties = em.tmp("sum", [mask], axis=n.param("axis"), keepdims=n.param("keepdims"))
    picked = em.ew_tmp(lambda m, t: m * t, [mask, ts[0]])
    total = em.tmp("sum", [picked], axis=n.param("axis"), keepdims=n.param("keepdims"))
    return em.ew_out(lambda s, c: s / c, [total, ties])


def _fill(em, n: Node, ts):
    """np.full(shape, a): linear in a."""
    return em.out("fill", [n.args[0], ts[1]], **dict(n.params)) if ts[1] is not None else None


def _linspace(em, n: Node, ts):
    """np.linspace(a, b, num): linear in a and b together."""
    ends = [t if t is not None else Const(0.0) for t in ts[:2]]
    return em.out("linspace", [*ends, n.args[2]], **dict(n.params))


def _setitem(em, n: Node, ts):
    """y = x with y[idx] = v: y_dot = x_dot with y_dot[idx] = v_dot."""
    base = ts[0] if ts[0] is not None else _zeros(em, n.args[0])
    value = ts[1] if ts[1] is not None else Const(0.0)
    return em.out("setitem", [base, value, *n.args[2:]], **dict(n.params))


def _add_at(em, n: Node, ts):
    """y = x with g added at idx: linear in x and g."""
    if ts[1] is None:
        return ts[0]
    base = ts[0] if ts[0] is not None else _zeros(em, n.args[0])
    return em.out("add_at", [base, ts[1], *n.args[2:]], **dict(n.params))


def _scatter(em, n: Node, ts):
    """zeros like x with g written (or added) at idx: linear in g."""
    if ts[0] is None:
        return None
    return em.out(n.op, [ts[0], *n.args[1:]], **dict(n.params))


RULES = {
    "matmul": _bilinear("matmul", 0, 1), "outer": _bilinear("outer", 0, 1),
    "matmul_vjp_left": _bilinear("matmul_vjp_left", 0, 2),
    "matmul_vjp_right": _bilinear("matmul_vjp_right", 0, 1),
    "fill": _fill, "linspace": _linspace,
    "norm": lambda em, n, ts: em.out("norm_jvp", [ts[0], n.args[0], n.out], **dict(n.params)),
    "norm_vjp": _norm_vjp,
    "dot_vjp_left": _bilinear("dot_vjp_left", 0, 2),
    "dot_vjp_right": _bilinear("dot_vjp_right", 0, 1),
    "concatenate": _all_linear, "stack": _all_linear, "where": _where,
    "amax": _extremum, "amin": _extremum, "setitem": _setitem, "add_at": _add_at,
    "scatter": _scatter, "scatter_add": _scatter,
}


__all__ = ["jvp", "active_names"]
