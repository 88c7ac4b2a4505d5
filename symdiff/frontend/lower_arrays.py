"""Lowering of the NumPy spellings whose meaning depends on an argument: dtypes, casts.

    x.astype('float64'), x.astype(float), x.astype(np.float32), np.float32(x),
    np.array(x, dtype=float), np.asarray(x)
        a float dtype keeps the array and passes the gradient through; an int or bool
        dtype is a step (its gradient is zero almost everywhere): refused when a
        differentiated value goes through it (``reverse.refuse_steps``, in both modes).
    v.astype(x.dtype), np.asarray(v, dtype=x.dtype), np.zeros(n, dtype=x.dtype), ...
        the dtype of another array: ``cast_like``, v in x's dtype where the code runs, x
        checked there to hold floats unless the program shows it does (an integer x
        would make v a step); x.astype(x.dtype) and np.ones_like(x, dtype=x.dtype) are x
        and np.ones_like(x)
    x.item(), x.item(k), x.item(i, j)
        the one element of a size-1 x (x reshaped to ()), the k-th element of x.ravel(),
        x[i, j]: the element itself, its gradient flowing back to where it was read
"""
from __future__ import annotations

import ast

import numpy as np

from ..ir import TMP, Const
from ..ir.dtypes import float_array
from ..primitives.linalg_svd import lower_matrix_norm
from .env import Tup

#: ``np.float32(x)`` and friends: calls that convert.
SCALAR_TYPES = {"float64", "float32", "float16", "double", "single", "int64", "int32", "int16",
                "int8", "uint8", "bool_"}
#: Constructors that take a ``dtype=`` keyword, passed on as it is.
DTYPE_CONSTRUCTORS = {"zeros", "ones", "empty", "full", "arange", "eye", "linspace",
                      "zeros_like", "ones_like", "full_like", "identity", "empty_like"}

#: Builtin type names that NumPy accepts as dtypes.
BUILTIN_DTYPES = {"float": "float64", "int": "int64", "bool": "bool", "complex": "complex128"}


def dtype_of(ctx, node: ast.expr) -> np.dtype:
    """The dtype a ``dtype`` argument names: 'float32', float, np.float64, np.int32..."""
    spelled = None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        spelled = node.value
    elif isinstance(node, ast.Name) and node.id in BUILTIN_DTYPES:
        spelled = BUILTIN_DTYPES[node.id]
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id in ctx.src.scope.numpy:
        spelled = node.attr
    try:
        if spelled is not None and (isinstance(node, ast.Constant) or hasattr(np, spelled)):
            return np.dtype(spelled)
    except TypeError:
        pass
    raise ctx.fail("this dtype is not understood", node,
                   "write a NumPy dtype: float, 'float64', np.float32, int, np.int64, bool")


def cast(ctx, x, dtype: np.dtype, hint: str, at: ast.AST):
    """``x`` converted to ``dtype`` (an array stays an array)."""
    if dtype.kind == "f":
        return ctx.emit("cast", [x], hint, type="float", dtype=dtype.name)
    if dtype.kind in "iub":
        return ctx.emit("cast", [x], hint, type="int", dtype=dtype.name,
                        spelling=f".astype({dtype.name})")
    raise ctx.fail(f"conversion to {dtype.name} is not supported", at,
                   "differentiate real (float) values only")


def astype(ctx, e: ast.Call, x, hint: str):
    """``x.astype(dtype)``: the dtype is the first argument or the ``dtype`` keyword."""
    node = e.args[0] if e.args else next((k.value for k in e.keywords if k.arg == "dtype"), None)
    if node is None:
        raise ctx.fail(".astype needs a dtype", e, "write e.g. x.astype(float)")
    like = dtype_array(ctx, node)
    if like is not None and _same(like, e.func.value):
        return x                           # x.astype(x.dtype): the same values
    if like is not None:
        return ctx.emit("cast_like", [x, floats_like(ctx, like)], hint)
    return cast(ctx, x, dtype_of(ctx, node), hint, e)


def dtype_keyword(ctx, e: ast.Call) -> np.dtype | ast.expr | None:
    """The ``dtype=`` keyword of a call, as a dtype, or the array whose dtype it names
    (``dtype=x.dtype``: ``x``); None when there is none."""
    node = next((k.value for k in e.keywords if k.arg == "dtype"), None)
    if node is None:
        return None
    return dtype_array(ctx, node) or dtype_of(ctx, node)


def dtype_array(ctx, node: ast.expr) -> ast.expr | None:
    """The array ``x`` of a dtype written ``x.dtype``, or None."""
    if isinstance(node, ast.Attribute) and node.attr == "dtype" and not (
            isinstance(node.value, ast.Name) and node.value.id in ctx.src.scope.numpy):
        return node.value
    return None


