"""The emitter: how the derivative stages (reverse, forward) and the rules write IR nodes.

An ``Emitter`` writes nodes at one source location with the hint and comment of the line
being differentiated, folds elementwise identities through ``Builder.ew``, and keeps the
static shape of everything it writes (``em.shape(v)``; None when not known), which lets
the rules choose ``dW = X.T @ dh`` over a shape-generic helper.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from . import masks
from ..errors import Loc
from ..ir import BACKWARD, TMP, Builder, Const, Node, Value, Var
from ..primitives.arrays import infer_shape


@dataclass
class Emitter:
    """Emits backward nodes at one forward node's location, tracking static shapes."""

    b: Builder
    shapes: dict[str, Any]
    loc: Loc | None = None
    hint: str = TMP
    note: str = ""
    alias: bool = False     # name a pass-through gradient (``dx = dq``) for readability
    origin: tuple | None = None   # (forward node, argument) whose gradient is being built
    producers: dict = field(default_factory=dict)   # forward name -> the node computing it
    in_loop: bool = False   # inside a loop body: forward arrays read here must be saved
    masks: dict = field(default_factory=dict)   # gradient or tangent -> where it may be
                                                # non-zero (symdiff.masks)
    mask: tuple | None = None   # the mask of the upstream gradient of the node at hand
    role: str = BACKWARD    # the role of every node written (ir.ROLES): backward or tangent
    gradient_sum: bool = False   # the nodes written now sum the contributions to a gradient
    written: dict = field(default_factory=dict)   # what a rule wrote once for all of a
                                                  # node's arguments (custom_vjp)
    floats: frozenset = frozenset()   # forward names known to hold floats (differentiated
                                      # arguments, tangents, the seed)
    links: dict = field(default_factory=dict)    # loop and branch values (float_checks)
    float_checks: dict = field(default_factory=dict)   # arrays the code checks for floats

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
        self._mark()
        self._infer(self.b.body[-1])
        return out

    def _mark(self) -> None:
        """The facts of the node just written: its role, origin and whether it sums."""
        self.b.body[-1] = replace(self.b.body[-1], origin=self.origin, role=self.role,
                                  gradient_sum=self.gradient_sum)

    def _infer(self, n: Node) -> None:
        values = [a.value if isinstance(a, Const) else None for a in n.args]
        self.set_shape(n.out, infer_shape(n, [self.shape(a) for a in n.args], values))

    def out(self, op, args, **params) -> Var:
        return self._emit(op, args, self.hint, **params)

    def tmp(self, op, args, **params) -> Var:
        return self._emit(op, args, TMP, **params)

    def _ew(self, expr, args, hint, lib) -> Value:
        before = len(self.b.body)
        v = self.b.ew(expr, args, hint, self.loc, lib or "", self.note)
        if len(self.b.body) > before:
            self._mark()
            self._infer(self.b.body[-1])
        return v

    def ew_out(self, expr, args, lib: str = "") -> Value:
        before = len(self.b.body)
        v = self._ew(expr, args, self.hint, lib)
        if self.alias and isinstance(v, Var) and len(self.b.body) == before:   # passed on
            alias = self.out("alias", [v])
            if self._of_temporary():       # the gradient of a made-up value is made up too
                self.b.body[-1] = replace(self.b.body[-1], temporary=True)
            self.set_shape(alias, self.shape(v))
            return alias
        return v

    def _of_temporary(self) -> bool:
        """Whether the gradient being built is that of a temporary of the forward graph."""
        if self.origin is None:
            return False
        forward, i = self.origin
        arg = forward.args[i]
        producer = self.producers.get(arg.name) if isinstance(arg, Var) else None
        return producer is not None and producer.temporary

    def ew_tmp(self, expr, args, lib: str = "") -> Value:
        return self._ew(expr, args, TMP, lib)

    def select(self, v: Value, hint: str | None = None) -> Value:
        """``v`` where ``self.mask`` holds, 0 elsewhere (symdiff.masks)."""
        return masks.select(self, v, self.mask, self.hint if hint is None else hint)


#: The most terms one generated sum adds; a longer sum is added chunk by chunk into a
#: running total, so that no line (and no SymPy expression) grows with the program.
SUM_CHUNK = 16


def add_all(em: Emitter, parts) -> Value:
    """The sum of ``parts`` (at least two), ``SUM_CHUNK`` terms at most per line."""
    parts = list(parts)
    total = em.ew_out(_sum_of_all, parts[:SUM_CHUNK])
    for k in range(SUM_CHUNK, len(parts), SUM_CHUNK - 1):
        total = em.ew_out(_sum_of_all, [total, *parts[k:k + SUM_CHUNK - 1]])
    return total


def _sum_of_all(*xs):
    return sum(xs[1:], xs[0])


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
