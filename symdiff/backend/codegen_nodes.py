"""Codegen for one node: IR node -> Python expression and statements (as ASTs).

Every primitive prints here, in one place: ``matmul`` as ``a @ b``, reductions as
``np.sum(x, axis=1)``, writes into arrays as ``out = x.copy()`` then ``out[i] = v`` (or in
place when nobody else can see the array), tapes as lists or arrays indexed by the loop
counter. ``render`` is the single use of astor in the package.
"""
from __future__ import annotations

import ast
import re

import astor
import numpy as np

from .codegen_math import global_name, print_expression
from ..ir import Const, Node, Var, ew_symbols
from ..ir.index import shift_index

#: Helpers a generated module may need, emitted with it when used.
HELPERS = {
    "unbroadcast": '''def unbroadcast(g, x):
    """Sum g over the axes along which x was broadcast, so it has x's shape."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.sum(g, axis=tuple(range(np.ndim(g) - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g
''',
    "matmul_vjp_left": '''def matmul_vjp_left(g, x, y):
    """Gradient of x @ y with respect to x, for any ranks."""
    if np.ndim(y) == 1:
        return unbroadcast(np.multiply.outer(g, y), x)
    if np.ndim(x) == 1 and np.ndim(y) > 2:
        return unbroadcast((g[..., None, :] @ np.swapaxes(y, -1, -2))[..., 0, :], x)
    return unbroadcast(g @ np.swapaxes(y, -1, -2) if np.ndim(x) > 1 else g @ y.T, x)
''',
    "matmul_vjp_right": '''def matmul_vjp_right(g, x, y):
    """Gradient of x @ y with respect to y, for any ranks."""
    if np.ndim(x) == 1 and np.ndim(y) > 2:
        return unbroadcast(x[:, None] * np.expand_dims(g, -2), y)
    if np.ndim(x) == 1:
        return unbroadcast(np.multiply.outer(x, g), y)
    if np.ndim(y) == 1:
        return unbroadcast(np.swapaxes(x, -1, -2) @ g[..., None], y[..., None])[..., 0]
    return unbroadcast(np.swapaxes(x, -1, -2) @ g, y)
''',
    "dot_vjp_left": '''def dot_vjp_left(g, x, y):
    """Gradient of np.dot(x, y) with respect to x, for any ranks."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    if np.ndim(y) == 1:
        return np.multiply.outer(g, y)
    kept = [a for a in range(np.ndim(y)) if a != np.ndim(y) - 2]
    return np.tensordot(g, y, axes=(list(range(np.ndim(x) - 1, np.ndim(g))), kept))
''',
    "dot_vjp_right": '''def dot_vjp_right(g, x, y):
    """Gradient of np.dot(x, y) with respect to y, for any ranks."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    lead = list(range(np.ndim(x) - 1))
    if np.ndim(y) == 1:
        return np.tensordot(g, x, axes=(lead, lead))
    return np.moveaxis(np.tensordot(x, g, axes=(lead, lead)), 0, np.ndim(y) - 2)
''',
    "linspace_vjp": '''def linspace_vjp(g, like, num, endpoint, at_start):
    """Gradient of np.linspace(start, stop, num) with respect to start (or stop)."""
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint).reshape((-1,) + (1,) * (np.ndim(g) - 1))
    return unbroadcast(np.sum(g * (1.0 - t if at_start else t), axis=0), like)
''',
    "norm_vjp": '''def norm_vjp(g, x, out, ord, axis, keepdims):
    """Gradient of np.linalg.norm(x, ord, axis, keepdims) with respect to x."""
    axes = tuple(range(np.ndim(x))) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(a % np.ndim(x) for a in axes)
    if not keepdims:
        g, out = np.expand_dims(g, axes), np.expand_dims(out, axes)
    a = np.abs(x)
    nonzero = out > 0                 # at x = 0 the subgradient 0, as abs'(0) = 0
    scale = np.where(nonzero, out, 1.0)
    if len(axes) == 1 and ord in (np.inf, -np.inf):
        picked = a == out
    elif len(axes) == 1 and ord == 1:
        return g * np.sign(x)
    elif len(axes) == 1:
        return g * np.sign(x) * (a / scale) ** (ord - 1) * nonzero
    elif ord == "fro":
        return g * x / scale * nonzero
    elif ord in (1, -1, np.inf, -np.inf):
        picked = np.sum(a, axis=axes[0] if ord in (1, -1) else axes[1], keepdims=True) == out
    else:
        raise ValueError(f"no gradient for np.linalg.norm with ord={ord!r} of a matrix")
    return g * np.sign(x) * picked / np.sum(picked, axis=axes, keepdims=True)
''',
    "norm_vjp_jvp": '''def norm_vjp_jvp(tg, tx, tout, g, x, out, ord, axis, keepdims):
    """Tangent of norm_vjp(g, x, out, ord, axis, keepdims) along tg, tx, tout (None: zero)
    for a p-norm of vectors or 'fro': g * sign(x) * (|x| / out) ** (p - 1), p = 2 for 'fro'."""
    axes = tuple(range(np.ndim(x))) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(a % np.ndim(x) for a in axes)
    first = 0.0 if tg is None else norm_vjp(tg, x, out, ord, axis, keepdims)
    if not keepdims:
        g, out = np.expand_dims(g, axes), np.expand_dims(out, axes)
        tout = None if tout is None else np.expand_dims(tout, axes)
    p = 2 if ord == "fro" else ord
    tx = 0.0 if tx is None else tx
    tout = 0.0 if tout is None else tout
    return first + (p - 1) * g * (np.abs(x) / out) ** (p - 2) / out * (tx - x * tout / out)
''',
    "norm_jvp": '''def norm_jvp(t, x, out, ord, axis, keepdims):
    """Tangent of np.linalg.norm(x, ord, axis, keepdims) along t."""
    weights = norm_vjp(np.ones_like(out), x, out, ord, axis, keepdims)
    return np.sum(weights * t, axis=axis, keepdims=keepdims)
''',
    "jit_or_numpy": '''def jit_or_numpy(fn):
    """fn compiled by numba.njit on its first call; where numba cannot compile it, fn
    itself (NumPy), with one warning that names the line numba could not compile."""
    import linecache
    import os
    import re
    import traceback
    import warnings
    compiled = [numba.njit(fn)]

    def problem(exc):
        text = re.sub(r"\\x1b\\[[0-9;]*m", "", str(exc))     # numba's colours
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        skip = ("Failed in ", "File ", "<source", "During:", "- ", ">>>", "There are ")
        first = lines[0] if lines else type(exc).__name__
        reason = next((line for line in lines if not line.startswith(skip)), first)
        reason = re.sub(r" at 0x[0-9a-f]+", "", reason).rstrip(":")
        where = re.search(r'File "([^"]+)", line (\\d+)', text)
        if where is None:
            return reason
        code = linecache.getline(where[1], int(where[2])).split("  #")[0].strip()
        return f"`{code}` ({reason})" if code else f"line {where[2]} ({reason})"

    def compiling(exc):
        """numba's own errors, and any other raised inside numba (an internal assertion)
        while it compiles; not an error of the compiled code as it runs."""
        if isinstance(exc, numba.core.errors.NumbaError):
            return True
        inside = os.path.dirname(numba.__file__) + os.sep
        frames = traceback.extract_tb(exc.__traceback__)
        return any(frame.filename.startswith(inside) for frame in frames)

    def run(*args):
        try:
            return compiled[0](*args)
        except Exception as exc:
            if compiled[0] is fn or not compiling(exc):
                raise
            warnings.warn(f"numba cannot compile {fn.__name__}: {problem(exc)}; running "
                          "the NumPy version", RuntimeWarning, stacklevel=2)
            compiled[0] = fn
            return fn(*args)
    run.__name__, run.__doc__, run.py_func = fn.__name__, fn.__doc__, fn
    return run
''',
}
HELPER_NEEDS = {"matmul_vjp_left": ("unbroadcast",), "matmul_vjp_right": ("unbroadcast",),
                "dot_vjp_left": ("unbroadcast",), "dot_vjp_right": ("unbroadcast",),
                "linspace_vjp": ("unbroadcast",), "norm_jvp": ("norm_vjp",),
                "norm_vjp_jvp": ("norm_vjp",)}