def floats_like(ctx, node: ast.expr):
    """The array whose dtype ``x.dtype`` names, as a value; checked where the code runs
    to hold floats unless the program shows it does (x.dtype an integer dtype would make
    the conversion a step, with no gradient: NumPy's value, but not the one passed on)."""
    x = ctx.array(ctx.lower(node), node)
    name = ast.unparse(node)
    if isinstance(x, Const):
        if np.asarray(x.value).dtype.kind != "f":
            raise ctx.fail(f"{name}.dtype is not a float dtype here", node,
                           "name the dtype, e.g. dtype=float")
        return x
    if not float_array(lambda v: _made(ctx, v), x) and not _checked(ctx, x):
        ctx.emit("check_floats", [x], TMP, message=(
            f"{name}.dtype is taken here as the float dtype of {name}, which holds no "
            f"floats; convert {name} first ({name}.astype(float)), or name the dtype "
            "(dtype=float)"))
    return x


def _made(ctx, v):
    """The node this function's lowering wrote ``v`` with so far, or None."""
    return next((n for n in reversed(ctx.b.body) if getattr(n, "out", None) == v), None)


def _checked(ctx, x) -> bool:
    """Whether this block has checked already that ``x`` holds floats."""
    return any(getattr(n, "op", None) == "check_floats" and n.args[0] == x for n in ctx.b.body)


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def dtype_const(dtype: np.dtype) -> Const:
    """A dtype as a constant argument of a NumPy call: ``dtype='float64'``."""
    return Const(dtype.name)


def with_dtype(ctx, e: ast.Call, hint: str, name: str, args, keywords, dtype, lower):
    """``np.<name>(..., dtype=d)``: a conversion for np.array/np.asarray; a keyword of a
    constructor; refused elsewhere. ``lower(args, keywords, hint)`` lowers the call
    itself; ``dtype`` an expression ``x``: the dtype of x (``with_dtype_of``)."""
    if isinstance(dtype, ast.expr):
        return with_dtype_of(ctx, e, hint, name, args, keywords, dtype, lower)
    if name in ("array", "asarray") and len(args) == 1 and not keywords:
        x = ctx.array(lower(args, {}), e)
        return cast(ctx, x, dtype, hint, e)
    if name in DTYPE_CONSTRUCTORS:
        return lower(args, {**keywords, "dtype": dtype_const(dtype)})
    raise ctx.fail(f"the dtype= keyword of np.{name} is not supported", e,
                   "convert the argument first, e.g. x.astype(float)")


def with_dtype_of(ctx, e: ast.Call, hint: str, name: str, args, keywords, like: ast.expr,
                  lower):
    """``np.<name>(..., dtype=x.dtype)``: the call without the keyword, converted to x's
    dtype where the code runs (np.zeros and friends compute their values in float64 and
    NumPy converts them the same way); ``np.ones_like(x, dtype=x.dtype)`` is
    np.ones_like(x)."""
    if name.endswith("_like") and e.args and _same(e.args[0], like):
        return lower(args, keywords, hint)
    if name in ("array", "asarray") and len(args) == 1 and not keywords:
        made = ctx.array(lower(args, {}, TMP), e)
    elif name in DTYPE_CONSTRUCTORS - {"arange"}:
        made = ctx.array(lower(args, keywords, TMP), e)
    else:
        raise ctx.fail(f"np.{name}(..., dtype={ast.unparse(like)}.dtype) is not supported", e,
                       f"convert the result: np.{name}(...).astype({ast.unparse(like)}.dtype)")
    return ctx.emit("cast_like", [made, floats_like(ctx, like)], hint)


# ---------------------------------------------------------------- constructors with values
#
#     np.full(shape, a), np.full_like(x, a)    d/da = the upstream gradient summed to a's shape
#     np.linspace(a, b, num)                   out = a + (b - a) * t, t = 0 .. 1 (num points)
#                                              d/da = sum of g * (1 - t), d/db = sum of g * t
#     np.arange(a, b, step)                    refused when a value it depends on is
#                                              differentiated (its length jumps)


def _keyword(e: ast.Call, args: list, keywords: dict, position: int, name: str, default):
    if name in keywords:
        return keywords[name]
    return args[position] if len(args) > position else default


def full(ctx, e: ast.Call, hint: str, name: str, args: list, keywords: dict):
    """``np.full(shape, a)`` / ``np.full_like(x, a)``: differentiable in ``a``."""
    from .lower_calls import _shape_tuple
    allowed = {"fill_value", "dtype"}
    if len(args) + len(set(keywords) & {"fill_value", "shape", "a"}) < 2 or \
            set(keywords) - allowed - {"shape", "a"}:
        raise ctx.fail(f"np.{name} takes a shape (or an array) and a fill value here", e,
                       f"write np.{name}(shape, value)")
    first = _keyword(e, args, keywords, 0, "shape" if name == "full" else "a", None)
    value = ctx.array(_keyword(e, args, keywords, 1, "fill_value", None), e)
    if name == "full":
        first = _shape_tuple(ctx, first) if isinstance(first, Tup) else ctx.array(first, e)
    else:
        first = ctx.array(first, e)
    dtype = keywords.get("dtype")
    extra = {"dtype": dtype.value} if isinstance(dtype, Const) else {}
    return ctx.emit("fill", [first, value], hint, fn=name, **extra)


