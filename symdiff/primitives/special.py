"""SymPy functions for NumPy and SciPy elementwise functions that SymPy lacks, or defines
differently (``np.sinc`` is normalised, ``sympy.sinc`` is not; ``np.cbrt`` is real for a
negative argument, ``x**(1/3)`` is not).

Each class says how it is printed (``printed``: the module and function in NumPy mode,
``math_name`` in ``math`` mode) and gives its derivative in ``fdiff`` in terms of itself
where that is cheaper, so that ``elementwise.local_derivative`` rewrites it with the
forward output (``expit' = out*(1 - out)``, ``cbrt' = 1/(3*out**2)``).

    Expit(x)        scipy.special.expit     1/(1 + exp(-x))        d = out*(1 - out)
    LogExpit(x)     scipy.special.log_expit log(expit(x))          d = expit(-x)
    Logit(x)        scipy.special.logit     log(x/(1 - x))         d = 1/(x*(1 - x))
    Ndtr(x)         scipy.special.ndtr      Phi(x)                 d = exp(-x**2/2)/sqrt(2 pi)
    LogNdtr(x)      scipy.special.log_ndtr  log(Phi(x))            d = exp(-x**2/2 - out)/sqrt(2 pi)
    Erfinv(x)       scipy.special.erfinv    erf^-1(x)              d = sqrt(pi)/2 exp(out**2)
    Ndtri(x)        scipy.special.ndtri     Phi^-1(x)              d = sqrt(2 pi) exp(out**2/2)
    Entr(x)         scipy.special.entr      -x log(x)              d = -log(x) - 1
    Xlogy(x, y)     scipy.special.xlogy     x log(y), 0 at x == 0  d = log(y), x/y
    Xlog1py(x, y)   scipy.special.xlog1py   x log1p(y)             d = log1p(y), x/(1 + y)
    I0, I1, I0e,    scipy.special.i0...     Bessel I, J            I0' = I1, I1' = I0 - I1/x,
    I1e, J0, J1                                                    J0' = -J1, J1' = J0 - J1/x
    Betaln(a, b)    scipy.special.betaln    log|B(a, b)|           d/da = psi(a) - psi(a + b)
    Erfcx(x)        scipy.special.erfcx     exp(x**2) erfc(x)      d = 2 x out - 2/sqrt(pi)
    Spence(z)       scipy.special.spence    dilogarithm            d = log(z)/(1 - z), -1 at 1
    Sinc(x)         np.sinc                 sin(pi x)/(pi x)       d = (cos(pi x) - out)/x, 0 at 0
    Cbrt(x)         np.cbrt                 real cube root         d = 1/(3 out**2)
    LogAddExp2(x,y) np.logaddexp2           log2(2**x + 2**y)      d = 2**(x - out), 2**(y - out)
    FMax, FMin      np.fmax, np.fmin        max/min ignoring NaN   d = H(x - y), H(y - x)
    NanToNum(x)     np.nan_to_num           x where finite         d = 1
    Imag(x)         np.imag                 0 for real x           d = 0
    Log1p(x)        np.log1p                log(1 + x), exact for tiny x   d = 1/(1 + x)
    Expm1(x)        np.expm1                exp(x) - 1, exact for tiny x   d = out + 1

Log1p and Expm1 stay functions of their own (not ``log(1 + x)``), so that fusing a chain
or printing a derivative never loses the digits of a tiny x.

SymPy's own ``erf``, ``erfc``, ``loggamma``, ``gamma`` and ``polygamma`` print as
``scipy.special.erf/erfc/gammaln/gamma/digamma/polygamma`` (``math.erf``... in math mode).
"""
from __future__ import annotations

import sympy

from .functions import IsZero

SPECIAL = "scipy.special"
SQRT_2PI = sympy.sqrt(2 * sympy.pi)


class _Printed(sympy.Function):
    """A function printed as ``module.name(args)``; ``math_name`` in ``math`` mode."""

    printed: tuple[str, str] = ("", "")
    math_name: str = ""

    def _sympystr(self, printer):
        return f"{self.printed[1]}({', '.join(printer._print(a) for a in self.args)})"

    def _eval_evalf(self, prec):
        """The value at numbers, from the function it prints as (for tests and folding)."""
        if not all(a.is_number for a in self.args):
            return None
        import importlib
        function = getattr(importlib.import_module(self.printed[0]), self.printed[1])
        return sympy.Float(float(function(*[float(a) for a in self.args])), prec)


