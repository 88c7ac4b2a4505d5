"""Module constants and decorators: what a function reads from module level, and what a
decorator makes of it, are what Python would run, or refused.

``symdiff compile`` evaluates module constants statically (assignments in file order,
only those used, with a size bound); ``symdiff.grad`` reads the live module, at call
time. Gradients and values are checked against central differences.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import symdiff
from symdiff import cli
from support import load_module, numerical_jacobian
from test_hostile import import_path

X = np.array([0.7, -1.3, 2.1])


def compiled(tmp_path, text, name="f"):
    """The generated module of ``name`` in ``text`` (a model file), imported."""
    model = tmp_path / "consts_model.py"
    model.write_text(textwrap.dedent(text), encoding="utf-8")
    out = tmp_path / f"grad_of_{name}.py"
    assert cli.main(["compile", str(model), "-f", name, "-o", str(out)]) == 0
    return import_path(out, f"symdiff_consts_{abs(hash((str(tmp_path), text, name)))}")


def refused(tmp_path, capsys, text, name="f"):
    model = tmp_path / "consts_model.py"
    model.write_text(textwrap.dedent(text), encoding="utf-8")
    code = cli.main(["compile", str(model), "-f", name])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    return err


def check(module, name, f, x=X):
    grad = getattr(module, f"grad_{name}")
    value, g = getattr(module, f"value_and_grad_{name}")(x)
    expected = numerical_jacobian(f, (x,), 0)
    np.testing.assert_allclose(grad(x), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)


# ---------------------------------------------------------------- straight-line constants

STRAIGHT = [
    ("K = 2.0\nK += 1.0", lambda x: np.sum(np.sin(x) * 3.0)),
    ("K = 2.0\nK = K * 3\nK -= 0.5", lambda x: np.sum(np.sin(x) * 5.5)),
    ("K = 1.0\nL = K + 1.0\nK = 10.0\nK = L", lambda x: np.sum(np.sin(x) * 2.0)),
    ("A = K = 0.5", lambda x: np.sum(np.sin(x) * 0.5)),
    ("K: float = 2.5", lambda x: np.sum(np.sin(x) * 2.5)),
    ("K = np.pi / 2\nK **= 2", lambda x: np.sum(np.sin(x) * (np.pi / 2) ** 2)),
    ("K = 2\nK **= 3\nK //= 3\nK %= 5", lambda x: np.sum(np.sin(x) * 2.0)),
    ("K = np.ones(3)\nK = 4.0", lambda x: np.sum(np.sin(x) * 4.0)),
    ("BIG = 9 ** 9 ** 9\nS = 'ab' * 10 ** 12\nK = 1.5", lambda x: np.sum(np.sin(x) * 1.5)),
]


@pytest.mark.parametrize("setup, f", STRAIGHT, ids=[s.split("\n")[-1] for s, _ in STRAIGHT])
def test_straight_line_module_constants_take_their_last_value(tmp_path, setup, f):
    text = f"import numpy as np\n{setup}\n\ndef f(x):\n    return np.sum(np.sin(x) * K)\n"
    check(compiled(tmp_path, text), "f", f)


def test_a_constant_used_by_a_helper_and_one_assigned_after_the_function(tmp_path):
    text = """\
    import numpy as np

    def act(z):
        return np.tanh(z) * SCALE

    def f(x):
        return np.sum(act(x) ** 2) + OFFSET

    SCALE = 2.0
    SCALE *= 1.5
    OFFSET = SCALE - 1.0
    """
    check(compiled(tmp_path, text), "f", lambda x: np.sum((np.tanh(x) * 3.0) ** 2) + 2.0)


REBOUND = {
    "augmented under an if": "K = 2.0\nif True:\n    K += 1.0\n",
    "under an if": "K = 2.0\nif __name__ == '__main__':\n    K = 5.0\n",
    "in a for loop": "K = 2.0\nfor _ in range(3):\n    K *= 2.0\n",
    "as a loop variable": "K = 2.0\nfor K in (1.0, 3.0):\n    pass\n",
    "in a while loop": "K = 2.0\nwhile K < 10:\n    K *= 2.0\n",
    "in a try": "K = 2.0\ntry:\n    K = 3.0\nexcept ValueError:\n    pass\n",
    "by except as": "K = 2.0\ntry:\n    pass\nexcept ValueError as K:\n    pass\n",
    "by unpacking": "K = 2.0\nK, J = 3.0, 4.0\n",
    "by starred unpacking": "K = 2.0\n[*K] = [1.0]\n",
    "by global in a function": "K = 2.0\n\ndef bump():\n    global K\n    K = 7.0\n",
    "by an import": "K = 2.0\nimport math as K\n",
    "by from import": "K = 2.0\nfrom math import pi as K\n",
    "by def": "K = 2.0\n\ndef K():\n    return 1.0\n",
    "by class": "K = 2.0\n\nclass K:\n    pass\n",
    "by del": "K = 2.0\ndel K\nK = 3.0\n",
    "by walrus": "K = 2.0\nprint(K := 3.0)\n",
    "by with as": "K = 2.0\nwith open(__file__) as K:\n    pass\n",
    "in a match": "K = 2.0\nmatch 1:\n    case 1:\n        K = 3.0\n",
    "by a match capture": "K = 2.0\nmatch 1:\n    case K:\n        pass\n",
}


@pytest.mark.parametrize("rebinding", list(REBOUND.values()), ids=list(REBOUND))
def test_a_constant_rebound_where_it_cannot_be_evaluated_is_refused(tmp_path, capsys,
                                                                    rebinding):
    text = f"import numpy as np\n{rebinding}\n\ndef f(x):\n    return np.sum(x * K)\n"
    err = refused(tmp_path, capsys, text)
    use = text.count("\n", 0, text.index("return np.sum(x * K)")) + 1
    assert f"consts_model.py:{use}:" in err and "module constant `K`" in err
    assert "    return np.sum(x * K)\n" in err and "hint:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("rebinding", list(REBOUND.values())[:6], ids=list(REBOUND)[:6])
def test_a_rebound_constant_nobody_uses_is_no_problem(tmp_path, rebinding):
    text = f"import numpy as np\nC = 1.5\n{rebinding}\n\ndef f(x):\n    return np.sum(x * C)\n"
    check(compiled(tmp_path, text), "f", lambda x: np.sum(x * 1.5))


def test_a_constant_computed_from_a_rebound_one_is_refused(tmp_path, capsys):
    text = "import numpy as np\nK = 2.0\nif True:\n    K = 3.0\nL = K * 2\n\n" \
           "def f(x):\n    return np.sum(x * L)\n"
    assert "module constant `K`" in refused(tmp_path, capsys, text)


# ---------------------------------------------------------------- expensive constants


def test_an_expensive_constant_nobody_uses_costs_nothing(tmp_path):
    model = tmp_path / "slow_model.py"
    model.write_text("import numpy as np\nBIG = 9 ** 9 ** 9\nHUGE = 10 ** 10 ** 10 * 7\n"
                     "K = 2.0\n\ndef f(x):\n    return np.sum(x * K)\n")
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "symdiff.cli", "compile", str(model)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert time.perf_counter() - start < 30
    assert "BIG" not in run.stdout and "K = 2.0" in run.stdout


@pytest.mark.parametrize("definition", ["BIG = 9 ** 9 ** 9", "BIG = 10 ** 400",
                                        "BIG = 2 ** 900 * 2 ** 900", "BIG = 9.0 ** 9 ** 9",
                                        "B = 2 ** 1000\nBIG = B * B"])
def test_an_expensive_constant_that_is_used_is_refused_where_it_is_defined(
        tmp_path, capsys, definition):
    text = f"import numpy as np\n{definition}\n\ndef f(x):\n    return np.sum(x) * BIG\n"
    err = refused(tmp_path, capsys, text)
    line = definition.count("\n") + 2
    assert f"consts_model.py:{line}:1: module constant `BIG` is too large" in err
    assert "hint:" in err


def test_non_finite_constants_are_written_as_numpy_names(tmp_path):
    text = "import numpy as np\nHI = np.inf\nLO = -np.inf\n\n" \
           "def f(x):\n    return np.sum(np.clip(x, LO, HI) ** 2)\n"
    check(compiled(tmp_path, text), "f", lambda x: np.sum(x ** 2))


# ---------------------------------------------------------------- live constants


LIVE = """\
import numpy as np

