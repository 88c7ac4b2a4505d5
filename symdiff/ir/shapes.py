"""Static shapes: what the compiler knows about every value once argument shapes are known.

Shapes specialize the generated code: ``db1 = np.sum(dh, axis=0)`` instead of a generic
``unbroadcast(dh, b1)``, ``dW = X.T @ dz`` instead of a rank-generic helper. A value whose
shape cannot be known statically (it depends on data) maps to None, and the rules then
emit the shape-generic form, so specialization is always safe.

    >>> infer_shapes(fn, {"W": (3, 4), "x": (4,)})
    {'W': (3, 4), 'x': (4,), 'z': (3,), ...}
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SymdiffError
from . import Const, Function, If, Loop, Node, Var, nodes, walk
from .names import MASKS
from ..primitives.arrays import infer_shape
from ..primitives.registry import primitive


def infer_shapes(fn: Function, arg_shapes: dict[str, Any], scalar_output: bool = True,
                 rule=None) -> dict[str, Any]:
    """Shape of every name in ``fn``; integers that are known (``N = X.shape[0]``) are folded.

    With ``scalar_output`` (gradients need one), the output is a scalar, and so are the
    arguments of any elementwise node whose result is a scalar: facts that flow backwards
    and let the generic code skip undoing broadcasts that cannot have happened.
    ``rule(node, arg_shapes, arg_values)`` replaces ``node_shape`` (to know more primitives).
    """
    rule = rule or node_shape
    shapes: dict[str, Any] = {k: tuple(v) for k, v in arg_shapes.items() if v is not None}
    _forward(fn, shapes, rule)
    if scalar_output and len(fn.result) == 1 and isinstance(fn.result[0], Var):
        out = fn.result[0].name
        if shapes.get(out) is None and _scalars_backward(fn, shapes, out):
            _forward(fn, shapes, rule)
    return shapes


def node_shape(n: Node, arg_shapes: list, arg_values: list):
    """The output shape of one node (None when not known statically): its primitive's rule."""
    return infer_shape(n, arg_shapes, arg_values)


def _scalars_backward(fn: Function, shapes: dict[str, Any], out: str) -> bool:
    """Mark the scalar output, and what must then be scalar too.

    The arguments of an elementwise node with a scalar result are scalars (broadcasting
    only grows shapes); so are the values flowing into a scalar branch result, and a loop
    variable whose final value is scalar (loop variables keep their shape across
    iterations, as JAX's loops also require).
    """
    shapes[out] = ()

    def mark(values):
        for v in values:
            if isinstance(v, Var) and v.name not in shapes:
                shapes[v.name] = ()

    for _ in range(4):
        before = len(shapes)
        for s in reversed(list(walk(fn.body))):
            if isinstance(s, Node) and shapes.get(s.out.name) == () and \
                    primitive(s.op).scalar_args:
                mark(s.args)
            elif isinstance(s, If):
                for k, o in enumerate(s.outs):
                    if shapes.get(o.name) == ():
                        mark((s.then_values[k], s.else_values[k]))
            elif isinstance(s, Loop):
                for k, o in enumerate(s.outs):
                    if shapes.get(o.name) == () or shapes.get(s.carried[k].name) == ():
                        # not the initial value: a loop may replace an array by a scalar
                        mark((o, s.carried[k], s.nexts[k]))
        if len(shapes) == before:
            break
    return True


def _forward(fn: Function, shapes: dict[str, Any], rule) -> None:
    _forward_block(fn.body, shapes, {}, rule)