class Expit(_Printed):
    nargs, printed = 1, (SPECIAL, "expit")

    def fdiff(self, argindex=1):
        return self * (1 - self)


class LogExpit(_Printed):
    nargs, printed = 1, (SPECIAL, "log_expit")

    def fdiff(self, argindex=1):
        return Expit(-self.args[0])


class Logit(_Printed):
    nargs, printed = 1, (SPECIAL, "logit")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return 1 / (x * (1 - x))


class Ndtr(_Printed):
    nargs, printed = 1, (SPECIAL, "ndtr")

    def fdiff(self, argindex=1):
        return sympy.exp(-self.args[0] ** 2 / 2) / SQRT_2PI


class LogNdtr(_Printed):
    nargs, printed = 1, (SPECIAL, "log_ndtr")

    def fdiff(self, argindex=1):         # phi(x)/Phi(x), finite in the far left tail
        return sympy.exp(-self.args[0] ** 2 / 2 - self) / SQRT_2PI


class Erfinv(_Printed):
    nargs, printed = 1, (SPECIAL, "erfinv")

    def fdiff(self, argindex=1):
        return sympy.sqrt(sympy.pi) / 2 * sympy.exp(self ** 2)


class Ndtri(_Printed):
    nargs, printed = 1, (SPECIAL, "ndtri")

    def fdiff(self, argindex=1):
        return SQRT_2PI * sympy.exp(self ** 2 / 2)


class Entr(_Printed):
    nargs, printed = 1, (SPECIAL, "entr")

    def fdiff(self, argindex=1):
        return -sympy.log(self.args[0]) - 1


class Xlogy(_Printed):
    nargs, printed = 2, (SPECIAL, "xlogy")

    def fdiff(self, argindex=1):
        x, y = self.args
        return sympy.log(y) if argindex == 1 else x / y


class Xlog1py(_Printed):
    nargs, printed = 2, (SPECIAL, "xlog1py")

    def fdiff(self, argindex=1):
        x, y = self.args
        return Log1p(y) if argindex == 1 else x / (1 + y)


class Log1p(_Printed):
    nargs, printed, math_name = 1, ("numpy", "log1p"), "log1p"

    def fdiff(self, argindex=1):
        return 1 / (1 + self.args[0])


class Expm1(_Printed):
    nargs, printed, math_name = 1, ("numpy", "expm1"), "expm1"

    def fdiff(self, argindex=1):
        return self + 1


class I0(_Printed):
    nargs, printed = 1, (SPECIAL, "i0")

    def fdiff(self, argindex=1):
        return I1(self.args[0])


class I1(_Printed):
    """I1' = I0 - I1/x, 1/2 at x == 0 (written with IsZero so that it is not 0/0)."""

    nargs, printed = 1, (SPECIAL, "i1")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return I0(x) - self / (x + IsZero(x)) - IsZero(x) / 2


class I0e(_Printed):
    """exp(-|x|) I0(x): d = I1e(x) - sign(x) I0e(x)."""

    nargs, printed = 1, (SPECIAL, "i0e")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return I1e(x) - sympy.sign(x) * self


class I1e(_Printed):
    nargs, printed = 1, (SPECIAL, "i1e")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return I0e(x) - self / (x + IsZero(x)) - IsZero(x) / 2 - sympy.sign(x) * self


class J0(_Printed):
    nargs, printed = 1, (SPECIAL, "j0")

    def fdiff(self, argindex=1):
        return -J1(self.args[0])


class J1(_Printed):
    """J1' = J0 - J1/x, 1/2 at x == 0."""

    nargs, printed = 1, (SPECIAL, "j1")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return J0(x) - self / (x + IsZero(x)) - IsZero(x) / 2


class Betaln(_Printed):
    """log|B(a, b)|: d/da = digamma(a) - digamma(a + b)."""

    nargs, printed = 2, (SPECIAL, "betaln")

    def fdiff(self, argindex=1):
        a, b = self.args
        return sympy.polygamma(0, self.args[argindex - 1]) - sympy.polygamma(0, a + b)


class Sinc(_Printed):
    """sin(pi x)/(pi x), 1 at 0. Its derivative (cos(pi x) - sinc(x))/x is 0 at x == 0,
    written with IsZero so that it is 0 there, not 0/0."""

    nargs, printed = 1, ("numpy", "sinc")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return (sympy.cos(sympy.pi * x) - self) / (x + IsZero(x))


class Cbrt(_Printed):
    nargs, printed = 1, ("numpy", "cbrt")

    def fdiff(self, argindex=1):
        return 1 / (3 * self ** 2)


