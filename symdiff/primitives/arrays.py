"""Array primitives: vector-Jacobian products as IR templates, and their shape rules.

One signature for every rule: ``vjp(em, g, n, i)`` returns the contribution of the
upstream gradient ``g`` (the gradient of ``n.out``) to argument ``i`` of node ``n``, built
with the same IR operations the forward uses, so a rule's output could be differentiated
again. ``em`` emits nodes at the forward node's source location and knows the static
shapes where they are known (``em.shape(v)``, None when unknown); rules use them to
write the readable form (``dW = X.T @ dh``, ``db = np.sum(dh, axis=0)``) and fall back to
a shape-generic helper otherwise.

    matmul     z = x @ y          dx = g @ y.T          dy = x.T @ g
    sum        s = sum(x, axis)   dx = broadcast g back over the summed axes
    mean       m = mean(x, axis)  dx = broadcast g back, divided by the count
    max        m = max(x, axis)   dx = g where x == m (ties share it evenly): max routes
    getitem    y = x[idx]         dx = zeros like x, with g added at idx (repeats accumulate)
    broadcast  z = x + y          dx = g summed over the axes x was broadcast along
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Const, Node, Value, Var
from ..ir import Temporary, shift_index

SLICE_ALL = ("slice", None, None, None)


def normalize_axes(axis, ndim: int | None):
    """An axis parameter as a sorted tuple of non-negative axes (needs ndim if negative)."""
    if axis is None:
        return None if ndim is None else tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    if any(a < 0 for a in axes):
        if ndim is None:
            return None
        axes = tuple(a % ndim for a in axes)
    return tuple(sorted(axes))


# ---------------------------------------------------------------- undoing broadcasting


def sum_to(em, g: Value, like: Value, gshape=None) -> Value:
    """Sum ``g`` over the axes along which ``like`` was broadcast, so it has like's shape."""
    xshape = em.shape(like)
    gshape = em.shape(g) if gshape is None else gshape
    if xshape is not None and gshape is not None:
        if tuple(xshape) == tuple(gshape):
            return g
        lead = len(gshape) - len(xshape)
        axes = tuple(range(lead)) + tuple(lead + k for k, n in enumerate(xshape)
                                          if n == 1 and gshape[lead + k] != 1)
        if not axes:
            return g
        if len(xshape) == 0:
            return em.out("sum", [g], axis=None, keepdims=False)
        if lead == 0:
            return em.out("sum", [g], axis=axes if len(axes) > 1 else axes[0], keepdims=True)
        summed_shape = tuple(n for k, n in enumerate(gshape) if k not in axes)
        if summed_shape == tuple(xshape):
            return em.out("sum", [g], axis=axes if len(axes) > 1 else axes[0], keepdims=False)
        total = em.tmp("sum", [g], axis=axes if len(axes) > 1 else axes[0], keepdims=False)
        return em.out("reshape", [total, Const(tuple(xshape))])
    return em.out("unbroadcast", [g, like])


# ---------------------------------------------------------------- rules


def vjp_matmul(em, g, n: Node, i: int):
    x, y = n.args
    rx, ry = em.ndim(x), em.ndim(y)
    if n.param("dot") and not (rx in (1, 2) and ry in (1, 2)):
        return _vjp_dot(em, g, n, i, rx, ry)
    if i == 0:
        if ry == 2 and rx in (1, 2):
            return em.out("matmul", [g, em.tmp("transpose", [y], axes=None)])
        if ry == 1 and rx == 2:
            return em.out("outer", [g, y])
        if ry == 1 and rx == 1:
            return em.ew_out(lambda a, b: a * b, [g, y])
        return em.out("matmul_vjp_left", [g, x, y])
    if rx == 2 and ry in (1, 2):
        return em.out("matmul", [em.tmp("transpose", [x], axes=None), g])
    if rx == 1 and ry == 2:
        return em.out("outer", [x, g])
    if rx == 1 and ry == 1:
        return em.ew_out(lambda a, b: a * b, [g, x])
    return em.out("matmul_vjp_right", [g, x, y])


