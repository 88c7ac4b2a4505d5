"""The array-API backend: a node's printed NumPy code, translated into array-API calls.

Each primitive prints NumPy (its registry printer); this module turns that printed tree
into the Python array API standard's spelling, so the generated gradient runs on any
library the ``array-api-compat`` package knows (NumPy, PyTorch, JAX, CuPy, Dask...):

    np.exp(x)                       xp.exp(x)
    np.arctan2(y, x), np.power      xp.atan2(y, x), xp.pow
    np.sum(x, axis=1, keepdims=True)  xp.sum(x, axis=1, keepdims=True)
    np.transpose(x, (1, 0, 2))      xp.permute_dims(x, (1, 0, 2))
    np.concatenate([a, b], 0)       xp.concat([a, b], axis=0)
    np.shape(x), np.ndim(x)         xp.asarray(x).shape, xp.asarray(x).ndim
    x.copy(), np.array(x)           xp.asarray(x, copy=True)
    out[i] = v; out[i] += v         out = index_set(out, i, v); out = index_add(out, i, v)
    np.add.at(out, (i, j), g)       out = scatter_add(out, (i, j), g)
    X[i] (i a number)               X[i, ...]: the later axes whole, as the standard asks
    x[np.arange(N), y]              gather(x, (tmp, y)): Dask takes one index array only
    mask * g, np.sum(mask)          xp.astype(mask, float_dtype(g)) * g: no arithmetic on bools
    np.einsum, np.dot, np.outer     einsum(...), dot(...), outer(...)

Writes into arrays go through small helpers because JAX arrays cannot be written in
place; scatter-add and einsum are not in the standard, so their helpers dispatch to each
library's own form (``array_api_helpers``). A NumPy call with no array-API form (``np.sinc``,
``scipy.special``, ``np.atleast_2d``) is refused where the node comes from, naming it.

    >>> with translating():
    ...     text = codegen.function_source(fn, imports, helpers)
"""
from __future__ import annotations

import ast
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import SymdiffError
from ..ir import Var
from ..primitives.registry import primitive
from .codegen_math import global_name
from .array_api_names import (CONSTANTS, DTYPES, KEYWORD_ONLY, LINALG, RENAMED, SAME,
                              SHIM_CALLS)
from .codegen_nodes import TRANSLATIONS

#: the name the generated code gives the arguments' array namespace
XP = "xp"


class NoArrayApiForm(SymdiffError):
    """Printed code uses a NumPy feature that the array API standard has no form of."""


#: Nodes whose printed subscripts index arrays (not Python lists, as a tape's do).
ARRAY_INDEXING = frozenset({"getitem", "setitem", "scatter", "add_at"})


@dataclass(frozen=True)
class Known:
    """What the module knows of a function's values: ``scalars`` are numbers (``i`` in
    ``X[i]``, which then reads a row), ``masks`` hold booleans, ``params`` are its
    parameters (whose float dtype a mask takes when used as numbers), ``arrays`` are
    arrays of one axis or more (never Python numbers)."""
    scalars: frozenset = frozenset()
    masks: frozenset = frozenset()
    params: tuple = ()
    arrays: frozenset = frozenset()


@contextmanager
def translating(used: set[str], known: Known = Known()):
    """While it is open, every node codegen prints is translated; ``used`` collects the
    helpers and modules the translations call."""
    def translate(printed, n):
        return translate_printed(_as_numbers(printed, n, known, used), n, used, known)
    TRANSLATIONS.append(translate)
    try:
        yield used
    finally:
        TRANSLATIONS.remove(translate)


def translate_printed(printed, n, used: set[str], known: Known = Known()):
    """A node's printed expression or statements, in array-API calls."""
    t = _Translate(getattr(n, "loc", None), used, f"line {n.loc.line}" if getattr(n, "loc", None)
                   else "", known, getattr(n, "op", None) in ARRAY_INDEXING)
    if isinstance(printed, list):
        out = []
        for stmt in printed:
            result = t.visit(stmt)
            out.extend(result if isinstance(result, list) else [result])
        return out
    return t.visit(printed)


