"""Programs in the style of course assignments and small model libraries.

Layers that take a parameter dict (``conv_param``, ``dropout_param``, ``ln_param``) and
test it for keys (``'mask' in dropout_param``), networks whose depth is an int attribute
(``self.num_layers``) with keys built by f-strings, ``%`` and ``str.format``, loops over
``sorted(params)`` and over ``params.items()`` choosing by ``name.startswith('W')``,
``range(N)`` as an index, a dict default argument, a cache tuple that is built and thrown
away, a list of caches filled by a loop whose length is a shape and never read, a layer
object whose weights are a ``@property``, and ``first, *hidden, last = layers``.
``CASES`` says how to build each program's arguments and what to differentiate;
``tests/frontend/test_course_programs.py`` checks every gradient against central
differences (reverse mode, forward mode where the arguments are arrays, jit for some).
"""
from __future__ import annotations

import numpy as np

from programs_corpus import Case


# ---------------------------------------------------------------- layers with a param dict


def conv_forward(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out_h = 1 + (H + 2 * pad - HH) // stride
    out_w = 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride, j * stride
            patch = padded[:, :, top:top + HH, left:left + WW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    cache = (x, w, b, conv_param)
    return out, cache


def conv_loss(x, w, b, conv_param):
    out, _ = conv_forward(x, w, b, conv_param)
    return np.sum(np.tanh(out))


def dropout_forward(x, dropout_param, mask=None):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "mask" in dropout_param:
        mask = dropout_param["mask"]
    if mode == "train":
        out = x * (mask < p) / p
    else:
        out = x
    return out, (dropout_param, mask)


def dropout_loss(x, mask):
    out, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "mask": mask})
    test_out, _ = dropout_forward(x, {"p": 0.5, "mode": "test"})
    return np.sum(out ** 3) + np.sum(np.tanh(test_out))


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param["eps"] if "eps" in ln_param else 1e-5
    if "scale" not in ln_param:
        scale = 1.0
    else:
        scale = ln_param["scale"]
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    normed = (x - mu) / np.sqrt(var + eps)
    return scale * gamma * normed + beta, (normed, var)


def layernorm_loss(x, gamma, beta):
    out, _ = layernorm_forward(x, gamma, beta, {"scale": 2.0})
    return np.sum(np.sin(out))


def softmax_loss_vectorized(W, X, y, reg):
    N = X.shape[0]
    f = X @ W
    f = f - f.max(axis=1)[:, None]
    log_norm = np.log(np.exp(f).sum(axis=1))
    loss = (log_norm - f[range(N), y]).mean()
    return loss + reg * (W * W).sum()


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = 1.0 / (1.0 + np.exp(-a[:, :H]))
    f = 1.0 / (1.0 + np.exp(-a[:, H:2 * H]))
    o = 1.0 / (1.0 + np.exp(-a[:, 2 * H:3 * H]))
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, i, f, o, g, next_c)


def lstm_two_steps(x, h0, c0, Wx, Wh, b):
    h, c, _ = lstm_step_forward(x, h0, c0, Wx, Wh, b)
    h, c, _ = lstm_step_forward(x, h, c, Wx, Wh, b)
    return np.sum(h) + 0.5 * np.sum(c ** 2)


# ---------------------------------------------------------------- depth as an attribute


class DeepNet:
    """Depth in an int attribute; keys built three ways."""

    def __init__(self, dims, reg=0.02, seed=0):
        rng = np.random.default_rng(seed)
        self.num_layers = len(dims) - 1
        self.reg = reg
        self.params = {}
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = 0.5 * rng.standard_normal((dims[i], dims[i + 1]))
            self.params[f"b{i + 1}"] = 0.1 * rng.standard_normal(dims[i + 1])

    def loss(self, X, y):
        h = X
        for i in range(1, self.num_layers):
            h = np.maximum(0, h @ self.params[f"W{i}"] + self.params["b%d" % i])
        last = self.num_layers
        scores = h @ self.params["W" + str(last)] + self.params["b{}".format(last)]
        scores = scores - scores.max(axis=1, keepdims=True)
        log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(X.shape[0]), y].mean()
        for i in range(self.num_layers):
            W = self.params["W{}".format(i + 1)]
            loss += 0.5 * self.reg * np.sum(W * W)
        return loss