def linspace(ctx, e: ast.Call, hint: str, args: list, keywords: dict):
    """``np.linspace(a, b, num=50, endpoint=True)``: differentiable in a and b."""
    if set(keywords) - {"start", "stop", "num", "endpoint", "dtype"}:
        raise ctx.fail("np.linspace takes start, stop, num and endpoint here", e,
                       "leave out retstep= and axis=; write the points from np.linspace(0, 1, n)")
    start = ctx.array(_keyword(e, args, keywords, 0, "start", None), e)
    stop = ctx.array(_keyword(e, args, keywords, 1, "stop", None), e)
    num = ctx.array(_keyword(e, args, keywords, 2, "num", Const(50)), e)
    endpoint = ctx.static(_keyword(e, args, keywords, 3, "endpoint", Const(True)), e, "endpoint")
    dtype = keywords.get("dtype")
    extra = {"dtype": dtype.value} if isinstance(dtype, Const) else {}
    return ctx.emit("linspace", [start, stop, num], hint, endpoint=bool(endpoint), **extra)


# ---------------------------------------------------------------- norms
#
# np.linalg.norm(x, ord, axis, keepdims) as NumPy defines it. Vectors (1-D, or one axis):
# ord=2 the 2-norm, 1 sum |x|, inf max |x|, -inf min |x|, any other p (sum |x|**p)**(1/p).
# Matrices (2-D, or two axes): 'fro', 1 / -1 max / min column sum of |x|, inf / -inf max / min
# row sum, 2 / -2 / 'nuc' the max / min / sum of the singular values (primitives.linalg_svd:
# with two axes written onto np.linalg.svd; with axis=None the norm's rules do so once x's
# rank says it is a matrix). Ties at a max or min share the gradient evenly; abs'(0) = 0.
# Refused: ord=0 (a count of nonzeros).

VECTOR_ORDS = "2, 1, inf, -inf or any other number except 0"
MATRIX_ORDS = "'fro', 'nuc', 1, -1, 2, -2, inf, -inf"


def norm(ctx, e: ast.Call, hint: str, x, order, axis, keepdims: bool):
    """A norm of an order other than None: one ``norm`` primitive (rules.arrays)."""
    if isinstance(order, str) and order not in ("fro", "nuc") or isinstance(order, bool) or \
            not isinstance(order, (str, int, float)):
        raise ctx.fail(f"ord={order!r} is not a norm order", e,
                       f"for vectors use {VECTOR_ORDS}; for matrices {MATRIX_ORDS}")
    if order == 0:
        raise ctx.fail("np.linalg.norm with ord=0 counts the nonzero elements: it is not "
                       "differentiable", e, "compute the count outside the function")
    axes = axis if isinstance(axis, tuple) else None if axis is None else (axis,)
    if axes is not None and len(axes) not in (1, 2):
        raise ctx.fail("np.linalg.norm takes one axis (vectors) or two (matrices)", e)
    if order == "nuc" and axes is not None and len(axes) == 1:
        raise ctx.fail("ord='nuc' is a matrix norm: it takes two axes", e,
                       "pass axis=(r, c), the axes of the matrices")
    if axes is not None and len(axes) == 2 and order in (2, -2, "nuc"):
        return lower_matrix_norm(ctx, x, order, axes, keepdims, hint)
    return ctx.emit("norm", [x], hint, ord=order, axis=axis, keepdims=keepdims)


def item(ctx, e: ast.Call, hint: str):
    """``x.item()`` is x reshaped to ``()`` (which, like item, fails unless x holds one
    element); ``x.item(k)`` reads ``x.ravel()[k]``, ``x.item(i, j)`` reads ``x[i, j]``."""
    if e.keywords or any(isinstance(a, ast.Starred) for a in e.args):
        raise ctx.fail(".item takes positional indices only", e, "write x.item() or x[i, j]")
    base = e.func.value
    if not e.args:
        call = ast.Call(ast.Attribute(base, "reshape", ast.Load()), [ast.Tuple([], ast.Load())],
                        [])
        return ctx.lower(_located(call, e), hint)
    if len(e.args) == 1:
        base = _located(ast.Call(ast.Attribute(base, "ravel", ast.Load()), [], []), e)
        index = e.args[0]
    else:
        index = _located(ast.Tuple(list(e.args), ast.Load()), e)
    return ctx.lower(_located(ast.Subscript(base, index, ast.Load()), e), hint)


def _located(node: ast.expr, like: ast.AST) -> ast.expr:
    return ast.fix_missing_locations(ast.copy_location(node, like))
