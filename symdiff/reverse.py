"""Stage 4, reverse: the chain rule on the graph, from the output back to the inputs.

Walks the forward nodes backwards. For every node whose output has a gradient, it asks
the rule table for each active argument's contribution, *upstream gradient x local
derivative*, and records it. A value used in several places (a branch) receives the
sum of the contributions coming back. The gradient of the output with respect to itself
is 1.

    >>> grad_fn = reverse(fn, wrt=(0, 1), shapes={})   # forward + backward in one Function
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from . import rules
from .errors import Loc, SymdiffError
from .ir import Builder, Const, Function, NameSupply, Node, Value, Var
from .rules.arrays import infer_shape


@dataclass
class Emitter:
    """Emits backward nodes at one forward node's location, tracking static shapes."""

    b: Builder
    shapes: dict[str, Any]
    loc: Loc | None = None
    hint: str = "tmp"
    note: str = ""
    alias: bool = False     # name a pass-through gradient (``dx = dq``) for readability

    def shape(self, v: Value):
        if isinstance(v, Const):
            return _const_shape(v.value)
        return self.shapes.get(v.name)

    def ndim(self, v: Value):
        s = self.shape(v)
        return None if s is None else len(s)

    def same_shape(self, a: Value, b: Value) -> bool:
        sa, sb = self.shape(a), self.shape(b)
        return sa is not None and sb is not None and tuple(sa) == tuple(sb)

    def set_shape(self, v: Value, shape) -> None:
        if isinstance(v, Var) and shape is not None:
            self.shapes[v.name] = tuple(shape)

    def _emit(self, op, args, hint, **params) -> Var:
        if op in FLOAT_FIRST and isinstance(args[0], Const) and _is_int(args[0].value):
            args = [Const(float(args[0].value)), *args[1:]]     # gradients are floats
        out = self.b.emit(op, args, hint, self.loc, self.note, **params)
        self._infer(self.b.body[-1])
        return out

    def _infer(self, n: Node) -> None:
        values = [a.value if isinstance(a, Const) else None for a in n.args]
        self.set_shape(n.out, infer_shape(n, [self.shape(a) for a in n.args], values))

    def out(self, op, args, **params) -> Var:
        return self._emit(op, args, self.hint, **params)

    def tmp(self, op, args, **params) -> Var:
        return self._emit(op, args, "tmp", **params)

    def _ew(self, expr, args, hint, lib) -> Value:
        before = len(self.b.body)
        v = self.b.ew(expr, args, hint, self.loc, lib or "", self.note)
        if len(self.b.body) > before:
            self._infer(self.b.body[-1])
        return v

    def ew_out(self, expr, args, lib: str = "") -> Value:
        v = self._ew(expr, args, self.hint, lib)
        if self.alias and isinstance(v, Var) and (not self.b.body or self.b.body[-1].out != v):
            alias = self.out("alias", [v])
            self.set_shape(alias, self.shape(v))
            return alias
        return v

    def ew_tmp(self, expr, args, lib: str = "") -> Value:
        return self._ew(expr, args, "tmp", lib)


#: Operations whose first argument is a gradient, which must be a float even if it is 1.
FLOAT_FIRST = {"broadcast_to", "reshape", "transpose", "unbroadcast", "expand_dims", "alias"}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _const_shape(value) -> tuple | None:
    import numpy as np
    if isinstance(value, (int, float)) or value is None:
        return ()
    try:
        return np.shape(value)
    except Exception:  # noqa: BLE001 - a tuple of mixed things has no array shape
        return None


def active_names(fn: Function, wrt: tuple[int, ...], table=rules) -> set[str]:
    """Values that depend on a differentiated argument through differentiable operations."""
    active = {fn.params[i].name for i in wrt}
    for n in fn.body:
        if table.differentiable(n) and any(isinstance(a, Var) and a.name in active for a in n.args):
            active.add(n.out.name)
    return active


