"""Backpropagation through the binary hinge loss, worked out by symdiff.

max(0, 1 - (w . phi) y), at inputs where the margin is below 1 (the loss is active).

    python examples/explain_hinge.py                  # writes hinge.svg
    python examples/explain_hinge.py -o g.png         # or .dot
    python examples/explain_hinge.py --format latex   # or markdown
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hinge import hinge
import worked

# w, phi(x), y: the margin (w . phi) y = -0.5 is below 1, so the loss is active
ARGS = (np.array([0.5, -1.0, 0.25]), np.array([1.0, 0.5, -2.0]), 1.0)


def main(argv=None):
    worked.run(hinge, ARGS, "hinge.svg", __doc__, argv)


if __name__ == "__main__":
    main()
