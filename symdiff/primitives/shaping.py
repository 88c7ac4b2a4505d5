"""Shaping primitives: the same numbers, arranged differently. All are linear.

    reshape      y = reshape(x, shape)    dx = reshape(g, x.shape)
    transpose    y = x.T                  dx = g.T (the inverse permutation)
    expand_dims  y = x[..., None]         dx = reshape(g, x.shape)      (squeeze alike)
    concatenate  y = [a, b] along axis    da, db = the slices of g where a and b went
    stack        y = stack([a, b], axis)  da = g[..., 0, ...], db = g[..., 1, ...]
    broadcast_to y = x stretched          dx = g summed back to x's shape
"""
from __future__ import annotations

import ast
from dataclasses import replace

import numpy as np

from ..ir import Const, Node
from . import arrays as A
from . import tangents as T
from .registry import LINEAR, Primitive, register


def _reshape_shape(n, shapes, values):
    if any(v is None for v in values[1:]):
        return None
    dims = values[1] if len(values) == 2 else tuple(values[1:])
    return np.reshape(A._dummy(shapes[0]), dims).shape


def _print_reshape(n, p):
    shape = p.a[1] if len(p.a) == 2 else ast.Tuple(p.a[1:], ast.Load())
    return p.np("reshape", [p.a[0], shape])


def _print_transpose(n, p):
    if n.param("axes") is None:
        return ast.Attribute(p.a[0], "T", ast.Load())
    return p.np("transpose", p.a[:1] + [p.literal(n.param("axes"))])


def _print_axis_call(n, p):
    """np.expand_dims(x, axis), np.concatenate([a, b], axis) (numba: a tuple of arrays)."""
    a = p.a
    if n.op in ("concatenate", "stack"):
        a = [(ast.Tuple if n.param("sequence") == "tuple" else ast.List)(a, ast.Load())]
    return p.np(n.op, a + [p.literal(n.param("axis"))])


def _print_stack(n, p):
    if n.param("tuple"):                     # a shape, for numba: (n, m)
        return ast.Tuple(p.a, ast.Load())
    return _print_axis_call(n, p)


def _lower_transpose(ctx, e, hint, name, args, keywords):
    from ..ir import Const
    x = ctx.array(args[0], e)
    axes = ctx.static(args[1] if len(args) > 1 else keywords.get("axes", Const(None)), e, "axes")
    return ctx.emit("transpose", [x], hint, axes=axes)


def _lower_axis(ctx, e, hint, name, args, keywords):
    """np.expand_dims(x, axis), np.squeeze(x, axis=None), x.squeeze()."""
    from ..ir import Const
    x = ctx.array(args[0], e)
    axis = ctx.static(args[1] if len(args) > 1 else keywords.get("axis", Const(None)), e, "axis")
    if name == "expand_dims" and axis is None:
        raise ctx.fail("np.expand_dims needs an axis", e)
    return ctx.emit(name, [x], hint, axis=axis)


def _joined_shape(n, shapes, values):
    return getattr(np, n.op)([A._dummy(s) for s in shapes], axis=n.param("axis")).shape


def _known_stack(n, shapes, values):
    """np.zeros((n, m)) with n, m known: the shape is a known tuple."""
    if n.param("axis") == 0 and values and \
            all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return tuple(values)
    return None


def _with(n, **updates) -> tuple:
    return tuple(sorted({**dict(n.params), **updates}.items()))


def _is_number(v, shapes) -> bool:
    """Whether ``v`` is a number or of shape (): numba may hold it as a float."""
    if isinstance(v, Const):
        return isinstance(v.value, (int, float)) and not isinstance(v.value, bool)
    return shapes.get(v.name) == ()


def _as_arrays(n, cx) -> tuple[list, Node]:
    """``np.asarray(a)`` for each argument of n that is a number (numba's np.stack and
    np.expand_dims take arrays, a 0-d one too, but no float): those nodes, and n reading
    them."""
    made, args = [], []
    for a in n.args:
        if _is_number(a, cx[1]):
            out = cx[0].fresh(f"{getattr(a, 'name', 'value')}_array")
            made.append(replace(n, op="as_array", out=out, args=(a,), params=(), temporary=True,
                                gradient_sum=False))
            a = made[-1].out
        args.append(a)
    return made, replace(n, args=tuple(args))


def _expand_numba(n, cx):
    """np.expand_dims(x, (a, b)) is one expand_dims per axis, in increasing order (numba's
    takes one int axis); of a number, np.expand_dims(np.asarray(x), a)."""
    axis = n.param("axis")
    out = cx[1].get(n.out.name)
    x = cx[1].get(n.args[0].name) if hasattr(n.args[0], "name") else None
    made, n = _as_arrays(n, cx)
    if not isinstance(axis, tuple) or not isinstance(out, tuple) and not isinstance(x, tuple):
        return made + [n] if made else None
    rank = len(out) if isinstance(out, tuple) else len(x) + len(axis)
    nodes = []
    for a in sorted(k % rank for k in axis):
        nodes.append(replace(n, out=cx[0].fresh(n.out.name + "_kept"),
                             args=(nodes[-1].out if nodes else n.args[0],),
                             params=(("axis", a),)))
    nodes[-1] = replace(nodes[-1], out=n.out)
    return made + nodes