def reverse(fn: Function, wrt: tuple[int, ...], shapes: dict[str, Any] | None = None,
            with_value: bool = False, tuple_out: bool = False, table=rules) -> Function:
    """Forward nodes, then backward nodes; returns the gradients (and the value).

    ``table`` provides ``vjp``, ``describe`` and ``differentiable``: the full rule table by
    default, a toy one in the engine's own tests.
    """
    if len(fn.result) != 1 or fn.returns_tuple:
        raise SymdiffError(f"`{fn.name}` returns a tuple; grad needs a single scalar output",
                           fn.loc, hint="return only the loss, e.g. `return loss`")
    shapes = dict(shapes or {})
    output = fn.result[0]
    out_shape = shapes.get(output.name) if isinstance(output, Var) else ()
    if out_shape not in (None, ()):
        raise SymdiffError(f"`{fn.name}` returns an array of shape {out_shape}; "
                           "grad needs a scalar output", fn.loc,
                           hint="reduce it to a scalar, e.g. return np.sum(...)")
    active = active_names(fn, wrt, table)
    names = NameSupply(fn.names() | {"np", "math"})
    b = Builder(names, list(fn.body))
    em = Emitter(b, shapes)
    contributions: dict[str, list[Value]] = {}
    expected = _expected_contributions(fn, active, table)
    if isinstance(output, Var) and output.name in active:
        contributions[output.name] = [Const(1)]

    for n in reversed(fn.body):
        if n.out.name not in contributions:
            continue
        g = _total(em, n.out, contributions.pop(n.out.name), n.loc)
        if g is None:
            continue
        for i, arg in enumerate(n.args):
            if not (isinstance(arg, Var) and arg.name in active):
                continue
            em.loc, em.note = n.loc, table.describe(n, i)
            em.hint = _grad_hint(arg, expected, contributions)
            em.alias = expected.get(arg.name, 0) <= 1
            part = table.vjp(em, g, n, i)
            if part is not None:
                contributions.setdefault(arg.name, []).append(part)

    grads = []
    for i in wrt:
        p = fn.params[i]
        total = _total(em, p, contributions.pop(p.name, []), fn.loc, param=True)
        grads.append(total)
    grads = tuple(Const(float(g.value)) if isinstance(g, Const) and _is_int(g.value)
                  else _returnable(em, g) for g in grads)
    several = tuple_out or len(grads) != 1
    if with_value:
        result: tuple = (output, grads if several else grads[0])
    else:
        result = grads
    return replace(fn, name=f"grad_{fn.name}", body=tuple(b.body), result=result,
                   returns_tuple=with_value or several)


def _expected_contributions(fn: Function, active: set[str], table) -> dict[str, int]:
    """How many nodes read each active value: more than one means a branch."""
    count: dict[str, int] = {}
    for n in fn.body:
        if n.out.name in active and table.differentiable(n):
            for a in n.args:
                if isinstance(a, Var) and a.name in active:
                    count[a.name] = count.get(a.name, 0) + 1
    return count


def _grad_hint(arg: Var, expected: dict[str, int], contributions: dict) -> str:
    if expected.get(arg.name, 0) <= 1:
        return "d" + arg.name
    return f"d{arg.name}_{len(contributions.get(arg.name, [])) + 1}"


def _total(em: Emitter, v: Var, parts: list[Value], loc, param: bool = False) -> Value | None:
    """The gradient of ``v``: its one contribution, or the sum of several (a branch)."""
    em.loc, em.hint = loc, "d" + v.name
    if not parts:
        if not param:
            return None
        em.note = "no dependence: the gradient is zero"
        return em.out("zeros_like", [v])
    if len(parts) == 1:
        return parts[0]
    em.note, em.alias = "branch: gradients add", False
    return em.ew_out(lambda *xs: sum(xs[1:], xs[0]), parts)


def _returnable(em: Emitter, g: Value) -> Value:
    """Broadcast views are read-only: hand the caller a fresh array."""
    producer = next((n for n in reversed(em.b.body) if n.out == g), None)
    if producer is not None and producer.op == "broadcast_to":
        em.note = "a writable copy of the broadcast gradient"
        return em.out("copy", [g])
    return g