def render(tree: ast.AST) -> str:
    """Python source for an AST node (the single use of astor in the package).

    astor is slow, and generated code repeats a few shapes of statement with different
    names (``dx = dq * z``). So each shape is rendered once with numbered slots for its
    names, and the names are put into the text. astor wraps lines longer than
    ``_ASTOR_LINE`` characters; those, on either side, are rendered by astor itself.
    """
    names: list[str] = []
    shape = _skeleton(tree, names)
    template = _TEMPLATES.get(shape)
    if template is None:
        template = _TEMPLATES[shape] = _astor(_with_slots(tree, iter(range(len(names)))))
    text = _SLOT_PATTERN.sub(lambda m: names[int(m.group(1))], template)
    if len(text) > _ASTOR_LINE or len(template) > _ASTOR_LINE or "\n" in template:
        return _astor(tree)
    return text


def _astor(tree: ast.AST) -> str:
    return astor.to_source(tree).rstrip("\n")


_ASTOR_LINE = 79
_SLOT = "\x00"
_SLOT_PATTERN = re.compile(_SLOT + r"(\d+)" + _SLOT)
_TEMPLATES: dict = {}


def _skeleton(node, names: list[str]):
    """A hashable description of a tree without its names (collected into ``names``, in
    the order of the fields, as ``_with_slots`` numbers them)."""
    kind = type(node)
    if kind is ast.Name:
        names.append(node.id)
        return kind
    if kind is ast.BinOp:                      # the common nodes, spelled out for speed
        return kind, _skeleton(node.left, names), type(node.op), _skeleton(node.right, names)
    if kind is ast.Constant:
        return kind, type(node.value), repr(node.value)
    if kind is ast.Attribute:
        return kind, _skeleton(node.value, names), node.attr
    if isinstance(node, ast.AST):
        return (kind,) + tuple(_skeleton(getattr(node, f, None), names) for f in node._fields)
    if kind is list:
        return tuple(_skeleton(x, names) for x in node)
    return kind, repr(node)


