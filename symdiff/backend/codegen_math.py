"""SymPy expressions to Python expression ASTs, for codegen.

``Heaviside`` prints with H(0) = 1/2 (ties share the gradient), as ``0.5 * np.sign(u) + 0.5``
(``np.heaviside(u, 0.5)`` is three times slower); a product ``H(u) * R`` whose R may be
inf there prints as ``np.where(u < 0, 0.0, ...)`` (``routed_steps``); negative numbers print as a
unary minus on a positive constant, so ``(-1.5) ** 2`` never becomes ``-1.5 ** 2``.
Expressions of ``math``-mode nodes (from ``math.*`` calls) print with ``math`` functions.
"""
from __future__ import annotations

import ast
from functools import lru_cache

import sympy

from ..primitives.elementwise import MATH_NAMES, NUMPY_NAMES
from ..primitives.functions import IsZero, Mod, Power
from ..primitives.special import WithinTolerance, printed_as

#: SymPy's special numbers, as NumPy spells them (``nan`` alone is not a Python name)
SPECIAL_NUMBERS = {"nan": ("nan", 1), "oo": ("inf", 1), "-oo": ("inf", -1), "zoo": ("nan", 1)}


def print_expression(expr: sympy.Expr, names: list[str], lib: str, imports: set[str]) -> ast.expr:
    """``Printer(names, lib, imports)(expr)``, with the SymPy work done once per expression:
    the printed tree depends on the names only at its leaves."""
    template, used = _template(expr, lib, tuple(sorted(SHADOWED.items())))
    imports.update(used)
    return _fill(template, names)


class _Slots:
    """Stands in for the argument names while a template is printed."""

    def __getitem__(self, k: int) -> str:
        return f"{_SLOT}{k}"


_SLOT = "\x00"


@lru_cache(maxsize=4096)
def _template(expr: sympy.Expr, lib: str, shadowed: tuple) -> tuple[ast.expr, frozenset[str]]:
    """The printed tree, module names spelled as ``shadowed`` (part of the key) says."""
    imports: set[str] = set()
    return Printer(_Slots(), lib, imports)(expr), frozenset(imports)


def _fill(node, names: list[str]):
    """A fresh copy of a template with the argument names in their slots."""
    if isinstance(node, list):
        return [_fill(x, names) for x in node]
    if not isinstance(node, ast.AST):
        return node
    if isinstance(node, ast.Name) and node.id.startswith(_SLOT):
        return ast.Name(names[int(node.id[1:])], node.ctx)
    if type(node) is ast.BinOp:                # the common node, spelled out for speed
        return ast.BinOp(_fill(node.left, names), node.op, _fill(node.right, names))
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update({k: _fill(v, names) for k, v in node.__dict__.items()})
    return new


#: Module-level names (``np``, ``math``, the helpers) that the function being written reaches
#: under another name, because one of its own variables shadows them (a parameter called
#: ``np``): name -> alias. Set by ``codegen.function_source`` for one function at a time.
SHADOWED: dict[str, str] = {}


def global_name(name: str) -> str:
    """How the function being written refers to the module-level ``name``."""
    return SHADOWED.get(name, name)


