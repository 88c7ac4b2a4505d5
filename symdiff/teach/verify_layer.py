"""Layer classes: ``forward(self, x)`` and ``backward(self, dout)`` methods, checked like a
``*_forward`` / ``*_backward`` pair.

    >>> symdiff.check_backward(layer.forward, layer.backward, x)   # or (layer, None, x)

where ``layer`` is an object of the user's class (``Affine(W, b)``, say).

The forward method is read as a function of its inputs and of the layer's numeric
attributes (``self.W`` becomes a parameter ``W``); what it stores on ``self`` for the
backward (``self.x = x``) becomes a local variable. The backward's gradients are what it
returns (``dx``, or ``dx, dW, db``) and, for each attribute, what it leaves on the layer:
``self.dW``, ``self.grad_W``, ``self.W_grad``, or ``self.grads["W"]``. Every run works on
a copy of the layer, so the user's object is never changed.
"""
from __future__ import annotations

import ast
import copy
import inspect
from dataclasses import replace

import numpy as np

from ..errors import SymdiffError
from ..frontend.parse import source_of
from .verify import Check, _returned_names, gradient_base

#: Where a layer keeps the gradient of its attribute ``W`` after ``backward``.
GRADIENT_ATTRIBUTES = ("d{}", "grad_{}", "{}_grad", "d_{}")
GRADIENT_DICTS = ("grads", "grad", "gradients")


def layer_methods(forward, backward):
    """(forward method, backward method) for ``(layer, None)`` or two bound methods."""
    if backward is None and not inspect.ismethod(forward) and hasattr(forward, "forward") \
            and hasattr(forward, "backward"):
        return forward.forward, forward.backward
    if inspect.ismethod(forward) and inspect.ismethod(backward):
        if forward.__self__ is not backward.__self__:
            raise SymdiffError("forward and backward are methods of two different objects",
                               hint="pass layer.forward and layer.backward of one layer")
        return forward, backward
    return None


class LayerCheck(Check):
    """A check of ``layer.forward`` / ``layer.backward`` at ``args`` (the forward's inputs)."""

    def __init__(self, forward, backward, args, wrt, dout, seed, rtol, atol):
        self.layer = forward.__self__
        self.forward_name, self.backward_method = forward.__name__, backward
        method = source_of(forward.__func__)
        tree, self.attributes = as_function(method.tree, self.layer)
        self.inputs = len(tree.args.args) - len(self.attributes)
        values = tuple(args) + tuple(copy.deepcopy(getattr(self.layer, a))
                                     for a in self.attributes)
        self.given_names = [a.arg for a in tree.args.args]
        super().__init__(self._run_forward, self._run_backward, values, wrt, dout, seed,
                         rtol, atol, src=replace(method, tree=tree))

    def _with(self, values) -> object:
        layer = copy.deepcopy(self.layer)
        for name, value in zip(self.attributes, values[self.inputs:]):
            setattr(layer, name, value)
        return layer

    def _run_forward(self, *values):
        layer = self._with(values)
        out = getattr(layer, self.forward_name)(*values[:self.inputs])
        return out, layer

    def _run_backward(self, *args):
        *douts, layer = args
        result = getattr(layer, self.backward_method.__name__)(*douts)
        returned = list(result) if isinstance(result, tuple) else [result]
        found, self._found = [], []
        if len(returned) == 1:
            for name in self.attributes:
                grad = _gradient_on(layer, name)
                if grad is not None:
                    found.append(grad[1])
                    self._found.append(grad[0])
        return tuple(returned + found)

    def outputs(self) -> int:
        return max(len(inspect.signature(self.backward_method).parameters), 1)

    def backward_names(self) -> list[str | None]:
        names = _returned_names(source_of(self.backward_method.__func__).tree, skip=0)
        return names + getattr(self, "_found", [])

    def hand_source(self):
        return source_of(self.backward_method.__func__), self.backward_method.__func__.__code__

    def report(self):
        out = super().report()
        out.function = f"{type(self.layer).__name__}.{self.forward_name}"
        out.backward = f"{type(self.layer).__name__}.{self.backward_method.__name__}"
        return out


def _gradient_on(layer, name: str):
    """(how the layer calls it, the gradient of attribute ``name``) after backward."""
    for pattern in GRADIENT_ATTRIBUTES:
        value = getattr(layer, pattern.format(name), None)
        if isinstance(value, (np.ndarray, float, np.floating)):
            return pattern.format(name), value
    for holder in GRADIENT_DICTS:
        table = getattr(layer, holder, None)
        if isinstance(table, dict) and isinstance(table.get(name), (np.ndarray, float)):
            return f"d{name}", table[name]
    return None


def as_function(tree: ast.FunctionDef, layer) -> tuple[ast.FunctionDef, list[str]]:
    """The method as a function of its inputs and the layer's numeric attributes it reads;
    other attributes it writes become locals."""
    if not tree.args.args:
        raise SymdiffError(f"{tree.name} has no `self` parameter",
                           hint="pass the bound methods layer.forward and layer.backward")
    me = tree.args.args[0].arg
    read: list[str] = []
    in_order = sorted((n for n in ast.walk(tree) if _on_self(n, me)),
                      key=lambda n: (n.lineno, n.col_offset))
    for node in in_order:
        if isinstance(node.ctx, ast.Load) and node.attr not in read:
            value = getattr(layer, node.attr, None)
            if isinstance(value, (np.ndarray, float, int, np.number)) and \
                    not isinstance(value, bool):
                read.append(node.attr)
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
        {a.arg for a in tree.args.args}
    names = {}
    for node in ast.walk(tree):
        if _on_self(node, me) and node.attr not in names:
            names[node.attr] = node.attr if node.attr not in taken else f"{me}_{node.attr}"

    class Unself(ast.NodeTransformer):
        def visit_Attribute(self, node):
            if _on_self(node, me):
                return ast.copy_location(ast.Name(names[node.attr], node.ctx), node)
            return self.generic_visit(node)
    out = Unself().visit(copy.deepcopy(tree))
    out.args.args = out.args.args[1:] + [ast.arg(names[a]) for a in read]
    out.decorator_list = []
    return ast.fix_missing_locations(out), read


def _on_self(node, me: str) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
        node.value.id == me


__all__ = ["LayerCheck", "layer_methods", "gradient_base"]
