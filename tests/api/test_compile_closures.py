"""``symdiff compile -f NAME`` for a function defined inside a factory: compiled from its
source where it reads only its parameters and module-level names, refused (located,
with what to write) where it reads a value of the factory, known only when it runs."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from support import compiled_by_cli, load_module, numerical_jacobian
from symdiff.cli import compile_file
from symdiff.errors import SymdiffError

MODEL = '''
import numpy as np

SCALE = 2.0
CENTER = 0.5


def penalty(w):
    return np.sum(w ** 2)


def make_loss(reg):
    def loss(w):
        return SCALE * np.sum(np.tanh(w - CENTER)) + 0.1 * penalty(w)
    return loss


def make_data_loss(X, y):
    def data_loss(w):
        return np.sum((X @ w - y) ** 2)
    return data_loss


def make_with_helper():
    def helper(v):
        return v * 2
    def uses_helper(w):
        return np.sum(helper(w))
    return uses_helper


def make_two(k):
    def outer_step(w):
        def smooth(v):
            return np.log(1.0 + np.exp(v))
        return np.sum(smooth(w) * SCALE)
    return outer_step


objective = make_loss(0.1)
fitted = make_data_loss(np.ones((2, 3)), np.ones(2))
'''


def _expected(w):
    return 2.0 * np.sum(np.tanh(w - 0.5)) + 0.1 * np.sum(w ** 2)


@pytest.mark.parametrize("name", ["loss", "objective"])
def test_a_closure_over_module_names_compiles(tmp_path, name):
    ns = compiled_by_cli(tmp_path, MODEL, "-f", name)
    w = np.array([0.3, -0.2, 0.9])
    value, g = ns[f"value_and_grad_{name}"](w)
    assert value == pytest.approx(_expected(w), rel=1e-12)
    np.testing.assert_allclose(g, numerical_jacobian(_expected, (w,), 0), rtol=1e-6)
    np.testing.assert_allclose(ns[f"grad_{name}"](w), g)


def test_a_closure_with_its_own_nested_def_compiles(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    module = load_module(tmp_path, "two", compile_file(str(path), ["outer_step"]))
    w = np.array([0.3, -0.2, 0.9])

    def f(v):
        return np.sum(np.log(1.0 + np.exp(v)) * 2.0)
    np.testing.assert_allclose(module.grad_outer_step(w), numerical_jacobian(f, (w,), 0),
                               rtol=1e-6)


@pytest.mark.parametrize("name, read, line, what", [
    ("data_loss", "X", 20, "a value known only when `make_data_loss` runs"),
    ("fitted", "X", 20, "a value known only when `make_data_loss` runs"),
    ("uses_helper", "helper", 28, "a function defined there"),
])
def test_a_closure_over_a_runtime_value_is_refused(tmp_path, name, read, line, what):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    with pytest.raises(SymdiffError) as info:
        compile_file(str(path), [name])
    err = info.value
    assert f"reads `{read}` from" in err.message and what in err.message
    assert err.loc.line == line and err.loc.text.strip().startswith("return")
    assert "parameter of" in err.hint and "symdiff.grad(" in err.hint


def test_the_cli_refusal_is_one_located_message(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    done = subprocess.run([sys.executable, "-m", "symdiff", "compile", str(path), "-f",
                           "data_loss"], capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "model.py:20:24: `data_loss` reads `X` from `make_data_loss`" in done.stderr
