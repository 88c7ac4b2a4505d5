"""NumPy's sign functions that SymPy lacks: steps and sign transfers, each printed as the
NumPy call (``special._Printed``) and differentiated away from its jump.

    Step(x, h)       np.heaviside(x, h)   0 for x < 0, h at 0, 1 for x > 0
                     d/dx = 0 (a step: 0 at the jump too), d/dh = (x == 0)
    CopySign(a, b)   np.copysign(a, b)    |a| with the sign (bit) of b
                     d/da = sign(a) * copysign(1, b) (0 at a == 0, as abs'(0) = 0),
                     d/db = 0 (a jump at b == 0)

Numba has no np.heaviside: for ``jit=True`` a step is written with np.sign, the same
numbers at 0 (h) and at NaN (NaN):

    np.heaviside(x, h)  =  (np.sign(x) + 1)/2 + (h - 1/2) * (1 - np.sign(x)**2)
"""
from __future__ import annotations

import sympy

from .functions import IsZero
from .special import _Printed

HALF = sympy.Rational(1, 2)


class Step(_Printed):
    """np.heaviside(x, h): the value h where x == 0."""

    nargs, printed = 2, ("numpy", "heaviside")

    def fdiff(self, argindex=1):
        return sympy.S.Zero if argindex == 1 else IsZero(self.args[0])

    @staticmethod
    def with_sign(x, h):
        """The same step written with np.sign, which numba compiles."""
        s = sympy.sign(x)
        return (s + 1) * HALF + (h - HALF) * (1 - s ** 2)


class CopySign(_Printed):
    """np.copysign(a, b) (math.copysign): |a| with the sign bit of b."""

    nargs, printed, math_name = 2, ("numpy", "copysign"), "copysign"

    def fdiff(self, argindex=1):
        a, b = self.args
        return sympy.sign(a) * CopySign(1, b) if argindex == 1 else sympy.S.Zero