class Printer:
    """Turns one SymPy expression into a Python expression AST, recording imports."""

    def __init__(self, names: list[str], lib: str, imports: set[str]):
        self.names, self.lib, self.imports = names, lib, imports

    def call(self, module: str, func: str, args: list[ast.expr]) -> ast.expr:
        self.imports.add(module)
        top, *inner = module.split(".")           # scipy.special.expit: attributes of scipy
        value = ast.Name(global_name("np" if module == "numpy" else top), ast.Load())
        for attr in inner:
            value = ast.Attribute(value, attr, ast.Load())
        return ast.Call(ast.Attribute(value, func, ast.Load()), args, [])

    def number(self, value) -> ast.expr:
        if str(value) in SPECIAL_NUMBERS:
            name, sign = SPECIAL_NUMBERS[str(value)]
            node = _attr("np", name, self)
            return ast.UnaryOp(ast.USub(), node) if sign < 0 else node
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
        if e.is_Number or e is sympy.zoo:
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

    def mul(self, e: sympy.Mul, guarded: bool = True) -> ast.expr:
        if _is_negative(e):
            return ast.UnaryOp(ast.USub(), self(-e))
        steps = routed_steps(e) if guarded else []
        if steps:
            return self.routed(e, steps)
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

    def routed(self, e: sympy.Mul, steps: list) -> ast.expr:
        """``H(u) * R`` where R may be inf or NaN: 0 where u < 0 (max routed the gradient
        to its other argument), whatever R is there: ``np.where(u < 0, 0.0, H(u) * R)``."""
        inner = self.mul(e, guarded=False)
        for u in reversed(steps):
            test = ast.Compare(self(u), [ast.Lt()], [ast.Constant(0)])
            if self.lib == "math":
                inner = ast.IfExp(test, ast.Constant(0.0), inner)
            else:
                inner = self.call("numpy", "where", [test, ast.Constant(0.0), inner])
        return inner

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
        spelled = printed_as(e, self.lib)         # np.sinc, scipy.special.expit, math.erf
        if spelled is not None:
            module, name, args = spelled
            return self.call(module, name, [self(a) for a in args])
        args = [self(a) for a in e.args]
        if func in ("Max", "Min"):
            return self.extremum(func, args)
        if func == "Heaviside":
            return self.step(e.args[0])
        if isinstance(e, IsZero):
            return ast.Compare(args[0], [ast.Eq()], [ast.Constant(0)])
        if isinstance(e, WithinTolerance):
            return self.tolerance(*e.args)
        if isinstance(e, Power):           # inf, not ZeroDivisionError, at 0.0 ** -0.5
            return self.call("numpy", "power", args)
        if isinstance(e, Mod):             # Python's % and np.mod agree: the divisor's sign
            return ast.BinOp(args[0], ast.Mod(), args[1])
        if func == "log" and len(args) == 1 or func in NUMPY_NAMES:
            if self.lib == "math" and func in MATH_NAMES:
                return self.call("math", MATH_NAMES[func], args)
            if self.lib == "math" and func == "Abs":
                return ast.Call(ast.Name("abs", ast.Load()), args, [])
            return self.call("numpy", NUMPY_NAMES.get(func, func), args)
        raise NotImplementedError(f"cannot print {func}")

    def tolerance(self, a, b, rtol, atol) -> ast.expr:
        """np.isclose(a, b, rtol, atol) as NumPy defines it:
        ``(np.abs(a - b) <= atol + rtol * np.abs(b)) & np.isfinite(b) | (a == b)``."""
        close = ast.Compare(self(sympy.Abs(a - b)), [ast.LtE()],
                            [self(atol + rtol * sympy.Abs(b))])
        finite = self.call("numpy", "isfinite", [self(b)])
        same = ast.Compare(self(a), [ast.Eq()], [self(b)])
        return ast.BinOp(ast.BinOp(close, ast.BitAnd(), finite), ast.BitOr(), same)

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
        half = ast.Constant(0.5)       # np.heaviside(u, 0.5), in a form three times faster
        return ast.BinOp(ast.BinOp(half, ast.Mult(), self.call("numpy", "sign", [self(u)])),
                         ast.Add(), half)


#: functions finite for every finite argument (exp up to overflow)
FINITE = {"sin", "cos", "tanh", "sign", "Heaviside", "Max", "Min", "Abs", "exp"}


def routed_steps(e: sympy.Expr) -> list:
    """The arguments u of the ``Heaviside(u)`` factors of a product whose other factors may
    be inf or NaN where u < 0 (``Heaviside(x) / (2*sqrt(Max(0, x)))``, the derivative of
    ``np.sqrt(np.maximum(x, 0))``); empty when every factor is finite there."""
    if not e.is_Mul:
        return []
    steps = [_step(f).args[0] for f in e.args if _step(f) is not None]
    rest = [f for f in e.args if _step(f) is None]
    return steps if steps and any(may_blow_up(f) for f in rest) else []


def _step(factor: sympy.Expr):
    """``Heaviside(u)`` if the factor is it or a positive power of it, else None."""
    if factor.is_Pow and factor.exp.is_positive:
        factor = factor.base
    return factor if isinstance(factor, sympy.Heaviside) else None


@lru_cache(maxsize=4096)
def may_blow_up(e: sympy.Expr, overflow: bool = False) -> bool:
    """Whether an expression may be inf or NaN for finite arguments: a division, a root,
    a logarithm (and, with ``overflow``, an exponential); a polynomial in sin, cos, tanh,
    exp... is finite."""
    finite = FINITE - {"exp"} if overflow else FINITE
    for node in sympy.preorder_traversal(e):
        if node.is_Pow and not (node.exp.is_Integer and node.exp >= 0):
            return True
        if isinstance(node, sympy.Function) and type(node).__name__ not in finite:
            return True
    return False


def _attr(module: str, name: str, printer: Printer) -> ast.expr:
    printer.imports.add("numpy")
    return ast.Attribute(ast.Name(global_name(module), ast.Load()), name, ast.Load())


def _is_negative(t: sympy.Expr) -> bool:
    return bool(t.could_extract_minus_sign())
