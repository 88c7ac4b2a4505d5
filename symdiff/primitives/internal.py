"""Compiler-internal primitives: what the derivative rules and passes write, never the user.

    unbroadcast(g, x)        g summed over the axes x was broadcast along (a helper)
    scatter(g, x, idx)       zeros shaped like x with g written at idx
    scatter_add(g, x, idx)   the same, repeated indices adding up (np.add.at)
    add_at(x, g, idx)        x with g added at idx
    zeros_like(x)            float zeros shaped like x (a tangent of a constant)
    copy(x), alias(x)        a writable copy; the same value under another name
    *_vjp helpers            gradients of matmul, np.dot, linspace and norms for any rank
    check_scalar(v)          raises unless v is a scalar (grad needs one)
    check_ndim(v)            raises unless v has ndim dimensions (np.gradient(f) of a vector),
                             and with several_rows, more than one row (np.cov's rowvar=False)
    tape(n), push, pop       the values a loop saves for its backward pass
    explain_mark(g, part, local)   where ``symdiff.explain`` records a rule's numbers
"""
from __future__ import annotations

import ast
from dataclasses import replace

from ..ir import Const, Node, Var
from . import tangents as T
from ..ir import shift_index
from ..ir.names import MASKS
from .indexing import add_at_loop
from .linalg import norm_vjp_jvp, print_norm
from .registry import LINEAR, NO_DERIVATIVE, NOT_YET, Primitive, register


def _print_helper(n, p):
    return p.helper(n.op, p.a)


def _print_scatter(n, p):
    g, x, *index_args = n.args
    shape = p.literal(x.value) if isinstance(x, Const) else \
        ast.Attribute(p.name(x), "shape", ast.Load())
    zeros = ast.Assign([p.target], p.np("zeros", [shape]))
    index = p.index(shift_index(n.param("index"), 1), [g, x, *index_args],
                    in_call=n.op == "scatter_add")
    if n.op == "scatter":
        write = ast.Assign([ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())],
                           p.name(g))
    elif n.param("loop"):
        write = add_at_loop(n, g, p)
    else:
        write = ast.Expr(p.np("add.at", [ast.Name(n.out.name, ast.Load()), index, p.name(g)]))
    return [zeros, write]


def _print_add_at(n, p):
    base, g, *index_args = n.args
    start = p.start_write(base)
    index = p.index(shift_index(n.param("index"), 1), n.args, in_call=n.param("advanced"))
    if n.param("loop"):
        return [ast.Assign([p.target], start), add_at_loop(n, g, p)]
    if n.param("advanced"):
        call = p.np("add.at", [ast.Name(n.out.name, ast.Load()), index, p.name(g)])
        return [ast.Assign([p.target], start), ast.Expr(call)]
    slot = ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())
    return [ast.Assign([p.target], start), ast.AugAssign(slot, ast.Add(), p.name(g))]


def _print_zeros_like(n, p):
    """Always float zeros, whatever x holds."""
    shape = ast.Attribute(p.a[0], "shape", ast.Load()) if n.param("known") \
        else p.np("shape", [p.a[0]])        # x may be a float
    return p.np("zeros", [shape])


def _print_check_scalar(n, p):
    value = p.name(n.args[0])
    ndim = (ast.Attribute(p.np("asarray", [value]), "ndim", ast.Load())
            if p.jit else p.np("ndim", [value]))
    test = ast.Compare(ndim, [ast.NotEq()], [ast.Constant(0)])
    error = ast.Call(ast.Name("ValueError", ast.Load()), [ast.Constant(
        f"{n.param('function')} must return a scalar to be differentiated")], [])
    return [ast.If(test, [ast.Raise(error, None)], [])]


def _print_check_ndim(n, p):
    value = p.name(n.args[0])
    ndim = (ast.Attribute(p.np("asarray", [value]), "ndim", ast.Load())
            if p.jit else p.np("ndim", [value]))
    test = ast.Compare(ndim, [ast.NotEq()], [ast.Constant(n.param("ndim"))])
    if n.param("several_rows"):
        shape = (ast.Attribute(p.np("asarray", [value]), "shape", ast.Load())
                 if p.jit else p.np("shape", [value]))
        rows = ast.Subscript(shape, ast.Constant(0), ast.Load())
        test = ast.BoolOp(ast.Or(), [test, ast.Compare(rows, [ast.Eq()], [ast.Constant(1)])])
    where = f" ({n.loc})" if n.loc is not None else ""
    error = ast.Call(ast.Name("ValueError", ast.Load()),
                     [ast.Constant(n.param("message") + where)], [])
    return [ast.If(test, [ast.Raise(error, None)], [])]


