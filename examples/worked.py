"""The command line the explain_<seed>.py scripts share: print the worked table, write the graph.

    python examples/explain_circuit.py                  # writes circuit.svg
    python examples/explain_circuit.py -o g.png         # or .dot
    python examples/explain_circuit.py --format latex   # or markdown
"""
import argparse

import symdiff


def run(fn, args, picture: str, doc: str, argv=None) -> None:
    """Print ``symdiff.explain(fn, *args)`` and write ``symdiff.graph(fn, *args)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("-o", "--output", default=picture,
                        help=f"the graph to write: .svg, .png or .dot (default {picture})")
    parser.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    options = parser.parse_args(argv)
    print(symdiff.explain(fn, *args).format(options.format))
    symdiff.graph(fn, *args).save(options.output)
    print(f"graph written to {options.output}")
