"""The compiler, start to end: parse, fence, lower, fuse, reverse, optimize, codegen.

    >>> print(gradient_source(source_of(f), wrt=(0,)))
"""
from __future__ import annotations

import ast
from dataclasses import replace
from functools import partial
from typing import Any

from . import codegen
from .forward import jvp
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
    fn = optimize(forward or forward_ir(src))   # loop variables nobody reads get no gradient
    given = {**annotated_shapes(src), **(arg_shapes or {})}
    output = fn.result[0] if len(fn.result) == 1 else None
    unsure = isinstance(output, Var) and infer_shapes(fn, given, False).get(output.name) is None
    shapes = infer_shapes(fn, given)         # assumes the output is a scalar, as grad needs
    grad = reverse(fn, wrt, shapes, with_value=with_value, tuple_out=tuple_out,
                   check_output=unsure)
    verify(grad)
    grad = optimize(grad, passes=PASSES + (partial(fold_into_sums, shapes=shapes),))
    verify(grad)
    return grad


def jvp_ir(src: FunctionSource, wrt: tuple[int, ...], arg_shapes: dict[str, Any] | None = None,
           forward: Function | None = None) -> Function:
    """Forward mode: f's value and its directional derivative along tangents for ``wrt``."""
    fn = optimize(forward or forward_ir(src))
    shapes = infer_shapes(fn, {**annotated_shapes(src), **(arg_shapes or {})}, False)
    return _checked(jvp(fn, wrt, shapes))


def vjp_ir(src: FunctionSource, wrt: tuple[int, ...], arg_shapes: dict[str, Any] | None = None,
           forward: Function | None = None) -> Function:
    """Reverse mode for any output: the gradients of ``sum(out * dout)``, dout a parameter."""
    fn = optimize(forward or forward_ir(src))
    shapes = infer_shapes(fn, {**annotated_shapes(src), **(arg_shapes or {})}, False)
    grad = reverse(fn, wrt, shapes, tuple_out=True, seeded=True)
    verify(grad)
    grad = optimize(grad, passes=PASSES + (partial(fold_into_sums, shapes=shapes),))
    verify(grad)
    return replace(grad, name=f"vjp_{src.tree.name}")


def hvp_ir(src: FunctionSource, wrt: tuple[int, ...], tuple_out: bool = False,
           arg_shapes: dict[str, Any] | None = None, forward: Function | None = None
           ) -> Function:
    """Hessian-vector products: forward mode applied to the generated gradient.

    ``hvp_f(x, ..., v)`` returns the directional derivative of the gradient along v."""
    given = {**annotated_shapes(src), **(arg_shapes or {})}
    grad = gradient_ir(src, wrt, tuple_out=tuple_out, arg_shapes=arg_shapes, forward=forward)
    shapes = infer_shapes(grad, given, False)
    names = ("v",) if len(wrt) == 1 else tuple("v_" + grad.params[i].name for i in wrt)
    return _checked(jvp(grad, wrt, shapes, names, name=f"hvp_{src.tree.name}",
                        with_value=False))


def _checked(fn: Function) -> Function:
    verify(fn)
    fn = optimize(fn)
    verify(fn)
    return fn


def annotated_shapes(src: FunctionSource) -> dict[str, tuple]:
    """Parameters annotated ``float`` or ``int`` are scalars: shape ()."""
    return {a.arg: () for a in src.tree.args.args
            if isinstance(a.annotation, ast.Name) and a.annotation.id in ("float", "int")}


def describe_wrt(fn: Function, wrt: tuple[int, ...]) -> str:
    return ", ".join(fn.params[i].name for i in wrt)


def gradient_module(items: list[tuple[FunctionSource, tuple[int, ...]]], header: str,
                    with_value_too: bool = True, tuple_out: bool = False,
                    arg_shapes: dict[str, Any] | None = None) -> str:
    """Source of a module with ``grad_<name>`` (and ``value_and_grad_<name>``) per function."""
    functions = []
    for src, wrt in items:
        forward = forward_ir(src)
        grad = gradient_ir(src, wrt, tuple_out=tuple_out, arg_shapes=arg_shapes, forward=forward)
        where = f"{src.tree.name} ({_short(src.file)}:{src.tree.lineno})"
        functions.append((grad, f"Gradient of {where} with respect to {describe_wrt(grad, wrt)}."))
        if with_value_too:
            both = gradient_ir(src, wrt, with_value=True, tuple_out=tuple_out,
                               arg_shapes=arg_shapes, forward=forward)
            both = both.__class__(**{**both.__dict__, "name": f"value_and_grad_{src.tree.name}"})
            functions.append((both, f"Value of {where} and its gradient with respect to "
                                    f"{describe_wrt(both, wrt)}."))
    return codegen.module_source(functions, header)


def _short(path: str) -> str:
    import os
    return os.path.basename(path)
