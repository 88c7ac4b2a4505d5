"""Two backward forms that skip work a hand-written gradient skips, with the same numbers.

- The row sum of a label gather's gradient (``log_probs[np.arange(N), y]`` under a
  softmax) is the gathered gradient itself: no zeros array, no row sum; the entries are
  added into the other gradient in place (``optimize.gathers``).
- A loop writing entries of a fresh array (``L[:, i, j] = v[:, k]``): the backward reads
  each entry's gradient as a copy of those few elements and zeroes them in place, not a
  copy of the whole gradient per entry (``backend.in_place``).

Each is checked against central differences (``check_grad`` and the generic source),
through ``value_and_grad`` and with ``jit=True``.
"""
import numpy as np
import pytest

import symdiff
from support import assert_gradient


def softmax_loss(scores, y):
    N = scores.shape[0]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_probs = shifted - log_norm
    return -np.sum(log_probs[np.arange(N), y]) / N


def weighted_softmax_loss(scores, y, w):
    """A gathered gradient of shape (N,), and a row sum without keepdims."""
    N = scores.shape[0]
    norm = np.log(np.sum(np.exp(scores), axis=1))
    picked = scores[np.arange(N), y]
    return -np.sum(w * picked) + np.sum(np.sum(scores * 0.0, axis=1) * norm) + \
        np.sum(w * norm)


def factor(v, x):
    """The strictly lower entries of (k, d, d) factors written one by one from v."""
    k, d = v.shape[0], x.shape[0]
    L = np.zeros((k, d, d))
    pos = 0
    for j in range(d):
        for i in range(j + 1, d):
            L[:, i, j] = v[:, pos]
            pos += 1
    return np.sum(np.tanh(L @ x) ** 2)


def softmax_args(rng):
    return rng.standard_normal((6, 4)), rng.integers(0, 4, 6)


CASES = [
    ("softmax_loss", softmax_loss, lambda rng: softmax_args(rng), 0),
    ("weighted_softmax_loss", weighted_softmax_loss,
     lambda rng: (*softmax_args(rng), rng.uniform(0.5, 1.5, 6)), (0, 2)),
    ("factor", factor, lambda rng: (rng.standard_normal((2, 6)), rng.standard_normal(4)), 0),
]


@pytest.mark.parametrize("name, fn, make, wrt", CASES, ids=[c[0] for c in CASES])
def test_gradient_value_and_jit(name, fn, make, wrt):
    args = make(np.random.default_rng(7))
    grads = assert_gradient(fn, *args, wrt=wrt)
    value, _ = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    assert np.isclose(value, fn(*args), rtol=1e-12)
    jitted = symdiff.grad(fn, wrt=wrt, jit=True)(*args)
    for got, want in zip(jitted if isinstance(wrt, tuple) else (jitted,),
                         grads if isinstance(grads, tuple) else (grads,)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_label_gather_backward_writes_into_the_softmax_gradient():
    args = softmax_args(np.random.default_rng(8))
    source = symdiff.grad(softmax_loss).source_for(*args)
    backward = source[source.index("# backward"):]
    assert "np.zeros" not in backward, backward
    assert "[arange_N, y] +=" in backward.replace("np.arange(N)", "arange_N"), backward


def test_entry_writes_copy_one_entry_not_the_whole_gradient():
    args = CASES[2][2](np.random.default_rng(9))
    source = symdiff.grad(factor).source_for(*args)
    backward = source[source.index("# backward"):]
    copies = [line for line in backward.splitlines() if ".copy()" in line]
    assert copies and all("[:, i" in line.split("=", 1)[1] for line in copies), backward
