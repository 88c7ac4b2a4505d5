"""Backpropagation through the softmax loss, worked out by symdiff.

Softmax cross-entropy with L2 regularisation, for 3 examples of 2 features, 3 classes.

    python examples/explain_softmax_loss.py                  # writes softmax_loss.svg
    python examples/explain_softmax_loss.py -o g.png         # or .dot
    python examples/explain_softmax_loss.py --format latex   # or markdown
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from softmax_loss import softmax_loss
import worked

# W (D=2, C=3), X (N=3, D=2), labels y, reg
ARGS = (np.array([[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]]),
        np.array([[1.0, 2.0], [-1.5, 0.5], [0.5, -1.0]]),
        np.array([0, 2, 1]), 0.1)


def main(argv=None):
    worked.run(softmax_loss, ARGS, "softmax_loss.svg", __doc__, argv)


if __name__ == "__main__":
    main()