def _as_numbers(printed, n, known: Known, used: set[str]):
    """A mask read as numbers (summed, multiplied) cast to a float dtype first:
    ``xp.astype(m, float_dtype(g, W))``, the first float array's dtype among the node's
    other operands, then the function's parameters. The standard does no arithmetic on
    booleans (NumPy reads them as 0 and 1)."""
    entry = primitive(n.op)
    if not (n.op == "ew" or entry.reduction and entry.makes_mask is None):
        return printed
    masks = {a.name for a in n.args if isinstance(a, Var) and a.name in known.masks}
    if not masks:
        return printed
    others = [a.name for a in n.args if isinstance(a, Var) and a.name not in known.masks]
    like = list(dict.fromkeys(others + list(known.params)))
    used.add("float_dtype")

    class Cast(ast.NodeTransformer):
        def visit_Name(self, name):
            if name.id not in masks or not isinstance(name.ctx, ast.Load):
                return name
            dtype = ast.Call(ast.Name("float_dtype", ast.Load()),
                             [ast.Name(k, ast.Load()) for k in like], [])
            return xp_call("astype", [name, dtype])
    if isinstance(printed, list):
        return [_assigned_cast(Cast(), stmt) for stmt in printed]
    return Cast().visit(printed)


def _assigned_cast(cast, stmt):
    if isinstance(stmt, ast.Assign):
        stmt.value = cast.visit(stmt.value)
        return stmt
    return cast.visit(stmt)


def translate_tree(tree: ast.AST, used: set[str], what: str) -> ast.AST:
    """A whole tree (a helper's function) in array-API calls; ``what`` names it in errors."""
    return _Translate(None, used, what).visit(tree)


def numpy_name(e) -> str | None:
    """``"sum"`` for ``np.sum``, ``"linalg.norm"`` for ``np.linalg.norm``; else None."""
    parts = []
    while isinstance(e, ast.Attribute):
        parts.append(e.attr)
        e = e.value
    if isinstance(e, ast.Name) and e.id in (global_name("np"), "np", "numpy") and parts:
        return ".".join(reversed(parts))
    return None


def xp_call(func: str, args, keywords=()) -> ast.Call:
    """``xp.func(args, keywords)``; ``func`` may be dotted (``linalg.inv``)."""
    target: ast.expr = ast.Name(XP, ast.Load())
    for part in func.split("."):
        target = ast.Attribute(target, part, ast.Load())
    return ast.Call(target, list(args), list(keywords))


def _kw(name: str, value) -> ast.keyword:
    return ast.keyword(name, value if isinstance(value, ast.AST) else ast.Constant(value))


def _asarray(x, **keywords) -> ast.Call:
    return xp_call("asarray", [x], [_kw(k, v) for k, v in keywords.items()])


def _of_array(x, attr: str) -> ast.expr:
    """``x.shape`` of an array name, ``xp.asarray(x).shape`` of anything else (a number)."""
    return ast.Attribute(_asarray(x), attr, ast.Load())


