"""Constructors and other NumPy calls: arrays made from shapes and values.

    np        np.<fn>(...) with no gradient: np.arange, np.zeros, np.argmax, np.isnan...
    full      x - x: a constant shaped like its arguments
    fill      np.full(shape, a), np.full_like(x, a)   d/da = g summed to a's shape
    linspace  np.linspace(a, b, num)   out = a + (b - a) * t, t = 0 .. 1
              d/da = sum of g * (1 - t), d/db = sum of g * t

np.empty and np.empty_like hold whatever memory held until written: they are lowered
(and printed) as they are written when ``frontend.empty_coverage`` proves that every
element is written before any is read, and refused where they are called otherwise
(np.zeros gives the same program a defined value).
"""
from __future__ import annotations

import ast

import numpy as np

from . import arrays as A
from .registry import NO_DERIVATIVE, Primitive, register

#: Cheap functions whose result shape (or value) the compiler may compute ahead of time.
EVALUABLE = {"arange", "zeros", "ones", "eye", "full", "linspace"}
#: Arrays made from a literal, whose shape is the literal's.
LITERAL = {"array", "asarray"}
#: NumPy functions (dotted: np.fft.fftfreq) whose result's length is a value they are given
#: (a stand-in argument would give the wrong shape): their shape is known when it is.
SIZED_BY_VALUE = {"fft.fftfreq", "fft.rfftfreq"}
#: NumPy functions that return a tuple of arrays, unpacked or indexed by a constant.
TUPLES = {"histogram", "unique"}
#: NumPy functions whose result's length depends on the data (not known when compiling).
DATA_SIZED = {"unique"}
#: Calls whose result's shape is found by making it, when every argument is known.
EVALUATED = {"zeros", "ones", "full", "eye", "arange"} | LITERAL | SIZED_BY_VALUE
#: Calls whose arguments are counts or sizes.
COUNTING = {"arange", "zeros", "ones", "empty", "eye", "full", "linspace"}
#: NumPy functions whose result is boolean.
BOOLEAN_FUNCTIONS = {"logical_and", "logical_or", "logical_not", "isnan", "isfinite", "greater",
                     "less", "equal", "signbit", "isclose", "isinf", "isposinf", "isneginf",
                     "any", "all"}


def _numba_refuses(n) -> str:
    """numba's np.argsort and np.argpartition sort along the last axis and take no axis."""
    if n.param("fn") in ("argsort", "argpartition") and "axis" in n.param("keywords"):
        return f"np.{n.param('fn')} with an axis (numba's takes none)"
    return ""


def numpy_function(fn: str):
    """NumPy's function named ``fn``, through its submodules (``linalg.matrix_rank``)."""
    value = np
    for part in fn.split("."):
        value = getattr(value, part)
    return value


def np_shape(n, arg_shapes, arg_values):
    """The shape of ``np.<fn>(...)``: evaluated for constructors of known sizes, else
    computed on stand-in arrays of the arguments' shapes."""
    fn = n.param("fn")
    keywords = n.param("keywords")
    if fn in TUPLES or fn in DATA_SIZED:
        return None
    try:
        if fn in EVALUATED and all(v is not None for v in arg_values):
            return np.shape(_called(fn, arg_values, keywords))
        if fn in EVALUABLE or fn in SIZED_BY_VALUE:   # sizes are values: a stand-in 0
            return None                               # would say np.arange(n) has shape (0,)
        if all(s is not None for s in arg_shapes):
            dummies = [A._dummy(s) if v is None else v for s, v in zip(arg_shapes, arg_values)]
            return np.shape(_called(fn, dummies, keywords))
    except (ValueError, TypeError, AttributeError, MemoryError):
        return None
    return None


def _called(fn: str, values: list, keywords: tuple):
    """``np.<fn>`` called on ``values``, the last ``len(keywords)`` of them by keyword."""
    split = len(values) - len(keywords)
    return numpy_function(fn)(*values[:split], **dict(zip(keywords, values[split:])))


def _print_np(n, p):
    keywords = n.param("keywords")
    positional = p.a[: len(p.a) - len(keywords)]
    return p.np(n.param("fn"), positional, list(zip(keywords, p.a[len(p.a) - len(keywords):])))


