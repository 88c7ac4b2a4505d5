"""Hand-written backward passes as students write them, each with a mistake, for
``symdiff verify`` (docs/tutorial.md, section 7):

    symdiff verify examples/backward_checks.py -f softmax_loss --inputs loss_inputs
    symdiff verify examples/backward_checks.py -f softmax --inputs layer_inputs
"""
import numpy as np


def softmax_loss(W, X, y, reg):
    """Softmax loss with L2 regularization, and its gradient dW, written by hand."""
    N = X.shape[0]
    scores = X.dot(W)
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW = X.T.dot(dscores)
    dW -= 2 * reg * W
    return loss, dW


def softmax_forward(x):
    """A softmax layer: each row of x to probabilities."""
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return p, p


def softmax_backward(dout, cache):
    p = cache
    dx = dout * p * (1 - p)
    return dx


def loss_inputs():
    rng = np.random.default_rng(0)
    return {"W": 0.1 * rng.standard_normal((4, 3)), "X": rng.standard_normal((5, 4)),
            "y": np.array([0, 2, 1, 2, 0]), "reg": 0.1}


def layer_inputs():
    return {"x": np.random.default_rng(1).standard_normal((2, 3))}
