"""Bookkeeping primitives: shapes, sizes, comparisons, integer arithmetic, casts.

Their outputs carry no gradient (NO_DERIVATIVE), except a cast to float, which passes
the gradient through unchanged:

    shape     x.shape                 dim    x.shape[k], len(x)
    ndim      np.ndim(x), x.ndim      size   np.size(x), x.size
    compare   x > y (a mask)          intop  i // k, i % k, m1 & m2
    not       not x                   tuple  (n, m) as a shape
    cast      float(x), x.astype(np.float32)
    cast_like v.astype(x.dtype), np.zeros(n, dtype=x.dtype): v in the dtype x has where the
              code runs (x checked there to hold floats, so the gradient passes through)
"""
from __future__ import annotations

import ast

import numpy as np

from .registry import LINEAR, NO_DERIVATIVE, Primitive, register


def _broadcast(n, shapes, values):
    return tuple(np.broadcast_shapes(*shapes))


def _shape_shape(n, shapes, values):
    return None                           # a tuple, not an array


def _scalar(n, shapes, values):
    return ()


def _cast_shape(n, shapes, values):
    """x.astype(...) keeps the shape; float(x), int(x) are numbers."""
    if n.param("dtype"):
        return shapes[0]
    return () if shapes[0] is not None else None


def _cast_vjp(em, g, n, i):
    return g if n.param("type") == "float" else None


_CMP = {">": ast.Gt, "<": ast.Lt, ">=": ast.GtE, "<=": ast.LtE, "==": ast.Eq, "!=": ast.NotEq}
_INTOP = {"//": ast.FloorDiv, "%": ast.Mod, "&": ast.BitAnd, "|": ast.BitOr, "^": ast.BitXor}


def _print_shape(n, p):
    if n.param("style") == "np":
        return p.np("shape", p.a)
    return ast.Attribute(p.a[0], "shape", ast.Load())


def _print_cast(n, p):
    if n.param("dtype"):                 # x.astype(np.float32): np.float32(x)
        return p.np(np.dtype(n.param("dtype")).type.__name__, p.a)
    return ast.Call(ast.Name(n.param("type"), ast.Load()), p.a, [])


def _cast_like_vjp(em, g, n, i):
    return g if i == 0 else None          # the dtype's array gives only its dtype


def _print_cast_like(n, p):
    """``np.asarray(v, dtype=x.dtype)``: a number stays a 0-d array, as NumPy gives it."""
    return p.np("asarray", [p.a[0]], (("dtype", ast.Attribute(p.a[1], "dtype", ast.Load())),))


def _known_dim(n, shapes, values):
    """x.shape[axis], when x's shape is known and has that axis (else a check the program
    makes before it stops, as np.cov's rowvar=False of a vector)."""
    shape, axis = shapes[0], n.param("axis")
    return int(shape[axis]) if shape is not None and -len(shape) <= axis < len(shape) else None


def _known_shape(n, shapes, values):
    return tuple(int(d) for d in shapes[0]) if shapes[0] is not None else None


def _known_tuple(n, shapes, values):
    return tuple(values) if all(isinstance(v, int) for v in values) else None


def _known_size(n, shapes, values):
    return int(np.prod(shapes[0], dtype=int)) if shapes[0] is not None else None


def _known_ndim(n, shapes, values):
    return len(shapes[0]) if shapes[0] is not None else None


register(
    Primitive("shape", "bookkeeping", "the shape of x, a tuple", shape_only=True,
              shape=_shape_shape,
              partial_shapes=True, vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE, printer=_print_shape,
              spellings=("x.shape",), params=(("style", "name"),), integer_valued=True,
              known_value=_known_shape, gives_shape=True),
    Primitive("dim", "bookkeeping", "x.shape[axis]", shape_only=True, shape=_scalar,
              partial_shapes=True,
              vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE, spellings=("builtin.len",),
              printer=lambda n, p: ast.Subscript(ast.Attribute(p.a[0], "shape", ast.Load()),
                                                 ast.Constant(n.param("axis")), ast.Load()),
              params=(("axis", "int"),), integer_valued=True, known_value=_known_dim),
    Primitive("ndim", "bookkeeping", "the number of axes of x", shape_only=True,
              shape=_scalar,
              partial_shapes=True, vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=lambda n, p: p.np("ndim", p.a), spellings=("x.ndim",),
              integer_valued=True, known_value=_known_ndim),
    Primitive("size", "bookkeeping", "the number of elements of x", shape_only=True,
              shape=_scalar,
              partial_shapes=True, vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=lambda n, p: p.np("size", p.a), spellings=("x.size",),
              integer_valued=True, known_value=_known_size),
    Primitive("compare", "bookkeeping", "x > y, elementwise: a mask", shape=_broadcast,
              vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=lambda n, p: ast.Compare(p.a[0], [_CMP[n.param("symbol")]()], [p.a[1]]),
              params=(("symbol", "str"),), integer_valued=True, broadcasts=True,
              makes_mask=lambda n, is_mask: True),
    Primitive("intop", "bookkeeping", "i // k, i % k, m & n: integer arithmetic",
              shape=_broadcast, vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=lambda n, p: ast.BinOp(p.a[0], _INTOP[n.param("symbol")](), p.a[1]),
              params=(("symbol", "str"),), integer_valued=True,
              makes_mask=lambda n, is_mask: n.param("symbol") in "&|^"
              and all(map(is_mask, n.args))),
    Primitive("not", "bookkeeping", "not x", shape=lambda n, s, v: s[0], vjp=NO_DERIVATIVE,
              jvp=NO_DERIVATIVE, printer=lambda n, p: ast.UnaryOp(ast.Not(), p.a[0]),
              integer_valued=True, truth_test=True, makes_mask=lambda n, is_mask: True),
    Primitive("tuple", "bookkeeping", "(n, m): a shape", shape=lambda n, s, v: None,
              vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=lambda n, p: ast.Tuple(p.a, ast.Load()), integer_valued=True,
              known_value=_known_tuple),
    Primitive("cast", "bookkeeping", "float(x), int(x), x.astype(dtype)", shape=_cast_shape,
              partial_shapes=True, vjp=_cast_vjp, jvp=LINEAR, printer=_print_cast,
              params=(("type", "str"), ("dtype", "dtype"), ("spelling", "str")),
              gradient_if=lambda n: n.param("type") == "float", scalar_args=True,
              spellings=("builtin.float", "builtin.int", "x.astype()"),
              makes_mask=lambda n, is_mask: n.param("dtype") == "bool"),
    Primitive("cast_like", "bookkeeping", "v in the float dtype of x", keeps_shape_of=0,
              shape=lambda n, s, v: s[0], vjp=_cast_like_vjp, jvp=LINEAR,
              printer=_print_cast_like, gradient_args=lambda n: (0,)),
)
