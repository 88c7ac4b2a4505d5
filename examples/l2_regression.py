"""Seed 6a: a linear layer trained with the L2 (squared-error) loss.

    L = 1/(2N) sum_i ||X_i W + b - t_i||^2

X is an (N, D) minibatch, W is (D, K), b is (K,), t holds (N, K) targets.
"""
import numpy as np


def l2_loss(W, b, X, t):
    N = X.shape[0]
    pred = X @ W + b
    diff = pred - t
    return 0.5 * np.sum(diff ** 2) / N
