"""Hand-written backward passes, as students write them: right ones, and wrong ones of every
kind found in public solutions (tests/test_verify.py checks what symdiff says of each).

Losses return ``(loss, grad...)`` (the CS231n convention); layers are ``*_forward`` /
``*_backward(dout, cache)`` pairs.
"""
import numpy as np


# ---------------------------------------------------------------- right


def svm_loss_vectorized(W, X, y, reg):
    loss = 0.0
    dW = np.zeros(W.shape)
    num_train = X.shape[0]
    scores = X.dot(W)
    correct = scores[np.arange(num_train), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)
    binary = (margins > 0).astype(float)
    row_sum = np.sum(binary, axis=1)
    binary[np.arange(num_train), y] = -row_sum
    dW = X.T.dot(binary) / num_train
    dW += 2 * reg * W
    return loss, dW


def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += 0.5 * reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[np.arange(num_train), y] -= 1
    dscores /= num_train
    dW = X.T.dot(dscores)
    dW += reg * W
    return loss, dW


def two_layer_loss(W1, b1, W2, b2, X, y, reg):
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = hidden.T.dot(dscores) + 2 * reg * W2
    db2 = np.sum(dscores, axis=0)
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    dW1 = X.T.dot(dhidden) + 2 * reg * W1
    db1 = np.sum(dhidden, axis=0)
    return loss, dW1, db1, dW2, db2


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = dout * (x > 0)
    return dx


def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)


def softmax_forward(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return p, p


def softmax_backward(dout, cache):
    p = cache
    dx = p * (dout - np.sum(dout * p, axis=1, keepdims=True))
    return dx


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def gelu_forward(x):
    c = np.sqrt(2 / np.pi)
    inner = c * (x + 0.044715 * x ** 3)
    out = 0.5 * x * (1 + np.tanh(inner))
    return out, (x, inner)


def gelu_backward(dout, cache):
    x, inner = cache
    c = np.sqrt(2 / np.pi)
    t = np.tanh(inner)
    dx = dout * (0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * c * (1 + 3 * 0.044715 * x ** 2))
    return dx


def rnn_loss(x, h0, Wx, Wh):
    """Two steps of a tanh RNN, loss sum(h_T); the hidden states are kept in a list."""
    hs = [h0]
    h = h0
    for t in range(x.shape[0]):
        h = np.tanh(x[t].dot(Wx) + h.dot(Wh))
        hs.append(h)
    loss = np.sum(h)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    dh = np.ones_like(h)
    for t in range(x.shape[0] - 1, -1, -1):
        da = dh * (1 - hs[t + 1] ** 2)
        dWx += np.outer(x[t], da)
        dWh += np.outer(hs[t], da)
        dh = da.dot(Wh.T)
    return loss, dWx, dWh


# ---------------------------------------------------------------- wrong


def svm_loss_twice(W, X, y, reg):
    """The data gradient counted twice: off by a constant factor 2."""
    num_train = X.shape[0]
    scores = X.dot(W)
    correct = scores[np.arange(num_train), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    binary = (margins > 0).astype(float)
    binary[np.arange(num_train), y] = -np.sum(binary, axis=1)
    dW = 2 * X.T.dot(binary) / num_train
    return loss, dW


def softmax_loss_flipped_l2(W, X, y, reg):
    """The L2 penalty's gradient with its sign flipped: right only at reg = 0."""
    num_train = X.shape[0]
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train
    dW -= 2 * reg * W
    return loss, dW


def softmax_loss_l2_norm_sign(W, X, y, reg):
    """An L2 *norm* penalty whose gradient was taken as sign(W) (the L1 penalty's)."""
    num_train = X.shape[0]
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.linalg.norm(W)
    dscores = probs.copy()
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train + reg * np.sign(W)
    return loss, dW


def two_layer_loss_no_relu_mask(W1, b1, W2, b2, X, y, reg):
    """The ReLU's mask forgotten in the backward: dscores and dhidden (the gradient of the
    ReLU's output) are right, the error comes after them."""
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = hidden.T.dot(dscores)
    db2 = np.sum(dscores, axis=0)
    dhidden = dscores.dot(W2.T)
    dW1 = X.T.dot(dhidden)
    db1 = np.sum(dhidden, axis=0)
    return loss, dW1, db1, dW2, db2


def softmax_diagonal_forward(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return p, p


def softmax_diagonal_backward(dout, cache):
    """The softmax Jacobian reduced to its diagonal p * (1 - p)."""
    p = cache
    return dout * p * (1 - p)


def embedding_overwrite_forward(x, W):
    out = W[x]
    return out, (x, W)


def embedding_overwrite_backward(dout, cache):
    """dW[x] += dout does not accumulate repeated words: those rows are wrong."""
    x, W = cache
    dW = np.zeros_like(W)
    dW[x] += dout
    return dW


def gelu_exact_grad_forward(x):
    c = np.sqrt(2 / np.pi)
    out = 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))
    return out, x


def gelu_exact_grad_backward(dout, cache):
    """The tanh approximation's forward, the exact GELU's derivative Phi(x) + x phi(x)."""
    x = cache
    cdf = 0.5 * (1 + np.vectorize(_erf)(x / np.sqrt(2)))
    pdf = np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi)
    return dout * (cdf + x * pdf)


