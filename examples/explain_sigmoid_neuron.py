"""Backpropagation through the 2-D sigmoid neuron, worked out by symdiff.

f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) at w = [2, -3, -3], x = [-1, -2].

    python examples/explain_sigmoid_neuron.py                  # writes sigmoid_neuron.svg
    python examples/explain_sigmoid_neuron.py -o g.png         # or .dot
    python examples/explain_sigmoid_neuron.py --format latex   # or markdown
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sigmoid_neuron import neuron
import worked

ARGS = (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))     # w, x


def main(argv=None):
    worked.run(neuron, ARGS, "sigmoid_neuron.svg", __doc__, argv)


if __name__ == "__main__":
    main()