def _forward_block(stmts, shapes: dict[str, Any], values: dict[str, Any], rule) -> None:
    def shape(a):
        if isinstance(a, Const):
            return np.shape(a.value) if not isinstance(a.value, tuple) and a.value is not None \
                else None
        return shapes.get(a.name)

    def value(a):
        if isinstance(a, Const):
            return a.value
        return values.get(a.name)

    for n in stmts:
        if isinstance(n, If):
            _truth_value(shape(n.cond), n.loc)
            _forward_block(n.then, shapes, values, rule)
            _forward_block(n.orelse, shapes, values, rule)
            for out, a, b in zip(n.outs, n.then_values, n.else_values):
                if shape(a) is not None and shape(a) == shape(b):
                    shapes[out.name] = shape(a)
            continue
        if isinstance(n, Loop):
            _forward_loop(n, shapes, values, shape, rule)
            continue
        arg_shapes_ = [shape(a) for a in n.args]
        entry = primitive(n.op)
        if entry.truth_test:
            _truth_value(arg_shapes_[0], n.loc)
        arg_values = [value(a) for a in n.args]
        out = n.out.name
        known = entry.known_value(n, arg_shapes_, arg_values) if entry.known_value else None
        if known is not None:
            values[out] = known
            if not isinstance(known, tuple):
                shapes[out] = np.shape(known)
            continue
        if _boolean(n, values.setdefault(MASKS, set())):
            values[MASKS].add(out)
            if entry.selects and out not in shapes:
                continue              # x[mask]: as many elements as the mask has True
        result = rule(n, arg_shapes_, arg_values)
        if result is not None:
            shapes[out] = tuple(result)




def masks_of(fn: Function) -> set:
    """The names in ``fn`` known to hold booleans (``x > 0``, ``m1 & m2``, ``x[m]``)."""
    masks: set = set()
    for n in nodes(fn.body):
        if _boolean(n, masks):
            masks.add(n.out.name)
    return masks
def _boolean(n: Node, masks: set) -> bool:
    """Whether ``n`` computes booleans, or indexes with them (a getitem by a mask): ``x > 0``,
    ``np.isnan(x)``, ``m1 & m2``, ``x.astype(bool)``, ``x[m]``."""
    def is_mask(v):
        return isinstance(v, Var) and v.name in masks
    rule = primitive(n.op).makes_mask
    return rule is not None and bool(rule(n, is_mask))


def _truth_value(shape, loc) -> None:
    """Python asks an array of several elements for one truth value (``if x:``, ``x or y``,
    ``not x``) only to raise: refuse it here, where the statement is known."""
    if shape is not None and int(np.prod(shape, dtype=int)) != 1:
        raise SymdiffError(f"an array of shape {tuple(shape)} is used as a single truth value "
                           "(`if`, `and`, `or`, `not`, `a if c else b`)", loc,
                           hint="use np.any(...) or np.all(...) for one answer, or "
                                "np.where(cond, a, b) / np.logical_or(a, b) elementwise")


def _forward_loop(n: Loop, shapes: dict, values: dict, shape, rule) -> None:
    """Carried values keep their shape across iterations, or their shape is unknown."""
    if n.index is not None:
        shapes[n.index.name] = ()
    guess = {c.name: shape(i) for c, i in zip(n.carried, n.inits)}
    unset = {c.name for c, i in zip(n.carried, n.inits) if isinstance(i, Const) and i.value is None}
    for _ in range(3):
        trial = dict(shapes)
        trial.update({k: v for k, v in guess.items() if v is not None})
        _forward_block(n.cond_body + n.body, trial, dict(values), rule)
        after = {c.name: (trial.get(x.name) if isinstance(x, Var) else shape(x))
                 for c, x in zip(n.carried, n.nexts)}
        if after == guess:
            shapes.update(trial)
            for c, out in zip(n.carried, n.outs):
                if guess[c.name] is not None:
                    shapes[out.name] = guess[c.name]
            return
        guess = {k: (after[k] if v is None and k in unset else v if v == after[k] else None)
                 for k, v in guess.items()}


__all__ = ["infer_shapes", "node_shape", "mark_items", "Var"]


def mark_items(fn: Function, shapes: dict[str, Any]) -> Function:
    """Mark ``getitem`` nodes known to pick a single number (``item=True``): their result
    is a copy, never a view, so the array may be written afterwards without copying it."""
    from dataclasses import replace

    def block(stmts) -> tuple:
        out = []
        for s in stmts:
            if isinstance(s, Node):
                if primitive(s.op).selects and shapes.get(s.out.name) == () \
                        and s.param("item") is None:
                    s = s.with_params(item=True)
            elif isinstance(s, If):
                s = replace(s, then=block(s.then), orelse=block(s.orelse))
            else:
                s = replace(s, cond_body=block(s.cond_body), body=block(s.body))
            out.append(s)
        return tuple(out)
    return replace(fn, body=block(fn.body))
