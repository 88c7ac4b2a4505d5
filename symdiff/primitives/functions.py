"""SymPy functions that SymPy lacks or differentiates in a form that is not exact at 0.

    Mod(x, y)     x % y, np.mod, np.remainder: the sign of the divisor (Python's ``%``)
                  d/dx = 1, d/dy = -floor(x / y)        (away from the jumps at x/y integer)
    Fmod(x, y)    np.fmod, math.fmod: the sign of the dividend (C's ``fmod``)
                  d/dx = 1, d/dy = -trunc(x / y)
    Trunc(u)      np.trunc: rounds towards 0; derivative 0 almost everywhere
    Floor(u)      np.floor, with derivative 0 (SymPy's floor cannot be differentiated)
    IsZero(u)     1 where u == 0, else 0; printed ``(u == 0)``; derivative 0

Powers with a variable exponent. SymPy writes d(x**y)/dx as ``y*x**y/x`` and d/dy as
``x**y*log(x)``: NaN (or ZeroDivisionError on floats) at x == 0, although x**y is smooth in
y there and its x-derivative is finite for y >= 1. ``exact_powers`` differentiates them as
JAX's ``lax.pow`` does:

    d(x**y)/dx = y * x**(y - 1)     with the exponent 1 where y == 0 (d/dx x**0 = 0, also at 0)
    d(x**y)/dy = x**y * log(x)      with log(1) where x == 0 (0**y is 0 or 1 near y > 0: 0)
"""
from __future__ import annotations

import math

import sympy


def _numbers(*args) -> bool:
    return all(a.is_number and a.is_real for a in args)


class _Step(sympy.Function):
    """A piecewise-constant function of one argument: derivative 0 almost everywhere."""

    nargs = 1
    shown = "{}"                      # how comments print it

    @staticmethod
    def numeric(u: sympy.Expr) -> sympy.Expr:
        raise NotImplementedError

    @classmethod
    def eval(cls, u):
        if _numbers(u) and u.is_finite:
            return cls.numeric(u)
        return None

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _sympystr(self, printer):
        return self.shown.format(printer._print(self.args[0]))


class IsZero(_Step):
    """1 where the argument is 0, else 0; printed ``(u == 0)``."""

    shown = "({} == 0)"
    numeric = staticmethod(lambda u: sympy.S.One if u.is_zero else sympy.S.Zero)


class Trunc(_Step):
    """Rounds towards 0 (np.trunc)."""

    shown = "trunc({})"
    numeric = staticmethod(lambda u: sympy.Integer(math.trunc(float(u))))


class Floor(_Step):
    """Rounds down (np.floor); SymPy's own floor cannot be differentiated."""

    shown = "floor({})"
    numeric = staticmethod(lambda u: sympy.Integer(math.floor(float(u))))


class Mod(sympy.Function):
    """``x % y`` as Python and np.mod define it: x - y*floor(x/y), the sign of y."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        if _numbers(x, y) and not y.is_zero:
            if x.is_Integer and y.is_Integer:
                return sympy.Integer(int(x) % int(y))
            return sympy.Float(float(x) % float(y))
        return None

    def fdiff(self, argindex=1):
        x, y = self.args
        return sympy.S.One if argindex == 1 else -Floor(x / y)

    def _sympystr(self, printer):
        return f"({printer._print(self.args[0])} % {printer._print(self.args[1])})"


class Fmod(sympy.Function):
    """np.fmod / math.fmod: x - y*trunc(x/y), the sign of x."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        if _numbers(x, y) and not y.is_zero:
            value = math.fmod(float(x), float(y))
            if x.is_Integer and y.is_Integer:
                return sympy.Integer(int(value))
            return sympy.Float(value)
        return None

    def fdiff(self, argindex=1):
        x, y = self.args
        return sympy.S.One if argindex == 1 else -Trunc(x / y)

    def _sympystr(self, printer):
        return f"fmod({printer._print(self.args[0])}, {printer._print(self.args[1])})"


class Power(sympy.Function):
    """``b**e`` kept whole (printed ``np.power(b, e)``: inf, not ZeroDivisionError, at 0**-k),
    so that rewriting a derivative in terms of the output leaves its exponent alone."""

    nargs = 2

    @classmethod
    def eval(cls, b, e):
        if _numbers(b, e):
            value = sympy.Pow(b, e)
            return value if value.is_finite else None
        return None

    def fdiff(self, argindex=1):
        b, e = self.args
        if argindex == 1:
            return e * Power(b, e - 1 + IsZero(e))
        return sympy.Pow(b, e) * sympy.log(b + IsZero(b))

    def _sympystr(self, printer):
        return printer._print(sympy.Pow(*self.args, evaluate=False))


class _ExactPow(Power):
    """A power of the expression being differentiated, while it is differentiated."""

    @classmethod
    def eval(cls, b, e):
        return None


def _variable_exponent(p) -> bool:
    return p.is_Pow and not p.exp.is_number


def exact_powers(expr: sympy.Expr, leaf: sympy.Symbol) -> sympy.Expr:
    """d expr / d leaf, with every power of a variable exponent differentiated exactly at 0."""
    if not expr.has(sympy.Pow) or not any(_variable_exponent(p) for p in expr.atoms(sympy.Pow)):
        return sympy.diff(expr, leaf)
    wrapped = expr.replace(_variable_exponent, lambda p: _ExactPow(p.base, p.exp))
    return sympy.diff(wrapped, leaf).replace(
        lambda f: type(f) is _ExactPow, lambda f: sympy.Pow(*f.args))
