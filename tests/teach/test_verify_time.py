"""check_backward through a recurrent loop names the first time step whose gradient is
wrong (the hand-written dh against symdiff's gradient of each step's h)."""
from __future__ import annotations

import numpy as np

import symdiff
import backward_corpus as bc
from support import load_module

D, H = 4, 3

SOURCE = '''
import numpy as np


def rnn_off_by_one(x, h0, Wx, Wh):
    """The tanh derivative taken at the state before the step (hs[t], not hs[t + 1])."""
    hs = [h0]
    h = h0
    for t in range(x.shape[0]):
        h = np.tanh(x[t].dot(Wx) + h.dot(Wh))
        hs.append(h)
    loss = np.sum(h * h)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    dh = 2 * h
    for t in range(x.shape[0] - 1, -1, -1):
        da = dh * (1 - hs[t] ** 2)
        dWx += np.outer(x[t], da)
        dWh += np.outer(hs[t], da)
        dh = da.dot(Wh.T)
    return loss, dWx, dWh


def rnn_forward(x, h0, Wx, Wh):
    h = h0
    hs = []
    for t in range(x.shape[0]):
        h = np.tanh(x[t].dot(Wx) + h.dot(Wh))
        hs.append(h)
    return h, (x, h0, Wx, Wh, hs)


def rnn_backward(dout, cache):
    """Right except that the last step's gradient skips the tanh: dh goes wrong at once."""
    x, h0, Wx, Wh, hs = cache
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    dh = dout
    T = x.shape[0]
    for t in range(T - 1, -1, -1):
        da = dh if t == T - 1 else dh * (1 - hs[t] ** 2)
        prev = hs[t - 1] if t > 0 else h0
        dWx += np.outer(x[t], da)
        dWh += np.outer(prev, da)
        dh = da.dot(Wh.T)
    return dWx, dWh
'''


def rnn_args(steps=3, seed=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((steps, D)), rng.standard_normal(H) * 0.5,
            rng.standard_normal((D, H)) * 0.5, rng.standard_normal((H, H)) * 0.5)


def time_note(report) -> str:
    return next(n for n in report.notes if n.startswith("time steps:"))


def test_overwritten_hidden_states_go_wrong_at_the_first_step():
    report = symdiff.check_backward(bc.rnn_loss_overwritten, None, *rnn_args())
    note = time_note(report)
    assert "dh is right for h of t=2 and t=1, first wrong for h of t=0" in note
    assert "in the backward iteration t=1" in note
    assert "time steps: dh is right" in str(report) and "iteration t=1" in str(report)


def test_more_steps_go_wrong_one_step_after_the_last():
    """With the states overwritten, the last step reads the right state (the final one)
    and the one before already reads it wrongly: with 5 steps, dh is right for the
    states of t=4 and t=3 and wrong from t=2 on."""
    report = symdiff.check_backward(bc.rnn_loss_overwritten, None, *rnn_args(steps=5))
    note = time_note(report)
    assert "dh is right for h of t=4 and t=3, first wrong for h of t=2" in note
    assert "in the backward iteration t=3" in note


def test_off_by_one_is_wrong_after_the_last_step(tmp_path):
    module = load_module(tmp_path, "rnn_cases", SOURCE)
    report = symdiff.check_backward(module.rnn_off_by_one, None, *rnn_args())
    assert not report.ok
    note = time_note(report)
    assert "dh is right for h of t=2, first wrong for h of t=1" in note
    assert "backward iteration t=2" in note


def test_forward_backward_pair(tmp_path):
    module = load_module(tmp_path, "rnn_cases", SOURCE)
    report = symdiff.check_backward(module.rnn_forward, module.rnn_backward, *rnn_args(),
                                    wrt=("Wx", "Wh"))
    assert not report.ok
    note = time_note(report)
    assert "dh is right for h of t=2, first wrong for h of t=1" in note


def test_right_rnn_has_no_time_note():
    report = symdiff.check_backward(bc.rnn_loss, None, *rnn_args())
    assert report.ok and not any(n.startswith("time steps:") for n in report.notes)
