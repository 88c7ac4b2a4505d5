"""Stage 6, codegen: IR -> Python AST -> source text (via astor), with comments.

Every node becomes one statement, rendered by ``render`` (the one place astor is used).
Comments are not part of Python's AST, so they are added beside the rendered
statements: forward lines name the source line they come from, backward lines add the
gate and the local derivative they apply (``# f.py:3  mul switches: df/dq = z``).
The emitted module imports only what it uses (NumPy, ``math``) and carries the few
helpers it calls.
"""
from __future__ import annotations

import ast
import os

import astor
import sympy

from .ir import Const, Function, Node, Var, ew_symbols, uses
from .rules.arrays import SLICE_ALL

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
    return unbroadcast(g @ np.swapaxes(y, -1, -2) if np.ndim(x) > 1 else g @ y.T, x)
''',
    "matmul_vjp_right": '''def matmul_vjp_right(g, x, y):
    """Gradient of x @ y with respect to y, for any ranks."""
    if np.ndim(x) == 1:
        return unbroadcast(np.multiply.outer(x, g), y)
    if np.ndim(y) == 1:
        return unbroadcast(np.swapaxes(x, -1, -2) @ g[..., None], y[..., None])[..., 0]
    return unbroadcast(np.swapaxes(x, -1, -2) @ g, y)
