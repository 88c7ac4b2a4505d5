"""SymPy functions for scipy.special's Bessel functions beyond ``j0, j1, i0, i1`` (those
are in ``special``), each printed as SciPy's call, with its derivative in ``fdiff``:

    Y0(x), Y1(x)      y0, y1      Y0' = -Y1,  Y1' = Y0 - Y1/x
    K0(x), K1(x)      k0, k1      K0' = -K1,  K1' = -K0 - K1/x
    K0e, K1e          k0e, k1e    e**x K:     K0e' = out - k1e,  K1e' = out - k0e - out/x
    Jv(v, x), Yv      jv, yv      d/dx = (C(v - 1, x) - C(v + 1, x))/2
    Iv(v, x)          iv          d/dx = (I(v - 1, x) + I(v + 1, x))/2
    Ive(v, x)         ive         e**-|x| I:  d/dx = (ive(v-1) + ive(v+1))/2 - sign(x)*out
    Kv(v, x)          kv          d/dx = -(K(v - 1, x) + K(v + 1, x))/2
    Kve(v, x)         kve         e**x K:     d/dx = -(kve(v-1) + kve(v+1))/2 + out

The order v of the two-argument functions is a constant number (``scipy_special.bessel``
refuses any other): their derivative in v has no closed form, and is never asked for.
"""
from __future__ import annotations

import sympy

from .special import SPECIAL, _Printed


class Y0(_Printed):
    nargs, printed = 1, (SPECIAL, "y0")

    def fdiff(self, argindex=1):
        return -Y1(self.args[0])


class Y1(_Printed):
    nargs, printed = 1, (SPECIAL, "y1")

    def fdiff(self, argindex=1):
        return Y0(self.args[0]) - self / self.args[0]


class K0(_Printed):
    nargs, printed = 1, (SPECIAL, "k0")

    def fdiff(self, argindex=1):
        return -K1(self.args[0])


class K1(_Printed):
    nargs, printed = 1, (SPECIAL, "k1")

    def fdiff(self, argindex=1):
        return -K0(self.args[0]) - self / self.args[0]


class K0e(_Printed):
    nargs, printed = 1, (SPECIAL, "k0e")

    def fdiff(self, argindex=1):
        return self - K1e(self.args[0])


class K1e(_Printed):
    nargs, printed = 1, (SPECIAL, "k1e")

    def fdiff(self, argindex=1):
        return self - K0e(self.args[0]) - self / self.args[0]


class _Ordered(_Printed):
    """C(v, x) with a constant order v: only d/dx is defined."""

    nargs = 2

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sympy.ArgumentIndexError(self, argindex)
        v, x = self.args
        return self.slope(v, x)


class Jv(_Ordered):
    printed = (SPECIAL, "jv")

    def slope(self, v, x):
        return (Jv(v - 1, x) - Jv(v + 1, x)) / 2


class Yv(_Ordered):
    printed = (SPECIAL, "yv")

    def slope(self, v, x):
        return (Yv(v - 1, x) - Yv(v + 1, x)) / 2


class Iv(_Ordered):
    printed = (SPECIAL, "iv")

    def slope(self, v, x):
        return (Iv(v - 1, x) + Iv(v + 1, x)) / 2


class Ive(_Ordered):
    printed = (SPECIAL, "ive")

    def slope(self, v, x):
        return (Ive(v - 1, x) + Ive(v + 1, x)) / 2 - sympy.sign(x) * self


class Kv(_Ordered):
    printed = (SPECIAL, "kv")

    def slope(self, v, x):
        return -(Kv(v - 1, x) + Kv(v + 1, x)) / 2


class Kve(_Ordered):
    printed = (SPECIAL, "kve")

    def slope(self, v, x):
        return -(Kve(v - 1, x) + Kve(v + 1, x)) / 2 + self


#: scipy.special's name -> the function of a constant order (jn and yn are jv and yv)
ORDERED = {"jv": Jv, "jn": Jv, "yv": Yv, "yn": Yv, "iv": Iv, "ive": Ive, "kv": Kv, "kve": Kve}
