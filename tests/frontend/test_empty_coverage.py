"""np.empty / np.empty_like differentiate when every element is proven written before any
is read (``frontend.empty_coverage``): the value and gradient of value_and_grad, forward
mode, the Hessian-vector product and jit=True all equal central differences, and the
generated code keeps the spelling np.empty. Where coverage is not proven, the call is
refused, located at np.empty, saying what is left unset where it can.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

import symdiff
from breadth_support import Case, check_case
from support import load_module
from symdiff import cli
from symdiff.cli import compile_file
from symdiff.frontend.empty_coverage import verdict

PROVEN = """
import numpy as np

def rows_1d(x):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = x[i] ** 2
    return np.sum(out * x)

def nested_2d(x):
    out = np.empty_like(x)
    for i in range(len(x)):
        for j in range(x.shape[1]):
            out[i, j] = np.sin(x[i, j]) * x[0, 0]
    return np.sum(out * out)

def columns(x):
    n = x.shape[0]
    out = np.empty((n, 3), dtype=float)
    out[:, 0] = x[:, 0] * x[:, 1]
    out[:, 1] = x[:, 1] ** 2
    out[:, 2] = np.exp(x[:, 2])
    return np.sum(out ** 2)

def halves(x):
    k = 2
    out = np.empty(len(x))
    out[:k] = x[:k] * x[0]
    out[k:] = np.cos(x[k:])
    return np.sum(out ** 2)

def constant_indices(x):
    out = np.empty(3)
    out[0] = x[0] * x[1]
    out[1] = x[1] ** 2
    out[2] = np.tanh(x[2])
    return np.sum(out * x[:3])

def whole_like_dtype(x):
    out = np.empty_like(x, dtype=float)
    out[:] = x * 2
    return np.sum(out ** 3)

def row_slices(x):
    out = np.empty(x.shape)
    for i in range(out.shape[0]):
        out[i, :] = x[i] * (i + 1)
    return np.sum(np.sin(out) * x)

def later_axis(x):
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        out[:, j] = x[:, j] ** 2
    return np.sum(out * x)

def both_branches(x):
    out = np.empty(x.shape[0])
    if x[0] > 0:
        out[:] = x ** 2
    else:
        out[:] = -x
    return np.sum(out ** 2)

def first_then_rest(x):
    n = len(x)
    out = np.empty(n)
    out[0] = x[0] ** 3
    for i in range(1, n):
        out[i] = x[i] * x[i - 1]
        out[i] = out[i] + x[i]
    return np.sum(out * x)

def boundary_last(x):
    n = len(x)
    out = np.empty(n)
    for i in range(n - 1):
        out[i] = x[i + 1] - x[i]
    out[n - 1] = x[0] ** 2
    return np.sum(out ** 2)

def recurrence(x):
    out = np.empty(x.shape[0])
    out[0] = x[0]
    for i in range(1, x.shape[0]):
        out[i] = out[i - 1] * 0.5 + np.sin(x[i])
    return np.sum(out ** 2)

def row_recurrence(x):
    n, m = x.shape
    out = np.empty((n, m))
    out[0] = x[0] ** 2
    for i in range(1, n):
        for j in range(m):
            out[i, j] = out[i - 1, j] * x[i, j]
    return np.sum(out)
"""

MATRICES = {"nested_2d", "columns", "row_slices", "later_axis", "row_recurrence"}
NAMES = [n.split("(")[0][4:] for n in PROVEN.splitlines() if n.startswith("def ")]


@pytest.fixture(scope="module")
def proven(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("empty"), "empty_proven", PROVEN)


def _inputs(name):
    shape = (4, 3) if name in MATRICES else (5,)
    return lambda rng: (rng.uniform(0.5, 1.5, shape),)


@pytest.mark.parametrize("name", NAMES)
def test_proven_coverage_differentiates(proven, name):
    """value, gradient, jvp, hvp and jit against central differences."""
    check_case(proven, Case(name, "x", "", _inputs(name), second=True, jit=True))


@pytest.mark.parametrize("name", ["rows_1d", "nested_2d", "whole_like_dtype"])
def test_generated_code_keeps_np_empty(proven, name):
    source = symdiff.grad(getattr(proven, name)).source
    assert "np.empty" in source and "np.zeros(x_dim)" not in source


REFUSED = """
import numpy as np