def _squeeze_numba(n, cx):
    """numba has no np.squeeze: a reshape to the squeezed shape, where it is known."""
    out = cx[1].get(n.out.name)
    if not isinstance(out, tuple) or not all(isinstance(d, int) for d in out):
        return None
    return _reshape_numba(replace(n, op="reshape", args=(n.args[0], *map(Const, out)),
                                  params=()), cx)


def _reshape_numba(n, cx):
    """numba reshapes contiguous arrays only: np.reshape(np.ascontiguousarray(x), shape),
    which copies nothing where x is contiguous (NumPy copies a strided x to reshape it)."""
    x = n.args[0]
    contiguous = replace(n, op="contiguous", args=(x,), params=(), temporary=True,
                         out=cx[0].fresh(f"{getattr(x, 'name', 'value')}_contiguous"),
                         gradient_sum=False)
    return [contiguous, replace(n, args=(contiguous.out,) + n.args[1:])]


def _sequence_numba(n, cx):
    """numba takes only a tuple of arrays: np.concatenate((a, b), 0)."""
    from dataclasses import replace
    return [replace(n, params=_with(n, sequence="tuple"))] if not n.param("tuple") else None


def _stack_numba(n, cx):
    """np.zeros(np.stack([n, m], 0)) is np.zeros((n, m)) for numba; numbers are stacked as
    0-d arrays."""
    from ..ir import Var
    from .constructors import takes_shape
    names, shapes, readers = cx
    if not n.param("tuple"):
        n = replace(n, params=_with(n, sequence="tuple"))
    if n.param("axis") == 0 and n.args \
            and all(shapes.get(a.name) == () for a in n.args if isinstance(a, Var)) \
            and all(isinstance(r, Node) and takes_shape(r) for r in readers.get(n.out.name, [1])):
        return [replace(n, params=_with(n, tuple=True))]
    made, n = _as_arrays(n, cx)          # numba stacks arrays, not floats
    return made + [n]


def _broadcast_numba(n, cx):
    """np.broadcast_to(x, ()) of a number is the number itself: a 0-d array is no float
    for numba (``dx[0] += g`` refuses it)."""
    shape = n.args[1].value if isinstance(n.args[1], Const) else cx[1].get(n.out.name)
    if shape == () and _is_number(n.args[0], cx[1]):
        return [replace(n, op="alias", args=n.args[:1])]
    return None


def _lower_reshape(ctx, e, hint, name, args, keywords):
    """np.reshape(x, shape), x.reshape(n, m), np.ravel(x), x.flatten(); ``order='F'``
    (Fortran order) as the C-order reshape of the reversed axes to the reversed shape,
    its axes reversed back: ``x.T.reshape(shape[::-1]).T``."""
    from ..ir import TMP, Const
    x = ctx.array(args[0], e)
    flat = name in ("ravel", "flatten")
    order = keywords.get("order", args[1] if flat and len(args) > 1 else Const("C"))
    shape = Const(-1) if flat else args[1] if len(args) > 1 else keywords.get("shape",
                                                                             Const(-1))
    order = ctx.static(order, e, "order")
    if order not in ("C", "F"):
        raise ctx.fail(f"order={order!r} is not supported (it depends on how the array is "
                       "laid out in memory)", e, "write order='C' or order='F'")
    items = ctx.items(shape) if ctx.items(shape) is not None else (shape,)
    if order == "C":
        return ctx.emit("reshape", [x, *[ctx.array(v, e) for v in items]], hint)
    if len(items) == 1 and not (isinstance(items[0], Const) and
                                isinstance(items[0].value, (int, tuple))):
        raise ctx.fail("order='F' needs the new shape written out here", e,
                       "write the sizes, e.g. x.reshape((n, m), order='F')")
    if len(items) == 1 and isinstance(items[0].value, tuple):
        items = tuple(Const(k) for k in items[0].value)
    reversed_x = ctx.emit("transpose", [x], TMP, axes=None)
    shaped = ctx.emit("reshape", [reversed_x, *[ctx.array(v, e) for v in items[::-1]]], TMP)
    return ctx.emit("transpose", [shaped], hint, axes=None)


