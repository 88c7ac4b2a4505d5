"""A loop's gradient sums written beside the contributions they add (``accumulate``).

The backward of a loop adds each contribution where it is made, ``dWx +=
np.outer(dWx_plus_b, xs_t)``, so no contribution stays alive to the end of the body;
the gradients are those of central differences, with NumPy and with numba, and the sums
that cannot move (their accumulator read in between, a branch) keep their place.
"""
import numpy as np
import pytest

import symdiff
from tests.control_flow_corpus import rnn_loss
from tests.support import assert_gradient


def carried_twice(W, h0, xs):
    h = h0
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t]) + 0.5 * h
        loss += np.sum(h * h) + np.sum(W * np.outer(h, h))
    return loss


def branch_in_loop(W, b, xs):
    loss = 0.0
    for t in range(xs.shape[0]):
        z = W @ xs[t] + b
        if t % 2 == 0:
            loss += np.sum(np.tanh(z))
        else:
            loss += np.sum(z ** 2) + np.sum(b * W[:, 0])
    return loss


def nested_loops(W, xs):
    s = 0.0
    for i in range(xs.shape[0]):
        for j in range(xs.shape[1]):
            s += np.sum(np.sin(W * xs[i, j]))
    return s


def while_loop(w, x):
    total = 0.0
    k = 0
    while k < 3:
        total += np.sum(np.outer(w, x[k]) ** 2)
        k += 1
    return total


def _rnn_args(rng, T=5, D=3, H=4):
    return (rng.standard_normal((H, D)) / np.sqrt(D), rng.standard_normal((H, H)) / np.sqrt(H),
            0.1 * rng.standard_normal(H), 0.5 * rng.standard_normal(H),
            rng.standard_normal((T, D)), 0.5 * rng.standard_normal((T, H)))


def _cases(rng):
    W = 0.3 * rng.standard_normal((4, 4))
    return [(rnn_loss, _rnn_args(rng), (0, 1, 2, 3)),
            (carried_twice, (W, rng.standard_normal(4), rng.standard_normal((5, 4))), (0, 1)),
            (branch_in_loop, (W, rng.standard_normal(4), rng.standard_normal((5, 4))), (0, 1)),
            (nested_loops, (W, rng.standard_normal((3, 2, 4))), 0),
            (while_loop, (rng.standard_normal(3), rng.standard_normal((3, 4))), 0)]


@pytest.mark.parametrize("k", range(5))
def test_gradients_match_central_differences(k):
    fn, args, wrt = _cases(np.random.default_rng(k))[k]
    grads = assert_gradient(fn, *args, wrt=wrt)
    value, again = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for got, want in zip(again if isinstance(wrt, tuple) else (again,), grads):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_rnn_sums_are_written_where_each_contribution_is_made():
    g = symdiff.grad(rnn_loss, wrt=(0, 1, 2, 3))
    body = g.source_for(*_rnn_args(np.random.default_rng(1))).split("# backward")[1]
    assert "dWx += np.outer(dWx_plus_b, xs_t)" in body
    assert "dWh += np.outer(dWx_plus_b, h)" in body
    assert "db += dWx_plus_b" in body
    assert "_from_" not in body                     # no contribution is kept in a name
    line = next(t for t in body.splitlines() if "dWx += np.outer" in t)
    assert "matmul: dWx_xs_t/dWx; gradients add up over the iterations" in line


def test_a_nested_loop_adds_in_the_inner_body():
    g = symdiff.grad(nested_loops)
    body = g.source_for(*_cases(np.random.default_rng(3))[3][1]).split("# backward")[1]
    assert "+= dW_times_xs_i_j * xs_i_j" in body


def test_annotated_code_keeps_each_step_on_its_own_line():
    g = symdiff.grad(rnn_loss, wrt=(0, 1, 2, 3))
    annotated = g.annotated_source()
    assert "dWx += dWx_from" in annotated


def test_jitted_rnn_gradient_matches():
    pytest.importorskip("numba")
    args = _rnn_args(np.random.default_rng(4))
    want = symdiff.grad(rnn_loss, wrt=(0, 1, 2, 3))(*args)
    got = symdiff.grad(rnn_loss, wrt=(0, 1, 2, 3), jit=True)(*args)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