K = 2.0


def scale(z):
    return z * K


def f(x):
    return np.sum(np.sin(x) * K) + np.sum(scale(x))
"""


def test_grad_reads_module_constants_when_it_is_called(tmp_path):
    module = load_module(tmp_path, "live_consts", LIVE)
    grad, vg = symdiff.grad(module.f), symdiff.value_and_grad(module.f)
    for k in (2.0, 3.5, -1.0, 3.5):
        module.K = k

        def truth(x, k=k):
            return np.sum(np.sin(x) * k) + np.sum(x * k)
        expected = numerical_jacobian(truth, (X,), 0)
        np.testing.assert_allclose(grad(X), expected, rtol=1e-6)
        value, g = vg(X)
        np.testing.assert_allclose(value, truth(X), rtol=1e-12)
        np.testing.assert_allclose(g, expected, rtol=1e-6)
        assert f"K = {k!r}" in grad.source


def test_grad_reads_a_redefined_helper_and_a_changed_closure_when_called(tmp_path):
    module = load_module(tmp_path, "live_helper", LIVE)
    grad = symdiff.grad(module.f)
    np.testing.assert_allclose(grad(X), 2.0 * np.cos(X) + 2.0, rtol=1e-12)
    redefined = load_module(tmp_path, "live_helper_2", "def scale(z):\n    return z * z\n")
    module.scale = redefined.scale
    np.testing.assert_allclose(grad(X), 2.0 * np.cos(X) + 2.0 * X, rtol=1e-12)

    def make(c):
        def g(x):
            return np.sum(x ** 2) * c
        return g
    g = make(1.5)
    dg = symdiff.grad(g)
    np.testing.assert_allclose(dg(X), 3.0 * X)
    g.__closure__[0].cell_contents = 4.0
    np.testing.assert_allclose(dg(X), 8.0 * X)


def test_non_finite_defaults_are_written_as_numpy_names(tmp_path):
    text = "import numpy as np\n\ndef f(x, hi=1e999, lo=-1e999):\n" \
           "    return np.sum(np.clip(x, lo, hi) * x)\n"
    check(compiled(tmp_path, text), "f", lambda x: np.sum(x * x))


@pytest.mark.parametrize("binding, how, line", [
    ("K, J = 1.0, 2.0", "by unpacking", 2), ("if True:\n    K = 2.0", "under an `if`", 3),
    ("for K in (1.0, 2.0):\n    pass", "as a `for` loop variable", 2),
    ("try:\n    K = 1.0\nexcept ImportError:\n    K = 2.0", "in a `try`", 3)])
def test_a_name_bound_only_where_symdiff_cannot_evaluate_it_is_refused(tmp_path, capsys,
                                                                        binding, how, line):
    text = f"import numpy as np\n{binding}\n\ndef f(x):\n    return np.sum(x * K)\n"
    err = refused(tmp_path, capsys, text)
    assert f"module-level `K` is bound only {how} (line {line})" in err
    assert "    return np.sum(x * K)\n" in err and "hint:" in err


def test_modules_and_functions_bound_in_a_try_do_not_disturb_constants(tmp_path):
    text = """\
    import numpy as np
    try:
        import numba
    except ImportError:
        numba = None
    K = 2.0

    def f(x):
        return np.sum(np.exp(x) * K)
    """
    check(compiled(tmp_path, text), "f", lambda x: np.sum(np.exp(x) * 2.0))
