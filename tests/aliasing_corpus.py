"""Programs that write in place through views, aliases and helpers (NumPy's memory model).

Every function here changes an array through a second name: a slice, ``.T``, a reshape of
a fresh array, ``x[None]``, a row, ``y = x``, tuple unpacking, or a helper's argument.
``CASES`` lists each with inputs away from kinks; ``REFUSED`` lists programs where sharing
cannot be known statically, with the two names the refusal must name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


# ---------------------------------------------------------------- views by slicing


def slice_scaled(x):
    y = x.copy()
    p = y[0:2]
    p *= 3
    return np.sum(y)


def stepped_slice(x):
    y = x * 1.0
    p = y[::2]
    p *= x[1]
    return np.sum(y * y)


def slice_of_slice(x):
    y = x + 0.5
    p = y[1:]
    q = p[::2]
    q += np.sin(x[0])
    return np.sum(y * x)


def column_view(X):
    Y = X.copy()
    c = Y[:, 1]
    c *= 2.0
    return np.sum(Y ** 2)


def ellipsis_view(X):
    Y = X * 1.0
    v = Y[..., 0]
    v[:] = np.sin(v)
    return np.sum(Y * X)


def newaxis_view(X):
    Y = X.copy()
    e = Y[None]
    e[0, 0, :] = 1.5 * e[0, 0, :] + X[1]
    return np.sum(Y ** 2)


def negative_step(x):
    y = x.copy()
    r = y[::-1]
    r[0] = r[0] * r[1]
    return np.sum(y * np.arange(3.0))


def read_view_after_base_write(x):
    y = x.copy()
    p = y[1:]
    y[1] = y[0] * 4.0
    return np.sum(p * p)


# ---------------------------------------------------------------- transposes and reshapes


def transpose_row_doubled(X):
    v = X.T
    v[0] *= 2
    return np.sum(X * X)


def np_transpose_write(X):
    Y = np.tanh(X)
    v = np.transpose(Y)
    v[1, 0] = v[0, 1] * 3.0
    return np.sum(Y * X)


def reshape_of_fresh(X):
    buf = np.zeros(6)
    M = buf.reshape(2, 3)
    M[0] = X[0] * 2.0
    M[1] = X[1] ** 2
    return np.sum(buf * np.arange(6.0))


def chain_of_views(X):
    Y = X * 1.0
    t = Y.T
    c = t[1:]
    c[0] = np.exp(c[1])
    return np.sum(Y * X)


# ---------------------------------------------------------------- plain aliases


def alias_write_into_input(x):
    y = x
    y[0] = 3.0
    return np.sum(x * x)


def alias_augmented(b):
    a = b
    a += 1
    return np.sum(b * b)


def alias_of_float(s):
    t = s
    t += 1.0
    return np.sum(s * t)


def tuple_unpacked_alias(x):
    a, c = x, x * 2.0
    a[1] = c[0] * c[2]
    return np.sum(x * c)


def swapped_buffers(x):
    a = x.copy()
    b = np.zeros(3)
    for t in range(3):
        b[:] = np.sin(a) + t
        a, b = b, a
    return np.sum(a * x)


def alias_chain(x):
    y = x.copy()
    z = y
    w = z
    w *= 2.0
    return np.sum(y * x)


# ---------------------------------------------------------------- helpers writing into arguments


def fill(out, x):
    out[:] = x * 3


def filled(x):
    out = np.zeros(x.shape)
    fill(out, x)
    return np.sum(out)


def accumulate(out, x):
    for i in range(len(x)):
        out[i] += x[i] ** 2


def accumulated(x):
    out = np.ones(x.shape)
    accumulate(out, x)
    accumulate(out, np.sin(x))
    return np.sum(out * x)


def scale(out, s):
    out *= s


def scaled(x):
    y = x.copy()
    scale(y, x[0])
    return np.sum(y)


def first_half(v):
    return v[:2]


def view_from_helper(x):
    y = x.copy()
    h = first_half(y)
    h *= 10.0
    return np.sum(y * x)


def heat_step(u_new, u, k):
    u_new[1:-1] = u[1:-1] + k * (u[2:] - 2 * u[1:-1] + u[:-2])


def stencil(u0):
    a = u0.copy()
    b = u0.copy()
    for t in range(4):
        heat_step(b, a, 0.2)
        a, b = b, a
    return np.sum(a ** 2)


def kick(v, acc, dt):
    v += acc * dt


def drift(pos, v, dt):
    pos += v * dt


def leapfrog(x0):
    pos = x0.copy()
    vel = np.zeros_like(x0)
    for t in range(3):
        acc = -pos * np.abs(pos)
        kick(vel, acc, 0.1)
        drift(pos, vel, 0.1)
    return np.sum(pos ** 2) + np.sum(vel)


# ---------------------------------------------------------------- rows, loops and branches


def rows_doubled(X):
    for row in X:
        row *= 2
    return np.sum(X * X)


def rows_written(X):
    Y = X.copy()
    for row in Y:
        row[0] = row[1] * row[2]
    return np.sum(Y * X)


def windows_in_loop(x):
    y = np.zeros(4)
    for i in range(3):
        p = y[i:i + 2]
        p += x[i] ** 2
    return np.sum(y * np.arange(4.0))


def write_in_branch(x):
    y = x.copy()
    p = y[1:]
    if x[0] > 0:
        p *= 2.0
    else:
        p += 1.0
    return np.sum(y * x)


def element_read_before_write(x):
    y = x.copy()
    first = y[0]
    y[0] = 0.0
    return np.sum(first) * np.sum(y * x)


def enumerate_rows(X):
    Y = np.tanh(X)
    for i, row in enumerate(Y):
        row += X[i, 0]
    return np.sum(Y ** 2)


@dataclass(frozen=True)
class Case:
    fn: Callable
    inputs: Callable        # () -> tuple of fresh arguments

    @property
    def id(self) -> str:
        return self.fn.__name__


def _vec():
    return (np.array([0.4, 1.2, -0.7]),)


def _mat():
    return (np.array([[0.3, -1.1, 0.8], [1.4, 0.2, -0.5]]),)


def _float():
    return (1.3,)


CASES = [Case(f, _vec) for f in (slice_scaled, stepped_slice, slice_of_slice, negative_step,
                                 read_view_after_base_write, alias_write_into_input,
                                 alias_augmented, tuple_unpacked_alias, swapped_buffers,
                                 alias_chain, filled, accumulated, scaled, view_from_helper,
                                 leapfrog, windows_in_loop, write_in_branch,
                                 element_read_before_write)] + \
    [Case(f, _mat) for f in (column_view, ellipsis_view, newaxis_view, transpose_row_doubled,
                             np_transpose_write, reshape_of_fresh, chain_of_views,
                             rows_doubled, rows_written, enumerate_rows)] + \
    [Case(alias_of_float, _float),
     Case(stencil, lambda: (np.array([0.0, 0.5, 1.3, -0.4, 0.9, 0.1]),)),
     Case(write_in_branch, lambda: (np.array([-0.4, 1.2, -0.7]),))]


# ---------------------------------------------------------------- refused


def reshape_of_argument(X):
    r = X.reshape(-1)
    r[0] = 5.0
    return np.sum(X)


def alias_on_one_path(x, c):
    if c > 0:
        y = x
    else:
        y = x.copy()
    y[0] = 1.0
    return np.sum(x)


def index_of_unknown_kind(x, idx):
    r = x[idx]
    x[0] = 0.0
    return np.sum(r)


def copyto_statement(x):
    y = np.zeros(3)
    np.copyto(y, x)
    return np.sum(y)


def out_keyword(x):
    y = np.zeros(3)
    np.multiply(x, 2.0, out=y)
    return np.sum(y)


def conditional_alias(x, z, c):
    y = x if c > 0 else z
    y[0] = 2.0
    return np.sum(x * z)


def ravel_view_written(X):
    Y = X.T
    flat = Y.ravel()
    flat[0] = 1.0
    return np.sum(X)


REFUSED = [
    (reshape_of_argument, (np.ones((2, 3)),), ("r", "X"), 3),
    (alias_on_one_path, (np.ones(3), 1.0), ("y", "x"), 6),
    (index_of_unknown_kind, (np.ones(3), 1), ("r", "x"), 4),
    (copyto_statement, (np.ones(3),), ("copyto",), 3),
    (out_keyword, (np.ones(3),), ("multiply",), 3),
    (conditional_alias, (np.ones(3), np.ones(3), 1.0), ("y", "x"), 3),
    (ravel_view_written, (np.ones((2, 3)),), ("flat", "Y"), 4),
]


# ---------------------------------------------------------------- more: copies, loops, nesting


def fancy_index_is_a_copy(x):
    y = x.copy()
    picked = y[[0, 2]]
    picked *= 5.0
    return np.sum(y * x) + np.sum(picked * x[:2])


def view_written_in_loop(x):
    y = x.copy()
    p = y[1:]
    for i in range(3):
        p *= x[0]
    return np.sum(y)


def view_written_in_while(x):
    y = x * 1.0
    p = y[:2]
    k = 0
    while k < 2:
        p += x[2] * k
        k += 1
    return np.sum(y * y)


def maybe_scale(out, c):
    if c > 0:
        out *= c
    else:
        out[0] = c


def scaled_in_branch(x):
    y = np.ones(3)
    maybe_scale(y, x[0])
    maybe_scale(y, x[2])
    return np.sum(y * x)


def add_into(out, v):
    out += v


def add_twice(out, v):
    add_into(out, v)
    add_into(out[1:], v[:2] * v[2])


def nested_helpers(x):
    y = np.zeros(3)
    add_twice(y, x)
    return np.sum(y * y)


def rows_rewritten(X):
    Y = X * 2.0
    for row in Y:
        row[:] = row * row[0]
    return np.sum(Y)


def helper_returns_its_argument(x):
    y = x.copy()
    z = touch(y)
    z[0] = 2.0
    return np.sum(y * x)


def touch(v):
    v[1] = v[1] * 3.0
    return v


MORE = [Case(f, _vec) for f in (fancy_index_is_a_copy, view_written_in_loop,
                                view_written_in_while, scaled_in_branch, nested_helpers,
                                helper_returns_its_argument)] + \
    [Case(scaled_in_branch, lambda: (np.array([-0.6, 1.1, 0.9]),)),
     Case(rows_rewritten, _mat)]
CASES = CASES + MORE


def helper_writes_into_parameter(x):
    fill(x, np.tanh(x))
    return np.sum(x * x)


def expand_dims_view(x):
    y = x * 2.0
    e = np.expand_dims(y, 0)
    e[0, 1] = e[0, 0] * e[0, 2]
    return np.sum(y * x)


def squeezed_view(X):
    Y = X[0:1] * 1.0
    s = np.squeeze(Y)
    s[2] = s[0] ** 2
    return np.sum(Y * X[0])


def views_swapped(x):
    y = x.copy()
    p, q = y[:2], y[1:]
    p, q = q, p
    p *= 3.0
    return np.sum(y * x)


MORE_STILL = [Case(f, _vec) for f in (helper_writes_into_parameter, expand_dims_view,
                                      views_swapped)] + [Case(squeezed_view, _mat)]
CASES = CASES + MORE_STILL


def fill_statement(x):
    y = x.copy()
    y.fill(2.0)
    return np.sum(y)


def stale_after_loop(X, idx):
    r = X[idx]
    for i in range(2):
        X[i] = X[i] * 2.0
    return np.sum(r)


def _set_first(out, s):
    out[0] = s


def helper_writes_into_name_rebound_on_one_path(x, y, w):
    a = np.zeros(3)
    if w > 0.0:
        a = np.tanh(a) * y
        p = a[-2:]
        p[0] *= y[0]
    _set_first(a, w)
    return np.sum(a * x)


REFUSED += [
    (fill_statement, (np.ones(3),), ("fill",), 3),
    (stale_after_loop, (np.ones((2, 3)), 1), ("r", "X"), 5),
]


# ---------------------------------------------------------------- tuples of views, chains

def halves(v):
    return v[:2], v[1:]

def views_from_helper_tuple(x):
    y = x.copy()
    p, q = halves(y)
    p *= 2.0
    q[0] = q[1] * 3.0
    return np.sum(y * x)

def alias_then_rebind(x):
    y = x
    x = x + 1.0
    y[0] = 5.0
    return np.sum(x) + np.sum(y * y)

def rows_of_argument_written(X):
    for row in X:
        row[0] = row[1] * 2.0
    return np.sum(X * X)

def chained_assignment(x):
    a = b = np.zeros(3)
    a[0] = x[0] * 2.0
    b[1] = x[1] * 3.0
    return np.sum(a * b) + np.sum(b)

def bump(v, s):
    v[0] += s

def helper_in_while_and_branch(x):
    y = x * 1.0
    k = 0
    while k < 3:
        if x[1] > 0:
            bump(y[1:], x[0])
        else:
            bump(y, x[2])
        k += 1
    return np.sum(y * y)

def views_of_views(x):
    y = x.copy()
    z = y[::-1][1:]
    z[0] = 7.0 * x[0]
    w = y[None, :]
    w[0, 0] += x[2]
    return np.sum(y * x)


LAST = [Case(f, _vec) for f in (views_from_helper_tuple, alias_then_rebind, chained_assignment,
                                helper_in_while_and_branch, views_of_views)] + \
    [Case(rows_of_argument_written, _mat),
     Case(helper_in_while_and_branch, lambda: (np.array([0.4, -1.2, -0.7]),))]
CASES = CASES + LAST
