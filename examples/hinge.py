"""Seed 5: binary classification with the hinge loss.

    Loss(w) = max(0, 1 - (w . phi) y),   y = +1 or -1

dLoss/dw = -phi y when the margin (w . phi) y is below 1, and 0 otherwise.
"""
import numpy as np


def hinge(w, phi, y):
    return max(0, 1 - np.dot(w, phi) * y)