def _with_slots(node, slots):
    """A copy of the tree with its names replaced by numbered slots, in ``_skeleton``'s order."""
    if isinstance(node, ast.Name):
        return ast.Name(f"{_SLOT}{next(slots)}{_SLOT}", node.ctx)
    if isinstance(node, ast.AST):
        return type(node)(**{f: _with_slots(getattr(node, f, None), slots) for f in node._fields})
    if isinstance(node, list):
        return [_with_slots(x, slots) for x in node]
    return node


# ---------------------------------------------------------------- nodes -> statements


def _name(v, inline: dict | None = None) -> ast.expr:
    if isinstance(v, Var) and inline and v.name in inline:
        return inline[v.name]
    if isinstance(v, Var):
        return ast.Name(v.name, ast.Load())
    if v.name:
        return ast.Name(v.name, ast.Load())
    return _literal(v.value)


def _literal(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_literal(x) for x in value], ast.Load())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _np(func: str, args, keywords=(), imports=None) -> ast.expr:
    imports.add("numpy")
    kws = [ast.keyword(k, _literal(v) if not isinstance(v, ast.AST) else v) for k, v in keywords]
    target: ast.expr = ast.Name(global_name("np"), ast.Load())
    for part in func.split("."):                  # np.add.at: attributes of attributes
        target = ast.Attribute(target, part, ast.Load())
    return ast.Call(target, list(args), kws)


def _index(spec, args, inline=None, in_call: bool = False) -> ast.expr:
    """The index expression; ``in_call`` writes slices as ``slice(a, b)`` (outside ``[]``)."""
    parts = []
    for entry in spec:
        if entry is None:
            parts.append(ast.Constant(None))
        elif entry is Ellipsis:
            parts.append(ast.Constant(Ellipsis))
        elif entry[0] == "at":
            parts.append(_name(args[entry[1]], inline))
        else:
            bounds = [None if k is None else _name(args[k], inline) for k in entry[1:]]
            if in_call:
                if bounds[2] is None:
                    bounds.pop()            # slice(start, stop): never slice(stop) by accident
                bounds = [b if b is not None else ast.Constant(None) for b in bounds]
                parts.append(ast.Call(ast.Name("slice", ast.Load()), bounds, []))
            else:
                parts.append(ast.Slice(*bounds))
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


REDUCE_NAMES = {"sum": "sum", "mean": "mean", "amax": "max", "amin": "min"}


