"""Calls to symdiff's own functions inside a differentiated function.

    def f(x):
        return x * symdiff.stop_gradient(x)       # d/dx = x: the second factor is a constant

``stop_gradient(x)`` lowers to ``np.positive(x)`` (the same value; a copy for an array), a
NumPy node: the chain rule gives it no gradient and forward mode no tangent.
"""
from __future__ import annotations

import ast

#: where a call resolves to one of symdiff's functions: ``symdiff.stop_gradient`` (imported
#: by name), ``other:symdiff.stop_gradient`` (``import symdiff``)
PREFIXES = ("symdiff.", "other:symdiff.")


def is_symdiff_call(qualified: str) -> bool:
    return qualified.startswith(PREFIXES)


def lower_symdiff_call(ctx, e: ast.Call, hint: str, qualified: str):
    """Lower ``symdiff.<name>(...)``, or refuse a function of symdiff that is not for use
    inside a differentiated function."""
    name = qualified.split("symdiff.", 1)[1]
    if name == "stop_gradient":
        if len(e.args) != 1 or e.keywords:
            raise ctx.fail("symdiff.stop_gradient takes one argument", e,
                           "write symdiff.stop_gradient(x)")
        x = ctx.array(ctx.lower(e.args[0]), e.args[0])
        return ctx.emit("np", [x], hint, fn="positive", keywords=(), stop_gradient=True,
                        note="stop_gradient: a constant to the chain rule")
    raise ctx.fail(f"`symdiff.{name}` cannot be called inside a differentiated function", e.func,
                   "call symdiff.stop_gradient(x) inside it; grad, jvp and the others "
                   "go outside")