FLOAT_WRITE = ("this writes a value that depends on the differentiated inputs into an "
               "array of integers: NumPy truncates it (or refuses `+=`), so it has no "
               "gradient here; make the array floats (x.astype(float)), or write np.floor(v) "
               "where truncation is meant")


def _print_check_floats(n, p):
    """``if not holds_floats(v): raise ValueError(...)``: inline NumPy, a helper numba
    decides when compiling (``holds_floats``)."""
    value = p.name(n.args[0])
    if p.jit:
        test = ast.UnaryOp(ast.Not(), p.helper("holds_floats", [value]))
    else:
        kind = ast.Attribute(ast.Attribute(p.np("asarray", [value]), "dtype", ast.Load()),
                             "kind", ast.Load())
        test = ast.Compare(kind, [ast.NotEq()], [ast.Constant("f")])
    where = f" ({n.loc})" if n.loc is not None else ""
    message = n.param("message") or FLOAT_WRITE
    error = ast.Call(ast.Name("ValueError", ast.Load()), [ast.Constant(message + where)], [])
    return [ast.If(test, [ast.Raise(error, None)], [])]


def _print_tape(n, p):
    """Tapes: a stack (``append``/``pop``), or allocated once and indexed by the loop counter."""
    indexed = len(n.args) == {"tape": 1, "push": 3, "pop": 2}[n.op]
    if n.op == "tape":
        if not indexed:
            return [ast.Assign([p.target], ast.List([], ast.Load()))]
        count, shape = p.name(n.args[0]), n.param("shape")
        if shape:
            size = ast.Tuple([count] + [ast.Constant(d) for d in shape], ast.Load())
            return [ast.Assign([p.target], p.np("empty", [size]))]
        if shape == () and p.jit:     # numba: an array of floats, as its list of floats holds
            return [ast.Assign([p.target], p.helper("float_tape", [count]))]
        if shape is None and p.jit:   # numba types no list of None: one appended to in order
            return [ast.Assign([p.target], ast.List([], ast.Load()))]
        fill = ast.Constant(0.0 if shape == () else None)
        return [ast.Assign([p.target], ast.BinOp(ast.List([fill], ast.Load()), ast.Mult(), count))]
    tape = p.plain(n.args[0])
    if n.op == "push":
        value = p.name(n.args[1])
        if indexed and not (p.jit and n.param("listed")):
            return [ast.Assign([ast.Subscript(tape, p.name(n.args[2]), ast.Store())], value)]
        return [ast.Expr(ast.Call(ast.Attribute(tape, "append", ast.Load()), [value], []))]
    if indexed:
        return [ast.Assign([p.target], ast.Subscript(tape, p.name(n.args[1]), ast.Load()))]
    return [ast.Assign([p.target], ast.Call(ast.Attribute(tape, "pop", ast.Load()), [], []))]


def _print_mark(n, p):
    raise NotImplementedError("a mark of symdiff.explain is read by its tracer, not printed")


def _add_at_jvp(em, n, ts):
    """y = x with g added at idx: linear in x and g."""
    if ts[1] is None:
        return ts[0]
    base = ts[0] if ts[0] is not None else T.zeros(em, n.args[0])
    return em.out("add_at", [base, ts[1], *n.args[2:]], **dict(n.params))


def _scatter_jvp(em, n, ts):
    """zeros like x with g written (or added) at idx: linear in g."""
    if ts[0] is None:
        return None
    return em.out(n.op, [ts[0], *n.args[1:]], **dict(n.params))


