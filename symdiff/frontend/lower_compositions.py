"""NumPy functions that are compositions of primitives, lowered onto them (no rules of
their own; the derivative comes from the parts):

    append(a, v)             concatenate([ravel(a), ravel(v)])   (axis=None)
    append(a, v, axis)       concatenate([a, v], axis)
    cross(a, b)              the 3-vectors' cross product along the last axis
    take(a, i)               ravel(a)[i];  take(a, i, axis=0) is a[i]
    identity(n)              np.eye(n)
    vstack([a, b])           concatenate([atleast_2d(a), atleast_2d(b)], 0)  (row_stack too)
    dstack([a, b])           concatenate([atleast_3d(a), atleast_3d(b)], 2)
    vdot(a, b)               sum(ravel(a) * ravel(b))
    linalg.multi_dot([A, B, C])   A @ B @ C  (left to right)
    linalg.matrix_power(A, k)     A @ A @ ... (k a constant; inv(A) first for k < 0)
    add.reduce(a, axis=0)    sum(a, axis=0); multiply, maximum, minimum: prod, max, min
    add.accumulate(a, axis=0)     cumsum(a, axis=0)

    NUMPY[name](ctx, e, hint, args, keywords) -> the value
"""
from __future__ import annotations

from ..ir import TMP, Const
from ..primitives.compositions import only as _only
from ..primitives.compositions import option


def _static(ctx, e, args, keywords, position, name, default):
    return ctx.static(option(args, keywords, position, name, default), e, name)


def append(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, {"axis"}, "np.append")
    a, v = ctx.array(args[0], e), ctx.array(args[1], e)
    axis = _static(ctx, e, args, keywords, 2, "axis", None)
    if axis is None:
        flat = [ctx.emit("reshape", [u, Const(-1)], TMP) for u in (a, v)]
        return ctx.emit("concatenate", flat, hint, axis=0)
    return ctx.emit("concatenate", [a, v], hint, axis=axis)


def cross(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, set(), "np.cross")
    a, b = ctx.array(args[0], e), ctx.array(args[1], e)
    needs = "np.cross is differentiated for vectors of 3 components along the last axis"
    parts = [[ctx.emit("getitem", [u, Const(k)], TMP, index=(Ellipsis, ("at", 1)),
                        needs=needs, length=3)
              for k in range(3)] for u in (a, b)]
    (a0, a1, a2), (b0, b1, b2) = parts
    terms = [ctx.ew(lambda p, q, r, s: p * q - r * s, [x1, y2, x2, y1], TMP)
             for x1, y2, x2, y1 in ((a1, b2, a2, b1), (a2, b0, a0, b2), (a0, b1, a1, b0))]
    return ctx.emit("stack", terms, hint, axis=-1)


def take(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, {"axis"}, "np.take")
    x, indices = ctx.array(args[0], e), ctx.array(args[1], e)
    axis = _static(ctx, e, args, keywords, 2, "axis", None)
    if axis is None:
        x = ctx.emit("reshape", [x, Const(-1)], TMP)
        axis = 0
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise ctx.fail("np.take needs a constant integer axis (or None)", e,
                       "write axis as a literal, e.g. axis=1")
    return ctx.emit("getitem", [x, indices], hint, index=_at_axis(axis, ("at", 1)))


def _at_axis(axis: int, entry) -> tuple:
    """An index spec picking ``entry`` along any axis: whole slices before it (after it,
    counted from the end, when negative); one index array keeps NumPy's take layout."""
    whole = ("slice", None, None, None)
    if axis >= 0:
        return (whole,) * axis + (entry,)
    return (Ellipsis, entry) + (whole,) * (-axis - 1)


def identity(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, set(), "np.identity")
    return ctx.emit("np", [ctx.array(args[0], e)], hint, fn="eye", keywords=())


def vdot(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, set(), "np.vdot")
    flat = [ctx.emit("reshape", [ctx.array(a, e), Const(-1)], TMP) for a in args[:2]]
    product = ctx.ew(lambda u, v: u * v, flat, TMP)
    return ctx.emit("sum", [product], hint, axis=None, keepdims=False)


def multi_dot(ctx, e, hint, args, keywords):
    from .lower import Tup
    _only(ctx, e, keywords, set(), "np.linalg.multi_dot")
    if len(args) != 1 or not isinstance(args[0], Tup) or len(args[0].items) < 2:
        raise ctx.fail("np.linalg.multi_dot takes a list of arrays written out, e.g. [A, B, C]", e)
    items = [ctx.array(a, e) for a in args[0].items]
    product = items[0]
    for k, item in enumerate(items[1:], 2):
        product = ctx.emit("matmul", [product, item], hint if k == len(items) else TMP)
    return product


def matrix_power(ctx, e, hint, args, keywords):
    _only(ctx, e, keywords, set(), "np.linalg.matrix_power")
    x = ctx.array(args[0], e)
    k = ctx.static(args[1] if len(args) > 1 else Const(None), e, "the power")
    if not isinstance(k, int) or isinstance(k, bool):
        raise ctx.fail("np.linalg.matrix_power needs a constant integer power", e)
    if k == 0:
        size = ctx.emit("dim", [x], TMP, axis=-1)
        return ctx.emit("np", [size], hint, fn="eye", keywords=())
    base = ctx.emit("inv", [x], TMP) if k < 0 else x
    product = base
    for j in range(2, abs(k) + 1):
        product = ctx.emit("matmul", [product, base], hint if j == abs(k) else TMP)
    return product


def stacked(ctx, e, hint, args, keywords, name: str):
    from .lower import Tup
    if keywords or len(args) != 1 or not isinstance(args[0], Tup):
        raise ctx.fail(f"np.{name} takes a list of arrays written out, e.g. [a, b]", e)
    ndim, axis = (3, 2) if name == "dstack" else (2, 0)
    parts = [ctx.emit("atleast", [ctx.array(a, e)], TMP, ndim=ndim) for a in args[0].items]
    return ctx.emit("concatenate", parts, hint, axis=axis)


def _stacked(name: str):
    return lambda ctx, e, hint, args, keywords: stacked(ctx, e, hint, args, keywords, name)


def _ufunc_method(op: str, spelled: str):
    """``np.add.reduce`` and friends: the reduction ``op``, along axis 0 unless told."""
    def lower(ctx, e, hint, args, keywords):
        from ..primitives.registry import primitive
        if len(args) < 2 and "axis" not in keywords:
            keywords = {**keywords, "axis": Const(0)}
        return primitive(op).lower(ctx, e, hint, spelled, args, keywords)
    return lower


UFUNC_METHODS = {"add.reduce": "sum", "multiply.reduce": "prod", "maximum.reduce": "amax",
                 "minimum.reduce": "amin", "add.accumulate": "cumsum"}

NUMPY = {"vstack": _stacked("vstack"), "row_stack": _stacked("vstack"),
         "dstack": _stacked("dstack"), "vdot": vdot, "linalg.multi_dot": multi_dot,
         "linalg.matrix_power": matrix_power, "append": append, "cross": cross,
         "take": take, "identity": identity}
NUMPY.update({name: _ufunc_method(op, name) for name, op in UFUNC_METHODS.items()})
