"""The generated code shown in README.md, regenerated; `--write` puts it back in place.

    python scripts/readme_listings.py --write

tests/test_readme.py checks that README.md shows exactly what the compiler generates.
"""
import argparse
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "tests")]

import symdiff  # noqa: E402
from symdiff.cli import compile_file  # noqa: E402


def _function(source: str, name: str) -> str:
    """One top-level function of a generated module."""
    start = source.index(f"def {name}(")
    end = source.find("\n\n\n", start)
    return source[start:end if end != -1 else None].rstrip() + "\n"


def listings() -> dict[str, str]:
    """README block name -> the generated function it shows."""
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
    svm = svm.replace("control_flow_corpus.py", "svm_naive.py")
    forward = compile_file(str(ROOT / "examples" / "circuit.py"), ["f"], ("x", "y", "z"),
                           mode="forward")
    return {"grad_f": _function(circuit, "grad_f"), "jvp_f": _function(forward, "jvp_f"),
            "grad_mlp_loss": _function(mlp, "grad_mlp_loss"),
            "grad_svm_loss_naive": _function(svm, "grad_svm_loss_naive")}


def update(readme: str) -> str:
    for name, text in listings().items():
        start = readme.index(f"```python\ndef {name}(") + len("```python\n")
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