def _tape_jvp(em, n, ts):
    """A tape of tangents beside the tape of values; pushed and popped with it."""
    if n.op == "tape":
        return em.out("tape", list(n.args), **dict(n.params))
    if n.op == "push":           # a value with no tangent (one saved before a loop) pushes 0
        value = ts[1] if ts[1] is not None else T.zeros(em, n.args[1])
        return em.out("push", [ts[0], value, *n.args[2:]], **dict(n.params))
    return em.out("pop", [ts[0], *n.args[1:]], **dict(n.params))


def _loopable(n: Node, shapes: dict) -> bool:
    """Only integer indices (no slices, no masks), each a 1-D array of one length n: the values
    gathered by ``x[i, j]`` are then ``x[i[k], j[k]]`` for k < n, g is their gradient,
    and ``np.add.at`` is a loop over k."""
    spec = n.param("index")
    if not spec or any(not isinstance(e, tuple) or e[0] != "at" for e in spec):
        return False
    index = [n.args[e[1] + 1] for e in spec]
    if any(isinstance(v, Var) and v.name in shapes.get(MASKS, ()) for v in index):
        return False                          # x[mask]: positions, not indices
    index_shapes = {shapes.get(v.name) if isinstance(v, Var) else None for v in index}
    return len(index_shapes) == 1 and None not in index_shapes and \
        len(next(iter(index_shapes))) == 1


def _add_at_numba(n: Node, cx):
    """np.add.at(dx, (i, j), g) as the loop numba compiles (index arrays of one 1-D shape)."""
    names, shapes, readers = cx
    if (n.op == "scatter_add" or n.param("advanced")) and _loopable(n, shapes):
        params = tuple(sorted({**dict(n.params), "loop": names.fresh("k").name}.items()))
        return [replace(n, params=params)]
    return None


def _copy_numba(n: Node, cx):
    return [replace(n, op="np", params=(("fn", "copy"), ("keywords", ())))]


def helper(name: str, maths: str, shape, jvp, **more) -> Primitive:
    """A gradient computed by a helper emitted with the generated module."""
    return Primitive(name, "internal", maths, shape=shape, vjp=NOT_YET, jvp=jvp,
                     printer=_print_helper, helper=name, **more)


SCATTER = (("index", "index"), ("loop", "name"))
NORM = (("ord", "order"), ("axis", "axis"), ("keepdims", "bool"))


def _first(n, s, v):
    return s[0]


def _at(k: int):
    return lambda n, s, v: s[k]


