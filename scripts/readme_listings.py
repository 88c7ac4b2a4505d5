"""The generated code shown in README.md, regenerated; `--write` puts it back in place.

    python scripts/readme_listings.py --write

tests/api/test_readme.py checks that README.md shows exactly what the compiler generates.
"""
import argparse
import pathlib
import re
import sys
import textwrap

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "tests")]

import symdiff  # noqa: E402
from symdiff import pipeline  # noqa: E402
from symdiff.teach import annotate  # noqa: E402
from symdiff.teach import optimize_trace  # noqa: E402
from symdiff.cli import _setup, compile_file  # noqa: E402
from symdiff.frontend.source_modules import functions_of_file  # noqa: E402

MLP_SHAPES = "X=(64,100), W1=(100,50), b1=(50,), W2=(50,10), b2=(10,), y=(64,)"


def _function(source: str, name: str) -> str:
    """One top-level function of a generated module."""
    start = source.index(f"def {name}(")
    end = source.find("\n\n\n", start)
    return source[start:end if end != -1 else None].rstrip() + "\n"


def _annotated_mlp() -> str:
    """The start and the end of the annotated MLP gradient (``--annotate --shapes``)."""
    source = compile_file(str(ROOT / "examples" / "mlp.py"), ["mlp_loss"],
                          ("W1", "b1", "W2", "b2"), annotate=True,
                          shapes=annotate.parse_shapes(MLP_SHAPES))
    lines = _function(source, "grad_mlp_loss").splitlines()
    top = lines.index("    # forward")
    bottom = lines.index("    # mlp.py:24  scores = h @ W2 + b2")
    excerpt = lines[2:top + 6] + ["    # ..."] + lines[bottom:]
    return textwrap.dedent("\n".join(excerpt)) + "\n"


def _explained_neuron() -> str:
    """What each pass does to grad_neuron (``--explain-passes``, without value_and_grad)."""
    path = str(ROOT / "examples" / "sigmoid_neuron.py")
    src = functions_of_file(path)["neuron"]
    _, header, _, _ = _setup(path, ["neuron"], 0, "reverse", 1, False, None)
    text, _ = optimize_trace.explain(pipeline.plan_module([(src, (0,))], False), header)
    start = text.index("=== round 1, pass 1")
    return text[start:text.index("\n=== the compiled output")]


def listings() -> dict[str, str]:
    """The first line of a README block -> the generated text the block shows."""
    from mlp import mlp_loss
    import control_flow_corpus as corpus
    circuit = compile_file(str(ROOT / "examples" / "circuit.py"), ["f"], ("x", "y", "z"))
    rng = np.random.default_rng(0)
    N, D, H, C = 64, 100, 50, 10
    mlp_args = (rng.normal(size=(D, H)), np.zeros(H), rng.normal(size=(H, C)), np.zeros(C),
                rng.normal(size=(N, D)), rng.integers(0, C, N), 1e-3)
    mlp = symdiff.grad(mlp_loss, wrt=("W1", "b1", "W2", "b2")).source_for(*mlp_args)
    rng = np.random.default_rng(0)
    svm_args = (rng.normal(size=(50, 10)) * 0.01, rng.normal(size=(100, 50)),
                rng.integers(0, 10, 100), 0.1)
    svm = symdiff.grad(corpus.svm_loss_naive).source_for(*svm_args)
    forward = compile_file(str(ROOT / "examples" / "circuit.py"), ["f"], ("x", "y", "z"),
                           mode="forward")
    import where_trap_cases
    where = symdiff.grad(where_trap_cases.sqrt_where).source_for(np.array([-1.0, 0.0, 2.0]))
    return {"def grad_f(": _function(circuit, "grad_f"),
            "def grad_sqrt_where(": _function(where, "grad_sqrt_where"),
            "def jvp_f(": _function(forward, "jvp_f"),
            "def grad_mlp_loss(": _function(mlp, "grad_mlp_loss"),
            "def grad_svm_loss_naive(": _function(svm, "grad_svm_loss_naive"),
            "# shapes: W1=(D,H)": _annotated_mlp(),
            "=== round 1, pass 1 of": _explained_neuron()}


def update(readme: str) -> str:
    for first, text in listings().items():
        found = re.search(r"```\w*\n" + re.escape(first), readme)
        start = readme.index("\n", found.start()) + 1
        end = readme.index("```", start)
        readme = readme[:start] + text + readme[end:]
    return readme


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    path = ROOT / "README.md"
    new = update(path.read_text())
    if parser.parse_args().write:
        path.write_text(new)
    else:
        sys.stdout.write(new)
