"""Shift invariance: the max a softmax subtracts gets no gradient, and only it.

Each function is checked against central differences; the generated source shows
whether the max's backward (``max routes``) was written.
"""
import numpy as np
import pytest

import symdiff
from support import assert_gradient, load_module

MODEL = """
import numpy as np


def log_softmax_loss(s, y):
    shifted = s - np.max(s, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(log_probs[np.arange(s.shape[0]), y])


def logsumexp(s):
    m = np.max(s)
    return m + np.log(np.sum(np.exp(s - m)))


def row_logsumexp(s):
    m = np.max(s, axis=1, keepdims=True)
    return np.sum(m + np.log(np.sum(np.exp(s - m), axis=1, keepdims=True)))


def softmax_probs(s, t):
    e = np.exp(s - np.max(s, axis=1, keepdims=True))
    return np.sum(t * e / np.sum(e, axis=1, keepdims=True))


def not_invariant_sum_of_exp(s):
    m = np.max(s, axis=1, keepdims=True)
    return np.sum(np.exp(s - m))


def not_invariant_other_axis(s):
    m = np.max(s, axis=1, keepdims=True)
    e = np.exp(s - m)
    return np.sum(np.log(np.sum(e, axis=0, keepdims=True)))


def not_invariant_max_used_again(s):
    m = np.max(s, axis=1, keepdims=True)
    shifted = s - m
    return np.sum(shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))) + np.sum(m)
"""

RNG = np.random.default_rng(5)
S = RNG.normal(size=(4, 3))
Y = np.array([0, 2, 1, 2])
T = RNG.normal(size=(4, 3))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("invariance"), "invariance_model", MODEL)


@pytest.mark.parametrize("name, args", [
    ("log_softmax_loss", (S, Y)), ("logsumexp", (S,)), ("row_logsumexp", (S,)),
    ("softmax_probs", (S, T)),
])
def test_an_invariant_max_gets_no_gradient(model, name, args):
    f = getattr(model, name)
    source = symdiff.grad(f).source_for(*args)
    assert "max routes" not in source and "==" not in source, source
    assert_gradient(f, *args)


@pytest.mark.parametrize("name", ["not_invariant_sum_of_exp", "not_invariant_other_axis",
                                  "not_invariant_max_used_again"])
def test_a_max_the_output_depends_on_keeps_its_gradient(model, name):
    f = getattr(model, name)
    source = symdiff.grad(f).source_for(S)
    assert "max routes" in source, source
    assert_gradient(f, S)