def short_loop(x):
    n = x.shape[0]
    out = np.empty((n, 2))
    for i in range(n - 1):
        out[i] = x[i]
    return np.sum(out)

def write_under_if(x):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        if x[i] > 0:
            out[i] = x[i]
    return np.sum(out)

def read_in_loop(x):
    out = np.empty(x.shape[0])
    s = 0.0
    for i in range(x.shape[0]):
        out[i] = x[i]
        s = s + np.sum(out)
    return s

def alias_first(x):
    out = np.empty(x.shape[0])
    y = out
    y[:] = x
    return np.sum(out)

def while_loop(x):
    out = np.empty(x.shape[0])
    i = 0
    while i < x.shape[0]:
        out[i] = x[i]
        i += 1
    return np.sum(out)

def own_previous(x):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = out[i - 1] + x[i]
    return np.sum(out)

def accumulate(x):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] += x[i]
    return np.sum(out)

def gap(x):
    out = np.empty(4)
    out[:2] = x[:2]
    out[3:] = x[3:4]
    return np.sum(out)

def passed_to_call(x):
    out = np.empty_like(x)
    np.copyto(out, x)
    return np.sum(out)

def integer_dtype(x):
    out = np.empty(x.shape[0], dtype=int)
    for i in range(x.shape[0]):
        out[i] = x[i]
    return np.sum(out)
"""

EXPECTED = {
    "short_loop": "the loop over range(n - 1) at line 7 leaves the last row unset",
    "write_under_if": "a write under the `if` at line 14 is not made by the other branch",
    "read_in_loop": "`out` is read at line 23",
    "alias_first": "`out` is read at line 28",
    "while_loop": "writes inside the `while` loop at line 35 are not counted",
    "own_previous": "`out` is read at line 43",
    "accumulate": "`out` is read at line 49",
    "gap": "`out` is read at line 56",
    "passed_to_call": "`out` is read at line 60",
    "integer_dtype": "into an array of integers",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_uncovered_is_refused_at_the_call(tmp_path, name):
    module = load_module(tmp_path, "empty_refused", REFUSED)
    fn = getattr(module, name)
    x = np.linspace(0.5, 1.5, 4)
    for run in (lambda: symdiff.grad(fn)(x), lambda: symdiff.jvp(fn)(x, np.ones(4))):
        with pytest.raises(symdiff.SymdiffError) as info:
            run()
        assert EXPECTED[name] in str(info.value)
        if name != "integer_dtype":
            line = REFUSED.splitlines()[info.value.loc.line - 1]
            assert "np.empty" in line and "leaves its elements unset" in str(info.value)


def _verdict(text: str):
    tree = ast.parse(text)
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, "attr", "").startswith("empty"))
    return verdict(tree, call, call.func.attr)


@pytest.mark.parametrize("text", [
    "out = np.empty(n)\nout[k:] = 1\nout[:k] = 2\ny = out.sum()",
    "out = np.empty(n)\nout[:-1] = 2\nout[-1:] = 3\ny = out.sum()",
    "out = np.empty_like(x)\nout[...] = 1\ny = out.sum()",
    "out = np.empty_like(x)\nfor i in range(x.shape[0]):\n    out[i, ...] = 1\ny = out.sum()",
    "out = np.empty((n, 2))\nout[:, 0] = 1\nout[:, 1] = 2\ny = out.sum()",
    "out = np.empty((n, m))\nfor i in range(n):\n    for j in range(m):\n        out[i, j] = 1\n"
    "y = out.sum()",
    "out = np.empty(n)\nfor i in range(n - 1):\n    out[i] = 1\nout[n - 1] = 2\ny = out.sum()",
    "out = np.empty(n)\nout[0] = 1\nfor i in range(1, n):\n    y = out[i - 1]\n    out[i] = y\n"
    "z = out.sum()",
])
def test_coverage_proven(text):
    assert _verdict(text) is None


@pytest.mark.parametrize("text", [
    "out = np.empty(n)\nn = n - 1\nfor i in range(n):\n    out[i] = 1\ny = out.sum()",
    "out = np.empty(3)\nout[k] = 1\nout[1:] = 2\ny = out.sum()",
    "out = np.empty(3)\nout[-1] = 1\nout[:-1] = 2\ny = out.sum()",
    "out = np.empty(n)\nout[::2] = 1\nout[1::2] = 2\ny = out.sum()",
    "out = np.empty((n, n))\nfor i in range(n):\n    for j in range(i):\n        out[i, j] = 1\n"
    "y = out.sum()",
    "out = np.empty(n)\nfor i in range(n):\n    k = i\n    out[k] = 1\ny = out.sum()",
    "out = np.empty(n)\nfor i in range(n):\n    i = 0\n    out[i] = 1\ny = out.sum()",
    "out = np.empty_like(x)\nfor i in range(y.shape[0]):\n    out[i] = 1\nz = out.sum()",
    "out = np.empty_like(x)\nx = x[1:]\nfor i in range(x.shape[0]):\n    out[i] = 1\nz = out.sum()",
    "out = np.empty(3)\ndef f():\n    return out\nout[:] = 1\nz = out.sum()",
    "out = np.empty((n, 2))\nout[0][1] = 1\nout[:] = 2\ny = out.sum()",
    "out = np.empty((n, 3))\nout[:, 0] = 1\nout[:, 2] = 2\ny = out.sum()",
    "out = np.empty(n)\nfor i in range(-1, n):\n    out[i] = 1\ny = out.sum()",
    "y = np.sum(np.empty(3))",
    "out = np.empty_like(x)\nx.shape = (2, -1)\nfor i in range(x.shape[0]):\n    out[i] = 1\n"
    "z = out.sum()",
    "out = np.empty(n)\nfor i in range(n - 2):\n    out[i] = 1\nout[n - 2:] = 2\ny = out.sum()",
    "out = np.empty(n)\nout[1] = 1\nfor i in range(1, n):\n    out[i] = out[i - 1]\ny = out.sum()",
    "out = np.empty(n)\nout[0] = 1\nfor i in range(2, n):\n    out[i] = out[i - 1]\ny = out.sum()",
    "out = np.empty(n)\nout[0] = 1\nfor i in range(1, n):\n    if c:\n        out[i] = 2\n"
    "    y = out[i - 1]\nz = out.sum()",
])
def test_coverage_not_proven(text):
    assert _verdict(text)


HELPERS = """
import numpy as np