class TinyRNN:
    """Sequence length in an attribute: the cache list is filled by an unrolled loop."""

    def __init__(self, steps):
        self.steps = steps

    def loss(self, x, h0, Wx, Wh):
        h = h0
        caches = []
        for t in range(self.steps):
            nxt = np.tanh(x[:, t, :] @ Wx + h @ Wh)
            caches.append((h, nxt))
            h = nxt
        return np.sum(h ** 2) + 0.1 * len(caches)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(prev_h @ Wh + x @ Wx + b)
    cache = (x, prev_h, Wx, Wh, b, next_h)
    return next_h, cache


def rnn_forward(x, h0, Wx, Wh, b):
    """The sequence length from a shape, not known at compile time: the caches list the
    loop fills is kept for a backward pass written by hand."""
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    caches = []
    prev_h = h0
    for t in range(T):
        next_h, cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = next_h
        prev_h = next_h
        caches.append(cache)
    return h, caches


def rnn_loss(x, h0, Wx, Wh, b):
    h, caches = rnn_forward(x, h0, Wx, Wh, b)
    return np.sum(h ** 2)


def rnn_loss_and_caches(x, h0, Wx, Wh, b):
    h, caches = rnn_forward(x, h0, Wx, Wh, b)
    return np.sum(h ** 2), caches


# ---------------------------------------------------------------- a layer library


class ActivationBase:
    def __call__(self, z):
        return self.fn(z)

    def __str__(self):
        return type(self).__name__


class SoftPlus(ActivationBase):
    def fn(self, z):
        return np.log1p(np.exp(z))


class FullyConnected:
    """Parameters in a dict, the activation an object, the weights also a property."""

    def __init__(self, n_in, n_out, act_fn, rng):
        self.act_fn = act_fn
        self.parameters = {"W": 0.5 * rng.standard_normal((n_in, n_out)),
                           "b": np.zeros((1, n_out))}
        self.hyperparameters = {"layer": "FullyConnected", "n_out": n_out}

    @property
    def W(self):
        return self.parameters["W"]

    @property
    def weight_norm(self):
        return np.sum(self.W ** 2)

    def forward(self, X):
        Z = X @ self.W + self.parameters["b"]
        return self.act_fn(Z)


def layer_library_loss(layer, X, y, reg=0.05):
    out = layer.forward(X)
    return 0.5 * np.mean((out - y) ** 2) + reg * layer.weight_norm


def weight_decay_loss(params, X, y, reg=0.1):
    scores = np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"]
    loss = np.mean((scores - y) ** 2)
    for name, value in params.items():
        if name.startswith("W") and "2" not in name:
            loss += reg * np.sum(value * value)
        elif name.lower().endswith("2"):
            loss += 0.5 * reg * np.sum(value ** 2)
    return loss


# ---------------------------------------------------------------- dicts and defaults


def sorted_heads(params, X):
    total = 0.0
    for name in sorted(params):
        total = total + np.sum(np.tanh(X @ params[name]))
    return total


def scaled_energy(x, cfg={"a": 2.0, "steps": 3}):      # noqa: B006, as people write it
    y = x
    for _ in range(cfg["steps"]):
        y = np.sin(y) * cfg["a"]
    return np.sum(y ** 2)


def first_and_rest(layers, x):
    first, *hidden, last = layers
    h = np.tanh(x @ first)
    for w in hidden:
        h = np.tanh(h @ w)
    *_, out = (h, h @ last)
    return np.sum(out ** 2) + len(hidden)


# ---------------------------------------------------------------- cases


