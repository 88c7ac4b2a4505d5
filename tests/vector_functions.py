"""Functions with array outputs, for Jacobians: one per kind of operation a Jacobian meets.

Each is plain NumPy as a user writes it; symdiff reads them through ``inspect``, so they
live in this real file. ``VECTOR_CASES`` declares their inputs (2-D and scalar ones
included), the arguments to differentiate and the mode ``jacobian`` should choose:
forward when there are no more input elements than output elements, else reverse.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np


def elementwise(x):
    return np.tanh(x) * x + np.exp(-x * x)


def matvec(A, x):
    return A @ x


def matmul(A, B):
    return np.tanh(A @ B)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def concat_index(x):
    """Neighbour products, the first two squares and every other entry, side by side."""
    head = x[1:] * x[:-1]
    return np.concatenate([head, x[:2] ** 2, x[::2]])


def running_sum(x, decay):
    """A loop that writes its running total into an array, one entry per step."""
    n = x.shape[0]
    out = np.zeros(n)
    acc = 0.0
    for i in range(n):
        acc = decay * acc + x[i] * x[i]
        out[i] = acc
    return out


def branch(x, s):
    if s > 0:
        y = np.sin(x) * s
    else:
        y = x ** 3 - s
    return y


def curve(t):
    """A scalar in, a point in 3-D out."""
    return np.array([np.cos(t), np.sin(t), t * t])


def scaled(t, x):
    return t * x + np.sin(t)


def column_means(X):
    """A reduction: more inputs than outputs."""
    return np.mean(X ** 2, axis=0)


def row_max_energy(X):
    """A scalar output through np.max(X, axis=1), which Numba does not compile."""
    return np.sum(np.max(X, axis=1) ** 2) + np.sum(X * X)


@dataclass(frozen=True)
class VectorCase:
    id: str
    fn: Callable
    make_inputs: Callable          # make_inputs(rng) -> the argument tuple
    wrt: object                    # as passed to symdiff.jacobian: a name or a tuple
    mode: str                      # the mode jacobian chooses for these inputs
    seed: int = 0

    def inputs(self):
        return tuple(self.make_inputs(np.random.default_rng(self.seed)))


def normal(*shapes):
    """Standard normal arrays of these shapes; () gives a float."""
    def make_inputs(rng):
        return tuple(float(rng.standard_normal()) if s == () else rng.standard_normal(s)
                     for s in shapes)
    return make_inputs


def with_scalar(shape, value):
    def make_inputs(rng):
        return rng.standard_normal(shape), value
    return make_inputs


VECTOR_CASES = [
    VectorCase("elementwise", elementwise, normal((5,)), "x", "forward"),
    VectorCase("elementwise[2d]", elementwise, normal((2, 3)), "x", "forward"),
    VectorCase("matvec", matvec, normal((3, 4), (4,)), ("A", "x"), "reverse"),
    VectorCase("matmul[2d]", matmul, normal((2, 3), (3, 4)), ("A", "B"), "reverse"),
    VectorCase("matmul[B only]", matmul, normal((4, 2), (2, 3)), "B", "forward"),
    VectorCase("softmax", softmax, normal((5,)), "z", "forward"),
    VectorCase("concat_index", concat_index, normal((6,)), "x", "forward"),
    VectorCase("running_sum", running_sum, with_scalar((5,), 0.7), ("x", "decay"), "reverse"),
    VectorCase("running_sum[x only]", running_sum, with_scalar((5,), 0.7), "x", "forward"),
    VectorCase("branch[s>0]", branch, with_scalar((4,), 1.5), ("x", "s"), "reverse"),
    VectorCase("branch[s<0]", branch, with_scalar((4,), -1.5), ("x", "s"), "reverse"),
    VectorCase("curve[scalar in]", curve, normal(()), "t", "forward"),
    VectorCase("scaled[scalar and vector in]", scaled, normal((), (3,)), ("t", "x"), "reverse"),
    VectorCase("column_means[2d in]", column_means, normal((4, 3)), "X", "reverse"),
]