def _vjp_dot(em, g, n: Node, i: int, rx, ry):
    """np.dot beyond matrices: a scalar operand multiplies; N-D operands contract the last
    axis of x with the second-to-last of y (no batch broadcasting, unlike matmul)."""
    x, y = n.args
    if rx == 0 or ry == 0:
        other = n.args[1 - i]
        part = em.ew_tmp(lambda a, b: a * b, [g, other])
        em.set_shape(part, em.shape(n.out))
        return sum_to(em, part, n.args[i], em.shape(n.out))
    return em.out("dot_vjp_left" if i == 0 else "dot_vjp_right", [g, x, y])


def vjp_outer(em, g, n: Node, i: int):
    """np.outer flattens its arguments: an argument that is not a vector gets its
    gradient shaped back."""
    x, y = n.args
    if em.ndim(x) == 1 and em.ndim(y) == 1:
        if i == 0:
            return em.out("matmul", [g, y])
        return em.out("matmul", [em.tmp("transpose", [g], axes=None), x])
    flat = em.tmp("reshape", [n.args[1 - i], Const(-1)])
    left = g if i == 0 else em.tmp("transpose", [g], axes=None)
    return em.out("reshape", [em.tmp("matmul", [left, flat]), _shape_value(em, n.args[i])])


def _expand_back(em, g, n: Node):
    """The upstream gradient of a reduction, with the reduced axes put back (size 1)."""
    axis, keepdims = n.param("axis"), n.param("keepdims")
    if axis is None or keepdims:
        return g
    axes = normalize_axes(axis, em.ndim(n.args[0]))
    if axes is None:
        return em.tmp("expand_dims", [g], axis=axis)
    return em.tmp("expand_dims", [g], axis=axes if len(axes) > 1 else axes[0])


def _shape_value(em, x: Value) -> Value:
    shape = em.shape(x)
    return Const(tuple(shape)) if shape is not None else em.tmp("shape", [x], style="np")


def vjp_sum(em, g, n: Node, i: int):
    ge = _expand_back(em, g, n)
    return em.out("broadcast_to", [ge, _shape_value(em, n.args[0])])