class _Translate(ast.NodeTransformer):
    """Rewrites one printed tree; ``loc`` and ``what`` locate refusals."""

    def __init__(self, loc, used: set[str], what: str, known: Known = Known(),
                 indexing: bool = False):
        self.loc, self.used, self.what, self.known = loc, used, what, known
        self.indexing = indexing      # whether the subscripts index arrays (not lists)

    def whole_axes(self, index):
        """``X[i]`` as ``X[i, ...]``: the standard reads a row of a 2-D array only when the
        index says the later axes are whole (``i`` a number, not an integer array)."""
        entries = index.elts if isinstance(index, ast.Tuple) else [index]
        if not self.indexing or not all(
                isinstance(e, ast.Slice) or isinstance(e, ast.Constant) and
                type(e.value) is int or isinstance(e, ast.Name) and e.id in self.known.scalars
                or isinstance(e, ast.UnaryOp) and isinstance(e.operand, ast.Constant)
                for e in entries):
            return index
        return ast.Tuple([*entries, ast.Constant(Ellipsis)], ast.Load())

    def refuse(self, feature: str, hint: str = "") -> NoArrayApiForm:
        where = f" (in {self.what})" if self.what and self.loc is None else ""
        return NoArrayApiForm(
            f"`{feature}` has no array-API form{where}: the array-API backend cannot "
            "translate it", self.loc,
            hint=hint or "compile this function with the NumPy backend (backend='numpy'), "
                         "or write this line with operations of the array API standard")

    # ------------------------------------------------------------ statements

    def visit_Expr(self, node: ast.Expr):
        call = node.value
        if isinstance(call, ast.Call) and numpy_name(call.func) == "add.at":
            base = call.args[0]
            args = [self.visit(a) for a in call.args]
            return ast.Assign([ast.Name(base.id, ast.Store())], self.shim("add.at", args))
        return self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign):
        target = node.targets[0]
        if len(node.targets) == 1 and isinstance(target, ast.Subscript):
            return self.write(target, "index_set", self.visit(node.value))
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign):
        if isinstance(node.target, ast.Subscript):
            if not isinstance(node.op, ast.Add):
                raise self.refuse(f"x[...] {type(node.op).__name__}= v")
            return self.write(node.target, "index_add", self.visit(node.value))
        return self.generic_visit(node)

    def write(self, target: ast.Subscript, helper: str, value) -> ast.Assign:
        """``x[i] = v`` as ``x = index_set(x, i, v)``: JAX arrays are never written in place."""
        if not isinstance(target.value, ast.Name):
            raise self.refuse("a write into an array that is not a variable")
        self.used.add(helper)
        index = _index_value(self.whole_axes(self.visit(target.slice)))
        call = ast.Call(ast.Name(helper, ast.Load()),
                        [ast.Name(target.value.id, ast.Load()), index, value], [])
        return ast.Assign([ast.Name(target.value.id, ast.Store())], call)

    def visit_Subscript(self, node: ast.Subscript):
        """``x[:, ::-1]`` as ``xp.flip(x, axis=1)``: PyTorch takes no negative steps."""
        node = self.generic_visit(node)
        entries = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        flipped = [k for k, e in enumerate(entries) if _reversing(e)]
        if not flipped or not isinstance(node.ctx, ast.Load) or any(
                isinstance(e, ast.Constant) and e.value in (None, Ellipsis)
                for e in entries[:max(flipped)]):
            if not isinstance(node.ctx, ast.Load):
                return node
            if self.integer_arrays(node.slice):
                self.used.add("gather")
                return ast.Call(ast.Name("gather", ast.Load()), [node.value, node.slice], [])
            node.slice = self.whole_axes(node.slice)
            return node
        rest = [ast.Slice(None, None, None) if k in flipped else e for k, e in enumerate(entries)]
        base = node.value
        if not all(isinstance(e, ast.Slice) and e.lower is e.upper is e.step is None
                   for e in rest):
            index = rest[0] if len(rest) == 1 else ast.Tuple(rest, ast.Load())
            base = ast.Subscript(base, index, ast.Load())
        axes = flipped[0] if len(flipped) == 1 else ast.Tuple(
            [ast.Constant(k) for k in flipped], ast.Load())
        return xp_call("flip", [base], [_kw("axis", axes)])

    def integer_arrays(self, index) -> bool:
        """Whether an index is two or more integer arrays (``x[np.arange(N), y]``), which
        Dask reads only through the ``gather`` helper."""
        return self.indexing and isinstance(index, ast.Tuple) and \
            len(index.elts) > 1 and all(
                isinstance(e, ast.Name) and e.id not in self.known.scalars and
                e.id not in self.known.masks for e in index.elts)

    def visit_FunctionDef(self, node):
        node.decorator_list = [d for d in node.decorator_list
                               if not (isinstance(d, ast.Call) and
                                       numpy_name(d.func) == "errstate")]
        return self.generic_visit(node)

    # ------------------------------------------------------------ expressions

    def visit_Call(self, node: ast.Call):
        func = numpy_name(node.func)
        raw = node.args
        args = [self.visit(a) for a in node.args]
        keywords = [ast.keyword(k.arg, self.visit(k.value)) for k in node.keywords]
        if func is not None:
            return self.numpy_call(func, args, keywords, raw)
        if _is_scipy(node.func):
            raise self.refuse(_dotted(node.func))
        if isinstance(node.func, ast.Attribute):
            method = self.method(node.func, args, keywords)
            if method is not None:
                return method
        node.func = self.visit(node.func)
        node.args, node.keywords = args, keywords
        return node

    def visit_Attribute(self, node: ast.Attribute):
        name = numpy_name(node)
        if name is None:
            if _is_scipy(node):
                raise self.refuse(_dotted(node))
            return self.generic_visit(node)
        if name in CONSTANTS or name in DTYPES:
            return ast.Attribute(ast.Name(XP, ast.Load()), DTYPES.get(name, name), ast.Load())
        raise self.refuse(f"np.{name}")

    def method(self, func: ast.Attribute, args, keywords):
        """Array methods the standard has as functions: ``x.copy()``, ``x.astype(t)``."""
        base = self.visit(func.value)
        if func.attr == "copy" and not args:
            return _asarray(base, copy=True)
        if func.attr == "astype" and len(args) == 1:
            return xp_call("astype", [base, _dtype(args[0])])
        if func.attr == "reshape" and args:
            shape = _shape_tuple(args[0]) if len(args) == 1 else ast.Tuple(args, ast.Load())
            return xp_call("reshape", [base, shape])
        if func.attr in ("flatten", "ravel") and not args:
            return xp_call("reshape", [base, ast.Tuple([ast.Constant(-1)], ast.Load())])
        if func.attr in ("item", "tolist", "fill", "sort", "resize", "put"):
            raise self.refuse(f"x.{func.attr}()")
        return None

    def numpy_call(self, func: str, args, keywords, raw):
        """``np.func(args)`` in array-API calls, or refused naming it."""
        if func in SHIM_CALLS:
            return self.shim(func, args, keywords)
        if func in DTYPES:                         # np.float64(x): a cast
            return xp_call("astype", [_asarray(args[0]), _xp_attr(DTYPES[func])])
        keywords = [_keyword(k) for k in keywords]
        if func == "zeros":
            return self.zeros(args, keywords, raw)
        if func in ("empty", "ones", "full") and not any(k.arg == "dtype" for k in keywords):
            keywords.append(_kw("dtype", _xp_attr("float64")))     # NumPy's default dtype
        if func == "full" and len(args) == 2 and not _number_literal(args[1]):
            # the standard fills with a Python number only: an array value is added
            return ast.BinOp(xp_call("zeros", args[:1], keywords), ast.Add(), args[1])
        if func in ("shape", "ndim", "size") and len(args) == 1:
            return self.size_of(func, args[0])
        if func in ("array", "copy"):
            return _asarray(args[0], copy=True, **{k.arg: k.value for k in keywords})
        if func == "asarray":
            return _asarray(args[0], **{k.arg: k.value for k in keywords})
        if func == "broadcast_to":
            return xp_call("broadcast_to", [_asarray(args[0]), *args[1:]], keywords)
        if func == "reshape" and len(args) == 2:
            return xp_call("reshape", [args[0], _shape_tuple(args[1])], keywords)
        if func == "transpose" and len(args) == 1:
            return ast.Attribute(args[0], "T", ast.Load())     # all axes reversed
        if func in KEYWORD_ONLY:
            count, names = KEYWORD_ONLY[func]
            keywords = keywords + [ast.keyword(k, a) for k, a in zip(names, args[count:])]
            args = args[:count]
        if func == "linalg.norm":
            return self.norm(args, keywords)
        if func == "linalg.svd" and any(k.arg == "compute_uv" for k in keywords):
            return xp_call("linalg.svdvals", args)      # np.linalg.svd(a, compute_uv=False)
        if func.startswith("linalg.") and func[7:] in LINALG:
            return xp_call(func, args, keywords)
        if func in SAME or func in RENAMED:
            return xp_call(RENAMED.get(func, func), args, keywords)
        raise self.refuse(f"np.{func}")

    def zeros(self, args, keywords, raw):
        """``np.zeros(x.shape)`` as ``xp.zeros_like(x)`` (x's dtype and device), other
        shapes as float64 zeros, NumPy's default."""
        shape = raw[0] if raw else None
        of = shape.value if isinstance(shape, ast.Attribute) and shape.attr == "shape" else \
            shape.args[0] if isinstance(shape, ast.Call) and numpy_name(shape.func) == "shape" \
            and len(shape.args) == 1 else None
        if of is not None and not keywords:
            inner = self.visit(of)
            if not (isinstance(of, ast.Name) and of.id in self.known.arrays):
                inner = _asarray(inner)            # v may be a Python number
            return xp_call("zeros_like", [inner])
        if not any(k.arg == "dtype" for k in keywords):
            keywords = keywords + [_kw("dtype", _xp_attr("float64"))]
        return xp_call("zeros", args, keywords)

    def size_of(self, func: str, x):
        if func == "size":
            self.used.add("math")
            return ast.Call(ast.Attribute(ast.Name("math", ast.Load()), "prod", ast.Load()),
                            [_of_array(x, "shape")], [])
        return _of_array(x, func)

    def norm(self, args, keywords):
        """``np.linalg.norm`` of vectors (no axis, or one): ``xp.linalg.vector_norm``;
        NumPy's norms of matrices depend on the rank, unknown here, so an order with no
        axis (or two axes) is refused."""
        given = {k.arg: k.value for k in keywords}
        order, axis = given.get("ord"), given.get("axis")
        plain_order = order is None or isinstance(order, ast.Constant) and order.value is None
        if isinstance(axis, ast.Tuple) or axis is None and not plain_order:
            raise self.refuse("np.linalg.norm of a matrix",
                              hint="write the norm with sums (np.sqrt(np.sum(x * x))) or "
                                   "pass a single axis=")
        keep = [k for k in keywords if k.arg != "ord" or not plain_order]
        return xp_call("linalg.vector_norm", args, keep)

    def shim(self, func: str, args, keywords=()):
        name = SHIM_CALLS[func]
        self.used.add(name)
        return ast.Call(ast.Name(name, ast.Load()), list(args), list(keywords))


