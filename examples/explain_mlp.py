"""Backpropagation through a two-layer network, worked out by symdiff.

The ReLU network of mlp.py with its softmax loss: 3 examples, 2 inputs, 3 hidden, 2 classes.

    python examples/explain_mlp.py                  # writes mlp.svg
    python examples/explain_mlp.py -o g.png         # or .dot
    python examples/explain_mlp.py --format latex   # or markdown
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp import mlp_loss
import worked

# W1 (D=2, H=3), b1, W2 (H=3, C=2), b2, X (N=3, D=2), labels y, reg
ARGS = (np.array([[0.5, -0.3, 0.8], [-0.6, 0.4, 0.2]]), np.array([0.1, 0.0, -0.1]),
        np.array([[0.3, -0.2], [-0.4, 0.6], [0.7, 0.1]]), np.array([0.05, -0.05]),
        np.array([[1.0, 2.0], [-1.5, 0.5], [0.5, -1.0]]), np.array([0, 1, 1]), 0.1)


def main(argv=None):
    worked.run(mlp_loss, ARGS, "mlp.svg", __doc__, argv)


if __name__ == "__main__":
    main()