register(
    helper("unbroadcast", "g summed to the shape of x", _at(1), LINEAR, keeps_shape_of=1),
    helper("matmul_vjp_left", "d(x @ y)/dx applied to g, any ranks", _at(1), T.bilinear(0, 2),
           keeps_shape_of=1),
    helper("matmul_vjp_right", "d(x @ y)/dy applied to g, any ranks", _at(2), T.bilinear(0, 1),
           keeps_shape_of=2),
    helper("dot_vjp_left", "d np.dot(x, y)/dx applied to g", _at(1), T.bilinear(0, 2),
           keeps_shape_of=1),
    helper("dot_vjp_right", "d np.dot(x, y)/dy applied to g", _at(2), T.bilinear(0, 1),
           keeps_shape_of=2),
    helper("linspace_vjp", "sum of g * (1 - t) (or g * t)", _at(1), LINEAR,
           partial_shapes=True),
    Primitive("norm_vjp", "internal", "d norm/dx applied to g", shape=_at(1),
              partial_shapes=True, vjp=NOT_YET, jvp=norm_vjp_jvp, printer=print_norm,
              params=NORM, helper="norm_vjp"),
    Primitive("norm_jvp", "internal", "d norm/dx applied to a tangent", shape=_at(2),
              partial_shapes=True, vjp=NOT_YET, jvp=NOT_YET, printer=print_norm,
              params=NORM, helper="norm_jvp"),
    Primitive("norm_vjp_jvp", "internal", "the tangent of norm_vjp", shape=_at(4),
              partial_shapes=True, vjp=NOT_YET, jvp=NOT_YET, printer=print_norm,
              params=NORM, helper="norm_vjp_jvp"),
    Primitive("scatter", "internal", "zeros like x, g written at idx",
              shape=lambda n, s, v: v[1] if isinstance(v[1], tuple) else s[1], vjp=NOT_YET,
              jvp=_scatter_jvp, printer=_print_scatter, params=SCATTER, keeps_shape_of=1),
    Primitive("scatter_add", "internal", "zeros like x, g added at idx (repeats add up)",
              shape=lambda n, s, v: v[1] if isinstance(v[1], tuple) else s[1], vjp=NOT_YET,
              jvp=_scatter_jvp, printer=_print_scatter, params=SCATTER,
              numba=_add_at_numba, numba_refuses=lambda n: "np.add.at" * (not n.param("loop")),
              keeps_shape_of=1),
    Primitive("add_at", "internal", "x with g added at idx", shape=_first,
              partial_shapes=True, vjp=NOT_YET, jvp=_add_at_jvp, printer=_print_add_at,
              params=SCATTER + (("advanced", "bool"),), numba=_add_at_numba,
              numba_refuses=lambda n: "np.add.at" * (bool(n.param("advanced"))
                                                     and not n.param("loop")),
              keeps_shape_of=0),
    Primitive("zeros_like", "internal", "float zeros shaped like x", shape=_first,
              partial_shapes=True, vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE,
              printer=_print_zeros_like, keeps_shape_of=0),
    Primitive("copy", "internal", "a writable copy of x", shape=_first, partial_shapes=True,
              vjp=NOT_YET, jvp=LINEAR, printer=lambda n, p: p.np("array", p.a),
              numba=_copy_numba, keeps_shape_of=0),
    Primitive("alias", "internal", "x under another name", shape=_first, partial_shapes=True,
              vjp=NOT_YET, jvp=LINEAR, printer=lambda n, p: p.a[0], keeps_shape_of=0),
    Primitive("contiguous", "internal", "x, or a contiguous copy of x where it is strided "
              "(numba reshapes contiguous arrays only)", shape=_first, partial_shapes=True,
              vjp=NOT_YET, jvp=LINEAR, printer=lambda n, p: p.np("ascontiguousarray", p.a),
              keeps_shape_of=0),
    Primitive("as_array", "internal", "x as an array, a number as a 0-d one (numba's "
              "np.stack and np.expand_dims take no float)", shape=_first, partial_shapes=True,
              vjp=NOT_YET, jvp=LINEAR, printer=lambda n, p: p.np("asarray", p.a),
              keeps_shape_of=0),
    Primitive("check_scalar", "internal", "v, which must be a scalar",
              shape=lambda n, s, v: None, partial_shapes=True, vjp=NO_DERIVATIVE,
              jvp=NO_DERIVATIVE, printer=_print_check_scalar, params=(("function", "str"),)),
    Primitive("check_ndim", "internal", "v, which must have ndim dimensions",
              shape=lambda n, s, v: None, partial_shapes=True, vjp=NO_DERIVATIVE,
              jvp=NO_DERIVATIVE, printer=_print_check_ndim,
              params=(("ndim", "int"), ("message", "str"), ("several_rows", "bool"))),
    Primitive("check_floats", "internal", "v, into which a differentiated value is written, "
              "which must hold floats", shape=lambda n, s, v: None, partial_shapes=True,
              vjp=NO_DERIVATIVE, jvp=NO_DERIVATIVE, printer=_print_check_floats,
              shape_only=True, params=(("message", "str"),)),
    Primitive("tape", "internal", "an empty tape (of n slots)", shape=lambda n, s, v: None,
              partial_shapes=True, vjp=NOT_YET, jvp=_tape_jvp, printer=_print_tape,
              params=(("shape", "shape"),)),
    Primitive("push", "internal", "v saved on a tape (at slot i)", shape=lambda n, s, v: None,
              partial_shapes=True, vjp=NOT_YET, jvp=_tape_jvp, printer=_print_tape,
              fills_argument=0, params=(("listed", "bool"),)),
    Primitive("pop", "internal", "the value saved last (at slot i)",
              shape=lambda n, s, v: None, partial_shapes=True, vjp=NOT_YET, jvp=_tape_jvp,
              printer=_print_tape, params=(("restored", "bool"),)),
    Primitive("explain_mark", "teaching", "the numbers of one rule, for symdiff.explain",
              shape=lambda n, s, v: None, partial_shapes=True, vjp=NOT_YET, jvp=NOT_YET,
              printer=_print_mark, params=(("mark", "int"),)),
)