def _print_full(n, p):
    shapes = [p.np("shape", [x]) for x in p.a]
    shape = shapes[0] if len(shapes) == 1 else p.np("broadcast_shapes", shapes)
    return p.np("full", [shape, ast.Constant(float(n.param("value")))])


def _print_fill(n, p):
    kws = [("endpoint", False)] if n.op == "linspace" and not n.param("endpoint") else []
    kws += [("dtype", n.param("dtype"))] if n.param("dtype") else []
    return p.np(n.param("fn") or n.op, p.a, kws)


def _counted_shape(count, rest) -> tuple | None:
    if count is None or any(r is None for r in rest):
        return None
    lead = tuple(count) if isinstance(count, tuple) else (int(count),)
    return lead + (tuple(np.broadcast_shapes(*rest)) if rest else ())


def _fill_shape(n, shapes, values):
    if n.param("fn") == "full_like":
        return shapes[0]
    return _counted_shape(values[0], [])


def _fill_jvp(em, n, ts):
    """np.full(shape, a): linear in a."""
    if ts[1] is not None:
        A.check_fill_prototype(em, n)
    return em.out("fill", [n.args[0], ts[1]], **dict(n.params)) if ts[1] is not None else None


def _linspace_jvp(em, n, ts):
    """np.linspace(a, b, num): linear in a and b together."""
    from ..ir import Const
    ends = [t if t is not None else Const(0.0) for t in ts[:2]]
    return em.out("linspace", [*ends, n.args[2]], **dict(n.params))


register(
    Primitive("np", "constructors", "np.<fn>(...), a value with no gradient",
              shape=np_shape, partial_shapes=True, vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=_print_np,
              params=(("fn", "str"), ("keywords", "names"), ("custom_rule", "name"),
                      ("stop_gradient", "bool")),
              integer_valued=True, counts=lambda n: n.args if n.param("fn") in COUNTING else (),
              makes_mask=lambda n, is_mask: n.param("fn") in BOOLEAN_FUNCTIONS,
              tuple_valued=lambda n: n.param("fn") in TUPLES,
              numba_refuses=_numba_refuses),
    Primitive("full", "constructors", "a constant shaped like the arguments (x - x)",
              shape=lambda n, s, v: tuple(np.broadcast_shapes(*s)), vjp=NO_DERIVATIVE,
              jvp=NO_DERIVATIVE, printer=_print_full, params=(("value", "number"),)),
    Primitive("fill", "constructors", "np.full(shape, a): every element is a",
              shape=_fill_shape, partial_shapes=True, vjp=A.vjp_fill, jvp=_fill_jvp,
              printer=_print_fill, params=(("fn", "str"), ("dtype", "dtype")),
              counts=lambda n: n.args[:1] * (n.param("fn") == "full"), shaped_by=0,
              spellings=("np.full", "np.full_like")),
    Primitive("linspace", "constructors", "a + (b - a) * t, t = 0 .. 1 in num steps",
              shape=lambda n, s, v: _counted_shape(v[2], s[:2]), partial_shapes=True,
              vjp=A.vjp_linspace, jvp=_linspace_jvp, printer=_print_fill,
              params=(("endpoint", "bool"), ("dtype", "dtype")), spellings=("np.linspace",),
              counts=lambda n: n.args[2:]),
)


#: NumPy functions whose first argument, a shape, numba wants as a tuple.
SHAPED = {"zeros", "ones", "empty", "full"}


def takes_shape(n) -> bool:
    """``np.zeros(shape)`` and friends: a call whose first argument is a shape."""
    return n.op == "np" and n.param("fn") in SHAPED


#: NumPy constructors whose elements are unset until written: refused where called
UNSET = {"empty", "empty_like"}


def refuse_unset(ctx, e, name: str, why: str = ""):
    """np.empty leaves its elements unset: the gradient would read whatever memory holds
    where the function does not write, and symdiff does not prove that it writes every
    element before reading one (``why``: what is left unset, where it is known)."""
    return ctx.fail(f"np.{name} leaves its elements unset, and symdiff does not prove that "
                    "every element is written before it is read" + (f" ({why})" if why else ""),
                    e,
                    f"use np.{name.replace('empty', 'zeros')}(...) and write into it")
