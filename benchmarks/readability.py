"""How the generated gradients read: backward lines, generic vs specialized vs by hand.

For the seed examples (examples/, with the hand-written backward passes of
tests/reference_backprop.py) and the ordinary losses of tests/readability_corpus.py, this
prints, per program, the backward lines of the shape-generic gradient (``g.source``,
what ``symdiff compile`` writes), of the gradient specialized to the inputs' shapes
(``g.source_for``) and of the hand-written reference where there is one, and, in the
generic code, how many names are numbered temporaries (``tmp_<n>``), how many lines
call ``unbroadcast`` and how many are shape plumbing (``np.size``, ``np.shape``,
``np.broadcast_to``, ``np.full``, ``.shape``, ``.size``), next to the number of
reductions of the forward pass.

    python benchmarks/readability.py            # the table, then the totals
    python benchmarks/readability.py --show mlp # also print that program's generic code
"""
from __future__ import annotations

import argparse
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import symdiff  # noqa: E402

#: a numbered temporary of the generated code: ``tmp``, ``tmp_3``, ``dtmp_3_1``
TEMPORARY = re.compile(r"\b\w*tmp(_\d+)*\b")
#: a line that computes with shapes: ``np.size``, ``np.shape``, ``np.broadcast_to``,
#: ``np.full`` or a ``.shape`` / ``.size`` read (not the zeros an index gradient starts from)
PLUMBING = re.compile(r"np\.(size|shape|broadcast_to|full)\(|\.(shape|size)\b")
REDUCTION = re.compile(r"np\.(sum|mean|max|min|amax|amin|prod|var|std|average|dot)\(")

#: seed example -> its hand-written backward pass in tests/reference_backprop.py
REFERENCES = {"circuit": "circuit_backprop", "sigmoid_neuron": "neuron_backprop",
              "svm_loss": "svm_loss_backprop", "softmax_loss": "softmax_loss_backprop",
              "hinge[inside_margin]": "hinge_backprop", "l2_regression": "l2_loss_backprop",
              "mlp": "mlp_loss_backprop"}


@dataclass
class Row:
    """The counts of one program."""

    name: str
    generic: int
    specialized: int
    reference: int | None
    temporaries: int
    unbroadcasts: int
    plumbing: int
    reductions: int


def gradient_body(source: str, name: str) -> list[str]:
    """The lines of ``def grad_<name>`` in a generated module, comments dropped."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.startswith("def "):
            inside = line.startswith(f"def grad_{name}(")
            continue
        if inside and line.startswith("    "):
            code = line.split("  #")[0].rstrip() if "  #" in line.strip() else line
            lines.append(code)
        elif inside and line and not line.startswith(" "):
            inside = False
    return lines


def split_phases(body: list[str]) -> tuple[list[str], list[str]]:
    """(forward lines, backward lines): the backward starts at ``# backward`` (the whole
    body when forward and backward interleave); docstrings, comments and the return
    are not counted."""
    code = [line for line in body if line.strip() and not line.strip().startswith("#")
            and not line.strip().startswith('"""') and not line.strip().startswith("return ")]
    marks = [k for k, line in enumerate(body) if line.strip() == "# backward"]
    if not marks:
        return [], code
    forward = set(body[:marks[0]])
    return ([line for line in code if line in forward],
            [line for line in body[marks[0]:] if line in code])


def reference_lines(name: str | None) -> int | None:
    """Backward lines of a hand-written reference: from ``# backward`` to the return."""
    if name is None:
        return None
    import reference_backprop
    source = inspect.getsource(getattr(reference_backprop, name))
    lines = source.splitlines()
    start = next((k for k, line in enumerate(lines) if line.strip().startswith("# backward")), 0)
    return sum(1 for line in lines[start:] if line.strip() and not line.strip().startswith("#")
               and not line.strip().startswith("return") and not line.strip().startswith('"'))


def measure(name: str, fn, args, wrt) -> tuple[Row, str]:
    g = symdiff.grad(fn, wrt=wrt)
    generic_source = g.source
    forward, generic = split_phases(gradient_body(generic_source, fn.__name__))
    _, specialized = split_phases(gradient_body(g.source_for(*args), fn.__name__))
    both = symdiff.value_and_grad(fn, wrt=wrt).source      # its forward keeps every line
    forward = split_phases(gradient_body(both.replace("def value_and_grad_", "def grad_"),
                                         fn.__name__))[0]
    temporaries = {m.group(0) for line in generic for m in TEMPORARY.finditer(line)}
    temporaries |= {m.group(0) for line in gradient_body(generic_source, fn.__name__)
                    for m in TEMPORARY.finditer(line)}
    row = Row(name, len(generic), len(specialized), reference_lines(REFERENCES.get(name)),
              len(temporaries), sum("unbroadcast(" in line for line in generic),
              sum(bool(PLUMBING.search(line)) and "np.zeros(" not in line for line in generic),
              sum(len(REDUCTION.findall(line)) for line in forward))
    return row, generic_source


def cases():
    """(name, function, arguments, wrt) of every program measured, examples first."""
    from readability_corpus import CASES
    from seed_cases import SEED_CASES
    for case in SEED_CASES:
        if case.id == "hinge[misclassified]":
            continue
        yield case.id, case.fn, case.inputs(), tuple(case.wrt)
    for case in CASES:
        yield case.id, case.fn, case.inputs(), tuple(case.wrt)


def table(rows: list[Row]) -> str:
    head = ("| program | generic | specialized | by hand | generic/specialized | tmp_<n> "
            "| unbroadcast | plumbing | reductions |")
    out = [head, "|" + "---|" * 9]
    for r in rows:
        ratio = r.generic / max(r.specialized, 1)
        out.append(f"| {r.name} | {r.generic} | {r.specialized} | "
                   f"{'' if r.reference is None else r.reference} | {ratio:.2f} | "
                   f"{r.temporaries} | {r.unbroadcasts} | {r.plumbing} | {r.reductions} |")
    total = Row("total", *(sum(getattr(r, f) or 0 for r in rows)
                           for f in ("generic", "specialized", "reference", "temporaries",
                                     "unbroadcasts", "plumbing", "reductions")))
    out.append(f"| **total** | {total.generic} | {total.specialized} | {total.reference} | "
               f"{total.generic / max(total.specialized, 1):.2f} | {total.temporaries} | "
               f"{total.unbroadcasts} | {total.plumbing} | {total.reductions} |")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="append", default=[],
                        help="also print the generic source of this program")
    options = parser.parse_args(argv)
    rows = []
    for name, fn, args, wrt in cases():
        row, source = measure(name, fn, args, wrt)
        rows.append(row)
        if name in options.show:
            print(source)
    print(table(rows))
    worst = max(rows, key=lambda r: r.generic / max(r.specialized, 1))
    print(f"\nworst generic/specialized: {worst.name} "
          f"{worst.generic / max(worst.specialized, 1):.2f}; programs with more plumbing "
          f"lines than reductions: {sum(r.plumbing > r.reductions for r in rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
