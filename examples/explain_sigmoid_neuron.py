"""Backpropagation through the 2-D sigmoid neuron, worked out by symdiff.

f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) at w = [2, -3, -3], x = [-1, -2].

    python examples/explain_sigmoid_neuron.py                  # writes sigmoid_neuron.svg
    python examples/explain_sigmoid_neuron.py -o g.png         # or .dot
    python examples/explain_sigmoid_neuron.py --format latex   # or markdown
"""
import argparse
import os
import sys

import numpy as np

import symdiff

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sigmoid_neuron import neuron  # noqa: E402  (needs the path set just above)

ARGS = (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))     # w, x


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="sigmoid_neuron.svg",
                        help="the graph to write: .svg, .png or .dot (default sigmoid_neuron.svg)")
    parser.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    args = parser.parse_args(argv)
    print(symdiff.explain(neuron, *ARGS).format(args.format))
    symdiff.graph(neuron, *ARGS).save(args.output)
    print(f"graph written to {args.output}")


if __name__ == "__main__":
    main()