def _erf(v):
    import math
    return math.erf(v)


def rnn_loss_overwritten(x, h0, Wx, Wh):
    """The hidden state is updated in place, so every entry appended to the list is the
    same array, overwritten at each step: the backward reads the last state everywhere."""
    hs = [h0]
    h = h0.copy()
    for t in range(x.shape[0]):
        h[:] = np.tanh(x[t].dot(Wx) + h.dot(Wh))
        hs.append(h)
    loss = np.sum(h)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    dh = np.ones_like(h)
    for t in range(x.shape[0] - 1, -1, -1):
        da = dh * (1 - hs[t + 1] ** 2)
        dWx += np.outer(x[t], da)
        dWh += np.outer(hs[t], da)
        dh = da.dot(Wh.T)
    return loss, dWx, dWh


def two_layer_loss_no_correct_class(W1, b1, W2, b2, X, y, reg):
    """The correct class's -1 left out of dscores: the first intermediate that differs."""
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dscores = probs / N
    dW2 = hidden.T.dot(dscores)
    db2 = np.sum(dscores, axis=0)
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    dW1 = X.T.dot(dhidden)
    db1 = np.sum(dhidden, axis=0)
    return loss, dW1, db1, dW2, db2


def split_forward(x, w):
    """Two outputs before the cache: the backward takes two upstream gradients."""
    a = x * w
    b = np.sin(x) + w
    return a, b, (x, w)


def split_backward(da, db, cache):
    x, w = cache
    dx = da * w + db * np.cos(x)
    dw = np.sum(da * x, axis=0) + np.sum(db, axis=0)
    return dx, dw


def weighted_l2(w, alpha):
    """A scalar gradient among the returned ones, returned as expressions."""
    loss = alpha * np.sum(w ** 2)
    return loss, 2 * alpha * w, np.sum(w ** 2)


def weighted_l2_bad_scalar(w, alpha):
    loss = alpha * np.sum(w ** 2)
    return loss, 2 * alpha * w, 2 * np.sum(w ** 2)


def loss_after_mutation(W, X):
    """The backward writes into an array the loss still reads: not separable."""
    scores = X.dot(W)
    dscores = scores
    dscores *= 2
    loss = np.sum(scores)
    return loss, X.T.dot(np.ones_like(scores))


def svm_loss_no_reg_grad(W, X, y):
    """A hard-coded L2 penalty whose gradient was forgotten."""
    num_train = X.shape[0]
    scores = X.dot(W)
    correct = scores[np.arange(num_train), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(num_train), y] = 0
    data_loss = np.sum(margins) / num_train
    loss = data_loss + 1e-2 * np.sum(W * W)
    binary = (margins > 0).astype(float)
    binary[np.arange(num_train), y] = -np.sum(binary, axis=1)
    dW = X.T.dot(binary) / num_train
    return loss, dW


def two_layer_reg_half(W1, b1, W2, b2, X, y, reg):
    """The penalty 0.5 * 0.1 * sum(W**2) written as a separate term, its gradient doubled."""
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += 0.05 * np.sum(W2 * W2)
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = hidden.T.dot(dscores) + 0.2 * W2
    db2 = np.sum(dscores, axis=0)
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    dW1 = X.T.dot(dhidden)
    db1 = np.sum(dhidden, axis=0)
    return loss, dW1, db1, dW2, db2


class Affine:
    """A layer object as from-scratch courses write it: the cache and the gradients of its
    parameters kept on the object."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return x.dot(self.W) + self.b

    def backward(self, dout):
        self.dW = self.x.T.dot(dout)
        self.db = np.sum(dout, axis=0)
        return dout.dot(self.W.T)


class AffineBadBias(Affine):
    def backward(self, dout):
        self.dW = self.x.T.dot(dout)
        self.db = np.mean(dout, axis=0)
        return dout.dot(self.W.T)


class Tanh:
    """Gradients in a dict, and one returned."""

    def __init__(self, scale):
        self.scale = scale
        self.grads = {}

    def forward(self, x):
        self.x = x
        self.out = np.tanh(self.scale * x)
        return self.out

    def backward(self, dout):
        local = dout * (1 - self.out ** 2)
        self.grads["scale"] = np.sum(local * self.x)
        return local * self.scale
