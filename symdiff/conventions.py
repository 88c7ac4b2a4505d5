"""JAX's and autograd's spellings of symdiff's options, and ``has_aux``.

    symdiff.grad(f, argnums=(0, 1))          # JAX: the same as wrt=(0, 1)
    symdiff.grad(f, argnum=1)                # autograd: the same as wrt=1
    dx, aux = symdiff.grad(f, has_aux=True)(x, y)          # f returns (loss, aux)
    (loss, aux), dx = symdiff.value_and_grad(f, has_aux=True)(x, y)

With ``has_aux``, the compiler differentiates the first element of each ``return loss,
aux`` (the generated code computes the loss and its gradient only); ``aux`` is what the
function itself returns, run as written on the same arguments.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import replace

from .api import Gradient
from .errors import SymdiffError

#: the argument ``wrt`` stands for when no spelling of it is given: the first one
FIRST = 0


def pick_wrt(function: str, wrt=None, argnums=None, argnum=None):
    """The one of ``wrt=`` (symdiff), ``argnums=`` (JAX) and ``argnum=`` (autograd) given;
    they mean the same, so giving two of them is an error."""
    given = [(k, v) for k, v in (("wrt", wrt), ("argnums", argnums), ("argnum", argnum))
             if v is not None]
    if len(given) > 1:
        names = " and ".join(f"{k}={v!r}" for k, v in given)
        raise SymdiffError(f"{function}() got {names}, which mean the same thing",
                           hint="give only one of wrt=, argnums= (JAX) and argnum= (autograd)")
    return given[0][1] if given else FIRST


class AuxGradient(Gradient):
    """``grad(f, has_aux=True)``: f returns ``(value, aux)``; the value is differentiated and
    ``aux`` comes back beside the gradient, as in JAX: ``(grad, aux)``, or
    ``((value, aux), grad)`` for ``value_and_grad``."""

    def _prepare(self, src):
        return without_aux(src)

    def __call__(self, *args, **kwargs):
        result = super().__call__(*args, **kwargs)
        aux = _aux_of(self.fn, self._bind(args, kwargs), self._source())
        if self.with_value:
            value, grads = result
            return (value, aux), grads
        return result, aux


def without_aux(src):
    """``src`` with every ``return value, aux`` of the function itself made ``return
    value`` (a copy: the parsed source is shared); any other return is refused."""
    tree = copy.deepcopy(src.tree)
    for ret in _returns(tree.body):
        pair = ret.value
        if not (isinstance(pair, ast.Tuple) and len(pair.elts) == 2 and
                not any(isinstance(e, ast.Starred) for e in pair.elts)):
            raise SymdiffError(f"with has_aux=True, {src.name} must return a pair "
                               "`value, aux`", src.loc(ret),
                               hint="write the return as `return loss, aux`, the tuple "
                                    "written out")
        ret.value = pair.elts[0]
    return replace(src, tree=tree)


def _returns(body: list) -> list[ast.Return]:
    """The return statements of a function body (not of functions defined inside it)."""
    found, todo = [], list(body)
    while todo:
        s = todo.pop()
        if isinstance(s, ast.Return):
            found.append(s)
        elif not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                ast.Lambda)):
            todo.extend(c for c in ast.iter_child_nodes(s) if isinstance(c, ast.stmt))
    return found


def _aux_of(fn, args: tuple, src):
    """The second element of what ``fn(*args)`` returns."""
    out = fn(*args)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise SymdiffError(f"with has_aux=True, {fn.__name__} must return a pair (value, "
                           f"aux); it returned {type(out).__name__}", src.loc(src.tree),
                           hint="return `loss, aux`")
    return out[1]
