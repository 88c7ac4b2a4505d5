"""Seed 2: a 2-D neuron with a sigmoid activation; w is (3,) and x is (2,).

    f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))

At w = [2, -3, -3], x = [-1, -2] the weighted sum is 1 and f = 0.73; the
sigmoid's local gradient is f (1 - f) = 0.197, so dw = [-0.197, -0.393, 0.197]
and dx = [0.393, -0.590].
"""
import numpy as np


def neuron(w, x):
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    return 1 / (1 + np.exp(-z))
