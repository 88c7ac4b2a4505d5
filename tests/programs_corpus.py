"""Programs as people write them: objects, dicts and lists, closures, lambdas.

Each is written in the style of a public course or library (CS231n's TwoLayerNet and
layers.py, min-char-rnn's lossFun, a picoGPT-style transformer, a layer-class library,
SciPy's benchmark objective classes, scipy.optimize with a closure and a lambda).
``CASES`` says, per program, how to build its arguments and what to differentiate;
``test_programs`` compares every gradient (and value_and_grad's value) with central
differences.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np


# ---------------------------------------------------------------- dict parameters


def mlp_loss(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


def nested_params(params, x):
    enc = params["encoder"]
    h = np.tanh(x @ enc["w"] + enc["b"])
    total = 0.0
    for name, head in params["heads"].items():
        total = total + np.sum((h @ head) ** 2)
    return total + params["scale"] * np.sum(h)


def tuple_argument(x, pair):
    a, b = pair
    return np.sum(a * x ** 2) + b * np.sum(x)


# ---------------------------------------------------------------- CS231n


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=0.5, reg=0.05, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {}
        self.params["W1"] = std * rng.standard_normal((input_size, hidden_size))
        self.params["b1"] = 0.1 * rng.standard_normal(hidden_size)
        self.params["W2"] = std * rng.standard_normal((hidden_size, output_size))
        self.params["b2"] = 0.1 * rng.standard_normal(output_size)
        self.reg = reg

    def loss(self, X, y):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N, D = X.shape
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        loss += self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        return loss


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def relu_forward(x):
    assert x.ndim == 2
    out = np.maximum(0, x)
    cache = x
    return out, cache


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    N = x.shape[0]
    return -np.sum(log_probs[np.arange(N), y]) / N


class FullyConnectedNet:
    def __init__(self, dims, reg=0.01, seed=1):
        rng = np.random.default_rng(seed)
        self.num_layers = len(dims) - 1
        self.reg = reg
        self.params = {}
        for i in range(self.num_layers):
            self.params["W" + str(i + 1)] = 0.5 * rng.standard_normal((dims[i], dims[i + 1]))
            self.params["b" + str(i + 1)] = 0.1 * rng.standard_normal(dims[i + 1])

    def loss(self, X, y):
        caches = {}
        out = X
        for i in range(1, 3):
            W, b = self.params["W%d" % i], self.params[f"b{i}"]
            out, caches[i] = affine_relu_forward(out, W, b)
        scores, caches[3] = affine_forward(out, self.params["W3"], self.params["b3"])
        loss = softmax_loss(scores, y)
        for i in range(1, 4):
            loss += 0.5 * self.reg * np.sum(self.params["W" + str(i)] ** 2)
        return loss


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = []
    cache = {}
    for t in range(4):
        prev = h0 if t == 0 else h[t - 1]
        nxt = np.tanh(prev @ Wh + x[:, t, :] @ Wx + b)
        cache[t] = (prev, nxt)
        h.append(nxt)
    print("forward done")
    return np.sum(np.stack(h, axis=1) ** 2)


# ---------------------------------------------------------------- min-char-rnn


def lossFun(inputs, targets, hprev, Wxh, Whh, Why, bh, by):
    vocab_size = Wxh.shape[1]
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.array(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    return loss


# ---------------------------------------------------------------- picoGPT style


def layer_norm(x, g, b, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    variance = np.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return g * (x - mean) / np.sqrt(variance + eps) + b


def linear(x, w, b):
    return x @ w + b


def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def attention(q, k, v):
    return softmax(q @ k.T / np.sqrt(q.shape[-1])) @ v


def transformer_block(x, mlp, attn, ln_1, ln_2):
    h = layer_norm(x, **ln_1)
    q = linear(h, **attn["q"])
    k = linear(h, **attn["k"])
    v = linear(h, **attn["v"])
    x = x + attention(q, k, v)
    h = layer_norm(x, **ln_2)
    x = x + linear(np.tanh(linear(h, **mlp["c_fc"])), **mlp["c_proj"])
    return x


def gpt_loss(inputs, wte, wpe, blocks, ln_f):
    x = wte[inputs] + wpe[:len(inputs)]
    for block in blocks:
        x = transformer_block(x, **block)
    x = layer_norm(x, **ln_f)
    return np.sum((x @ wte.T) ** 2) / 10.0


# ---------------------------------------------------------------- layer classes


class Sigmoid:
    def __call__(self, z):
        return 1.0 / (1.0 + np.exp(-z))

    def gradient(self, z):
        return self.__call__(z) * (1 - self.__call__(z))


class Softmax:
    def __call__(self, x):
        e_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e_x / np.sum(e_x, axis=-1, keepdims=True)


class CrossEntropy:
    def loss(self, y, p):
        p = np.clip(p, 1e-15, 1 - 1e-15)
        return -y * np.log(p) - (1 - y) * np.log(1 - p)


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, X):
        self.layer_input = X
        return X.dot(self.W) + self.b


class Activation:
    def __init__(self, fn):
        self.fn = fn

    def forward(self, X):
        self.layer_input = X
        return self.fn(X)


class Sequential:
    def __init__(self, layers):
        self.layers = layers
        self.loss_function = CrossEntropy()

    def forward(self, X):
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def loss(self, X, y):
        p = self.forward(X)
        return np.mean(self.loss_function.loss(y, p))


def classifier_loss(W, b, X, y):
    dense = Dense(W, b)
    act = Activation(Softmax())
    p = act.forward(dense.forward(X))
    return np.mean(CrossEntropy().loss(y, p)) + np.sum(Sigmoid()(W)) * 0.01


# ---------------------------------------------------------------- SciPy benchmark classes


class Benchmark:
    def __init__(self, dimensions=2):
        self.N = dimensions
        self.fglob = 0.0


class Rosenbrock(Benchmark):
    def __init__(self, dimensions=3):
        Benchmark.__init__(self, dimensions)

    def fun(self, x):
        return sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


class Rastrigin:
    def __init__(self, dimensions=3):
        self.N = dimensions

    def fun(self, x):
        return 10.0 * self.N + np.sum(x ** 2 - 10.0 * np.cos(2 * np.pi * x))


class StyblinskiTang:
    def __init__(self):
        self.scale = 0.5

    def fun(self, x):
        return self.scale * np.sum(x ** 4 - 16 * x ** 2 + 5 * x)


# ---------------------------------------------------------------- closures and lambdas


def least_squares(w, X, y):
    return np.sum((X @ w - y) ** 2)


def make_loss(X, y, reg):
    def loss(w):
        r = X @ w - y
        return np.sum(r ** 2) + reg * np.sum(w ** 2)
    return loss


def lambda_loss(X, y):
    return lambda w: least_squares(w, X, y) + 0.5 * np.sum(w ** 2)


square_sum = lambda w: np.sum(w ** 2)      # noqa: E731 - a lambda passed to grad


def body_closures(x, a):
    scale = lambda v: v * a               # noqa: E731 - a lambda in the body
    def power(v, k=2.0):
        return scale(v) ** k
    cube = functools.partial(power, k=3.0)
    return np.sum(power(x)) + np.sum(cube(x))


def containers_in_body(x):
    outs = []
    for w in [1.0, 2.0, 0.5]:
        outs.append(w * x)
    squares = [np.sum(v ** 2) for v in outs]
    pairs = {k: np.sum(x ** k) for k in range(1, 3)}
    state = (x, 0.5 * x)
    for t in range(3):
        h, c = state
        state = (np.tanh(h + c), c * 0.9)
    total = sum(squares) + pairs[1] + pairs[2] + np.sum(state[0])
    return total + sum(np.sum(x * k) for k in range(3))


def guarded(x, scale):
    if x.ndim != 1:
        raise ValueError("x must be a vector")
    assert scale > 0, "scale must be positive"
    eps = np.finfo(float).eps
    return np.sum(np.log(x ** 2 + eps + 1.0)) * scale


GLOBAL_W = np.linspace(-1.0, 1.0, 4)


def global_read(x):
    return np.sum(np.tanh(GLOBAL_W * x))


def keyword_helper(x, w):
    return np.sum(linear(x, b=0.5, w=w) ** 2)


def list_of_weights(weights, x):
    h = x
    for i, W in enumerate(weights):
        h = np.tanh(h @ W) if i < len(weights) - 1 else h @ W
    return np.sum(h ** 2)


class Scaler:
    offset = 0.25

    @staticmethod
    def squash(v):
        return v / (1.0 + np.abs(v))

    def apply(self, v):
        return self.squash(v) + self.offset


def dict_methods(x, w):
    cache = dict()
    cache.update({"a": x * w})
    cache.setdefault("b", np.tanh(x))
    extra = cache.get("c", 2.0)
    total = 0.0
    for key in cache:
        total = total + np.sum(cache[key] ** 2)
    return total * extra + np.sum(Scaler().apply(x * w))


# ---------------------------------------------------------------- the table


@dataclass
class Case:
    """A program: ``make(rng)`` returns (callable, arguments, wrt)."""

    id: str
    make: Callable[[np.random.Generator], tuple]
    note: str = ""


def _mlp(rng):
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 2)), "b2": rng.standard_normal(2)}
    return mlp_loss, (params, rng.standard_normal((5, 3)), rng.standard_normal((5, 2))), 0


def _nested(rng):
    params = {"encoder": {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)},
              "heads": {"a": rng.standard_normal((4, 2)), "b": rng.standard_normal((4, 1))},
              "scale": 0.7}
    return nested_params, (params, rng.standard_normal((2, 3))), 0


def _tuple(rng):
    return tuple_argument, (rng.standard_normal(3), (rng.standard_normal(3), 1.5)), (0, 1)


def _two_layer(rng):
    net = TwoLayerNet(4, 5, 3)
    X = rng.standard_normal((6, 4))
    return net.loss, (X, np.array([0, 1, 2, 2, 1, 0])), "params"


def _fc(rng):
    net = FullyConnectedNet([4, 5, 5, 3])
    return net.loss, (rng.standard_normal((6, 4)), np.array([0, 1, 2, 2, 1, 0])), "params"


def _rnn(rng):
    return rnn_forward, (rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5)),
                         0.4 * rng.standard_normal((3, 5)), 0.4 * rng.standard_normal((5, 5)),
                         0.1 * rng.standard_normal(5)), (0, 1, 2, 3, 4)


def _char_rnn(rng):
    V, H = 5, 4
    inputs, targets = [0, 3, 1, 4, 2], [3, 1, 4, 2, 0]
    return lossFun, (inputs, targets, 0.1 * rng.standard_normal((H, 1)),
                     0.3 * rng.standard_normal((H, V)), 0.3 * rng.standard_normal((H, H)),
                     0.3 * rng.standard_normal((V, H)), 0.1 * rng.standard_normal((H, 1)),
                     0.1 * rng.standard_normal((V, 1))), (2, 3, 4, 5, 6, 7)


def _gpt(rng):
    d, n_vocab, n_ctx = 4, 6, 5

    def lin(i, o):
        return {"w": 0.4 * rng.standard_normal((i, o)), "b": 0.1 * rng.standard_normal(o)}

    def ln():
        return {"g": 1.0 + 0.1 * rng.standard_normal(d), "b": 0.1 * rng.standard_normal(d)}

    blocks = [{"mlp": {"c_fc": lin(d, 8), "c_proj": lin(8, d)},
               "attn": {"q": lin(d, d), "k": lin(d, d), "v": lin(d, d)},
               "ln_1": ln(), "ln_2": ln()} for _ in range(2)]
    return gpt_loss, ([1, 4, 2], 0.5 * rng.standard_normal((n_vocab, d)),
                      0.5 * rng.standard_normal((n_ctx, d)), blocks, ln()), (1, 2, 3, 4)


def _sequential(rng):
    model = Sequential([Dense(0.5 * rng.standard_normal((3, 4)), 0.1 * rng.standard_normal(4)),
                        Activation(Sigmoid()),
                        Dense(0.5 * rng.standard_normal((4, 2)), 0.1 * rng.standard_normal(2)),
                        Activation(Softmax())])
    y = np.eye(2)[[0, 1, 1, 0, 1]]
    return model.loss, (rng.standard_normal((5, 3)), y), "layers"


def _classifier(rng):
    y = np.eye(3)[[0, 2, 1, 1]]
    return classifier_loss, (0.5 * rng.standard_normal((3, 3)), 0.1 * rng.standard_normal(3),
                             rng.standard_normal((4, 3)), y), (0, 1)


def _rosenbrock(rng):
    return Rosenbrock(4).fun, (0.5 * rng.standard_normal(4),), 0


def _rastrigin(rng):
    return Rastrigin(3).fun, (0.3 * rng.standard_normal(3),), 0


def _styblinski(rng):
    return StyblinskiTang().fun, (rng.standard_normal(3),), 0


def _closure(rng):
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    return make_loss(X, y, 0.1), (rng.standard_normal(3),), 0


def _lambda_closure(rng):
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    return lambda_loss(X, y), (rng.standard_normal(3),), 0


def _partial(rng):
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    return functools.partial(least_squares, X=X, y=y), (rng.standard_normal(3),), 0


CASES = [
    Case("dict_params_mlp", _mlp),
    Case("nested_dict_params", _nested),
    Case("tuple_argument", _tuple),
    Case("cs231n_two_layer_net", _two_layer),
    Case("cs231n_fully_connected_net", _fc),
    Case("cs231n_rnn_forward_h_list", _rnn),
    Case("min_char_rnn_lossFun", _char_rnn),
    Case("picogpt_blocks", _gpt),
    Case("sequential_of_layer_objects", _sequential),
    Case("layer_objects_inside", _classifier),
    Case("scipy_rosenbrock_class", _rosenbrock),
    Case("scipy_rastrigin_class", _rastrigin),
    Case("scipy_styblinski_class", _styblinski),
    Case("closure_make_loss", _closure),
    Case("lambda_closure", _lambda_closure),
    Case("functools_partial", _partial),
    Case("lambda_at_module_level", lambda rng: (square_sum, (rng.standard_normal(4),), 0)),
    Case("closures_in_body", lambda rng: (body_closures, (rng.standard_normal(3), 0.7), (0, 1))),
    Case("containers_in_body", lambda rng: (containers_in_body, (0.5 * rng.standard_normal(3),),
                                            0)),
    Case("guards_asserts_eps", lambda rng: (guarded, (rng.standard_normal(3), 1.5), (0, 1))),
    Case("list_of_weights_of_two_shapes", lambda rng: (
        list_of_weights, ([0.5 * rng.standard_normal((3, 4)), 0.5 * rng.standard_normal((4, 2))],
                          rng.standard_normal((2, 3))), 0)),
    Case("dict_methods_and_static_method", lambda rng: (
        dict_methods, (rng.standard_normal(3), rng.standard_normal(3)), (0, 1))),
    Case("global_array_read", lambda rng: (global_read, (rng.standard_normal(4),), 0)),
    Case("keyword_arguments_to_helper", lambda rng: (keyword_helper, (rng.standard_normal((2, 3)),
                                                                      rng.standard_normal((3, 2))),
                                                     (0, 1))),
]
