"""Seed 4: softmax cross-entropy loss with L2 regularisation.

    L = -1/N sum_i log softmax(s_i)[y_i] + reg * sum(W**2),   s = X @ W

Scores are shifted by their row maximum before exponentiating, so exp never
overflows; the shift cancels in the softmax and changes neither the loss nor
its gradient.
"""
import numpy as np


def softmax_loss(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_probs = shifted - log_norm
    data_loss = -np.sum(log_probs[np.arange(N), y]) / N
    return data_loss + reg * np.sum(W * W)