def squares(x):
    out = np.empty_like(x)
    for i in range(len(x)):
        out[i] = x[i] ** 2
    return out

def short(x):
    out = np.empty(len(x))
    for i in range(len(x) - 1):
        out[i] = x[i] ** 2
    return out

def through_helper(x):
    return np.sum(squares(x) * x)

def through_short_helper(x):
    return np.sum(short(x) * x)
"""


def test_np_empty_in_a_helper(tmp_path):
    module = load_module(tmp_path, "empty_helpers", HELPERS)
    check_case(module, Case("through_helper", "x", "", _inputs("rows_1d"), second=True,
                            jit=True))
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(module.through_short_helper)(np.ones(4))
    assert info.value.loc.line == 11
    assert "the loop over range(len(x) - 1) at line 12 leaves the last element unset" in \
        str(info.value)


def test_compile_a_file_using_np_empty(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(PROVEN, encoding="utf-8")
    source = compile_file(str(path), ["rows_1d", "columns"])
    assert "np.empty" in source
    generated = load_module(tmp_path, "empty_generated", source)
    original = load_module(tmp_path, "empty_original", PROVEN)
    rng = np.random.default_rng(1)
    for name in ("rows_1d", "columns"):
        x = _inputs(name)(rng)[0]
        value, grad = getattr(generated, f"value_and_grad_{name}")(x)
        np.testing.assert_allclose(value, getattr(original, name)(x), rtol=1e-12)
        np.testing.assert_allclose(grad, symdiff.grad(getattr(original, name))(x), rtol=1e-12)
        report = symdiff.check_grad(getattr(original, name), x)
        assert report


def test_cli_compile_refuses_uncovered_and_leaves_no_output(tmp_path, capsys):
    path, out = tmp_path / "model.py", tmp_path / "out.py"
    path.write_text(REFUSED, encoding="utf-8")
    assert cli.main(["compile", str(path), "-f", "short_loop", "-o", str(out)]) == 1
    assert "leaves the last row unset" in capsys.readouterr().err and not out.exists()
    path.write_text(PROVEN, encoding="utf-8")
    assert cli.main(["compile", str(path), "-f", "recurrence", "-o", str(out), "--jit"]) == 0
    assert "np.empty(" in out.read_text(encoding="utf-8")
