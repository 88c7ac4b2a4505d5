"""SymPy functions for more of scipy.special's elementwise functions (gamma family,
error-function relatives, exponential integrals, entropies, elliptic integrals), each
printed as SciPy's call, with its derivative in ``fdiff``:

    Rgamma(x)       rgamma      1/Gamma(x)                 d = -out*digamma(x)
    Loggamma(x)     loggamma    log Gamma(x), x > 0        d = digamma(x)
    Beta(a, b)      beta        B(a, b)                    d/da = out*(psi(a) - psi(a + b))
    Erfcinv(x)      erfcinv     erfc^-1(x)                 d = -sqrt(pi)/2 exp(out**2)
    Dawsn(x)        dawsn       Dawson's integral          d = 1 - 2 x out
    Softplus(x)     softplus    log(1 + e**x)              d = expit(x)
    Exp1(x)         exp1        E1(x)                      d = -exp(-x)/x
    Expi(x)         expi        Ei(x)                      d = exp(x)/x
    RelEntr(x, y)   rel_entr    x log(x/y)                 d = log(x/y) + 1, -x/y
    KlDiv(x, y)     kl_div      x log(x/y) - x + y         d = log(x/y), 1 - x/y
    Ellipk(m)       ellipk      K(m)                       d = (E - (1 - m) K)/(2 m (1 - m))
    Ellipe(m)       ellipe      E(m)                       d = (E - K)/(2 m)

(``loggamma`` of a negative real is complex in SciPy: NaN for a real argument; its
derivative is given for x > 0, where it equals ``gammaln``.)
"""
from __future__ import annotations

import sympy

from .special import SPECIAL, Expit, _Printed


class Rgamma(_Printed):
    nargs, printed = 1, (SPECIAL, "rgamma")

    def fdiff(self, argindex=1):
        return -self * sympy.polygamma(0, self.args[0])


class Loggamma(_Printed):
    nargs, printed = 1, (SPECIAL, "loggamma")

    def fdiff(self, argindex=1):
        return sympy.polygamma(0, self.args[0])


class Beta(_Printed):
    nargs, printed = 2, (SPECIAL, "beta")

    def fdiff(self, argindex=1):
        a, b = self.args
        return self * (sympy.polygamma(0, self.args[argindex - 1]) - sympy.polygamma(0, a + b))


class Erfcinv(_Printed):
    nargs, printed = 1, (SPECIAL, "erfcinv")

    def fdiff(self, argindex=1):
        return -sympy.sqrt(sympy.pi) / 2 * sympy.exp(self ** 2)


class Dawsn(_Printed):
    nargs, printed = 1, (SPECIAL, "dawsn")

    def fdiff(self, argindex=1):
        return 1 - 2 * self.args[0] * self


class Softplus(_Printed):
    nargs, printed = 1, (SPECIAL, "softplus")

    def fdiff(self, argindex=1):
        return Expit(self.args[0])


class Exp1(_Printed):
    nargs, printed = 1, (SPECIAL, "exp1")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return -sympy.exp(-x) / x


class Expi(_Printed):
    nargs, printed = 1, (SPECIAL, "expi")

    def fdiff(self, argindex=1):
        x = self.args[0]
        return sympy.exp(x) / x


class RelEntr(_Printed):
    nargs, printed = 2, (SPECIAL, "rel_entr")

    def fdiff(self, argindex=1):
        x, y = self.args
        return sympy.log(x / y) + 1 if argindex == 1 else -x / y


class KlDiv(_Printed):
    nargs, printed = 2, (SPECIAL, "kl_div")

    def fdiff(self, argindex=1):
        x, y = self.args
        return sympy.log(x / y) if argindex == 1 else 1 - x / y


class Ellipk(_Printed):
    nargs, printed = 1, (SPECIAL, "ellipk")

    def fdiff(self, argindex=1):
        m = self.args[0]
        return (Ellipe(m) - (1 - m) * self) / (2 * m * (1 - m))


class Ellipe(_Printed):
    nargs, printed = 1, (SPECIAL, "ellipe")

    def fdiff(self, argindex=1):
        m = self.args[0]
        return (self - Ellipk(m)) / (2 * m)
