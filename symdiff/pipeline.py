"""The compiler, start to end: parse, fence, lower, fuse, reverse, optimize, codegen.

    >>> print(gradient_source(source_of(f), wrt=(0,)))
"""
from __future__ import annotations

import ast
from functools import partial
from typing import Any

from . import codegen
from .fuse import fuse
from .ir import Function, Var, verify
from .jit import numba_friendly
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


def annotated_shapes(src: FunctionSource) -> dict[str, tuple]:
    """Parameters annotated ``float`` or ``int`` are scalars: shape ()."""
    return {a.arg: () for a in src.tree.args.args
            if isinstance(a.annotation, ast.Name) and a.annotation.id in ("float", "int")}


def describe_wrt(fn: Function, wrt: tuple[int, ...]) -> str:
    return ", ".join(fn.params[i].name for i in wrt)


def gradient_module(items: list[tuple[FunctionSource, tuple[int, ...]]], header: str,
                    with_value_too: bool = True, tuple_out: bool = False,
                    arg_shapes: dict[str, Any] | None = None, jit: bool = False) -> str:
    """Source of a module with ``grad_<name>`` (and ``value_and_grad_<name>``) per function;
    ``jit`` writes them for numba (``jit.numba_friendly``, decorated ``jit_or_numpy``)."""
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
    if jit:
        functions = [(numba_friendly(fn), doc) for fn, doc in functions]
    return codegen.module_source(functions, header, jit=jit)


def _short(path: str) -> str:
    import os
    return os.path.basename(path)
