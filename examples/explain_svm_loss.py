"""Backpropagation through the multiclass SVM loss, worked out by symdiff.

The vectorized SVM loss with L2 regularisation, for 3 examples of 2 features, 3 classes.

    python examples/explain_svm_loss.py                  # writes svm_loss.svg
    python examples/explain_svm_loss.py -o g.png         # or .dot
    python examples/explain_svm_loss.py --format latex   # or markdown
"""
import argparse
import os
import sys

import numpy as np

import symdiff

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svm_loss import svm_loss  # noqa: E402  (needs the path set just above)

# W (D=2, C=3), X (N=3, D=2), labels y, reg
ARGS = (np.array([[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]]),
        np.array([[1.0, 2.0], [-1.5, 0.5], [0.5, -1.0]]),
        np.array([0, 2, 1]), 0.1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="svm_loss.svg",
                        help="the graph to write: .svg, .png or .dot (default svm_loss.svg)")
    parser.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    args = parser.parse_args(argv)
    print(symdiff.explain(svm_loss, *ARGS).format(args.format))
    symdiff.graph(svm_loss, *ARGS).save(args.output)
    print(f"graph written to {args.output}")


if __name__ == "__main__":
    main()
