"""Elementwise primitives: one row each, forward as a SymPy expression; SymPy derives d/dx.

Every elementwise operation the user can write (``+``, ``np.exp``, ``math.tanh``, builtin
``max``...) is one row here. Its local derivative is not written by hand: SymPy
differentiates the forward expression, then ``local_derivative`` rewrites the result in
terms of the forward output where that is cheaper (``exp' = out``, ``tanh' = 1 - out**2``,
``sigmoid' = out*(1 - out)``). A row may state that expected form in ``derivative``; a test
proves it equal to what SymPy derives.

Gate patterns (the vocabulary of backprop lessons):
    add distributes   d(a + b)/da = 1: the upstream gradient passes unchanged to each input
    mul switches      d(a * b)/da = b: each input gets the gradient times the *other* input
    max routes        d max(a, b)/da = 1 if a > b: the gradient goes to the larger input

Kinks (documented subgradients): at a tie ``max``/``min``/``maximum``/``minimum``/``clip``
split the gradient evenly (Heaviside(0) = 1/2, as JAX does), so ``relu`` written as
``np.maximum(0, x)`` gets 1/2 at x == 0; ``abs'(0) = sign(0) = 0``. Powers with a variable
exponent are differentiated in forms exact at a zero base (``rules.functions.exact_powers``,
the convention of JAX's ``lax.pow``); ``%``/``np.mod`` and ``np.fmod`` have d/dx = 1 and
d/dy = -floor(x/y) (-trunc(x/y)) between their jumps.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import sympy
from sympy import Abs, Max, Min, sign

from . import special as S
from . import special_bessel as B
from . import special_more as M
from .functions import Fmod, Mod, exact_powers
from .signs import CopySign, Step

OUT = sympy.Symbol("_out", real=True)   # the forward output, in derivatives
X, Y = sympy.symbols("_0 _1", real=True)


@dataclass(frozen=True)
class Elementwise:
    """One elementwise primitive: how to build it, its gate, kink rule and test domain."""

    name: str
    forward: Callable[..., sympy.Expr]
    derivative: str = "SymPy derives it"     # the expected local derivative, as printed
    gate: str = ""
    kink: str = ""
    domain: tuple[float, float] = (-2.0, 2.0)
    sympy_name: str = ""            # the SymPy function printed back as ``np.<name>``
    math: str = ""                  # its name in ``math`` (``math.atan``), if it has one
    aliases: tuple[str, ...] = ()   # other names users write (``np.absolute``, ``math.fabs``)

    @property
    def arity(self) -> int:
        return self.forward.__code__.co_argcount


def _row(name, forward, derivative="SymPy derives it", gate="", kink="", domain=(-2.0, 2.0),
         sympy_name="", math="", aliases=()):
    return Elementwise(name, forward, derivative, gate, kink, domain, sympy_name, math, aliases)


def _fn(name, sympy_fn, derivative, domain=(-2.0, 2.0), math=None, aliases=()):
    """A row that is one SymPy function of one argument, np.<name> and math.<math>."""
    return _row(name, lambda x: sympy_fn(x), derivative, domain=domain,
                sympy_name=sympy_fn.__name__, math=name if math is None else math,
                aliases=aliases)


#: The table. Derivatives in the third column are what ``local_derivative`` produces
#: (``x``, ``y`` the inputs, ``out`` the forward output); tests check each against SymPy.
TABLE: dict[str, Elementwise] = {row.name: row for row in [
    # ---- add distributes
    _row("add",      lambda x, y: x + y,      "1, 1",                  gate="add distributes"),
    _row("subtract", lambda x, y: x - y,      "1, -1",                 gate="add distributes"),
    _row("negative", lambda x: -x,            "-1"),
    _row("positive", lambda x: x,             "1"),
    # ---- mul switches
    _row("multiply", lambda x, y: x * y,      "y, x",                  gate="mul switches"),
    _row("divide",   lambda x, y: x / y,      "1/y, -x/y**2",          domain=(0.5, 2.0),
         aliases=("true_divide",)),
    _row("reciprocal", lambda x: 1 / x,       "-out**2",               domain=(0.5, 2.0)),
    _row("power",    lambda x, y: x ** y,     "y*x**(y - 1), out*log(x)", domain=(0.5, 2.0),
         kink="x == 0: d/dx = y*x**(y - 1) (0 if y == 0), d/dy = 0 (as JAX)", aliases=("pow",)),
    _row("mod",      lambda x, y: Mod(x, y),  "1, -floor(x/y)",        domain=(1.1, 1.9),
         kink="jumps where x/y is an integer; the sign of y", aliases=("remainder",)),
    _row("fmod",     lambda x, y: Fmod(x, y), "1, -trunc(x/y)",        domain=(1.1, 1.9),
         kink="jumps where x/y is an integer; the sign of x", sympy_name="Fmod", math="fmod"),
    _row("square",   lambda x: x ** 2,        "2*x"),
    _row("sqrt",     lambda x: sympy.sqrt(x), "1/(2*out)",             domain=(0.5, 2.0),
         sympy_name="sqrt", math="sqrt"),
    # ---- max routes
    _row("maximum",  lambda x, y: Max(x, y),  "H(x - y), H(y - x)",    gate="max routes",
         kink="tie: each input gets 1/2"),
    _row("minimum",  lambda x, y: Min(x, y),  "H(y - x), H(x - y)",    gate="min routes",
         kink="tie: each input gets 1/2"),
    _row("abs",      lambda x: Abs(x),        "sign(x)",               kink="abs'(0) = 0",
         sympy_name="Abs", aliases=("absolute", "fabs")),
    _row("clip",     lambda x, lo, hi: Min(Max(x, lo), hi), "H(x - lo)*H(hi - x) (x only)",
         kink="at a bound: 1/2"),
    # ---- exponentials and logarithms
    _fn("exp",       sympy.exp,               "out"),
    _row("expm1",    lambda x: S.Expm1(x),    "out + 1",               math="expm1"),
    _row("exp2",     lambda x: 2 ** x,        "out*log(2)"),
    _fn("log",       sympy.log,               "1/x",                   domain=(0.5, 2.0)),
    _row("log1p",    lambda x: S.Log1p(x),    "1/(x + 1)",             domain=(0.0, 2.0),
         math="log1p"),
    _row("log2",     lambda x: sympy.log(x, 2), "1/(x*log(2))",        domain=(0.5, 2.0),
         math="log2"),
    _row("log10",    lambda x: sympy.log(x, 10), "1/(x*log(10))",      domain=(0.5, 2.0),
         math="log10"),
    _row("logaddexp", lambda x, y: Max(x, y) + S.Log1p(sympy.exp(-Abs(x - y))),
         kink="written as max(x, y) + log(1 + exp(-|x - y|)): no overflow; smooth at x == y"),
    # ---- hyperbolic and trigonometric
    _fn("tanh",      sympy.tanh,              "1 - out**2"),
    _fn("sinh",      sympy.sinh,              "cosh(x)"),
    _fn("cosh",      sympy.cosh,              "sinh(x)"),
    _fn("sin",       sympy.sin,               "cos(x)"),
    _fn("cos",       sympy.cos,               "-sin(x)"),
    _fn("tan",       sympy.tan,               "out**2 + 1",            domain=(-1.0, 1.0)),
    _fn("arctan",    sympy.atan,              "1/(x**2 + 1)",          math="atan",
        aliases=("atan",)),
    _fn("arcsin",    sympy.asin,              "1/sqrt(1 - x**2)",      domain=(-0.8, 0.8),
        math="asin", aliases=("asin",)),
    _fn("arccos",    sympy.acos,              "-1/sqrt(1 - x**2)",     domain=(-0.8, 0.8),
        math="acos", aliases=("acos",)),
    _fn("arctanh",   sympy.atanh,             "1/(1 - x**2)",          domain=(-0.8, 0.8),
        math="atanh", aliases=("atanh",)),
    _fn("arcsinh",   sympy.asinh,             "1/sqrt(x**2 + 1)",      math="asinh",
        aliases=("asinh",)),
    _fn("arccosh",   sympy.acosh,             "1/(sqrt(x - 1)*sqrt(x + 1))", domain=(1.2, 3.0),
        math="acosh", aliases=("acosh",)),
    _row("hypot",    lambda x, y: sympy.sqrt(x ** 2 + y ** 2), "x/out, y/out", domain=(0.5, 2.0),
         math="hypot"),
    # ---- piecewise constant: zero gradient almost everywhere
    _row("sign",     lambda x: sign(x),       "0",                     kink="sign'(0) = 0",
         sympy_name="sign"),
    _row("heaviside", lambda x, h: Step(x, h), "0, 1 where x == 0",
         kink="a step: d/dx = 0, at x == 0 too; d/dh = 1 only where x == 0"),
    _row("copysign", lambda x, y: CopySign(x, y), "sign(x) times the sign of y, 0",
         kink="d/dx = 0 at x == 0 (as abs'(0) = 0); d/dy = 0 (a jump at y == 0)",
         math="copysign"),
    # ---- more of NumPy (special.py prints them and states their derivatives)
    _row("arctan2",  lambda y, x: sympy.atan2(y, x), "y/(x**2 + y**2), -x/(x**2 + y**2)",
         domain=(0.2, 2.0), kink="undefined at (0, 0); jumps across y == 0 for x < 0",
         sympy_name="atan2", math="atan2", aliases=("atan2",)),
    _row("logaddexp2", lambda x, y: S.LogAddExp2(x, y), "2**(x - out), 2**(y - out)"),
    _row("fmax",     lambda x, y: S.FMax(x, y), "H(x - y), H(y - x)",  gate="max routes",
         kink="tie: each input gets 1/2; a NaN argument gets 0"),
    _row("fmin",     lambda x, y: S.FMin(x, y), "H(y - x), H(x - y)",  gate="min routes",
         kink="tie: each input gets 1/2; a NaN argument gets 0"),
    _row("sinc",     lambda x: S.Sinc(x),     "(cos(pi*x) - out)/x",   kink="sinc'(0) = 0"),
    _row("cbrt",     lambda x: S.Cbrt(x),     "1/(3*out**2)",          domain=(0.3, 2.0),
         kink="x == 0: infinite slope"),
    _row("deg2rad",  lambda x: x * sympy.pi / 180, "pi/180", math="radians",
         aliases=("radians",)),
    _row("rad2deg",  lambda x: x * 180 / sympy.pi, "180/pi", math="degrees",
         aliases=("degrees",)),
    _row("nan_to_num", lambda x: S.NanToNum(x), "1",
         kink="where x is NaN or infinite the output is a constant: d = 1 is not used there"),
    _row("imag",     lambda x: S.Imag(x),     "0"),
]}

#: scipy.special's elementwise functions (``scipy.special.<name>``), printed as SciPy calls;
#: the emitted module imports scipy.special only when the user's code calls one of them.
SCIPY_SPECIAL: dict[str, Elementwise] = {row.name: row for row in [
    _row("expit",    lambda x: S.Expit(x),    "out*(1 - out)"),
    _row("log_expit", lambda x: S.LogExpit(x), "1/(1 + exp(x))",       domain=(-3.0, 3.0)),
    _row("logit",    lambda x: S.Logit(x),    "1/(x*(1 - x))",         domain=(0.05, 0.95)),
    _row("erf",      lambda x: sympy.erf(x),  "2*exp(-x**2)/sqrt(pi)"),
    _row("erfc",     lambda x: sympy.erfc(x), "-2*exp(-x**2)/sqrt(pi)"),
    _row("erfinv",   lambda x: S.Erfinv(x),   "sqrt(pi)*exp(out**2)/2", domain=(-0.9, 0.9)),
    _row("ndtr",     lambda x: S.Ndtr(x),     "exp(-x**2/2)/sqrt(2*pi)", domain=(-3.0, 3.0)),
    _row("ndtri",    lambda x: S.Ndtri(x),    "sqrt(2*pi)*exp(out**2/2)", domain=(0.05, 0.95)),
    _row("log_ndtr", lambda x: S.LogNdtr(x),  "exp(-x**2/2 - out)/sqrt(2*pi)", domain=(-3.0, 3.0)),
    _row("gammaln",  lambda x: sympy.loggamma(x), "digamma(x)",        domain=(0.5, 3.0)),
    _row("gamma",    lambda x: sympy.gamma(x), "out*digamma(x)",       domain=(0.5, 3.0)),
    _row("digamma",  lambda x: sympy.polygamma(0, x), "polygamma(1, x)", domain=(0.5, 3.0)),
    _row("entr",     lambda x: S.Entr(x),     "-log(x) - 1",           domain=(0.1, 2.0),
         kink="x == 0: infinite slope; -inf for x < 0"),
    _row("xlogy",    lambda x, y: S.Xlogy(x, y), "log(y), x/y",        domain=(0.5, 2.0)),
    _row("xlog1py",  lambda x, y: S.Xlog1py(x, y), "log1p(y), x/(y + 1)", domain=(0.5, 2.0)),
    _row("betaln",   lambda a, b: S.Betaln(a, b), "SymPy derives it",  domain=(0.5, 3.0)),
    _row("i0",       lambda x: S.I0(x),       "i1(x)"),
    _row("i1",       lambda x: S.I1(x),       "i0(x) - out/x",         kink="i1'(0) = 1/2"),
    _row("i0e",      lambda x: S.I0e(x),      "i1e(x) - sign(x)*out",  domain=(0.2, 2.0),
         kink="x == 0: a corner (|x|)"),
    _row("i1e",      lambda x: S.I1e(x),      "i0e(x) - out/x - sign(x)*out", domain=(0.2, 2.0),
         kink="x == 0: a corner (|x|)"),
    _row("erfcx",    lambda x: S.Erfcx(x),    "2*x*out - 2/sqrt(pi)",  domain=(-1.5, 3.0)),
    _row("spence",   lambda x: S.Spence(x),   "log(x)/(1 - x)",        domain=(0.2, 2.5),
         kink="x == 1: the derivative's limit -1"),
    _row("j0",       lambda x: S.J0(x),       "-j1(x)"),
    _row("j1",       lambda x: S.J1(x),       "j0(x) - out/x",         kink="j1'(0) = 1/2"),
    _row("y0",       lambda x: B.Y0(x),       "-y1(x)",                domain=(0.5, 3.0)),
    _row("y1",       lambda x: B.Y1(x),       "y0(x) - out/x",         domain=(0.5, 3.0)),
    _row("k0",       lambda x: B.K0(x),       "-k1(x)",                domain=(0.5, 3.0)),
    _row("k1",       lambda x: B.K1(x),       "-k0(x) - out/x",        domain=(0.5, 3.0)),
    _row("k0e",      lambda x: B.K0e(x),      "out - k1e(x)",          domain=(0.5, 3.0)),
    _row("k1e",      lambda x: B.K1e(x),      "out - k0e(x) - out/x",  domain=(0.5, 3.0)),
    _row("rgamma",   lambda x: M.Rgamma(x),   "-out*digamma(x)",       domain=(0.5, 3.0)),
    _row("loggamma", lambda x: M.Loggamma(x), "digamma(x)",            domain=(0.5, 3.0)),
    _row("beta",     lambda a, b: M.Beta(a, b), "out*(psi(a) - psi(a + b)), ...",
         domain=(0.5, 3.0)),
    _row("erfcinv",  lambda x: M.Erfcinv(x),  "-sqrt(pi)*exp(out**2)/2", domain=(0.1, 1.9)),
    _row("dawsn",    lambda x: M.Dawsn(x),    "1 - 2*x*out"),
    _row("softplus", lambda x: M.Softplus(x), "expit(x)",              domain=(-3.0, 3.0)),
    _row("exp1",     lambda x: M.Exp1(x),     "-exp(-x)/x",            domain=(0.3, 3.0)),
    _row("expi",     lambda x: M.Expi(x),     "exp(x)/x",              domain=(0.3, 3.0)),
    _row("rel_entr", lambda x, y: M.RelEntr(x, y), "log(x/y) + 1, -x/y", domain=(0.3, 2.0),
         kink="x == 0: 0 with an infinite slope"),
    _row("kl_div",   lambda x, y: M.KlDiv(x, y), "log(x/y), 1 - x/y",  domain=(0.3, 2.0),
         kink="x == 0: y with an infinite slope in x"),
    _row("ellipk",   lambda m: M.Ellipk(m),   "(ellipe(m) - (1 - m)*out)/(2*m*(1 - m))",
         domain=(0.1, 0.9)),
    _row("ellipe",   lambda m: M.Ellipe(m),   "(out - ellipk(m))/(2*m)", domain=(0.1, 0.9)),
    _row("expm1",    lambda x: S.Expm1(x),    "out + 1"),
    _row("log1p",    lambda x: S.Log1p(x),    "1/(x + 1)",             domain=(0.0, 2.0)),
    _row("exp2",     lambda x: 2 ** x,        "out*log(2)"),
    _row("exp10",    lambda x: 10 ** x,       "out*log(10)",           domain=(-1.0, 1.0)),
    _row("cbrt",     lambda x: S.Cbrt(x),     "1/(3*out**2)",          domain=(0.3, 2.0)),
    _row("cosdg",    lambda x: sympy.cos(x * sympy.pi / 180), "-sin(pi*x/180)*pi/180",
         domain=(-200.0, 200.0)),
    _row("sindg",    lambda x: sympy.sin(x * sympy.pi / 180), "cos(pi*x/180)*pi/180",
         domain=(-200.0, 200.0)),
]}
SCIPY_ALIASES = {"psi": "digamma"}

#: Names users write, mapped to rows. ``np.<name>`` and ``math.<name>`` resolve through these.
NUMPY_ALIASES = {"real": "positive", "conj": "positive", "conjugate": "positive",
                 "real_if_close": "positive",
                 **{alias: row.name for row in TABLE.values() for alias in row.aliases}}
#: The functions of ``math`` users may call: rows' ``math`` names, and two aliases.
#: math functions of the table of scipy.special, math name -> row (math.erf is
#: scipy.special.erf on floats; math.lgamma is gammaln, whose derivative digamma is SciPy's).
MATH_SPECIAL = {"erf": "erf", "erfc": "erfc", "lgamma": "gammaln", "gamma": "gamma"}
MATH_FUNCTIONS = ({row.math for row in TABLE.values() if row.math} | {"fabs", "pow"}
                  | set(MATH_SPECIAL))
#: How codegen prints a SymPy function: under NumPy, and under ``math`` where it has one.
NUMPY_NAMES = {"Floor": "floor", "Trunc": "trunc",
               **{row.sympy_name: row.name for row in TABLE.values() if row.sympy_name}}
MATH_NAMES = {"Floor": "floor", "Trunc": "trunc",
              **{row.sympy_name: row.math for row in TABLE.values() if row.sympy_name and row.math}}


def lookup(name: str, module: str = "numpy") -> Elementwise | None:
    """The row for a NumPy / math / scipy.special function name, or None when it is not
    elementwise."""
    if module == "scipy.special":
        return SCIPY_SPECIAL.get(SCIPY_ALIASES.get(name, name))
    if module == "math" and name in MATH_SPECIAL:
        return SCIPY_SPECIAL[MATH_SPECIAL[name]]
    name = NUMPY_ALIASES.get(name, name) or ""
    return TABLE.get(name)


# ---------------------------------------------------------------- local derivatives


def _clean(expr: sympy.Expr) -> sympy.Expr:
    """Derivatives of piecewise-constant functions are zero almost everywhere."""
    return expr.replace(sympy.DiracDelta, lambda *a: sympy.S.Zero)


#: Relative cost of operations when choosing between equal derivatives: a call to a
#: transcendental function costs far more than arithmetic.
CHEAP_OPS = {"ADD", "SUB", "MUL", "DIV", "NEG", "POW"}


def _cost(expr: sympy.Expr) -> int:
    counts = sympy.count_ops(expr, visual=True)
    weights = {s: (1 if s.name in CHEAP_OPS else 10) for s in counts.free_symbols}
    return int(counts.xreplace(weights)) if weights else 0


def _agrees(candidate: sympy.Expr, derivative: sympy.Expr, forward: sympy.Expr,
            leaf: sympy.Symbol) -> bool:
    """Numerically, at a few points where both sides are real, candidate == derivative."""
    import math
    try:
        f = sympy.lambdify(leaf, forward, "math")
        d = sympy.lambdify(leaf, derivative, "math")
        c = sympy.lambdify((OUT, leaf), candidate, "math")
    except (TypeError, NameError, SyntaxError, KeyError):
        return False
    checked = 0
    for x in (0.37, 0.81, 1.3, -0.6, 2.2, -1.7, -4.3, 5.9, -9.1):
        try:
            out, want = float(f(x)), float(d(x))
            got = float(c(out, x))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, NameError):
            continue
        if not (math.isfinite(out) and math.isfinite(want) and math.isfinite(got)):
            continue
        if abs(got - want) > 1e-9 * (1 + abs(want)):
            return False
        checked += 1
    return checked >= 2


@lru_cache(maxsize=4096)
def local_derivative(expr: sympy.Expr, i: int) -> sympy.Expr:
    """d expr / d _i, in terms of the arguments ``_0..`` and the output ``_out``.

    Rewrites in terms of the output when that is cheaper: by substituting the forward
    expression itself (``tanh' = 1 - out**2``) and, for a function of a single argument, by
    solving ``out = f(x)`` for x and simplifying (``sigmoid' = out*(1 - out)``), a rewrite
    kept only when it agrees numerically. A form that needs only the output is preferred.
    """
    leaf = sympy.Symbol(f"_{i}", real=True)
    derivative = _clean(exact_powers(expr, leaf))
    if derivative.is_number or expr.is_Symbol:
        return derivative
    candidates = [derivative, derivative.subs(expr, OUT)]
    if leaf in candidates[1].free_symbols and expr.free_symbols == {leaf} \
            and _occurrences(expr, leaf) == 1 and sympy.count_ops(expr) <= 12 \
            and _invertible_quickly(expr) and not _even(expr, leaf) \
            and not _many_to_one_polynomial(expr, leaf):
        solutions = _solve_for(expr, leaf)
        for solution in solutions if len(solutions) == 1 else []:   # one-to-one only:
            # (x + 3)**2 has two inverses, and 2*sqrt(out) would lose the sign of x + 3
            substituted = derivative.subs(leaf, solution)
            if sympy.count_ops(substituted) > 40:
                continue                  # simplifying something this big is not worth it
            candidate = _tidy(substituted)
            if leaf not in candidate.free_symbols and _agrees(candidate, derivative, expr, leaf):
                candidates.append(candidate)
    # A step a max routes by stays visible (codegen guards the product with it, as 0 where
    # the max chose its other argument): -H(x)*g/(2*r**2) must not become -out/r.
    steps = derivative.atoms(sympy.Heaviside)
    candidates = [c for c in candidates if steps <= c.atoms(sympy.Heaviside)]
    # Prefer forms that reuse the output and need no input (out * (1 - out)), then the cheapest.
    return min(candidates, key=lambda c: (_cost(c) - (2 if leaf not in c.free_symbols else 0),
                                          sympy.srepr(c)))


def _invertible_quickly(expr: sympy.Expr) -> bool:
    """Arithmetic with at most two exp/log calls (sigmoid, softplus...): ``solve`` inverts
    these in well under a second. Trigonometric chains can take minutes; those keep the
    forms that substituting the output gives (``tanh' = 1 - out**2``). A max or abs is not
    one-to-one: ``2*sqrt(max(x, 0))`` is 0 for every x < 0, which x = out**2/4 forgets."""
    calls = expr.atoms(sympy.Function)
    if expr.has(sympy.Max, sympy.Min, sympy.Abs, sympy.Heaviside, sympy.sign):
        return False
    return len(calls) <= 2 and all(isinstance(c, (sympy.exp, sympy.log)) for c in calls)


def _even(expr: sympy.Expr, leaf: sympy.Symbol) -> bool:
    """f(-x) = f(x) (``log(1 + x**2)``): two inverses, so ``solve`` is not worth asking."""
    return expr.xreplace({leaf: -leaf}) == expr


def _many_to_one_polynomial(expr: sympy.Expr, leaf: sympy.Symbol) -> bool:
    """A polynomial of degree 2 or more in x (``-(x - 0.5)**2/8 - log(2)``) has several
    inverses, and ``solve`` can take minutes over its floating-point coefficients."""
    return bool(expr.is_polynomial(leaf)) and sympy.degree(expr, leaf) >= 2


def _tidy(expr: sympy.Expr) -> sympy.Expr:
    """Cheap simplification of a substituted derivative. Function-inverse pairs
    (``exp(log(u))``) already collapse when SymPy builds the expression; what is left is
    rational arithmetic, which ``cancel`` settles quickly, unlike a general ``simplify``."""
    if sympy.count_ops(expr) <= 12:
        return sympy.simplify(expr)           # small enough for the thorough tidy-up
    candidates = [expr]
    try:
        cancelled = sympy.cancel(expr)
        candidates += [cancelled, sympy.factor(cancelled)]
    except (sympy.PolynomialError, TypeError, ValueError):
        pass
    return min(candidates, key=_cost)


def _occurrences(expr: sympy.Expr, leaf: sympy.Symbol) -> int:
    """How often the input appears: once means a chain of one-argument functions, which
    ``solve`` inverts quickly; more (``(x + 1)*sin(x)``) is not worth a slow search."""
    return sum(1 for node in sympy.preorder_traversal(expr) if node == leaf)


def _solve_for(expr: sympy.Expr, leaf: sympy.Symbol) -> list[sympy.Expr]:
    try:
        return list(sympy.solve(sympy.Eq(OUT, expr), leaf))
    except (NotImplementedError, ValueError, TypeError):
        return []


def uses_output(derivative: sympy.Expr) -> bool:
    return OUT in derivative.free_symbols
