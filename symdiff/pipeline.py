"""The compiler, start to end: parse, fence, lower, fuse, reverse, optimize, codegen.

    >>> print(gradient_source(source_of(f), wrt=(0,)))
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from . import codegen
from .fuse import fuse
from .ir import Function, Var, verify
from .lower import lower
from .optimize import PASSES, fold_into_sums, optimize
from .parse import FunctionSource
from .reverse import reverse
from .shapes import infer_shapes


def forward_ir(src: FunctionSource) -> Function:
    """parse -> fence -> lower -> fuse: the forward graph of one function."""
    fn = fuse(lower(src))        # lower() runs the fence first
    verify(fn)
    return fn


def gradient_ir(src: FunctionSource, wrt: tuple[int, ...], with_value: bool = False,
                tuple_out: bool = False, arg_shapes: dict[str, Any] | None = None,
                forward: Function | None = None) -> Function:
    """The optimized forward + backward graph; shapes specialize it when they are known."""
    grad, passes = chain_rule_ir(src, wrt, with_value, tuple_out, arg_shapes, forward)
    grad = optimize(grad, passes=passes)
    verify(grad)
    return grad


def chain_rule_ir(src: FunctionSource, wrt: tuple[int, ...], with_value: bool = False,
                  tuple_out: bool = False, arg_shapes: dict[str, Any] | None = None,
                  forward: Function | None = None) -> tuple[Function, tuple]:
    """The forward + backward graph as the chain rule writes it, before the optimizer runs
    on it, and the passes that will (in order)."""
    fn = optimize(forward or forward_ir(src))   # loop variables nobody reads get no gradient
    given = {**annotated_shapes(src), **(arg_shapes or {})}
    output = fn.result[0] if len(fn.result) == 1 else None
    unsure = isinstance(output, Var) and infer_shapes(fn, given, False).get(output.name) is None
    shapes = infer_shapes(fn, given)         # assumes the output is a scalar, as grad needs
    grad = reverse(fn, wrt, shapes, with_value=with_value, tuple_out=tuple_out,
                   check_output=unsure)
    verify(grad)
    return grad, PASSES + (partial(fold_into_sums, shapes=shapes),)


def annotated_shapes(src: FunctionSource) -> dict[str, tuple]:
    """Parameters annotated ``float`` or ``int`` are scalars: shape ()."""
    return {a.arg: () for a in src.tree.args.args
            if isinstance(a.annotation, ast.Name) and a.annotation.id in ("float", "int")}


def describe_wrt(fn: Function, wrt: tuple[int, ...]) -> str:
    return ", ".join(fn.params[i].name for i in wrt)


def gradient_module(items: list[tuple[FunctionSource, tuple[int, ...]]], header: str,
                    with_value_too: bool = True, tuple_out: bool = False,
                    arg_shapes: dict[str, Any] | None = None, annotate=None) -> str:
    """Source of a module with ``grad_<name>`` (and ``value_and_grad_<name>``) per function.

    ``arg_shapes`` specialize each function to the shapes of its parameters named there;
    ``annotate(plan)``, when given, returns what writes the comments of that function's
    lines (``annotate.annotator``).
    """
    plans = plan_module(items, with_value_too, tuple_out, arg_shapes)
    return module_of(plans, [plan.build(gradient_ir) for plan in plans], header, annotate)


def module_of(plans: list["Planned"], functions: list[Function], header: str,
              annotate=None) -> str:
    """The module holding these built functions (one per plan), annotated if asked."""
    by_name = {plan.name: plan for plan in plans}
    commenting = (lambda fn: annotate(by_name[fn.name])(fn)) if annotate else None
    return codegen.module_source([(fn, plan.doc) for plan, fn in zip(plans, functions)],
                                 header, commenting)


@dataclass(frozen=True)
class Planned:
    """One function of a generated module, before it is compiled: what to build and call it."""

    src: FunctionSource
    forward: Function
    wrt: tuple[int, ...]
    with_value: bool
    tuple_out: bool
    arg_shapes: dict[str, Any] | None
    name: str
    doc: str

    def build(self, stage=gradient_ir):
        """``stage`` (``gradient_ir`` or ``chain_rule_ir``) for this function, named."""
        made = stage(self.src, self.wrt, self.with_value, self.tuple_out, self.arg_shapes,
                     self.forward)
        if isinstance(made, tuple):
            return (replace(made[0], name=self.name),) + made[1:]
        return replace(made, name=self.name)


def plan_module(items: list[tuple[FunctionSource, tuple[int, ...]]], with_value_too: bool = True,
                tuple_out: bool = False, arg_shapes: dict[str, Any] | None = None
                ) -> list[Planned]:
    """``grad_<name>`` (and ``value_and_grad_<name>``) for each function, in module order."""
    plans = []
    for src, wrt in items:
        forward = forward_ir(src)
        params = [p.name for p in forward.params]
        own = {k: v for k, v in (arg_shapes or {}).items() if k in params} or None
        where = f"{src.tree.name} ({_short(src.file)}:{src.tree.lineno})"
        wrt_names = describe_wrt(forward, wrt)
        plans.append(Planned(src, forward, wrt, False, tuple_out, own, f"grad_{src.tree.name}",
                             f"Gradient of {where} with respect to {wrt_names}."))
        if with_value_too:
            plans.append(Planned(src, forward, wrt, True, tuple_out, own,
                                 f"value_and_grad_{src.tree.name}",
                                 f"Value of {where} and its gradient with respect to "
                                 f"{wrt_names}."))
    return plans


def _short(path: str) -> str:
    import os
    return os.path.basename(path)