def expression(n: Node, imports: set[str], helpers: set[str], inline=None) -> ast.expr:
    """The right-hand side of one node, as a Python expression."""
    a = [_name(x, inline) for x in n.args]
    op = n.op
    if op == "ew":
        return print_expression(n.param("expr"), [_text(x, inline) for x in n.args],
                                n.param("lib") or "np", imports)
    if op == "matmul" and n.param("dot"):       # np.dot: scalars and N-D differ from @
        return _np("dot", a, imports=imports)
    if op == "matmul":
        return ast.BinOp(a[0], ast.MatMult(), a[1])
    if op in REDUCE_NAMES:
        kws = [("axis", n.param("axis"))] if n.param("axis") is not None else []
        kws += [("keepdims", True)] if n.param("keepdims") else []
        return _np(REDUCE_NAMES[op], a[:1], kws, imports)
    if op == "transpose":
        if n.param("axes") is None:
            return ast.Attribute(a[0], "T", ast.Load())
        return _np("transpose", a[:1] + [_literal(n.param("axes"))], imports=imports)
    if op == "reshape":
        shape = a[1] if len(a) == 2 else ast.Tuple(a[1:], ast.Load())
        return _np("reshape", [a[0], shape], imports=imports)
    if op == "stack" and n.param("tuple"):          # a shape, for numba: (n, m)
        return ast.Tuple(a, ast.Load())
    if op in ("expand_dims", "squeeze", "concatenate", "stack"):
        if op in ("concatenate", "stack"):       # numba takes only a tuple of arrays
            a = [(ast.Tuple if n.param("sequence") == "tuple" else ast.List)(a, ast.Load())]
        return _np(op, a + [_literal(n.param("axis"))], imports=imports)
    if op == "getitem":
        return ast.Subscript(a[0], _index(n.param("index"), n.args, inline), ast.Load())
    if op == "shape":
        if n.param("style") == "np":
            return _np("shape", a, imports=imports)
        return ast.Attribute(a[0], "shape", ast.Load())
    if op == "dim":
        return ast.Subscript(ast.Attribute(a[0], "shape", ast.Load()),
                             ast.Constant(n.param("axis")), ast.Load())
    if op in ("ndim", "size"):
        return _np(op, a, imports=imports)
    if op == "compare":
        return ast.Compare(a[0], [_CMP[n.param("symbol")]()], [a[1]])
    if op == "full":                             # x - x: a constant shaped like x
        shapes = [_np("shape", [x], imports=imports) for x in a]
        shape = shapes[0] if len(shapes) == 1 else _np("broadcast_shapes", shapes, imports=imports)
        return _np("full", [shape, ast.Constant(float(n.param("value")))], imports=imports)
    if op == "tuple":                           # a shape: np.zeros((k, d, d))
        return ast.Tuple(a, ast.Load())
    if op == "not":
        return ast.UnaryOp(ast.Not(), a[0])
    if op == "intop":
        return ast.BinOp(a[0], _INTOP[n.param("symbol")](), a[1])
    if op == "np":
        keywords = n.param("keywords")
        positional = a[: len(a) - len(keywords)]
        kws = list(zip(keywords, a[len(a) - len(keywords):]))
        return _np(n.param("fn"), positional, kws, imports)
    if op in ("norm", "norm_vjp", "norm_jvp", "norm_vjp_jvp"):
        return _norm(n, a, imports, helpers)
    if op in ("fill", "linspace"):
        kws = [("endpoint", False)] if op == "linspace" and not n.param("endpoint") else []
        kws += [("dtype", n.param("dtype"))] if n.param("dtype") else []
        return _np(n.param("fn") or op, a, kws, imports)
    if op == "cast" and n.param("dtype"):        # x.astype(np.float32): np.float32(x)
        return _np(np.dtype(n.param("dtype")).type.__name__, a, imports=imports)
    if op == "cast":
        return ast.Call(ast.Name(n.param("type"), ast.Load()), a, [])
    if op == "alias":
        return a[0]
    if op == "copy":
        return _np("array", a, imports=imports)
    if op == "zeros_like":                      # always float zeros, whatever x holds
        return _np("zeros", [_shape_of(n.args[0], a[0], n.param("known"), imports)], imports=imports)
    if op in ("where", "outer", "broadcast_to"):
        return _np(op, a, imports=imports)
    if op in HELPERS:
        helpers.add(op)
        helpers.update(HELPER_NEEDS.get(op, ()))
        imports.add("numpy")
        return ast.Call(ast.Name(global_name(op), ast.Load()), a, [])
    raise NotImplementedError(f"no code for primitive {op}")


