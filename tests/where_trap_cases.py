"""Programs with a where trap: a branch np.where does not take is singular there.

Each program ``f`` comes with ``ref(x0)``: the same function with every condition frozen
at its value at the point ``x0`` (the piece of the function that applies near x0). Central
differences of the frozen function are the derivative on the side where f is smooth: at
a point on the boundary of a branch (``x == 0``, ``y == 0``) the difference never steps
into the other branch. ``ref`` is plain NumPy, nothing from symdiff.
"""
import math

import numpy as np


def sqrt_where(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def sqrt_where_ref(x0):
    c = x0 > 0
    return lambda x: np.sum(np.where(c, np.sqrt(np.where(c, x, 1.0)), 0.0))


def divide_where(x, y):
    return np.sum(np.where(y != 0, x / y, x))


def divide_where_ref(x0, y0):
    c = y0 != 0
    return lambda x, y: np.sum(np.where(c, x / np.where(c, y, 1.0), x))


def sinc_where(x):
    return np.sum(np.where(x == 0, 1.0, np.sin(x) / x))


def sinc_where_ref(x0):
    c = x0 == 0
    return lambda x: np.sum(np.where(c, 1.0, np.sin(x) / np.where(c, 1.0, x)))


def log_times_weight(x, w):
    return np.sum(np.where(x > 0, np.log(x) * w, -x))


def log_times_weight_ref(x0, w0):
    c = x0 > 0
    return lambda x, w: np.sum(np.where(c, np.log(np.where(c, x, 1.0)) * w, -x))


def power_in_else(x):
    return np.sum(np.where(x < 0, -x, x ** 1.5))


def power_in_else_ref(x0):
    c = x0 < 0
    return lambda x: np.sum(np.where(c, -x, np.where(c, 1.0, x) ** 1.5))


def nested(x):
    return np.sum(np.where(x < 0, 0.0, np.where(x > -2, np.sqrt(x), 1.0)))


def nested_ref(x0):
    outer, inner = x0 < 0, x0 > -2
    return lambda x: np.sum(np.where(outer, 0.0, np.where(inner, np.sqrt(np.where(outer, 1.0, x)),
                                                          1.0)))


def two_statements(x):
    r = np.sqrt(x)
    s = r * 2.0 + 1.0
    t = np.where(x > 0, s * s, 0.5 * x)
    return np.sum(t)


def two_statements_ref(x0):
    c = x0 > 0
    return lambda x: np.sum(np.where(c, (np.sqrt(np.where(c, x, 1.0)) * 2.0 + 1.0) ** 2, 0.5 * x))


def broadcast_branch(x, b):
    return np.sum(np.where(x > 0, np.sqrt(x), b) * 2.0)


def broadcast_branch_ref(x0, b0):
    c = x0 > 0
    return lambda x, b: np.sum(np.where(c, np.sqrt(np.where(c, x, 1.0)), b) * 2.0)


def exp_overflow(x):
    return np.sum(np.where(x < 50.0, np.exp(x), 0.0))


def exp_overflow_ref(x0):
    c = x0 < 50.0
    return lambda x: np.sum(np.where(c, np.exp(np.where(c, x, 0.0)), 0.0))


def scalar_where(x):
    return np.where(x > 0, np.sqrt(x), 0.0) * 3.0


def scalar_where_ref(x0):
    c = x0 > 0
    return lambda x: float(np.where(c, np.sqrt(np.where(c, x, 1.0)), 0.0)) * 3.0


def conditional_expression(x):
    return np.sqrt(x) if x > 0 else 0.0


def conditional_expression_ref(x0):
    return (lambda x: np.sqrt(x)) if x0 > 0 else (lambda x: 0.0)


def if_statement(x, y):
    if y != 0:
        r = x / y
    else:
        r = x
    return r * r


def if_statement_ref(x0, y0):
    return (lambda x, y: (x / y) ** 2) if y0 != 0 else (lambda x, y: x * x)


def row_norms(X):
    return np.sum(np.linalg.norm(X, axis=1))


def row_norms_ref(X0):
    zero = np.all(X0 == 0, axis=1)
    return lambda X: np.sum(np.where(zero, 0.0, np.sqrt(np.sum(X ** 2, axis=1))))


def norm(x):
    return np.linalg.norm(x) * 2.0


def norm_ref(x0):
    zero = np.all(x0 == 0)
    return lambda x: 0.0 if zero else np.sqrt(np.sum(x ** 2)) * 2.0


def safe_input(x):
    return np.sum(np.sqrt(np.where(x > 0, x, 0.0)) + np.log(np.where(x > 0, x, 1.0)))


def safe_input_ref(x0):
    c = x0 > 0
    return lambda x: np.sum(np.where(c, np.sqrt(np.where(c, x, 1.0)) + np.log(np.where(c, x, 1.0)),
                                     0.0))


def clipped_log(x):
    return np.sum(np.where(x > 0, np.log(np.maximum(x, 0.0)), x))


def clipped_log_ref(x0):
    c = x0 > 0
    return lambda x: np.sum(np.where(c, np.log(np.where(c, x, 1.0)), x))


def sqrt_of_sum(x):
    return np.sqrt(np.sum(x ** 2))


def broadcast_condition(m, x):
    return np.sum(np.where(m > 0, np.sqrt(x), 0.0) * m)


def broadcast_condition_ref(m0, x0):
    c = m0 > 0
    return lambda m, x: np.sum(np.where(c, np.sqrt(np.where(c, x, 1.0)), 0.0) * m)


def sqrt_of_maximum(x):
    return np.sum(np.sqrt(np.maximum(x, 0.0)))


def sqrt_of_maximum_ref(x0):
    c = x0 > 0
    return lambda x: np.sum(np.where(c, np.sqrt(np.where(c, x, 1.0)), 0.0))


def log_of_clip(x):
    return np.sum(np.clip(x, 0.0, 4.0) ** 1.5 + np.log(np.maximum(x, 0.0) + 1.0))


def log_of_clip_ref(x0):
    low, high = x0 < 0, x0 > 4.0
    return lambda x: np.sum(np.where(low, 0.0, np.where(high, 8.0, np.where(low | high, 1.0, x)
                                                        ** 1.5))
                            + np.log(np.where(low, 0.0, x) + 1.0))


def scalar_max(x):
    return math.sqrt(max(x, 0.0)) * 2.0


def scalar_max_ref(x0):
    return (lambda x: math.sqrt(x) * 2.0) if x0 > 0 else (lambda x: 0.0)


def used_twice_in_branch(x, w):
    a = np.sqrt(x)
    t = a * 2.0
    return np.sum(np.where(x > 0, t + a * w, w))


def used_twice_in_branch_ref(x0, w0):
    c = x0 > 0
    return lambda x, w: np.sum(np.where(c, np.sqrt(np.where(c, x, 1.0)) * (2.0 + w), w))


def in_a_loop(x):
    s = 0.0
    for i in range(3):
        shifted = x - i
        s = s + np.sum(np.where(shifted > 0, np.sqrt(shifted), 0.0))
    return s


def in_a_loop_ref(x0):
    cs = [x0 - i > 0 for i in range(3)]
    return lambda x: sum(np.sum(np.where(c, np.sqrt(np.where(c, x - i, 1.0)), 0.0))
                         for i, c in enumerate(cs))


def leaky_relu(x):
    return np.sum(np.where(x > 0, x, 0.01 * x) ** 2)


def leaky_relu_ref(x0):
    c = x0 > 0
    return lambda x: np.sum(np.where(c, x, 0.01 * x) ** 2)
