"""Programs whose parameters are dicts and lists, as course code writes them, for
``symdiff compile`` (which reads this file, never imports it for the gradient).

``CASES`` says, per function, how to build its arguments and the ``--shapes`` that give a
structure the source does not show (a list of layers); without one, the structure is the
keys the function reads. ``tests/api/test_compile_structures.py`` compiles each, runs the
generated module and compares gradients and values with central differences.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


# ---------------------------------------------------------------- CS231n


def two_layer_loss(params, X, y, reg=0.05):
    W1, b1 = params['W1'], params['b1']
    W2, b2 = params['W2'], params['b2']
    N, D = X.shape
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return loss


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out = np.maximum(0, a)
    return out, (fc_cache, a)


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    N = x.shape[0]
    return -np.sum(log_probs[np.arange(N), y]) / N


def fc_net_loss(params, X, y):
    reg = 0.01
    caches = {}
    out = X
    for i in range(1, 3):
        W, b = params['W%d' % i], params[f'b{i}']
        out, caches[i] = affine_relu_forward(out, W, b)
    scores, caches[3] = affine_forward(out, params['W3'], params['b3'])
    loss = softmax_loss(scores, y)
    for i in range(1, 4):
        loss += 0.5 * reg * np.sum(params['W' + str(i)] ** 2)
    return loss


# ---------------------------------------------------------------- keys read in helpers


def dense(x, p, name):
    return x @ p[name + '_W'] + p[name + '_b']


def helper_keys_loss(params, x):
    h = np.tanh(dense(x, params, 'fc1'))
    return np.sum(dense(h, params, 'fc2') ** 2)


def nested_encoder(params, x):
    enc = params['encoder']
    h = np.tanh(x @ enc['w'] + enc['b'])
    return np.sum(h * params['head']['v']) + params['scale'] * np.sum(h ** 2)


# ---------------------------------------------------------------- lists of layers


def layers_loss(layers, X, y):
    h = X
    for W, b in layers:
        h = np.tanh(h @ W + b)
    return 0.5 * np.mean((h - y) ** 2)


def layer_norm(x, g, b, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    variance = np.var(x, axis=-1, keepdims=True)
    return g * (x - mean) / np.sqrt(variance + eps) + b


def gpt_like(params, x):
    h = x @ params['wte']
    for block in params['blocks']:
        a = layer_norm(h, **block['ln'])
        h = h + np.tanh(a @ block['w_fc']) @ block['w_proj']
    h = layer_norm(h, params['ln_f']['g'], params['ln_f']['b'])
    return np.sum(h ** 2)


# ---------------------------------------------------------------- min-char-rnn


def char_rnn_loss(model, inputs, targets, hprev):
    Wxh, Whh, Why = model['Wxh'], model['Whh'], model['Why']
    bh, by = model['bh'], model['by']
    hs = {-1: np.array(hprev)}
    ps = {}
    loss = 0
    for t in range(4):                       # the sequence length, as the training loop sets
        x = np.zeros((Wxh.shape[1], 1))
        x[inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ x + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss += -np.log(ps[t][targets[t], 0])
    return loss


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    fn: Callable
    make: Callable              # rng -> the arguments
    shapes: str | None = None   # --shapes, for a structure the source does not show
    wrt: str = "0"


def _two_layer(rng):
    params = {"W1": 0.5 * rng.standard_normal((4, 5)), "b1": 0.1 * rng.standard_normal(5),
              "W2": 0.5 * rng.standard_normal((5, 3)), "b2": 0.1 * rng.standard_normal(3)}
    return params, rng.standard_normal((6, 4)), rng.integers(0, 3, 6)


def _fc(rng):
    dims = [4, 5, 4, 3]
    params = {}
    for i in range(3):
        params[f"W{i + 1}"] = 0.5 * rng.standard_normal((dims[i], dims[i + 1]))
        params[f"b{i + 1}"] = 0.1 * rng.standard_normal(dims[i + 1])
    return params, rng.standard_normal((6, 4)), rng.integers(0, 3, 6)


def _helper_keys(rng):
    params = {"fc1_W": rng.standard_normal((3, 4)), "fc1_b": rng.standard_normal(4),
              "fc2_W": rng.standard_normal((4, 2)), "fc2_b": rng.standard_normal(2)}
    return params, rng.standard_normal((5, 3))


def _nested(rng):
    params = {"encoder": {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)},
              "head": {"v": rng.standard_normal(4)}, "scale": 0.7}
    return params, rng.standard_normal((5, 3))


def _layers(rng):
    sizes = [3, 5, 4, 2]
    layers = [(0.6 * rng.standard_normal((m, n)), 0.1 * rng.standard_normal(n))
              for m, n in zip(sizes, sizes[1:])]
    return layers, rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


def _gpt(rng):
    d, hidden = 4, 6
    blocks = [{"ln": {"g": 1 + 0.1 * rng.standard_normal(d), "b": 0.1 * rng.standard_normal(d)},
               "w_fc": 0.5 * rng.standard_normal((d, hidden)),
               "w_proj": 0.5 * rng.standard_normal((hidden, d))} for _ in range(2)]
    params = {"wte": rng.standard_normal((3, d)), "blocks": blocks,
              "ln_f": {"g": 1 + 0.1 * rng.standard_normal(d), "b": 0.1 * rng.standard_normal(d)}}
    return params, rng.standard_normal((5, 3))


def _char_rnn(rng):
    H, V = 5, 4
    model = {"Wxh": 0.3 * rng.standard_normal((H, V)), "Whh": 0.3 * rng.standard_normal((H, H)),
             "Why": 0.3 * rng.standard_normal((V, H)), "bh": 0.1 * rng.standard_normal((H, 1)),
             "by": 0.1 * rng.standard_normal((V, 1))}
    return model, [0, 2, 1, 3], [2, 1, 3, 0], 0.1 * rng.standard_normal((H, 1))


GPT_SHAPES = ("params={wte: ..., blocks: [{ln: {g: ..., b: ...}, w_fc: ..., w_proj: ...}] * 2, "
              "ln_f: {g: ..., b: ...}}")

CASES = [
    Case(two_layer_loss, _two_layer),
    Case(fc_net_loss, _fc),
    Case(helper_keys_loss, _helper_keys),
    Case(nested_encoder, _nested),
    Case(layers_loss, _layers, "layers=[(...,...)] * 3"),
    Case(layers_loss, _layers, "layers=[((3,5),(5,)), ((5,4),(4,)), ((4,2),(2,))], X=(6,3)"),
    Case(gpt_like, _gpt, GPT_SHAPES),
    Case(two_layer_loss, _two_layer, wrt="params,X"),
    Case(char_rnn_loss, _char_rnn),
]
