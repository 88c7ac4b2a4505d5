"""Programs using NumPy functions that were added as one registry entry (or one row of
the elementwise table) each: ``np.cumsum``, ``np.arccosh``, ``np.prod``...

Each case is (id, function, arguments, wrt); the arguments are drawn away from kinks and
outside the functions' domains' edges. ``test_registry_functions.py`` checks every case
end to end against central differences.
"""
import math

import numpy as np

RNG = np.random.default_rng(12)


def _normal(*shape):
    return RNG.standard_normal(shape)


def _within(lo, hi, *shape):
    return RNG.uniform(lo, hi, shape)


# ---------------------------------------------------------------- np.cumsum (linear)


def cumsum_rows(x):
    return np.sum(np.sin(np.cumsum(x, axis=1)) * x)


def cumsum_flat(x):
    c = x.cumsum()
    return np.sum(c * c)


def cumsum_last_axis(x, w):
    return np.sum(np.cumsum(x * w, axis=-1) ** 2)


def cumsum_vector(x):
    return np.sum(np.tanh(np.cumsum(x)) * np.cumsum(x[::-1]))


def cumsum_axis0_loop(x):
    total = 0.0
    for k in range(2):
        total = total + np.sum(np.cumsum(x, 0) ** 3) * (k + 1)
    return total


# ---------------------------------------------------------------- np.arccosh (elementwise)


def arccosh_sum(x):
    return np.sum(np.arccosh(x) * x)


def arccosh_broadcast(x, b):
    return np.mean(np.arccosh(x + b) ** 2)


def arccosh_math(s, t):
    return math.acosh(s * s + 1.5) * math.acosh(t + 2.0)


# ---------------------------------------------------------------- np.prod (non-linear)


def prod_all(x):
    return np.prod(x)


def prod_rows(x):
    return np.sum(np.prod(x, axis=1) ** 2)


def prod_keepdims(x, w):
    return np.sum(np.prod(x * w, axis=0, keepdims=True) * x)


def prod_two_axes(x):
    return np.sum(np.sin(x.prod(axis=(0, 2))))


def _with_zeros(count):
    x = _within(0.5, 1.5, 3, 4) * RNG.choice([-1.0, 1.0], (3, 4))
    x[1, :count] = 0.0                   # a row with `count` zeros: dp/dx is exact there
    return x


# ---------------------------------------------------------------- np.logaddexp (elementwise)


def logaddexp_pair(x, y):
    return np.sum(np.logaddexp(x, y) * x)


def logaddexp_large(x):
    return np.sum(np.logaddexp(800.0 * x, 0.0))     # exp(800) overflows; logaddexp does not


# ---------------------------------------------------------------- np.var, np.std (compositions)


def var_all(x):
    return np.var(x)


def var_rows_ddof(x):
    return np.sum(np.var(x, axis=1, ddof=1) * np.arange(3.0))


def std_keepdims(x):
    return np.sum(((x - x.mean(axis=0)) / np.std(x, axis=0, keepdims=True)) ** 3)


def std_method_ddof(x):
    return x.std(ddof=1) + np.std(x, axis=(0, 1))


CASES = [
    ("cumsum_rows", cumsum_rows, (_normal(3, 4),), 0),
    ("cumsum_flat", cumsum_flat, (_normal(3, 4),), 0),
    ("cumsum_last_axis", cumsum_last_axis, (_normal(2, 3, 4), _normal(4)), (0, 1)),
    ("cumsum_vector", cumsum_vector, (_normal(5),), 0),
    ("cumsum_axis0_loop", cumsum_axis0_loop, (_normal(3, 2),), 0),
    ("arccosh_sum", arccosh_sum, (_within(1.2, 3.0, 3, 4),), 0),
    ("arccosh_broadcast", arccosh_broadcast, (_within(1.2, 2.0, 3, 4), _within(0.1, 0.5, 4)),
     (0, 1)),
    ("arccosh_math", arccosh_math, (0.7, 0.4), (0, 1)),
    ("logaddexp_pair", logaddexp_pair, (_normal(3, 4), _normal(4)), (0, 1)),
    ("logaddexp_large", logaddexp_large, (_within(0.5, 1.5, 5),), 0),
    ("var_all", var_all, (_normal(3, 4),), 0),
    ("var_rows_ddof", var_rows_ddof, (_normal(3, 4),), 0),
    ("std_keepdims", std_keepdims, (_normal(4, 3),), 0),
    ("std_method_ddof", std_method_ddof, (_normal(2, 3),), 0),
    ("prod_all", prod_all, (_within(0.5, 1.5, 3, 4),), 0),
    ("prod_rows", prod_rows, (_normal(3, 4),), 0),
    ("prod_keepdims", prod_keepdims, (_normal(3, 4), _normal(4)), (0, 1)),
    ("prod_two_axes", prod_two_axes, (_within(0.5, 1.2, 2, 3, 2),), 0),
    ("prod_one_zero", prod_rows, (_with_zeros(1),), 0),
    ("prod_two_zeros", prod_rows, (_with_zeros(2),), 0),
    ("prod_all_one_zero", prod_all, (_with_zeros(1),), 0),
]