''',
}
HELPER_NEEDS = {"matmul_vjp_left": ("unbroadcast",), "matmul_vjp_right": ("unbroadcast",)}


def render(tree: ast.AST) -> str:
    """Python source for an AST node (the single use of astor in the package)."""
    return astor.to_source(tree).rstrip("\n")


# ---------------------------------------------------------------- SymPy -> Python AST


NUMPY_NAMES = {"exp": "exp", "log": "log", "sqrt": "sqrt", "tanh": "tanh", "sinh": "sinh",
               "cosh": "cosh", "sin": "sin", "cos": "cos", "tan": "tan", "atan": "arctan",
               "asin": "arcsin", "acos": "arccos", "atanh": "arctanh", "asinh": "arcsinh",
               "sign": "sign", "Abs": "abs"}
MATH_NAMES = {"exp": "exp", "log": "log", "sqrt": "sqrt", "tanh": "tanh", "sinh": "sinh",
              "cosh": "cosh", "sin": "sin", "cos": "cos", "tan": "tan", "atan": "atan",
              "asin": "asin", "acos": "acos", "atanh": "atanh", "asinh": "asinh"}


class _Printer:
    """Turns one SymPy expression into a Python expression AST, recording imports."""

    def __init__(self, names: list[str], lib: str, imports: set[str]):
        self.names, self.lib, self.imports = names, lib, imports

    def call(self, module: str, func: str, args: list[ast.expr]) -> ast.expr:
        self.imports.add(module)
        alias = "np" if module == "numpy" else module
        return ast.Call(ast.Attribute(ast.Name(alias, ast.Load()), func, ast.Load()), args, [])

    def number(self, value) -> ast.expr:
        value = int(value) if isinstance(value, sympy.Integer) else float(value)
        node = ast.Constant(abs(value))
        return ast.UnaryOp(ast.USub(), node) if value < 0 else node

    def __call__(self, e: sympy.Expr) -> ast.expr:
        if e.is_Symbol:
            return ast.Name(self.names[int(e.name[1:])], ast.Load())
        if e is sympy.pi:
            return _attr("np", "pi", self)
        if e is sympy.E:
            return _attr("np", "e", self)
        if e.is_Number:
            return self.number(e)
        if e.is_Add:
            return self.add(e)
        if e.is_Mul:
            return self.mul(e)
        if e.is_Pow:
            return self.power(e)
        return self.function(e)

    def add(self, e: sympy.Add) -> ast.expr:
        terms = sorted(e.args, key=lambda t: (_is_negative(t), t.is_Number))
        result = self(terms[0])
        for t in terms[1:]:
            if _is_negative(t):
                result = ast.BinOp(result, ast.Sub(), self(-t))
            else:
                result = ast.BinOp(result, ast.Add(), self(t))
        return result

    def mul(self, e: sympy.Mul) -> ast.expr:
        if _is_negative(e):
            return ast.UnaryOp(ast.USub(), self(-e))
        numer, denom = [], []
        for factor in e.as_ordered_factors():
            if factor.is_Pow and factor.exp.is_Number and factor.exp < 0:
                denom.append(sympy.Pow(factor.base, -factor.exp))
            elif factor.is_Rational and not factor.is_Integer:
                numer.append(sympy.Integer(factor.p))
                denom.append(sympy.Integer(factor.q))
            else:
                numer.append(factor)
        numer = [f for f in numer if f != 1] or [sympy.Integer(1)]
        # numbers first: 2 * x, not x * 2
        numer.sort(key=lambda f: not f.is_Number)
        result = self(numer[0])
        for f in numer[1:]:
            result = ast.BinOp(result, ast.Mult(), self(f))
        if denom:
            below = self(denom[0])
            for f in denom[1:]:
                below = ast.BinOp(below, ast.Mult(), self(f))
            result = ast.BinOp(result, ast.Div(), below)
        return result

    def power(self, e: sympy.Pow) -> ast.expr:
        base, exp = e.args
        if exp == sympy.Rational(1, 2):
            return self.root(base)
        if exp == sympy.Rational(-1, 2):
            return ast.BinOp(ast.Constant(1), ast.Div(), self.root(base))
        if exp.is_Number and exp < 0:
            return ast.BinOp(ast.Constant(1), ast.Div(), self(sympy.Pow(base, -exp)))
        return ast.BinOp(self(base), ast.Pow(), self(exp))

    def root(self, base: sympy.Expr) -> ast.expr:
        if self.lib == "math":
            return self.call("math", "sqrt", [self(base)])
        return self.call("numpy", "sqrt", [self(base)])

    def function(self, e: sympy.Expr) -> ast.expr:
        func = type(e).__name__
        args = [self(a) for a in e.args]
        if func in ("Max", "Min"):
            return self.extremum(func, args)
        if func == "Heaviside":
            return self.step(e.args[0])
        if func == "log" and len(args) == 1 or func in NUMPY_NAMES:
            if self.lib == "math" and func in MATH_NAMES:
                return self.call("math", MATH_NAMES[func], args)
            if self.lib == "math" and func == "Abs":
                return ast.Call(ast.Name("abs", ast.Load()), args, [])
            return self.call("numpy", NUMPY_NAMES.get(func, func), args)
        raise NotImplementedError(f"cannot print {func}")

    def extremum(self, func: str, args: list[ast.expr]) -> ast.expr:
        result = args[0]
        for a in args[1:]:
            if self.lib == "math":
                result = ast.Call(ast.Name(func.lower(), ast.Load()), [result, a], [])
            else:
                result = self.call("numpy", "maximum" if func == "Max" else "minimum", [result, a])
        return result

    def step(self, u: sympy.Expr) -> ast.expr:
        """Heaviside(u) with H(0) = 1/2: ties share the gradient evenly."""
        if self.lib == "math":
            zero = ast.Constant(0)
            return ast.IfExp(ast.Compare(self(u), [ast.Gt()], [zero]), ast.Constant(1.0),
                             ast.IfExp(ast.Compare(self(u), [ast.Eq()], [zero]),
                                       ast.Constant(0.5), ast.Constant(0.0)))
        return self.call("numpy", "heaviside", [self(u), ast.Constant(0.5)])


def _attr(module: str, name: str, printer: _Printer) -> ast.expr:
    printer.imports.add("numpy")
    return ast.Attribute(ast.Name(module, ast.Load()), name, ast.Load())


def _is_negative(t: sympy.Expr) -> bool:
    return bool(t.could_extract_minus_sign())


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
    return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), func, ast.Load()), list(args), kws)


def _index(spec, args, inline=None) -> ast.expr:
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
            parts.append(ast.Slice(*bounds))
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


REDUCE_NAMES = {"sum": "sum", "mean": "mean", "amax": "max", "amin": "min"}


def expression(n: Node, imports: set[str], helpers: set[str], inline=None) -> ast.expr:
    """The right-hand side of one node, as a Python expression."""
    a = [_name(x, inline) for x in n.args]
    op = n.op
    if op == "ew":
        return _Printer([_text(x, inline) for x in n.args], n.param("lib") or "np",
                        imports)(n.param("expr"))
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
    if op in ("expand_dims", "squeeze", "concatenate", "stack"):
        if op in ("concatenate", "stack"):
            a = [ast.List(a, ast.Load())]
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
    if op == "intop":
        return ast.BinOp(a[0], _INTOP[n.param("symbol")](), a[1])
    if op == "np":
        keywords = n.param("keywords")
        positional = a[: len(a) - len(keywords)]
        kws = list(zip(keywords, a[len(a) - len(keywords):]))
        return _np(n.param("fn"), positional, kws, imports)
    if op == "cast":
        return ast.Call(ast.Name(n.param("type"), ast.Load()), a, [])
    if op == "alias":
        return a[0]
    if op == "copy":
        return _np("array", a, imports=imports)
    if op == "zeros_like":
        return _np("zeros_like", a, [("dtype", ast.Name("float", ast.Load()))], imports)
    if op in ("where", "outer", "broadcast_to"):
        return _np(op, a, imports=imports)
    if op in HELPERS:
        helpers.add(op)
        helpers.update(HELPER_NEEDS.get(op, ()))
        imports.add("numpy")
        return ast.Call(ast.Name(op, ast.Load()), a, [])
    raise NotImplementedError(f"no code for primitive {op}")


def _text(v, inline=None) -> str:
    if isinstance(v, Var) and inline and v.name in inline:
        return "(" + render(inline[v.name]) + ")"
    return v.name if isinstance(v, Var) or v.name else repr(v.value)


_CMP = {">": ast.Gt, "<": ast.Lt, ">=": ast.GtE, "<=": ast.LtE, "==": ast.Eq, "!=": ast.NotEq}
_INTOP = {"//": ast.FloorDiv, "%": ast.Mod, "&": ast.BitAnd, "|": ast.BitOr, "^": ast.BitXor}


def statements(n: Node, imports: set[str], helpers: set[str], inline=None) -> list[ast.stmt]:
    """One node as statements: one, except a scatter (allocate, then write into it)."""
    target = ast.Name(n.out.name, ast.Store())
    if n.op in ("scatter", "scatter_add"):
        g, x, *index_args = n.args
        zeros = ast.Assign([target], _np("zeros_like", [_name(x, inline)],
                                         [("dtype", ast.Name("float", ast.Load()))], imports))
        index = _index(_shift(n.param("index")), [g, x, *index_args], inline)
        if n.op == "scatter":
            write = ast.Assign([ast.Subscript(ast.Name(n.out.name, ast.Load()), index, ast.Store())],
                               _name(g, inline))
        else:
            call = _np("add.at", [ast.Name(n.out.name, ast.Load()), index, _name(g, inline)],
                       imports=imports)
            write = ast.Expr(call)
        return [zeros, write]
    return [ast.Assign([target], expression(n, imports, helpers, inline))]


def _shift(spec):
    """getitem index specs count the array as argument 0; a scatter has g and x first."""
    shifted = []
    for entry in spec:
        if entry is None or entry is Ellipsis:
            shifted.append(entry)
        elif entry[0] == "at":
            shifted.append(("at", entry[1] + 1))
        else:
            shifted.append(("slice",) + tuple(None if k is None else k + 1 for k in entry[1:]))
    return tuple(shifted)


# ---------------------------------------------------------------- functions and modules


def function_source(fn: Function, imports: set[str], helpers: set[str],
                    doc: str = "") -> str:
    """One generated function: forward lines, then backward lines, each with its comment."""
    params = []
    defaults = dict(fn.defaults)
    for p in fn.params:
        params.append(f"{p.name}={defaults[p.name]!r}" if p.name in defaults else p.name)
    lines = [f"def {fn.name}({', '.join(params)}):"]
    if doc:
        lines.append(f'    """{doc}"""')
    rows: list[tuple[str, str]] = []
    phase = None
    inline: dict[str, ast.expr] = {}
    count = uses(fn)
    for n in fn.body:
        if _inlinable(n, count):
            inline[n.out.name] = expression(n, imports, helpers, inline)
            continue
        now = "backward" if n.note else "forward"
        if now != phase:
            rows.append((f"# {now}", ""))
            phase = now
        comment = _comment(n)
        for k, stmt in enumerate(statements(n, imports, helpers, inline)):
            rows.append((render(stmt), comment if k == 0 else ""))
    width = min(max([len(code) for code, c in rows if c] + [0]), 44)
    for code, comment in rows:
        for j, line in enumerate(code.split("\n")):
            last = j == code.count("\n")
            text = "    " + line
            if comment and last:
                text = f"{text:<{width + 4}}  # {comment}"
            lines.append(text.rstrip())
    lines.append("    return " + _result(fn.result, top=True))
    return "\n".join(lines) + "\n"


def _inlinable(n: Node, count: dict[str, int]) -> bool:
    """A temporary view used once (``X.T``) reads better inside the line that uses it."""
    return (n.op == "transpose" and n.param("axes") is None and count.get(n.out.name) == 1
            and n.out.name.startswith("tmp"))


def _comment(n: Node) -> str:
    where = f"{os.path.basename(n.loc.file)}:{n.loc.line}" if n.loc else ""
    return f"{where}  {n.note}".strip() if n.note else where


def _result(result, top: bool = False) -> str:
    parts = [("(" + _result(item) + ("," if len(item) == 1 else "") + ")")
             if isinstance(item, tuple) else render(_name(item)) for item in result]
    return ", ".join(parts)


def module_source(functions: list[tuple[Function, str]], header: str) -> str:
    """A whole module: header, imports, constants, helpers, then the functions."""
    imports: set[str] = set()
    helpers: set[str] = set()
    bodies = [function_source(fn, imports, helpers, doc) for fn, doc in functions]
    constants: dict = {}
    for fn, _ in functions:
        constants.update(dict(fn.constants))
    out = [f'"""{header}"""', ""]
    if "math" in imports:
        out.append("import math")
    out.append("import numpy as np")
    out.append("")
    if constants:
        out.extend(f"{k} = {v!r}" for k, v in sorted(constants.items()))
        out.append("")
    for name in sorted(helpers):
        out.extend(["", HELPERS[name]])
    for body in bodies:
        out.extend(["", body])
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["render", "module_source", "function_source", "statements", "expression", "SLICE_ALL",
           "Const", "ew_symbols"]
