"""The regularized incomplete gamma functions, differentiable in x only:

    gammainc(a, x)    P(a, x) = gamma(a, 0..x) / Gamma(a)   dP/dx = x**(a-1) e**-x / Gamma(a)
    gammaincc(a, x)   Q(a, x) = 1 - P(a, x)                 dQ/dx = -x**(a-1) e**-x / Gamma(a)

(the derivative written x**(a-1) exp(-x - gammaln(a)), which neither overflows for a
large a nor loses 0**0 = 1 at x == 0, a == 1). Their derivative in a has no closed form:
a gradient that would flow into a is refused where the call is, saying to pass a as a
constant. Printed as SciPy's calls (the generated module imports scipy.special).
"""
from __future__ import annotations

import ast

import numpy as np
import sympy

from ..errors import SymdiffError
from . import arrays as A
from . import tangents as T
from .compositions import only
from .registry import Primitive, register

NAMES = ("gammainc", "gammaincc")


def _slope(n):
    """d/dx of P (Q: its negative), as a function of a, x."""
    sign = -1 if n.op == "gammaincc" else 1
    return lambda a, x: sign * x ** (a - 1) * sympy.exp(-x - sympy.loggamma(a))


def _refuse_a(n):
    return SymdiffError(f"scipy.special.{n.op} is not differentiable in a in closed form",
                        n.loc, hint="pass a as a constant (a value the gradient does not "
                        "flow through), or wrap it in symdiff.stop_gradient(a)")


def _vjp(em, g, n, i: int):
    if i == 0:
        raise _refuse_a(n)
    slope = _slope(n)
    part = em.ew_tmp(lambda u, a, x: u * slope(a, x), [g, *n.args])
    return A.sum_to(em, part, n.args[1], em.shape(n.out))


def _jvp(em, n, ts):
    if ts[0] is not None:
        raise _refuse_a(n)
    slope = _slope(n)
    t = em.ew_out(lambda a, x, v: slope(a, x) * v, [*n.args, ts[1]])
    return T.broadcast_like(em, t, n.out)


def _printer(n, p):
    from ..backend.codegen_math import global_name
    p.imports.add("scipy.special")
    scipy = ast.Name(global_name("scipy"), ast.Load())
    target = ast.Attribute(ast.Attribute(scipy, "special", ast.Load()), n.op, ast.Load())
    return ast.Call(target, list(p.a), [])


def _lower(ctx, e, hint, name, args, keywords):
    only(ctx, e, keywords, set(), f"scipy.special.{name}")
    if len(args) != 2:
        raise ctx.fail(f"scipy.special.{name} takes (a, x)", e,
                       f"write scipy.special.{name}(a, x)")
    return ctx.emit(name, [ctx.array(v, e) for v in args], hint)


register(*[Primitive(name, "scipy_special", f"{'1 - ' * (name == 'gammaincc')}P(a, x), the "
                     "regularized lower incomplete gamma function; d/dx only",
                     shape=lambda n, s, v: tuple(np.broadcast_shapes(*s)), vjp=_vjp, jvp=_jvp,
                     printer=_printer, broadcasts=True, scalar_args=True,
                     spellings=(f"scipy.special.{name}",), lower=_lower,
                     numba_refuses=lambda n: f"scipy.special.{n.op}")
           for name in NAMES])
