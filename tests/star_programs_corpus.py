"""Helpers with ``*args``, keyword-only parameters and ``**kwargs``, as libraries write
them (numpy-ml's layers and activations taking ``**kwargs``, forwarding wrappers,
``weighted_sum(*terms, weights=...)``), called with ``*list`` and ``**dict`` of static
structure. ``tests/frontend/test_star_params.py`` checks each against central differences.
"""
from __future__ import annotations

import functools

import numpy as np


def activation(z, kind="tanh", **kwargs):
    if kind == "leaky_relu":
        alpha = kwargs.get("alpha", 0.01)
        return np.where(z > 0, z, alpha * z)
    return np.tanh(z)


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, X, *, activation_kind="tanh", **act_kwargs):
        return activation(X @ self.W + self.b, activation_kind, **act_kwargs)


def dense_net(W1, b1, W2, X):
    layer = Dense(W1, b1)
    h = layer.forward(X, activation_kind="leaky_relu", alpha=0.2)
    return np.sum((h @ W2) ** 2)


def weighted_sum(*terms, weights=None):
    if weights is None:
        weights = [1.0] * len(terms)
    total = 0.0
    for w, t in zip(weights, terms):
        total = total + w * np.sum(t)
    return total


def penalties(w, x):
    parts = [w ** 2, np.abs(x * w), np.sin(w)]
    return weighted_sum(*parts, weights=[0.5, 1.0, 2.0]) + weighted_sum(w, x)


def apply(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def scaled(x, scale=1.0, shift=0.0):
    return np.tanh(scale * x) + shift


def forwarded(x, s):
    opts = {"scale": s, "shift": 0.1}
    return np.sum(apply(scaled, x, **opts) ** 2) + np.sum(apply(scaled, -x ** 2))


def rosen(x, *args):
    a, b = args if args else (1.0, 100.0)
    return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)


def scipy_style(x):
    return rosen(x, 1.0, 10.0) + 0.5 * rosen(x)


def mse(y, y_pred, *, reduction="mean"):
    err = (y - y_pred) ** 2
    return np.mean(err) if reduction == "mean" else np.sum(err)


def keyword_only(W, X, y):
    pred = X @ W
    return mse(y, pred) + mse(y, pred, reduction="sum")


def stacked_layers(W1, W2, x):
    def layer(h, *Ws, kind="tanh"):
        for W in Ws:
            h = np.tanh(h @ W) if kind == "tanh" else np.sin(h @ W)
        return h
    out = layer(x, W1, W2) + layer(x, *[W1, W2], kind="sin")
    return np.sum(out ** 2)


def partial_with_kwargs(x, s):
    f = functools.partial(scaled, shift=0.3)
    return np.sum(f(x, scale=s))


def _dense(rng):
    return dense_net, (rng.standard_normal((3, 4)), rng.standard_normal(4),
                       rng.standard_normal((4, 2)), rng.standard_normal((5, 3))), (0, 1, 2)


CASES = [
    ("numpy_ml_dense_kwargs", _dense),
    ("weighted_sum_star_terms", lambda rng: (penalties, (rng.standard_normal(4) + 0.1,
                                                          rng.standard_normal(4)), (0, 1))),
    ("forwarding_wrapper", lambda rng: (forwarded, (rng.standard_normal(3), 0.7), (0, 1))),
    ("scipy_args_tuple", lambda rng: (scipy_style, (0.5 * rng.standard_normal(4),), 0)),
    ("keyword_only_reduction", lambda rng: (keyword_only, (
        rng.standard_normal((3, 2)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))),
        0)),
    ("nested_def_star_weights", lambda rng: (stacked_layers, (
        0.5 * rng.standard_normal((3, 3)), 0.5 * rng.standard_normal((3, 2)),
        rng.standard_normal((2, 3))), (0, 1))),
    ("partial_with_keywords", lambda rng: (partial_with_kwargs, (rng.standard_normal(3), 0.8),
                                           (0, 1))),
]
