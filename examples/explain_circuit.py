"""Backpropagation through the circuit f(x, y, z) = (x + y) * z, worked out by symdiff.

At x=-2, y=5, z=-4: q = 3, f = -12, df/dx = df/dy = -4, df/dz = 3.

    python examples/explain_circuit.py                  # writes circuit.svg
    python examples/explain_circuit.py -o g.png         # or .dot
    python examples/explain_circuit.py --format latex   # or markdown
"""
import argparse
import os
import sys

import symdiff

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circuit import f  # noqa: E402  (needs the path set just above)

ARGS = (-2.0, 5.0, -4.0)       # x, y, z


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="circuit.svg",
                        help="the graph to write: .svg, .png or .dot (default circuit.svg)")
    parser.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    args = parser.parse_args(argv)
    print(symdiff.explain(f, *ARGS).format(args.format))
    symdiff.graph(f, *ARGS).save(args.output)
    print(f"graph written to {args.output}")


if __name__ == "__main__":
    main()