def _keyword(k: ast.keyword) -> ast.keyword:
    """A NumPy keyword as the standard names it (``ddof`` is ``correction``)."""
    if k.arg == "ddof":
        return ast.keyword("correction", k.value)
    if k.arg == "dtype":
        return ast.keyword("dtype", _dtype(k.value))
    return k


def _dtype(value) -> ast.expr:
    """``float`` and ``int`` (NumPy's float64 and int64) as the namespace's dtypes."""
    if isinstance(value, ast.Name) and value.id in ("float", "int", "bool"):
        return _xp_attr({"float": "float64", "int": "int64", "bool": "bool"}[value.id])
    return value


def _xp_attr(name: str) -> ast.Attribute:
    return ast.Attribute(ast.Name(XP, ast.Load()), name, ast.Load())


def _index_value(index) -> ast.expr:
    """An index as a value passed to a helper: slices written ``slice(a, b)``."""
    if isinstance(index, ast.Slice):
        bounds = [b if b is not None else ast.Constant(None)
                  for b in (index.lower, index.upper, index.step)]
        if isinstance(bounds[2], ast.Constant) and bounds[2].value is None:
            bounds.pop()
        return ast.Call(ast.Name("slice", ast.Load()), bounds, [])
    if isinstance(index, ast.Tuple):
        return ast.Tuple([_index_value(e) for e in index.elts], ast.Load())
    return index


