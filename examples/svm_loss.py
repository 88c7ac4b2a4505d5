"""Seed 3: vectorized multiclass SVM (hinge) loss with L2 regularisation.

    L = 1/N sum_i sum_{j != y_i} max(0, s_ij - s_iy_i + 1) + reg * sum(W**2)

X is (N, D), W is (D, C), y holds N integer labels in [0, C).

The sum over j != y_i is written without assigning into an array: every
correct class contributes max(0, s_iy_i - s_iy_i + 1) = 1 exactly, so summing
all margins and subtracting N (one per example) leaves the wanted sum.
"""
import numpy as np

DELTA = 1.0


def svm_loss(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y]
    margins = np.maximum(0, scores - correct[:, None] + DELTA)
    data_loss = (np.sum(margins) - N * DELTA) / N
    return data_loss + reg * np.sum(W * W)
