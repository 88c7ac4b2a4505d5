"""Backpropagation through the binary hinge loss, worked out by symdiff.

max(0, 1 - (w . phi) y), at inputs where the margin is below 1 (the loss is active).

    python examples/explain_hinge.py                  # writes hinge.svg
    python examples/explain_hinge.py -o g.png         # or .dot
    python examples/explain_hinge.py --format latex   # or markdown
"""
import argparse
import os
import sys

import numpy as np

import symdiff

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hinge import hinge  # noqa: E402  (needs the path set just above)

# w, phi(x), y: the margin (w . phi) y = -0.5 is below 1, so the loss is active
ARGS = (np.array([0.5, -1.0, 0.25]), np.array([1.0, 0.5, -2.0]), 1.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="hinge.svg",
                        help="the graph to write: .svg, .png or .dot (default hinge.svg)")
    parser.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    args = parser.parse_args(argv)
    print(symdiff.explain(hinge, *ARGS).format(args.format))
    symdiff.graph(hinge, *ARGS).save(args.output)
    print(f"graph written to {args.output}")


if __name__ == "__main__":
    main()