def _reversing(e) -> bool:
    """Whether an index entry is ``::-1``."""
    return isinstance(e, ast.Slice) and e.lower is None and e.upper is None and \
        isinstance(e.step, ast.UnaryOp) and isinstance(e.step.op, ast.USub) and \
        isinstance(e.step.operand, ast.Constant) and e.step.operand.value == 1


def _is_scipy(e) -> bool:
    while isinstance(e, ast.Attribute):
        e = e.value
    return isinstance(e, ast.Name) and e.id == "scipy"


def _dotted(e) -> str:
    parts = []
    while isinstance(e, ast.Attribute):
        parts.append(e.attr)
        e = e.value
    return ".".join([getattr(e, "id", "?"), *reversed(parts)])


__all__ = ["translating", "translate_printed", "translate_tree", "numpy_name", "XP",
           "NoArrayApiForm"]


def _number_literal(e) -> bool:
    return isinstance(e, ast.Constant) or isinstance(e, ast.UnaryOp) and \
        isinstance(e.operand, ast.Constant)


def _shape_tuple(shape: ast.expr) -> ast.expr:
    """A shape as the standard takes it: a tuple, where NumPy also takes one number
    (``np.reshape(x, -1)``)."""
    number = isinstance(shape, ast.Constant) or (
        isinstance(shape, ast.UnaryOp) and isinstance(shape.operand, ast.Constant))
    return ast.Tuple([shape], ast.Load()) if number else shape
