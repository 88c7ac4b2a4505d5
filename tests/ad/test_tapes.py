"""Tapes share and recompute: a loop variable read before and after a step has one tape,
n + 1 long, and a cheap elementwise value (``h - target``) whose inputs the backward
restores anyway is recomputed there, not saved.

Each program is checked against central differences (through ``check_grad`` and the
generic source), its value through ``value_and_grad``, its Hessian-vector product
against differences of gradients, and with ``jit=True``; the specialized source shows
which tapes it allocates.
"""
import numpy as np
import pytest

import symdiff
from support import assert_gradient, directional_difference, random_like


def rnn(Wh, h0, xs, targets):
    h = h0
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + xs[t])
        loss += np.sum((h - targets[t]) ** 2)
    return loss


def scalar_recurrence(a, x0, ys):
    """A float carried through the loop, read before and after each step."""
    x = x0
    total = 0.0
    for t in range(ys.shape[0]):
        x = np.sin(a * x) + ys[t]
        total += (x - 0.5 * ys[t]) ** 2 * x
    return total


def two_carried(W, u0, v0, n):
    """Two loop variables, each read before and after the step; one recomputed sum."""
    u, v = u0, v0
    out = 0.0
    for _ in range(n):
        u = np.tanh(W @ v) * u
        v = np.cos(u) + v
        out += np.sum((u + 2.0 * v) ** 2)
    return out


def cheap_step(x0, a, ys):
    """The step itself is cheap (``x * a + ys[t]``), and its output is read by the
    backward: it is saved on the shared tape, not recomputed."""
    x = x0
    out = 0.0
    for t in range(ys.shape[0]):
        x = x * a + ys[t]
        out += np.sum(np.sin(x) * x)
    return out


def rnn_args(rng, T=5, H=4):
    return (rng.standard_normal((H, H)) / 2, rng.standard_normal(H) / 2,
            rng.standard_normal((T, H)), rng.standard_normal((T, H)) / 2)


CASES = [
    ("rnn", rnn, lambda rng: rnn_args(rng), (0, 1)),
    ("scalar_recurrence", scalar_recurrence,
     lambda rng: (0.7, 0.3, rng.standard_normal(6)), (0, 1, 2)),
    ("cheap_step", cheap_step,
     lambda rng: (rng.standard_normal(3), 0.9, rng.standard_normal((5, 3))), (0, 1, 2)),
    ("two_carried", two_carried,
     lambda rng: (rng.standard_normal((3, 3)) / 2, rng.standard_normal(3) / 2,
                  rng.standard_normal(3) / 2, 4), (0, 1, 2)),
]


@pytest.mark.parametrize("name, fn, make, wrt", CASES, ids=[c[0] for c in CASES])
def test_gradient_value_and_jit(name, fn, make, wrt):
    args = make(np.random.default_rng(3))
    grads = assert_gradient(fn, *args, wrt=wrt)
    value, again = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    assert np.isclose(value, fn(*args), rtol=1e-12)
    jitted = symdiff.grad(fn, wrt=wrt, jit=True)(*args)
    for got, want, plain in zip(jitted, grads, again):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(plain, want)


@pytest.mark.parametrize("name, fn, make, wrt", CASES, ids=[c[0] for c in CASES])
def test_hessian_vector_product(name, fn, make, wrt):
    rng = np.random.default_rng(4)
    args = make(rng)
    v = random_like(rng, args[0])
    hv = symdiff.hvp(fn, wrt=0)(*args, v)
    grad0 = symdiff.grad(fn, wrt=0)
    expected = directional_difference(grad0, list(args), [0], [v], h=1e-5)
    np.testing.assert_allclose(hv, expected, rtol=1e-5, atol=1e-7)


def test_rnn_saves_one_hidden_state_per_step():
    """h before step t is h after step t - 1: one tape, T + 1 rows; ``h - targets[t]`` is
    recomputed in the backward from the restored h and the recomputed ``targets[t]``."""
    args = rnn_args(np.random.default_rng(5), T=7)
    source = symdiff.grad(rnn, wrt=(0, 1)).source_for(*args)
    tapes = [line.split("=")[0].strip() for line in source.splitlines()
             if "np.empty(" in line or "[None] *" in line]
    assert len(tapes) == 1, source
    assert source.count("recomputed, not saved") >= 2, source


def test_recomputed_difference_reads_the_restored_value_of_its_own_step():
    """Steps whose outputs differ a lot: a recomputation that read the wrong step's h
    would give a visibly wrong gradient."""
    rng = np.random.default_rng(6)
    Wh, h0, xs, targets = rnn_args(rng, T=9)
    xs[::2] *= 4.0
    assert_gradient(rnn, Wh, h0, xs, targets, wrt=(0, 1, 2, 3))
