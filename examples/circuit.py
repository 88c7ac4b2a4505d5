"""Seed 1: the simplest circuit, f(x, y, z) = (x + y) * z.

At x=-2, y=5, z=-4 the forward pass gives q = 3 and f = -12; the backward
pass gives df/dx = df/dy = -4 (add distributes) and df/dz = q = 3
(mul switches).

The `float` annotations tell `symdiff compile` the inputs are scalars, so the
generated gradient needs no broadcasting helper.
"""


def f(x: float, y: float, z: float):
    q = x + y
    return q * z