class LogAddExp2(_Printed):
    nargs, printed = 2, ("numpy", "logaddexp2")

    def fdiff(self, argindex=1):
        return 2 ** (self.args[argindex - 1] - self)


class Erfcx(_Printed):
    """exp(x**2) erfc(x), finite where erfc underflows: d = 2 x out - 2/sqrt(pi)."""

    nargs, printed = 1, (SPECIAL, "erfcx")

    def fdiff(self, argindex=1):
        return 2 * self.args[0] * self - 2 / sympy.sqrt(sympy.pi)


class Spence(_Printed):
    """SciPy's dilogarithm, integral from 1 to z of log(t)/(1 - t): d = log(z)/(1 - z),
    -1 at z == 1 (written with IsZero so that it is not 0/0)."""

    nargs, printed = 1, (SPECIAL, "spence")

    def fdiff(self, argindex=1):
        z = self.args[0]
        return sympy.log(z) / (1 - z + IsZero(1 - z)) - IsZero(1 - z)


class IsNan(_Printed):
    nargs, printed = 1, ("numpy", "isnan")

    def fdiff(self, argindex=1):
        return sympy.S.Zero


class IsClose(_Printed):
    """np.isclose(a, b, rtol, atol): 1 where a and b agree to rtol, a step (derivative 0)."""

    nargs, printed = 4, ("numpy", "isclose")

    def fdiff(self, argindex=1):
        return sympy.S.Zero


class WithinTolerance(sympy.Function):
    """np.isclose(a, b, rtol, atol) written out as NumPy computes it, for numba (which has
    no np.isclose): ``(|a - b| <= atol + rtol |b|) & isfinite(b) | (a == b)``, the same
    at NaN (close to nothing) and at infinities (close to themselves only)."""

    nargs = 4

    def fdiff(self, argindex=1):
        return sympy.S.Zero


def _routes(u: sympy.Expr, x: sympy.Expr) -> sympy.Expr:
    """H(u), where u = x - y (fmax) is NaN because y is: 1; 0 where x itself is NaN.
    fmin(u, inf) is inf where u is NaN, u elsewhere."""
    return sympy.Heaviside(FMin(u, sympy.oo)) * (1 - IsNan(x))


class FMax(_Printed):
    """max(x, y), the other argument where one is NaN: the gradient goes to the larger,
    half to each at a tie, all of it to the number when the other is NaN."""

    nargs, printed = 2, ("numpy", "fmax")

    def fdiff(self, argindex=1):
        x, y = self.args
        return _routes(x - y, x) if argindex == 1 else _routes(y - x, y)


class FMin(_Printed):
    nargs, printed = 2, ("numpy", "fmin")

    def fdiff(self, argindex=1):
        x, y = self.args
        return _routes(y - x, x) if argindex == 1 else _routes(x - y, y)


class NanToNum(_Printed):
    nargs, printed = 1, ("numpy", "nan_to_num")

    def fdiff(self, argindex=1):
        return sympy.S.One


class Imag(_Printed):
    """The imaginary part of a real number: 0, with the argument's shape."""

    nargs, printed = 1, ("numpy", "imag")

    def fdiff(self, argindex=1):
        return sympy.S.Zero


#: SymPy's own functions, as NumPy/SciPy and math spell them: name -> (module, function,
#: math function or "").
SYMPY_SPELLED = {"erf": (SPECIAL, "erf", "erf"), "erfc": (SPECIAL, "erfc", "erfc"),
                 "loggamma": (SPECIAL, "gammaln", "lgamma"), "gamma": (SPECIAL, "gamma", "gamma")}


def printed_as(e: sympy.Expr, lib: str) -> tuple[str, str, list] | None:
    """(module, function, arguments) that print ``e``, or None when it is not one of these.
    ``polygamma(0, x)`` is ``digamma(x)``; ``polygamma(n, x)`` keeps its order."""
    if isinstance(e, _Printed):
        if lib == "math" and e.math_name:
            return "math", e.math_name, list(e.args)
        return (*e.printed, list(e.args))
    name = type(e).__name__
    if name == "polygamma":
        order, x = e.args
        if order == 0:
            return SPECIAL, "digamma", [x]
        return SPECIAL, "polygamma", [order, x]
    if name in SYMPY_SPELLED:
        module, function, math_name = SYMPY_SPELLED[name]
        if lib == "math" and math_name:
            return "math", math_name, list(e.args)
        return module, function, list(e.args)
    return None
