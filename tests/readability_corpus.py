"""Ordinary losses as people write them, for the readability of the generated gradients.

Softmax and SVM classifiers, 2- and 3-layer nets, layer norm, a Gaussian mixture, Huber,
logistic and Poisson regression...: the programs a course or a paper would differentiate
by hand. ``CASES`` gives, per loss, its inputs (small, random, fixed seed, off the kinks)
and what to differentiate. ``benchmarks/readability.py`` counts the lines of their
generated backward passes; tests/backend/test_readability.py checks their gradients
against central differences and that the shape-generic code reads like the specialized.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def softmax_classifier(W, X, y, reg):
    scores = X @ W
    scores_max = np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores - scores_max)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    N = X.shape[0]
    log_lik = np.log(probs[np.arange(N), y])
    return -np.mean(log_lik) + reg * np.sum(W * W)


def svm_classifier(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y]
    margins = np.maximum(0, scores - correct[:, None] + 1.0)
    return (np.sum(margins) - N) / N + reg * np.sum(W * W)


def two_layer_net(W1, b1, W2, b2, X, y):
    h = np.maximum(0, X @ W1 + b1)
    scores = h @ W2 + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    N = X.shape[0]
    return -np.sum(log_probs[np.arange(N), y]) / N


def three_layer_net(W1, b1, W2, b2, W3, b3, X, t):
    h1 = np.maximum(0, X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    out = h2 @ W3 + b3
    return 0.5 * np.mean((out - t) ** 2)


def layer_norm_loss(x, gamma, beta, t):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + 1e-5)
    y = gamma * xhat + beta
    return np.sum((y - t) ** 2)


def gmm_nll(x, mu, log_sigma, logits):
    sigma = np.exp(log_sigma)
    z = (x[:, None] - mu) / sigma
    log_w = logits - np.log(np.sum(np.exp(logits)))
    log_p = log_w - 0.5 * z ** 2 - log_sigma - 0.5 * np.log(2 * np.pi)
    m = np.max(log_p, axis=1, keepdims=True)
    log_lik = m[:, 0] + np.log(np.sum(np.exp(log_p - m), axis=1))
    return -np.mean(log_lik)


def huber_loss(w, X, t):
    r = X @ w - t
    small = np.abs(r) <= 1.0
    return np.mean(np.where(small, 0.5 * r ** 2, np.abs(r) - 0.5))


def logistic_regression(w, b, X, y):
    z = X @ w + b
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def poisson_regression(w, X, counts):
    eta = X @ w
    return np.sum(np.exp(eta) - counts * eta)


def ridge_regression(w, X, t, lam):
    r = X @ w - t
    return np.dot(r, r) / X.shape[0] + lam * np.dot(w, w)


def binary_hinge(w, X, y):
    margins = 1 - y * (X @ w)
    return np.mean(np.maximum(0, margins))


def log_cosh_loss(w, X, t):
    r = X @ w - t
    return np.sum(np.log(np.cosh(r)))


def elastic_net(w, X, t, alpha):
    r = X @ w - t
    return 0.5 * np.sum(r ** 2) + alpha * np.sum(np.abs(w)) + 0.5 * alpha * np.sum(w ** 2)


def kl_softmax(logits_p, logits_q):
    p = np.exp(logits_p - np.max(logits_p))
    p = p / np.sum(p)
    log_q = logits_q - np.log(np.sum(np.exp(logits_q)))
    return np.sum(p * (np.log(p) - log_q))


def weighted_least_squares(w, X, t, weights):
    r = X @ w - t
    return np.sum(weights * r ** 2) / np.sum(weights)


def batch_mse(W, b, X, T):
    out = np.tanh(X @ W + b)
    return np.mean(np.sum((out - T) ** 2, axis=1))


def cosine_loss(a, b):
    dot = np.sum(a * b)
    norm = np.sqrt(np.sum(a * a)) * np.sqrt(np.sum(b * b))
    return 1 - dot / norm


def attention_sum(Q, K, V):
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    weights = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    weights = weights / np.sum(weights, axis=-1, keepdims=True)
    return np.sum((weights @ V) ** 2)


def softplus_logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0, -y * z))


def student_t_nll(x, mu, log_scale):
    s = np.exp(log_scale)
    z = (x - mu) / s
    return np.sum(np.log(1 + z ** 2) + log_scale)


def centered_variance(x):
    m = np.mean(x, axis=0)
    return np.sum(np.mean((x - m) ** 2, axis=0))


def scaled_rows(x, w):
    return np.sum((x * w[:, None]) ** 2)


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Case:
    """One loss, how to make its arguments, and the arguments to differentiate."""

    fn: Callable
    make_inputs: Callable        # make_inputs(rng) -> the argument tuple
    wrt: tuple

    @property
    def id(self) -> str:
        return self.fn.__name__

    def inputs(self, seed: int = 19) -> tuple:
        return tuple(self.make_inputs(np.random.default_rng(seed)))


def _classifier(rng):
    return (0.5 * rng.standard_normal((5, 3)), rng.standard_normal((7, 5)),
            rng.integers(0, 3, size=7), 0.1)


def _two_layer(rng):
    return (rng.standard_normal((4, 6)), 0.1 * rng.standard_normal(6),
            rng.standard_normal((6, 3)), 0.1 * rng.standard_normal(3),
            rng.standard_normal((8, 4)), rng.integers(0, 3, size=8))


def _three_layer(rng):
    return (rng.standard_normal((4, 5)), 0.1 * rng.standard_normal(5),
            rng.standard_normal((5, 6)), 0.1 * rng.standard_normal(6),
            rng.standard_normal((6, 2)), 0.1 * rng.standard_normal(2),
            rng.standard_normal((8, 4)), rng.standard_normal((8, 2)))


def _layer_norm(rng):
    return (rng.standard_normal((6, 5)), 1 + 0.1 * rng.standard_normal(5),
            0.1 * rng.standard_normal(5), rng.standard_normal((6, 5)))


def _gmm(rng):
    return (rng.standard_normal(9), rng.standard_normal(3), 0.2 * rng.standard_normal(3),
            rng.standard_normal(3))


def _regression(rng):
    return rng.standard_normal(4), rng.standard_normal((9, 4)), rng.standard_normal(9)


def _huber(rng):
    w, X, t = _regression(rng)
    r = X @ w - t
    return w, X, t + np.where(np.abs(np.abs(r) - 1.0) < 0.05, 0.2, 0.0)   # off |r| = 1


def _logistic(rng):
    return (0.5 * rng.standard_normal(4), 0.1, rng.standard_normal((9, 4)),
            rng.integers(0, 2, size=9).astype(float))


def _poisson(rng):
    return 0.3 * rng.standard_normal(4), rng.standard_normal((9, 4)), rng.poisson(2.0, 9) * 1.0


def _binary_hinge(rng):
    w, X = rng.standard_normal(4), rng.standard_normal((9, 4))
    y = np.sign(rng.standard_normal(9))
    margins = 1 - y * (X @ w)
    return w * np.where(np.abs(margins).min() < 0.05, 1.3, 1.0), X, y


def _elastic(rng):
    w, X, t = _regression(rng)
    return w + np.sign(w) * 0.1, X, t, 0.3


def _kl(rng):
    return rng.standard_normal(5), rng.standard_normal(5)


def _weighted(rng):
    w, X, t = _regression(rng)
    return w, X, t, rng.uniform(0.5, 1.5, 9)


def _batch(rng):
    return (0.5 * rng.standard_normal((4, 3)), 0.1 * rng.standard_normal(3),
            rng.standard_normal((8, 4)), rng.standard_normal((8, 3)))


def _attention(rng):
    return (rng.standard_normal((4, 3)), rng.standard_normal((5, 3)),
            rng.standard_normal((5, 2)))


def _pm_sign(rng):
    w, X, _ = _regression(rng)
    return w, X, np.sign(rng.standard_normal(9))


def _student(rng):
    return rng.standard_normal(7), rng.standard_normal(7), 0.2 * rng.standard_normal(7)


CASES = [
    Case(softmax_classifier, _classifier, ("W", "X", "reg")),
    Case(svm_classifier, _classifier, ("W", "X", "reg")),
    Case(two_layer_net, _two_layer, ("W1", "b1", "W2", "b2")),
    Case(three_layer_net, _three_layer, ("W1", "b1", "W2", "b2", "W3", "b3")),
    Case(layer_norm_loss, _layer_norm, ("x", "gamma", "beta")),
    Case(gmm_nll, _gmm, ("mu", "log_sigma", "logits")),
    Case(huber_loss, _huber, ("w",)),
    Case(logistic_regression, _logistic, ("w", "b")),
    Case(poisson_regression, _poisson, ("w",)),
    Case(ridge_regression, lambda rng: (*_regression(rng), 0.2), ("w", "lam")),
    Case(binary_hinge, _binary_hinge, ("w",)),
    Case(log_cosh_loss, _regression, ("w",)),
    Case(elastic_net, _elastic, ("w", "alpha")),
    Case(kl_softmax, _kl, ("logits_p", "logits_q")),
    Case(weighted_least_squares, _weighted, ("w", "weights")),
    Case(batch_mse, _batch, ("W", "b")),
    Case(cosine_loss, _kl, ("a", "b")),
    Case(attention_sum, _attention, ("Q", "K", "V")),
    Case(softplus_logistic, _pm_sign, ("w",)),
    Case(student_t_nll, _student, ("mu", "log_scale")),
    Case(centered_variance, lambda rng: (rng.standard_normal((6, 3)),), ("x",)),
    Case(scaled_rows, lambda rng: (rng.standard_normal((5, 3)), rng.standard_normal(5)),
         ("x", "w")),
]

CASES_BY_ID = {case.id: case for case in CASES}
