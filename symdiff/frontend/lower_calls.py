"""Lowering of operators, attributes, subscripts and calls onto the primitive set.

This is the table of what a user may write: ``np.<f>``, ``math.<f>``, builtins, methods.
Elementwise functions come from ``rules.elementwise.TABLE``; the rest are listed here.
"""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from typing import Any, Callable

import sympy

import numpy as np

from . import lower_arrays as arrays
from . import custom_rules, empty_coverage, slice_values, symdiff_calls, vectorized
from . import lower_compositions as compositions
from . import lower_complex as complex_
from . import lower_kinds
from .lower_subscripts import setitem, subscript  # noqa: F401  (calls.setitem, ...)
from .env import Tup
from .keywords import lowered_reading_all
from ..errors import Loc, SymdiffError
from ..ir import TMP, Const, Var
from ..primitives import constructors as C
from ..primitives import elementwise as E
from ..primitives.registry import spelled, spellings

#: NumPy functions whose result carries no gradient (indices, shapes, constants).
NONDIFF = {"arange", "zeros", "ones", "zeros_like", "ones_like", "eye",
           "argmax", "argmin", "floor", "ceil", "round", "rint", "isnan", "isfinite",
           "logical_and", "logical_or", "logical_not", "greater", "less", "equal",
           "argsort", "trunc", "sign_mask", "signbit", "isclose", "isinf", "isposinf",
           "isneginf", "count_nonzero", "any", "all", "allclose", "array_equal",
           "searchsorted"}
#: Array methods: the registry's ``x.<name>()`` spellings.
METHODS = {s[:-2] for s in spellings("x.") if s.endswith("()")} | {"clip", "take"}
SUPPORTED_NUMPY = sorted(set(E.TABLE) | NONDIFF | set(spellings("np.")) |
                         set(compositions.NUMPY) | {
    "clip", "array", "absolute", "asarray"})

