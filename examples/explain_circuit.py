"""Backpropagation through the circuit f(x, y, z) = (x + y) * z, worked out by symdiff.

At x=-2, y=5, z=-4: q = 3, f = -12, df/dx = df/dy = -4, df/dz = 3.

    python examples/explain_circuit.py                  # writes circuit.svg
    python examples/explain_circuit.py -o g.png         # or .dot
    python examples/explain_circuit.py --format latex   # or markdown
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circuit import f
import worked

ARGS = (-2.0, 5.0, -4.0)       # x, y, z


def main(argv=None):
    worked.run(f, ARGS, "circuit.svg", __doc__, argv)


if __name__ == "__main__":
    main()