def _norm(n: Node, a: list, imports, helpers) -> ast.expr:
    """np.linalg.norm(x, ord=..., axis=...), or its gradient helpers with the same orders."""
    order = n.param("ord")
    if isinstance(order, float) and abs(order) == float("inf"):
        ord_ = ast.Attribute(ast.Name("np", ast.Load()), "inf", ast.Load())
        ord_ = ast.UnaryOp(ast.USub(), ord_) if order < 0 else ord_
    else:
        ord_ = _literal(order)
    axis, keepdims = _literal(n.param("axis")), ast.Constant(bool(n.param("keepdims")))
    imports.add("numpy")
    if n.op == "norm":
        kws = [("ord", ord_)] + ([("axis", axis)] if n.param("axis") is not None else [])
        kws += [("keepdims", keepdims)] if n.param("keepdims") else []
        return _np("linalg.norm", a, kws, imports)
    helpers.update((n.op, *HELPER_NEEDS.get(n.op, ())))
    return ast.Call(ast.Name(n.op, ast.Load()), a + [ord_, axis, keepdims], [])


def _shape_of(v, expr: ast.expr, known: bool, imports) -> ast.expr:
    """``x.shape`` when x is known to be an array, else ``np.shape(x)`` (x may be a float)."""
    if known:
        return ast.Attribute(expr, "shape", ast.Load())
    return _np("shape", [expr], imports=imports)


def _text(v, inline=None) -> str:
    if isinstance(v, Var) and inline and v.name in inline:
        return "(" + render(inline[v.name]) + ")"
    return v.name if isinstance(v, Var) or v.name else repr(v.value)


_CMP = {">": ast.Gt, "<": ast.Lt, ">=": ast.GtE, "<=": ast.LtE, "==": ast.Eq, "!=": ast.NotEq}
_INTOP = {"//": ast.FloorDiv, "%": ast.Mod, "&": ast.BitAnd, "|": ast.BitOr, "^": ast.BitXor}


def statements(n: Node, imports: set[str], helpers: set[str], inline=None,
               cx=None) -> list[ast.stmt]:
    """One node as statements: one, except writes into arrays (allocate or copy, then write)."""
    target = ast.Name(n.out.name, ast.Store())
    if n.op == "check_scalar":
        value = _name(n.args[0], inline)
        ndim = (ast.Attribute(_np("asarray", [value], imports=imports), "ndim", ast.Load())
                if cx is not None and cx.jit else _np("ndim", [value], imports=imports))
        test = ast.Compare(ndim, [ast.NotEq()], [ast.Constant(0)])
        error = ast.Call(ast.Name("ValueError", ast.Load()), [ast.Constant(
            f"{n.param('function')} must return a scalar to be differentiated")], [])
        return [ast.If(test, [ast.Raise(error, None)], [])]
    if n.op in ("tape", "push", "pop"):
        return [_tape_statement(n, target, inline, imports)]
    if n.op == "add_at":
        base, g, *index_args = n.args
        start = _start_write(base, inline, cx, n.out)
        index = _index(shift_index(n.param("index"), 1), n.args, inline,
                       in_call=n.param("advanced"))
        if n.param("loop"):
            return [ast.Assign([target], start), _add_at_loop(n, g, inline)]
        if n.param("advanced"):
            call = _np("add.at", [ast.Name(n.out.name, ast.Load()), index, _name(g, inline)],
                       imports=imports)
            return [ast.Assign([target], start), ast.Expr(call)]
        slot = ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())
        return [ast.Assign([target], start), ast.AugAssign(slot, ast.Add(), _name(g, inline))]
    if n.op == "setitem":
        base, value, *index_args = n.args
        start = _start_write(base, inline, cx, n.out)
        index = _index(n.param("index"), n.args, inline)
        write = ast.Assign([ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())],
                           _name(value, inline))
        return [ast.Assign([target], start), write]
    if n.op in ("scatter", "scatter_add"):
        g, x, *index_args = n.args
        shape = _literal(x.value) if isinstance(x, Const) else \
            ast.Attribute(_name(x, inline), "shape", ast.Load())
        zeros = ast.Assign([target], _np("zeros", [shape], imports=imports))
        index = _index(shift_index(n.param("index"), 1), [g, x, *index_args], inline,
                       in_call=n.op == "scatter_add")
        if n.op == "scatter":
            write = ast.Assign([ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())],
                               _name(g, inline))
        elif n.param("loop"):
            write = _add_at_loop(n, g, inline)
        else:
            call = _np("add.at", [ast.Name(n.out.name, ast.Load()), index, _name(g, inline)],
                       imports=imports)
            write = ast.Expr(call)
        return [zeros, write]
    if n.op == "ew" and n.gradient_sum and len(n.args) == 2 and \
            n.param("expr") == SUM2 and _private(n.args[0], cx):
        add = ast.AugAssign(ast.Name(n.out.name, ast.Store()), ast.Add(), _name(n.args[1], inline))
        if n.args[0] == n.out:                                           # add in place
            return [add]
        return [ast.Assign([target], _name(n.args[0], inline)), add]
    return [ast.Assign([target], expression(n, imports, helpers, inline))]


