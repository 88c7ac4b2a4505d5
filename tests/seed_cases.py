"""The seed examples of examples/ as corpus cases: a function, its inputs, what to differentiate.

The same registry shape as control_flow_corpus.CASES (a ``Case`` per example), so tests
can run one check over both. Inputs are random with fixed seeds, small, and off the kinks
(``test_seed_inputs_are_off_the_kinks`` in test_derivatives.py checks that), because the
ground truth is central differences.
"""
import numpy as np

from control_flow_corpus import Case, given
from support import load_example


def classifier_inputs(rng):
    """(W, X, y, reg) for the linear classifiers: N=7, D=5, C=3."""
    N, D, C = 7, 5, 3
    W = 0.5 * rng.standard_normal((D, C))
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    return W, X, y, 0.1


def hinge_inputs(margin):
    """(w, phi, y) with D=5 and the margin (w . phi) y set to ``margin``."""
    def make_inputs(rng):
        w = rng.standard_normal(5)
        phi = rng.standard_normal(5)
        y = 1.0 if margin > 0 else -1.0
        return w * (margin * y / np.dot(w, phi)), phi, y
    return make_inputs


def l2_inputs(rng):
    """(W, b, X, t) for the L2 regression: N=6, D=4, K=3."""
    N, D, K = 6, 4, 3
    return (rng.standard_normal((D, K)), rng.standard_normal(K), rng.standard_normal((N, D)),
            rng.standard_normal((N, K)))


def mlp_inputs(rng):
    """(W1, b1, W2, b2, X, y, reg) for the 2-layer net: N=8, D=4, H=7, C=3."""
    N, D, H, C = 8, 4, 7, 3
    W1 = rng.standard_normal((D, H))
    b1 = 0.1 * rng.standard_normal(H)
    W2 = rng.standard_normal((H, C))
    b2 = 0.1 * rng.standard_normal(C)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    return W1, b1, W2, b2, X, y, 0.05


CLASSIFIER_WRT = ("W", "X", "reg")

SEED_CASES = [
    Case("circuit", load_example("circuit").f, given(-2.0, 5.0, -4.0), ("x", "y", "z")),
    Case("sigmoid_neuron", load_example("sigmoid_neuron").neuron,
         given([2.0, -3.0, -3.0], [-1.0, -2.0]), ("w", "x")),
    Case("svm_loss", load_example("svm_loss").svm_loss, classifier_inputs, CLASSIFIER_WRT,
         seed=231),
    Case("softmax_loss", load_example("softmax_loss").softmax_loss, classifier_inputs,
         CLASSIFIER_WRT, seed=231),
    Case("hinge[inside_margin]", load_example("hinge").hinge, hinge_inputs(0.5),
         ("w", "phi", "y"), seed=5),
    Case("hinge[misclassified]", load_example("hinge").hinge, hinge_inputs(-2.0),
         ("w", "phi", "y"), seed=5),
    Case("l2_regression", load_example("l2_regression").l2_loss, l2_inputs,
         ("W", "b", "X", "t"), seed=224),
    Case("mlp", load_example("mlp").mlp_loss, mlp_inputs,
         ("W1", "b1", "W2", "b2", "X", "reg"), seed=2017),
]

SEED_CASES_BY_ID = {case.id: case for case in SEED_CASES}