def _lower_joined(ctx, e, hint, name, args, keywords):
    """np.concatenate([a, b], axis=0) (axis=None: flattened first), np.stack([a, b],
    axis=0)."""
    from ..ir import TMP, Const
    seq = ctx.items(args[0]) if args else None
    if seq is None:
        raise ctx.fail(f"np.{name} takes a list of arrays written out, e.g. [a, b]", e)
    axis = ctx.static(args[1] if len(args) > 1 else keywords.get("axis", Const(0)), e, "axis")
    if name == "stack":
        if axis is None:
            raise ctx.fail("np.stack needs an axis (NumPy refuses axis=None)", e,
                           "give an axis, e.g. axis=0")
        return ctx.stack(list(seq), axis, hint, e)
    arrays = [ctx.array(v, e) for v in seq]
    if axis is None:                 # the arrays flattened, then joined
        arrays = [ctx.emit("reshape", [a, Const(-1)], TMP) for a in arrays]
        axis = 0
    return ctx.emit(name, arrays, hint, axis=axis)


def _vjp_broadcast_to(em, g, n, i: int):
    """The copies of each element summed back: g summed to x's shape."""
    return A.sum_to(em, g, n.args[0], em.shape(n.out)) if i == 0 else None


def _lower_broadcast_to(ctx, e, hint, name, args, keywords):
    """np.broadcast_to(x, shape), the shape a constant, a tuple of sizes or y.shape."""
    from ..ir import Const
    if set(keywords) - {"shape"} or len(args) + len(keywords) != 2:
        raise ctx.fail("np.broadcast_to takes an array and a shape here", e,
                       "write np.broadcast_to(x, (n, m)) or np.broadcast_to(x, y.shape)")
    shape = keywords.get("shape", args[-1])
    items = ctx.items(shape)
    if items is not None:
        sizes = [ctx.array(v, e) for v in items]
        shape = Const(tuple(v.value for v in sizes)) \
            if all(isinstance(v, Const) and v.name is None for v in sizes) \
            else ctx.emit("tuple", sizes, "shape")
    elif isinstance(shape, Const) and isinstance(shape.value, int):
        shape = Const((shape.value,))
    return ctx.emit("broadcast_to", [ctx.array(args[0], e), ctx.array(shape, e)], hint)


AXIS = (("axis", "axis"),)
JOIN = (("axis", "int"), ("sequence", "str"), ("tuple", "bool"))

register(
    Primitive("reshape", "shaping", "the same elements in another shape",
              shape=_reshape_shape, vjp=A.vjp_reshape, jvp=LINEAR, printer=_print_reshape,
              shaped_by=1,
              spellings=("np.reshape", "x.reshape()", "np.ravel", "x.ravel()", "x.flatten()"),
              lower=_lower_reshape, numba=_reshape_numba),
    Primitive("transpose", "shaping", "x with its axes permuted (reversed: x.T)",
              shape=lambda n, s, v: np.transpose(A._dummy(s[0]), n.param("axes")).shape,
              vjp=A.vjp_transpose, jvp=LINEAR, printer=_print_transpose,
              params=(("axes", "axes"),), spellings=("np.transpose", "x.transpose()", "x.T"),
              lower=_lower_transpose),
    Primitive("expand_dims", "shaping", "x with a new axis of length 1",
              shape=lambda n, s, v: np.expand_dims(A._dummy(s[0]), n.param("axis")).shape,
              vjp=A.vjp_expand, jvp=LINEAR, printer=_print_axis_call, params=AXIS,
              spellings=("np.expand_dims",), lower=_lower_axis, numba=_expand_numba,
              numba_refuses=lambda n: "expand_dims of several axes" * isinstance(
                  n.param("axis"), tuple)),
    Primitive("squeeze", "shaping", "x without its axes of length 1",
              shape=lambda n, s, v: np.squeeze(A._dummy(s[0]), n.param("axis")).shape,
              vjp=A.vjp_expand, jvp=LINEAR, printer=_print_axis_call, params=AXIS,
              spellings=("np.squeeze", "x.squeeze()"), lower=_lower_axis,
              numba=_squeeze_numba),
    Primitive("concatenate", "shaping", "[a, b, ...] joined along an existing axis",
              shape=_joined_shape, vjp=A.vjp_concatenate, jvp=T.all_linear,
              printer=_print_axis_call, params=JOIN, spellings=("np.concatenate",),
              numba=_sequence_numba, lower=_lower_joined),
    Primitive("stack", "shaping", "[a, b, ...] joined along a new axis",
              shape=_joined_shape, vjp=A.vjp_stack, jvp=T.all_linear, printer=_print_stack,
              params=JOIN, spellings=("np.stack",), known_value=_known_stack,
              numba=_stack_numba, lower=_lower_joined),
    Primitive("broadcast_to", "shaping", "x stretched to a shape",
              shape=lambda n, s, v: tuple(v[1]) if v[1] is not None else None,
              partial_shapes=True, vjp=_vjp_broadcast_to, jvp=LINEAR,
              printer=lambda n, p: p.np("broadcast_to", p.a),
              spellings=("np.broadcast_to",), lower=_lower_broadcast_to, shaped_by=1,
              numba=_broadcast_numba),
)
