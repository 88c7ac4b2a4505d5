"""Seed 6b: the 2-layer neural network of CS231n, with a softmax classifier.

    h = max(0, X W1 + b1)
    scores = h W2 + b2
    L = softmax cross-entropy averaged over N + 0.5 reg (sum W1**2 + sum W2**2)

X is (N, D), W1 is (D, H), b1 is (H,), W2 is (H, C), b2 is (C,), and y is (N,):
integer labels in [0, C). mlp_loss calls the helper softmax_cross_entropy,
which the compiler inlines. train_mlp.py trains this network.
"""
import numpy as np


def softmax_cross_entropy(scores, y):
    N = scores.shape[0]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_probs = shifted - log_norm
    return -np.sum(log_probs[np.arange(N), y]) / N


def mlp_loss(W1, b1, W2, b2, X, y, reg):
    h = np.maximum(0, X @ W1 + b1)
    scores = h @ W2 + b2
    data_loss = softmax_cross_entropy(scores, y)
    reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return data_loss + reg_loss