def _conv(rng):
    return conv_loss, (rng.standard_normal((2, 2, 4, 4)), 0.5 * rng.standard_normal((3, 2, 3, 3)),
                       rng.standard_normal(3), {"stride": 2, "pad": 1}), (0, 1, 2)


def _lstm(rng):
    return lstm_two_steps, (rng.standard_normal((2, 3)), rng.standard_normal((2, 4)),
                            rng.standard_normal((2, 4)), 0.5 * rng.standard_normal((3, 16)),
                            0.5 * rng.standard_normal((4, 16)), rng.standard_normal(16)), \
        (0, 1, 2, 3, 4, 5)


def _deep(rng):
    net = DeepNet([3, 4, 4, 3])
    return net.loss, (rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0])), "params"


def _rnn(rng):
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5))
    Wx, Wh = 0.4 * rng.standard_normal((4, 5)), 0.4 * rng.standard_normal((5, 5))
    return TinyRNN(3).loss, (x, h0, Wx, Wh), (0, 1, 2, 3)


def _rnn_run_time(rng):
    return rnn_loss, (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5)),
                      0.4 * rng.standard_normal((4, 5)), 0.4 * rng.standard_normal((5, 5)),
                      0.3 * rng.standard_normal(5)), (0, 1, 2, 3, 4)


def _layer(rng):
    layer = FullyConnected(3, 2, SoftPlus(), rng)
    layer.parameters["b"] = 0.1 * rng.standard_normal((1, 2))
    return layer_library_loss, (layer, rng.standard_normal((4, 3)),
                                rng.standard_normal((4, 2))), (0, 1)


def _decay(rng):
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 2))}
    return weight_decay_loss, (params, rng.standard_normal((5, 3)),
                               rng.standard_normal((5, 2))), 0


def _heads(rng):
    params = {"b": rng.standard_normal((3, 2)), "a": rng.standard_normal((3, 4))}
    return sorted_heads, (params, rng.standard_normal((4, 3))), 0


CASES = [
    Case("conv_forward_conv_param_dict", _conv),
    Case("dropout_mask_key", lambda rng: (dropout_loss, (rng.standard_normal((4, 3)),
                                                         rng.random((4, 3))), 0)),
    Case("layernorm_keys_in_ln_param", lambda rng: (
        layernorm_loss, (rng.standard_normal((4, 3)), rng.standard_normal(3),
                         rng.standard_normal(3)), (0, 1, 2))),
    Case("softmax_range_index", lambda rng: (
        softmax_loss_vectorized, (0.5 * rng.standard_normal((4, 3)), rng.standard_normal((5, 4)),
                                  np.array([0, 2, 1, 1, 0]), 0.1), 0)),
    Case("lstm_step_cache_discarded", _lstm),
    Case("deep_net_num_layers_attribute", _deep),
    Case("rnn_steps_attribute_cache_list", _rnn),
    Case("rnn_length_from_a_shape_cache_list_unread", _rnn_run_time),
    Case("loop_over_sorted_dict", _heads),
    Case("layer_object_with_properties", _layer),
    Case("weight_decay_by_key_name", _decay),
    Case("starred_unpacking_of_layers", lambda rng: (
        first_and_rest, ([0.5 * rng.standard_normal((3, 4)), 0.5 * rng.standard_normal((4, 4)),
                          0.5 * rng.standard_normal((4, 4)), 0.5 * rng.standard_normal((4, 2))],
                         rng.standard_normal((2, 3))), (0, 1))),
    Case("dict_default_argument", lambda rng: (scaled_energy, (rng.standard_normal(4),), 0)),
]

#: Cases whose arguments are arrays only, also run in forward mode and with jit.
ARRAY_CASES = ["dropout_mask_key", "layernorm_keys_in_ln_param", "softmax_range_index",
               "lstm_step_cache_discarded", "rnn_length_from_a_shape_cache_list_unread"]