def vjp_mean(em, g, n: Node, i: int):
    x = n.args[0]
    ge = _expand_back(em, g, n)
    xs, outs = em.shape(x), em.shape(n.out)
    axis = n.param("axis")
    if xs is not None and outs is not None:
        count: Value = Const(int(np.prod(xs, dtype=int) // max(int(np.prod(outs, dtype=int)), 1)))
    elif axis is None:                       # every element: the count is x's size
        count = em.tmp("size", [x])
    elif isinstance(axis, int):              # one axis: its length
        count = em.tmp("dim", [x], axis=axis)
    else:
        count = em.ew_tmp(lambda a, b: a / b, [em.tmp("size", [x]), em.tmp("size", [n.out])])
    spread = em.tmp("broadcast_to", [ge, _shape_value(em, x)])
    return em.ew_out(lambda a, c: a / c, [spread, count])


def vjp_extremum(em, g, n: Node, i: int):
    """max routes: the gradient goes to the elements equal to the max, split among ties."""
    x = n.args[0]
    ge = _expand_back(em, g, n)
    oute = _expand_back(em, n.out, n)
    mask = em.tmp("compare", [x, oute], symbol="==")
    ties = em.tmp("sum", [mask], axis=n.param("axis"), keepdims=True)
    return em.ew_out(lambda m, a, t: m * a / t, [mask, ge, ties])


def vjp_reshape(em, g, n: Node, i: int):
    if i != 0:
        return None
    return em.out("reshape", [g, _shape_value(em, n.args[0])])


def vjp_transpose(em, g, n: Node, i: int):
    axes = n.param("axes")
    inverse = None if axes is None else tuple(int(a) for a in np.argsort(axes))
    return em.out("transpose", [g], axes=inverse)


def vjp_getitem(em, g, n: Node, i: int):
    if i != 0:
        return None
    x = n.args[0]
    index_args = list(n.args[1:])
    basic = all(not isinstance(entry, tuple) or entry[0] == "slice"
                or _is_scalar_index(em, n.args[entry[1]]) for entry in n.param("index"))
    op = "scatter" if basic or _distinct_rows(em, n) else "scatter_add"
    shape = em.shape(x)
    if getattr(em, "in_loop", False) and shape is not None:
        x = Const(tuple(shape))      # in a loop, a known shape spares saving x every iteration
    elif shape is not None:
        x = _same_shape_operand(em, x, shape)
    return em.out(op, [g, x, *index_args], index=n.param("index"))


def _same_shape_operand(em, x: Value, shape) -> Value:
    """An operand of x's shape that x is computed from elementwise (``shifted`` for
    ``log_probs = shifted - log_norm``): the zeros take their shape from it, and x itself,
    needed for nothing else, is not computed."""
    from .registry import primitive
    node = getattr(em, "producers", {}).get(x.name) if isinstance(x, Var) else None
    if node is None:
        return x
    try:
        elementwise = primitive(node.op).elementwise
    except KeyError:                  # not a registered primitive: keep x
        return x
    same = [a for a in node.args if isinstance(a, Var) and em.shape(a) == shape]
    return same[0] if elementwise and same else x


def _distinct_rows(em, n: Node) -> bool:
    """``x[np.arange(N), y]``: an arange among 1-D index arrays picks each position at most
    once, so the gradient is written, not accumulated with the slower ``np.add.at``."""
    arrays = [n.args[e[1]] for e in n.param("index")
              if isinstance(e, tuple) and e[0] == "at" and not _is_scalar_index(em, n.args[e[1]])]
    if any(em.shape(a) is None or len(em.shape(a)) > 1 for a in arrays):
        return False
    producers = getattr(em, "producers", {})
    return any(isinstance(a, Var) and a.name in producers and producers[a.name].op == "np"
               and producers[a.name].param("fn") == "arange" for a in arrays)


def _is_scalar_index(em, v: Value) -> bool:
    if isinstance(v, Const):
        return isinstance(v.value, int)
    return em.shape(v) == ()


def _take(em, g, axis: int, entry, args):
    """``g`` indexed by ``entry`` along ``axis`` (negative axes count from the end)."""
    if axis >= 0:
        index = (SLICE_ALL,) * axis + (entry,)
    else:
        index = (Ellipsis, entry) + (SLICE_ALL,) * (-axis - 1)
    return em.out("getitem", [g, *args], index=index)


def vjp_concatenate(em, g, n: Node, i: int):
    axis = n.param("axis")
    dims = []
    for arg in n.args[: i + 1]:
        shape = em.shape(arg)
        dims.append(Const(shape[axis]) if shape is not None else em.tmp("dim", [arg], axis=axis))
    start: Value = Const(0)
    for d in dims[:-1]:
        start = em.ew_tmp(lambda a, b: a + b, [start, d])
    stop = em.ew_tmp(lambda a, b: a + b, [start, dims[-1]])
    if isinstance(start, Const) and start.value == 0:
        return _take(em, g, axis, ("slice", None, 1, None), [stop])
    return _take(em, g, axis, ("slice", 1, 2, None), [start, stop])


def vjp_stack(em, g, n: Node, i: int):
    return _take(em, g, n.param("axis"), ("at", 1), [Const(i)])


def vjp_where(em, g, n: Node, i: int):
    if i == 0:
        return None
    cond = n.args[0]
    picked = [cond, g, Const(0.0)] if i == 1 else [cond, Const(0.0), g]
    gshape = em.shape(n.out)
    routed = em.tmp("where", picked)
    em.set_shape(routed, gshape)
    return sum_to(em, routed, n.args[i], gshape)


def vjp_expand(em, g, n: Node, i: int):
    return em.out("reshape", [g, _shape_value(em, n.args[0])])


def vjp_setitem(em, g, n: Node, i: int):
    """y = x with y[idx] = v: x's gradient is g but zero at idx; v's is g[idx]."""
    spec, index_args = n.param("index"), list(n.args[2:])
    if i == 0:
        return em.out("setitem", [g, Const(0.0), *index_args], index=spec)
    if i == 1:
        refuse_integer_base(em, n)
        part = em.tmp("getitem", [g, *index_args], index=shift_index(spec, -1))
        if _may_repeat(em, spec, n.args):
            part = _written_last(em, g, part, spec, index_args)
        return sum_to(em, part, n.args[1])
    return None


def refuse_integer_base(em, n: Node) -> None:
    """A differentiated value written into an array known to hold integers: NumPy
    truncates it there, so no derivative passes the write (``ir.dtypes``). Into an array
    not known to hold floats, the generated code checks (``ad.float_checks``)."""
    from ..ir.dtypes import request
    from ..errors import SymdiffError
    if request(em, n.args[0], n.loc):
        raise SymdiffError("this writes a value that depends on the differentiated inputs "
                           "into an array of integers: NumPy truncates it, so it has no "
                           "gradient here", n.loc,
                           hint="make the array floats (np.zeros(n), or dtype=float), or "
                                "write np.floor(v) where truncation is meant")


def _may_repeat(em, spec, args) -> bool:
    """Whether an index may name one element twice (``y[[0, 0, 1]] = v``): an integer
    array among its entries, unless it is a constant with no repeat; numbers, slices and
    masks never do."""
    arrays = []
    for entry in spec:
        if entry is None or entry is Ellipsis or entry[0] != "at":
            continue
        v = args[entry[1]]
        known = _constant_index(em, v)
        if known is not None:
            if np.ndim(known) > 0:
                arrays.append(known)
            continue
        if em.shape(v) == () or _is_a_mask(em, v):
            continue
        return True
    if not arrays:
        return False
    if len(arrays) > 1:
        return True
    flat = arrays[0].ravel()
    return flat.dtype.kind != "b" and len(np.unique(flat)) < len(flat)


def _constant_index(em, v) -> np.ndarray | None:
    """The value of an index known at compile time (``3``, ``np.array((0, 2))``)."""
    if isinstance(v, Const):
        return np.asarray(v.value)
    made = em.producers.get(v.name) if isinstance(v, Var) else None
    if made is not None and made.op == "np" and made.param("fn") == "array" and \
            len(made.args) == 1 and isinstance(made.args[0], Const):
        return np.asarray(made.args[0].value)
    return None


def _is_a_mask(em, v) -> bool:
    from .registry import primitive
    made = em.producers.get(v.name) if isinstance(v, Var) else None
    if made is None:
        return False
    rule = primitive(made.op).makes_mask
    return made.op == "compare" or rule is not None and bool(rule(made, lambda _: False))


def _written_last(em, g, part, spec, index_args):
    """``part`` (the upstream gradient at the written positions) kept only where the
    write survived: where an index names an element twice, NumPy keeps the last value
    written, so the others get no gradient. Which one survives is found by the same
    assignment: write the positions' numbers, read them back."""
    note, em.note = em.note, f"{em.note}  (where the index repeats, the last write wins)"
    try:
        count = em.tmp("size", [part])
        numbers = _word(em, "flat_positions", "np", [count], fn="arange", keywords=())
        numbers = _word(em, "positions", "reshape", [numbers, _shape_value(em, part)])
        marks = _word(em, "no_writer", "full", [g], value=-1.0)
        written = _word(em, "last_writer", "setitem", [marks, numbers, *index_args],
                        index=spec)
        back = _word(em, "last_writer_at", "getitem", [written, *index_args],
                     index=shift_index(spec, -1))
        kept = _word(em, "survived", "compare", [back, numbers], symbol="==")
        return em.ew_tmp(lambda a, m: a * m, [part, kept])
    finally:
        em.note = note


def _word(em, word: str, op: str, args, **params) -> Var:
    """A made-up value whose name the printer takes from ``word`` (``positions``): a
    word for the reader, the value made up all the same (``ir.Temporary``)."""
    hint, em.hint = em.hint, Temporary(word)
    try:
        return em.out(op, args, **params)
    finally:
        em.hint = hint


def vjp_cast(em, g, n: Node, i: int):
    return g if n.param("type") == "float" else None


FULL_LIKE = ("np.full_like(x, a) has the dtype of x, and x holds integers here (a is "
             "truncated, its gradient zero); write np.full_like(x, a, dtype=float), or "
             "np.full(x.shape, a)")


def check_fill_prototype(em, n: Node) -> None:
    """np.full_like(x, a) with a differentiated a and no dtype=: x's dtype decides whether
    a is truncated. Known integers were refused (``ad.activity``); a dtype not known when
    compiling is checked where x is made (``ad.float_checks``)."""
    if n.param("fn") == "full_like" and not n.param("dtype"):
        from ..ir.dtypes import request
        request(em, n.args[0], n.loc, FULL_LIKE)


def vjp_fill(em, g, n: Node, i: int):
    """np.full(shape, a) / np.full_like(x, a): every element is a, so a's gradient is the
    upstream gradient summed back to a's shape."""
    if i != 1:
        return None
    check_fill_prototype(em, n)
    if n.param("dtype") and np.dtype(n.param("dtype")).kind != "f":
        from ..errors import SymdiffError
        raise SymdiffError(f"np.{n.param('fn')} with dtype={n.param('dtype')} is not "
                           "differentiable in its fill value", n.loc,
                           hint="leave out dtype=, or compute the value outside the function")
    return sum_to(em, g, n.args[1], em.shape(n.out))


def vjp_linspace(em, g, n: Node, i: int):
    """out = a + (b - a) * t with t from 0 to 1: da = sum of g * (1 - t), db = sum of g * t."""
    if i == 2:
        return None
    return em.out("linspace_vjp", [g, n.args[i], n.args[2], Const(n.param("endpoint")),
                                   Const(i == 0)])


def vjp_norm(em, g, n: Node, i: int):
    """np.linalg.norm of an order other than 2: a helper picks the formula for the rank
    (vectors: sign(x) * (|x| / out)**(p - 1); max / min norms route to their ties)."""
    return em.out("norm_vjp", [g, n.args[0], n.out], **dict(n.params))


def norm_shape(n: Node, shape: tuple) -> tuple:
    """The shape of a norm's result; a located refusal of what NumPy would not compute
    this way (a matrix norm of a vector, a norm of a 3-D array without axes)."""
    from ..errors import SymdiffError
    axis, order = n.param("axis"), n.param("ord")
    if axis is None and len(shape) > 2:
        raise SymdiffError(f"np.linalg.norm with ord={order!r} of an array of shape "
                           f"{tuple(shape)} needs axis=", n.loc,
                           hint="pass axis= (one axis for vector norms, two for matrix norms)")
    if axis is None and len(shape) == 1 and order in ("fro", "nuc"):
        raise SymdiffError(f"ord={order!r} is a matrix norm; this is a vector", n.loc,
                           hint="use ord=2 (or leave ord out) for a vector")
    return np.sum(_dummy(shape), axis=axis, keepdims=n.param("keepdims")).shape


# ---------------------------------------------------------------- shapes


def dot_shape(a: tuple, b: tuple) -> tuple:
    """The shape of np.dot(a, b): a scalar multiplies; else the last axis of a meets the
    second-to-last of b (the only axis of a vector)."""
    if len(a) == 0 or len(b) == 0:
        return tuple(a or b)
    if a[-1] != (b[0] if len(b) == 1 else b[-2]):
        raise ValueError("the inner dimensions do not match")
    return tuple(a[:-1]) + tuple(b[:-2]) + tuple(b[-1:] if len(b) > 1 else ())


def matmul_shape(a: tuple, b: tuple) -> tuple:
    if len(a) == 0 or len(b) == 0:
        raise ValueError("matmul of a scalar")
    if len(a) == 1 and len(b) == 1:
        if a != b:
            raise ValueError("shapes do not match")
        return ()
    if a[-1] != (b[0] if len(b) == 1 else b[-2]):
        raise ValueError("the inner dimensions do not match")
    if len(b) == 1:
        return tuple(a[:-1])
    if len(a) == 1:
        return tuple(b[:-2]) + tuple(b[-1:])
    return tuple(np.broadcast_shapes(a[:-2], b[:-2])) + (a[-2], b[-1])


def index_tuple(spec, args) -> tuple:
    """The Python index that a getitem ``spec`` stands for, given its argument values."""
    out = []
    for entry in spec:
        if entry is None or entry is Ellipsis:
            out.append(entry)
        elif entry[0] == "at":
            out.append(args[entry[1]])
        else:
            out.append(slice(*[None if k is None else args[k] for k in entry[1:]]))
    return tuple(out)


def _dummy(shape, dtype=float):
    return np.broadcast_to(np.zeros((), dtype), shape)


def infer_shape(n: Node, arg_shapes: list, arg_values: list) -> Any:
    """The output shape of ``n`` from its arguments' shapes (None when not known): its
    registry entry's shape rule. A rule sees unknown argument shapes only if it says it
    handles them (``partial_shapes``); NumPy refusing the stand-in arrays means unknown."""
    from .registry import primitive
    entry = primitive(n.op)
    if not entry.partial_shapes and any(s is None for s in arg_shapes):
        return None
    try:
        return entry.shape(n, arg_shapes, arg_values)
    except (ValueError, TypeError, IndexError):
        return None