CMP = {ast.Gt: ">", ast.Lt: "<", ast.GtE: ">=", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
INTOPS = {ast.FloorDiv: "//", ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
ARITH = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
         ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b, ast.Mod: E.Mod}


@dataclass
class Context:
    """What a lowering rule needs: the builder, the source, the statement's location."""

    b: Any
    src: Any
    loc: Loc
    lower: Callable[..., Any]               # lower(ast_expr, hint=TMP) -> Env
    call_helper: Callable[..., Any]         # call_helper(name, args, hint, call) -> Env
    bind: Callable[..., str] = None         # bind(value, at) -> a name no user can write

    def fail(self, message: str, at: ast.AST, hint: str = "") -> SymdiffError:
        return SymdiffError(message, self.src.loc(at), hint)

    def emit(self, op, args, hint, **params):
        return self.b.emit(op, args, hint, self.loc, **params)

    def ew(self, expr_of, args, hint, lib="np"):
        return self.b.ew(expr_of, args, hint, self.loc, lib)

    def array(self, value, at: ast.AST):
        if isinstance(value, complex_.Pair):
            raise complex_.escaped(self.src, at, "this value is complex, here where a real "
                                   "number or array is needed")
        if isinstance(value, Tup):
            return self.stack(list(value.items), 0, TMP, at)
        if not isinstance(value, (Var, Const)):
            raise self.fail("expected a number or an array here", at)
        if isinstance(value, Const) and isinstance(value.value, str):
            raise self.fail("strings cannot take part in a differentiated computation", at,
                            "compute strings outside the function")
        return value

    def stack(self, items, axis, hint, at):
        items = [self.array(v, at) for v in items]
        if all(isinstance(v, Const) and v.name is None for v in items):
            return self.emit("np", [Const(tuple(v.value for v in items))], hint, fn="array",
                             keywords=())
        return self.emit("stack", items, hint, axis=axis)

    def static(self, value, at: ast.AST, what: str):
        """A compile-time constant (axis, keepdims...): ints, tuples of ints (nested: pad
        widths), None, bools."""
        if isinstance(value, Const) and value.name is None:
            return value.value
        if isinstance(value, Tup) and all(isinstance(v, (Const, Tup)) for v in value.items):
            return tuple(self.static(v, at, what) for v in value.items)
        raise self.fail(f"{what} must be a constant", at, f"write {what} as a literal, e.g. axis=1")

    @staticmethod
    def items(value) -> tuple | None:
        """The values of a list or tuple written out (``[a, b]``), or None."""
        return value.items if isinstance(value, Tup) else None

    @staticmethod
    def tup(items) -> Tup:
        """Several values, as a function returning a tuple gives them."""
        return Tup(tuple(items))


# ---------------------------------------------------------------- operators


def binop(ctx: Context, e: ast.BinOp, hint: str):
    left, right = ctx.lower(e.left), ctx.lower(e.right)
    if complex_.involved(left, right):
        return complex_.binop(ctx, e, left, right, hint)
    a, b = ctx.array(left, e.left), ctx.array(right, e.right)
    if isinstance(e.op, ast.MatMult):
        return ctx.emit("matmul", [a, b], hint)
    if type(e.op) in ARITH:
        return ctx.ew(ARITH[type(e.op)], [a, b], hint, lib="")
    if type(e.op) in INTOPS:
        return ctx.emit("intop", [a, b], hint, symbol=INTOPS[type(e.op)])
    raise ctx.fail(f"operator {type(e.op).__name__} is not supported", e)


def unaryop(ctx: Context, e: ast.UnaryOp, hint: str):
    x = ctx.lower(e.operand)
    if complex_.involved(x):
        return complex_.unaryop(ctx, e, x, hint)
    x = ctx.array(x, e.operand)
    if isinstance(e.op, ast.USub):
        return ctx.ew(lambda v: -v, [x], hint, lib="")
    if isinstance(e.op, ast.UAdd):
        return x
    if isinstance(e.op, ast.Invert):
        return ctx.emit("np", [x], hint, fn="logical_not", keywords=())
    return ctx.emit("not", [x], hint)


def compare(ctx: Context, e: ast.Compare, hint: str):
    typed = lower_kinds.type_compare(ctx, e)          # type(x) is float
    if typed is not None:
        return typed
    a = ctx.array(ctx.lower(e.left), e.left)
    b = ctx.array(ctx.lower(e.comparators[0]), e.comparators[0])
    if type(e.ops[0]) not in CMP:
        raise ctx.fail(f"comparison {type(e.ops[0]).__name__} is not supported", e,
                       "compare numbers with <, <=, >, >=, == or !=")
    return ctx.emit("compare", [a, b], hint, symbol=CMP[type(e.ops[0])])


def boolop(ctx: Context, e: ast.BoolOp, hint: str):
    """``a or b`` is ``a if a else b`` and ``a and b`` is ``b if a else a``: the value of an
    operand, not a bool (b is computed only when needed). ``a`` is computed once."""
    value = e.values[0]
    for more in e.values[1:]:
        first = ast.Name(ctx.bind(ctx.lower(value), value), ast.Load())
        ast.copy_location(first, value)
        body, orelse = (more, first) if isinstance(e.op, ast.And) else (first, more)
        value = ast.copy_location(ast.IfExp(first, body, orelse), e)
        ast.fix_missing_locations(value)
    return ctx.lower(value, hint)


# ---------------------------------------------------------------- attributes and subscripts


CONSTANTS = {"pi": 3.141592653589793, "e": 2.718281828459045, "inf": float("inf"),
             "newaxis": None}


def attribute(ctx: Context, e: ast.Attribute, hint: str, qualified: str | None):
    if qualified is not None:
        attr = qualified.split(".")[-1]
        if qualified.split(".")[0] in ("numpy", "math") and attr in CONSTANTS:
            return Const(CONSTANTS[attr])
        raise ctx.fail(f"`{qualified.replace('numpy.', 'np.')}` is not supported here", e)
    x = ctx.lower(e.value)
    if isinstance(x, complex_.Pair):
        return complex_.attribute(ctx, e, x, hint)
    x = ctx.array(x, e.value)
    if e.attr == "T":
        return ctx.emit("transpose", [x], hint, axes=None)
    if e.attr == "shape":
        return ctx.emit("shape", [x], hint)
    if e.attr in ("ndim", "size"):
        return ctx.emit(e.attr, [x], hint)
    if e.attr in ("real", "imag"):        # of real numbers: x itself (a view), and zeros
        return x if e.attr == "real" else ctx.ew(E.TABLE["imag"].forward, [x], hint)
    raise ctx.fail(f"attribute `.{e.attr}` is not supported", e,
                   "use .T, .shape, .ndim or .size, or the NumPy function")


# ---------------------------------------------------------------- calls


def _arguments(ctx: Context, e: ast.Call):
    args = [ctx.lower(a) for a in e.args]
    keywords = {k.arg: ctx.lower(k.value) for k in e.keywords}
    return args, keywords


def call(ctx: Context, e: ast.Call, hint: str, qualified: str | None):
    if qualified is None:
        return _method(ctx, e, hint)
    kind, _, name = qualified.partition(".") if "." in qualified else qualified.partition(":")
    if qualified.startswith("helper:"):
        args, keywords = _arguments(ctx, e)
        if keywords:
            raise ctx.fail("keyword arguments to helpers are not supported", e,
                           "pass the helper's arguments by position")
        if custom_rules.has_rule(ctx.src.scope, qualified[len("helper:"):]):
            return custom_rules.lower_custom_call(ctx, e, hint, qualified[len("helper:"):], args)
        return ctx.call_helper(qualified[len("helper:"):], args, hint, e)
    if qualified.startswith("builtin."):
        return _builtin(ctx, e, hint, qualified[len("builtin."):])
    if qualified in ("numpy.isscalar", "numpy.ndim", "numpy.shape", "numpy.size"):
        return lower_kinds.numpy(ctx, e, qualified[len("numpy."):], hint)
    if qualified == "numpy.vectorize":
        return vectorized.call(ctx, e)
    if qualified.startswith("numpy."):
        return numpy_call(ctx, e, hint, qualified[len("numpy."):])
    if qualified.startswith("linalg."):
        return numpy_call(ctx, e, hint, qualified)
    if qualified.startswith("math."):
        return _math_call(ctx, e, hint, qualified[len("math."):])
    if symdiff_calls.is_symdiff_call(qualified):
        return symdiff_calls.lower_symdiff_call(ctx, e, hint, qualified)
    special = qualified.split(":", 1)[-1]
    if special.startswith("scipy.special."):
        return _scipy_call(ctx, e, hint, special[len("scipy.special."):])
    shown = qualified.split(":", 1)[-1]
    entry = spelled(shown)                           # scipy.stats.norm.logpdf...
    if entry is not None and entry.lower is not None:
        args, keywords = _arguments(ctx, e)
        return lowered_reading_all(ctx, e, shown, keywords,
                                   lambda tracked: entry.lower(ctx, e, hint, shown, args, tracked))
    if shown.startswith("scipy.linalg."):
        known = spellings("scipy.linalg.")
        raise ctx.fail(f"`{shown}` is not a function symdiff can differentiate", e.func,
                       f"use one of scipy.linalg's {', '.join(known)}, or give its derivative "
                       "with @symdiff.custom_jvp (or @symdiff.custom_vjp)")
    close = difflib.get_close_matches(shown.split(".")[-1], SUPPORTED_NUMPY, n=1, cutoff=0.75)
    raise ctx.fail(f"`{shown}` is not a function symdiff can differentiate", e.func,
                   f"use a supported NumPy function{' such as np.' + close[0] if close else ''}, "
                   "or a helper defined with `def` at module level; for a function symdiff "
                   "cannot read, give its derivative with @symdiff.custom_jvp or its backward pass "
                   "with @symdiff.custom_vjp")


def _math_call(ctx: Context, e: ast.Call, hint: str, name: str):
    row = E.lookup(name, "math")
    if name not in E.MATH_FUNCTIONS or row is None:
        close = difflib.get_close_matches(name, sorted(E.MATH_FUNCTIONS), n=1, cutoff=0.75)
        raise ctx.fail(f"`math.{name}` is not supported", e.func,
                       f"use math.{close[0]}" if close else "use a NumPy function")
    args, keywords = _arguments(ctx, e)
    if name == "log" and len(args) == 2 and not keywords:        # math.log(x, base)
        return ctx.ew(lambda u, b: sympy.log(u) / sympy.log(b), [ctx.array(a, e) for a in args],
                      hint, lib="math")
    if keywords or len(args) != row.arity:
        raise ctx.fail(f"math.{name} takes {row.arity} argument(s)", e)
    return ctx.ew(row.forward, [ctx.array(a, e) for a in args], hint, lib="math")


def _scipy_call(ctx: Context, e: ast.Call, hint: str, name: str):
    """``scipy.special.<name>(...)``: an elementwise row of ``elementwise.SCIPY_SPECIAL``,
    or a function the registry writes with primitives."""
    row = E.lookup(name, "scipy.special")
    args, keywords = _arguments(ctx, e)
    if row is not None:
        if keywords or len(args) != row.arity:
            raise ctx.fail(f"scipy.special.{name} takes {row.arity} array argument(s) here", e,
                           "pass the arrays by position, without out=/where= keywords")
        return ctx.ew(row.forward, [ctx.array(a, e) for a in args], hint)
    entry = spelled("scipy.special." + name)
    if entry is not None:
        return lowered_reading_all(ctx, e, f"scipy.special.{name}", keywords,
                                   lambda tracked: entry.lower(ctx, e, hint, name, args, tracked))
    known = sorted(set(E.SCIPY_SPECIAL) | set(spellings("scipy.special.")))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    raise ctx.fail(f"`scipy.special.{name}` is not a function symdiff can differentiate",
                   e.func, f"did you mean scipy.special.{close[0]}?" if close else
                   "write it with supported NumPy or scipy.special functions, or give its "
                   "derivative with @symdiff.custom_jvp (or @symdiff.custom_vjp)")


def _builtin(ctx: Context, e: ast.Call, hint: str, name: str):
    if name in ("isinstance", "hasattr", "callable"):
        return lower_kinds.builtin(ctx, e, name)
    if name == "range" and 1 <= len(e.args) <= 3 and not e.keywords and ctx.src.scope.numpy:
        return ctx.lower(_as_arange(ctx, e), hint)     # scores[range(N), y]: np.arange(N)
    args, keywords = _arguments(ctx, e)
    if name == "slice":
        return slice_values.make(ctx, args, keywords, e)
    if name in ("max", "min") and len(args) >= 2 and not keywords:
        return _fold(ctx, e, hint, name, args)
    if name in ("max", "min") and len(args) == 1 and not keywords:
        return _extremum_of_one(ctx, e, hint, name, args[0])
    if name == "abs" and len(args) == 1 and isinstance(args[0], complex_.Pair):
        return complex_.numpy(ctx, e, hint, "abs", args, keywords)
    if name == "abs" and len(args) == 1:
        return ctx.ew(E.TABLE["abs"].forward, [ctx.array(args[0], e)], hint, lib="math")
    if name == "float" and len(args) == 1:
        return ctx.emit("cast", [ctx.array(args[0], e)], hint, type="float")
    if name == "int" and len(args) == 1:
        return ctx.emit("cast", [ctx.array(args[0], e)], hint, type="int")
    if name == "len" and len(args) == 1:
        return ctx.emit("dim", [ctx.array(args[0], e)], hint, axis=0)
    hints = {"max": "np.max(x) for the largest element, or max(a, b) for two numbers",
             "min": "np.min(x) for the smallest element, or min(a, b) for two numbers",
             "sum": "np.sum(x)", "print": "print as a statement of its own"}
    raise ctx.fail(f"builtin `{name}(...)` is not supported here", e,
                   "use " + hints.get(name, "a NumPy function"))


def _as_arange(ctx: Context, e: ast.Call) -> ast.Call:
    """``range(a, b, s)`` read as an array (an index, an operand) is ``np.arange(a, b, s)``."""
    numpy = ast.copy_location(ast.Name(sorted(ctx.src.scope.numpy)[0], ast.Load()), e.func)
    arange = ast.copy_location(ast.Attribute(numpy, "arange", ast.Load()), e.func)
    return ast.copy_location(ast.Call(arange, e.args, []), e)


def _extremum_of_one(ctx: Context, e: ast.Call, hint: str, name: str, value):
    """``max(x)`` / ``min(x)`` of an array, which Python iterates element by element:
    np.max (np.min) of a 1-D x, its rank checked where the function runs (a 2-D x makes
    NumPy raise). Of a list written out it is the containers' (``lower_containers``)."""
    x = ctx.array(value, e)
    ctx.emit("check_ndim", [x], TMP, ndim=1, message=f"{name}(x) iterates the elements of a "
             f"1-D array; for an N-D array write np.{name}(x) (or np.{name}(x, axis=k))")
    return ctx.emit("amax" if name == "max" else "amin", [x], hint, axis=None, keepdims=False)


def _fold(ctx: Context, e: ast.Call, hint: str, name: str, items):
    """The pairwise maximum (minimum) of values known at compile time, left to right."""
    row = E.TABLE["maximum" if name == "max" else "minimum"]
    value = ctx.array(items[0], e)
    for more in items[1:]:
        value = ctx.ew(row.forward, [value, ctx.array(more, e)], hint, lib="math")
    return value


def _method(ctx: Context, e: ast.Call, hint: str):
    func = e.func
    if not isinstance(func, ast.Attribute):
        raise ctx.fail("only functions and array methods can be called", e)
    if func.attr == "item":
        return arrays.item(ctx, e, hint)
    x = ctx.lower(func.value)
    if isinstance(x, complex_.Pair):
        args, keywords = _arguments(ctx, e)
        return complex_.method(ctx, e, x, hint, args, keywords)
    if func.attr not in METHODS:
        close = difflib.get_close_matches(func.attr, sorted(METHODS), n=1, cutoff=0.75)
        raise ctx.fail(f"method `.{func.attr}()` is not supported", func,
                       f"use .{close[0]}() or a NumPy function" if close else
                       "use a NumPy function")
    x = ctx.array(x, func.value)
    if func.attr == "astype":
        return arrays.astype(ctx, e, x, hint)
    args, keywords = _arguments(ctx, e)
    name = {"flatten": "ravel", "copy": "positive"}.get(func.attr, func.attr)
    if name in ("reshape", "transpose") and len(args) > 1:
        args = [Tup(tuple(args))]
    return _numpy(ctx, e, hint, name, [x] + args, keywords)


def numpy_call(ctx: Context, e: ast.Call, hint: str, name: str):
    if name in arrays.SCALAR_TYPES:                      # np.float32(x): a cast
        if len(e.args) != 1 or e.keywords:
            raise ctx.fail(f"np.{name} takes one argument here", e)
        x = ctx.array(ctx.lower(e.args[0]), e.args[0])
        return arrays.cast(ctx, x, np.dtype(name), hint, e)
    dtype = arrays.dtype_keyword(ctx, e)
    args = [ctx.lower(a) for a in e.args]
    keywords = {k.arg: ctx.lower(k.value) for k in e.keywords if k.arg != "dtype"}
    if dtype is not None:
        return arrays.with_dtype(ctx, e, hint, name, args, keywords, dtype,
                                 lambda a, k, h=hint: _numpy(ctx, e, h, name, a, k))
    return _numpy(ctx, e, hint, name, args, keywords)


def _numpy(ctx: Context, e: ast.Call, hint: str, name: str, args: list, keywords: dict):
    """Lower ``np.<name>(*args, **keywords)`` onto primitives; a keyword the lowering
    does not read is refused (``keywords.lowered_reading_all``)."""
    return lowered_reading_all(ctx, e, f"np.{name}", keywords,
                               lambda tracked: _numpy_call(ctx, e, hint, name, args, tracked))


def _numpy_call(ctx: Context, e: ast.Call, hint: str, name: str, args: list, keywords: dict):
    if complex_.involved(*args, *dict.values(keywords)):
        value = complex_.numpy(ctx, e, hint, name, args, keywords)
        if value is not complex_.NOT_MINE:
            return value
    if name == "clip":
        return _clip(ctx, e, hint, args, keywords)
    row = E.lookup(name)
    if row is not None:
        if keywords or len(args) != row.arity:
            raise ctx.fail(f"np.{name} takes {row.arity} array argument(s) here", e,
                           "pass the arrays by position, without out=/where= keywords")
        return ctx.ew(row.forward, [ctx.array(a, e) for a in args], hint)
    entry = spelled("np." + name)
    if entry is not None and entry.lower is not None:     # the registry's own lowering
        return entry.lower(ctx, e, hint, name, args, keywords)
    if name in compositions.NUMPY:                        # lowered onto other primitives
        return compositions.NUMPY[name](ctx, e, hint, args, keywords)
    if name in ("array", "asarray") and len(args) == 1 and set(keywords) <= {"copy"}:
        return ctx.array(args[0], e) if not isinstance(args[0], (Var, Const)) else args[0]
    if name in ("full", "full_like"):
        return arrays.full(ctx, e, hint, name, args, keywords)
    if name == "linspace":
        return arrays.linspace(ctx, e, hint, args, keywords)
    if name == "linalg.norm":
        return _norm(ctx, e, hint, args, keywords)
    if name in C.UNSET:
        why = empty_coverage.verdict(ctx.src.tree, e, name, lambda n: ctx.src.loc(n).line)
        if why is not None:
            raise C.refuse_unset(ctx, e, name, why)
    if name in NONDIFF or name in C.UNSET:      # np.empty: every element proven written
        flat = [_shape_tuple(ctx, a) if isinstance(a, Tup) else ctx.array(a, e) for a in args] + \
            [v if k == "dtype" else ctx.array(v, e) for k, v in keywords.items()]
        return ctx.emit("np", flat, hint, fn=name, keywords=tuple(keywords))
    if name == "random" or name.startswith("random."):
        raise ctx.fail("random numbers inside a differentiated function are not supported", e,
                       "draw them outside (seeded there, e.g. np.random.seed(0), if they "
                       "must repeat) and pass them in as an argument")
    close = difflib.get_close_matches(name, SUPPORTED_NUMPY, n=1, cutoff=0.75)
    raise ctx.fail(f"`np.{name}` is not supported", e.func,
                   f"did you mean np.{close[0]}?" if close else
                   "write it with supported NumPy functions")


#: np.clip's bounds by keyword: NumPy 1's names and NumPy 2's.
CLIP_BOUNDS = (("a_min", "min"), ("a_max", "max"))


def _clip(ctx: Context, e: ast.Call, hint: str, args: list, keywords: dict):
    """``np.clip(x, lo, hi)`` with either bound None (no bound on that side), given by
    position or keyword: np.maximum / np.minimum for one bound."""
    bounds = list(args[1:3]) + [None] * (3 - len(args))
    for k, names in enumerate(CLIP_BOUNDS):
        for name in names:
            if name in keywords:
                bounds[k] = keywords[name]
    if len(args) > 3 or set(keywords) - {n for names in CLIP_BOUNDS for n in names} or \
            not args:
        raise ctx.fail("np.clip takes an array and two bounds here", e,
                       "write np.clip(x, lo, hi), a bound None for no bound")
    lo, hi = (None if b is None or isinstance(b, Const) and b.value is None else
              ctx.array(b, e) for b in bounds)
    x = ctx.array(args[0], e)
    if lo is None and hi is None:
        raise ctx.fail("np.clip needs at least one bound", e, "give lo or hi")
    if lo is not None and hi is not None:
        return ctx.ew(E.lookup("clip").forward, [x, lo, hi], hint)
    row = E.lookup("maximum" if lo is not None else "minimum")
    return ctx.ew(row.forward, [x, lo if lo is not None else hi], hint)


def _shape_tuple(ctx: Context, value):
    """``np.zeros((k, d, d))``: a shape stays a tuple (not an array of its entries)."""
    if all(isinstance(v, Const) and v.name is None for v in value.items):
        return Const(tuple(v.value for v in value.items))
    return ctx.emit("tuple", list(value.items), "shape")


def _norm(ctx: Context, e: ast.Call, hint: str, args, keywords):
    """``np.linalg.norm(x, ord, axis, keepdims)``: the 2-norm / Frobenius norm is written
    out as sqrt(sum(x*x)); every other order is ``lower_arrays.norm``."""
    x = ctx.array(args[0], e)
    order = ctx.static(keywords.get("ord", args[1] if len(args) > 1 else Const(None)), e, "ord")
    axis = ctx.static(keywords.get("axis", args[2] if len(args) > 2 else Const(None)), e, "axis")
    keepdims = bool(ctx.static(keywords.get("keepdims", args[3] if len(args) > 3 else
                                            Const(False)), e, "keepdims"))
    if order is not None:
        return arrays.norm(ctx, e, hint, x, order, axis, keepdims)
    squares = ctx.ew(lambda v: v ** 2, [x], TMP)
    total = ctx.emit("sum", [squares], TMP, axis=axis, keepdims=keepdims)
    # sqrt(where(total > 0, total, 0)): the same value; at x = 0 the gradient is the
    # subgradient 0 (as abs'(0) = 0), not 0 * inf = NaN (symdiff.masks)
    positive = ctx.emit("compare", [total, Const(0)], TMP, symbol=">")
    guarded = ctx.emit("where", [positive, total, Const(0.0)], TMP)
    return ctx.ew(sympy.sqrt, [guarded], hint)
