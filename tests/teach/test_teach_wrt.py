"""explain and graph take wrt= (CLI --wrt): only the chosen arguments' gradients are worked
out, and their numbers are the central differences of the function."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import symdiff
from support import load_example, numerical_jacobian

ROOT = Path(__file__).resolve().parents[2]


def mlp_args():
    return (np.array([[0.5, -0.3, 0.8], [-0.6, 0.4, 0.2]]), np.array([0.1, 0, -0.1]),
            np.array([[0.3, -0.2], [-0.4, 0.6], [0.7, 0.1]]), np.array([0.05, -0.05]),
            np.array([[1, 2], [-1.5, 0.5], [0.5, -1]]), np.array([0, 1, 1]), 0.1)


@pytest.mark.parametrize("wrt, names", [("W1", ["W1"]), (("W1", "W2"), ["W1", "W2"]),
                                        ((0, "b2"), ["W1", "b2"]), (2, ["W2"])])
def test_explain_wrt_differentiates_only_those(wrt, names):
    mlp = load_example("mlp").mlp_loss
    args = mlp_args()
    ex = symdiff.explain(mlp, *args, wrt=wrt)
    assert list(ex.run.gradients) == names
    params = ["W1", "b1", "W2", "b2", "X", "y", "reg"]
    for name in names:
        want = numerical_jacobian(mlp, args, params.index(name))
        np.testing.assert_allclose(ex.run.gradients[name], want, rtol=1e-5, atol=1e-8)
    text = ex.text()
    for other in set(params) - set(names) - {"y"}:
        assert f"dmlp_loss/d{other} =" not in text


def test_graph_wrt():
    f = load_example("circuit").f
    full = symdiff.graph(f, -2.0, 5.0, -4.0)
    only = symdiff.graph(f, -2.0, 5.0, -4.0, wrt="z")
    assert list(only.run.gradients) == ["z"] and only.run.gradients["z"] == pytest.approx(3.0)
    assert sum(bool(e.gradient) for e in only.edges) < sum(bool(e.gradient) for e in full.edges)


def test_wrt_names_an_unknown_argument():
    f = load_example("circuit").f
    with pytest.raises(symdiff.SymdiffError, match="wrt names `w`"):
        symdiff.explain(f, -2.0, 5.0, -4.0, wrt="w")


@pytest.mark.parametrize("command", ["explain", "graph"])
def test_cli_wrt(command):
    run = subprocess.run([sys.executable, "-m", "symdiff.cli", command,
                          str(ROOT / "examples" / "circuit.py"), "--at", "x=-2, y=5, z=-4",
                          "--wrt", "z,0"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    if command == "explain":
        assert "df/dz = 3" in run.stdout and "df/dx = -4" in run.stdout
        assert "df/dy = -4" not in run.stdout
    else:
        assert run.stdout.startswith("digraph")