def _add_at_loop(n: Node, g, inline) -> ast.For:
    """``np.add.at(out, (i, j), g)`` for 1-D index arrays as the loop numba compiles:
    ``for k in range(len(i)): out[i[k], j[k]] += g[k]`` (repeated indices add up)."""
    k = ast.Name(n.param("loop"), ast.Load())
    index_args = [n.args[entry[1] + 1] for entry in n.param("index")]
    at = [ast.Subscript(_name(v, inline), k, ast.Load()) for v in index_args]
    slot = ast.Subscript(ast.Name(n.out.name, ast.Load()),
                         at[0] if len(at) == 1 else ast.Tuple(at, ast.Load()), ast.Store())
    count = ast.Call(ast.Name("len", ast.Load()), [_name(index_args[0], inline)], [])
    add = ast.AugAssign(slot, ast.Add(), ast.Subscript(_name(g, inline), k, ast.Load()))
    return ast.For(ast.Name(n.param("loop"), ast.Store()),
                   ast.Call(ast.Name("range", ast.Load()), [count], []), [add], [])

SUM2 = ew_symbols(2)[0] + ew_symbols(2)[1]


def _private(v, cx) -> bool:
    """A fresh array that only this statement reads: safe to change in place."""
    return (cx is not None and isinstance(v, Var) and v.name in cx.fresh
            and cx.reads.get(v.name) == 1)


def _start_write(base, inline, cx, out: Var) -> ast.expr:
    """What a write into an array starts from: the array itself when nobody else can see
    it (a fresh array read only here, or before here by copying reads), else a copy, so no
    input is ever changed."""
    if _private(base, cx) or cx is not None and out.name in cx.in_place:
        return _name(base, inline)
    return ast.Call(ast.Attribute(_name(base, inline), "copy", ast.Load()), [], [])


def _tape_statement(n: Node, target: ast.Name, inline, imports) -> ast.stmt:
    """Tapes: a stack (``append``/``pop``), or allocated once and indexed by the loop counter."""
    indexed = len(n.args) == {"tape": 1, "push": 3, "pop": 2}[n.op]
    if n.op == "tape":
        if not indexed:
            return ast.Assign([target], ast.List([], ast.Load()))
        count, shape = _name(n.args[0], inline), n.param("shape")
        if shape:
            size = ast.Tuple([count] + [ast.Constant(d) for d in shape], ast.Load())
            return ast.Assign([target], _np("empty", [size], imports=imports))
        fill = ast.Constant(0.0 if shape == () else None)
        return ast.Assign([target], ast.BinOp(ast.List([fill], ast.Load()), ast.Mult(), count))
    tape = _name(n.args[0])
    if n.op == "push":
        value = _name(n.args[1], inline)
        if indexed:
            slot = ast.Subscript(tape, _name(n.args[2], inline), ast.Store())
            return ast.Assign([slot], value)
        return ast.Expr(ast.Call(ast.Attribute(tape, "append", ast.Load()), [value], []))
    if indexed:
        return ast.Assign([target], ast.Subscript(tape, _name(n.args[1], inline), ast.Load()))
    return ast.Assign([target], ast.Call(ast.Attribute(tape, "pop", ast.Load()), [], []))


# ---------------------------------------------------------------- functions and modules
