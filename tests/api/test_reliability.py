"""Reliability: `symdiff check`, all problems at once, refusing steps, warning at kinks."""
import textwrap
import warnings

import numpy as np
import pytest

import symdiff
from symdiff.cli import main
from support import load_module

BAD = """
import numpy as np

def several(x):
    y = [v * 2 for v in x]
    z = np.exps(x)
    w = undefined_name + 1.0
    return np.sum(x)

def fine(x):
    return np.sum(x ** 2)
"""


def test_check_lists_every_problem_and_writes_nothing(tmp_path, capsys):
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent(BAD))
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["check", str(model)]) == 1
    err = capsys.readouterr().err
    assert "model.py:5:9: a list comprehension over an array is supported only as" in err
    assert "3 problems" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_semantic_problems_are_all_reported_together(tmp_path, capsys):
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent("""
        import numpy as np

        def f(x):
            z = np.exps(x)
            w = undefined_name + 1.0
            v = z + w
            return np.sum(x * v)
    """))
    assert main(["check", str(model)]) == 1
    err = capsys.readouterr().err
    assert "np.exps" in err and "did you mean np.exp" in err
    assert "unknown name `undefined_name`" in err
    assert "2 problems" in err                # v, which reads both, adds no third report


def test_check_is_quiet_and_exits_zero_on_clean_files(tmp_path, capsys):
    model = tmp_path / "model.py"
    model.write_text("import numpy as np\n\ndef f(x):\n    return np.sum(np.tanh(x))\n")
    assert main(["check", str(model)]) == 0
    assert "1 function" in capsys.readouterr().out


def test_floor_of_a_differentiated_value_is_refused(tmp_path):
    module = load_module(tmp_path, "steps", textwrap.dedent("""
        import numpy as np

        def f(x):
            return np.sum(np.floor(x) * x)

        def g(x, n):
            return np.sum(x) * np.floor(n)
    """))
    with pytest.raises(symdiff.SymdiffError, match="np.floor is not differentiable") as info:
        symdiff.grad(module.f)(np.ones(3))
    assert info.value.loc.line == 5 and info.value.hint
    # floor of an input that is not differentiated is just a number
    assert symdiff.grad(module.g)(np.ones(3), 2.5).tolist() == [2.0, 2.0, 2.0]


def test_check_grad_warns_at_a_kink_instead_of_failing(tmp_path):
    module = load_module(tmp_path, "kinks", textwrap.dedent("""
        import numpy as np

        def f(x):
            return np.sum(np.abs(x)) + np.maximum(x[1], x[2])
    """))
    x = np.array([0.0, 1.0, 1.0, -2.0])           # abs at 0, and a tie in maximum
    with pytest.warns(symdiff.KinkWarning, match=r"x\[0\], x\[1\], x\[2\]"):
        report = symdiff.check_grad(module.f, x)
    assert report["x"] < 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # away from kinks: no warning at all
        symdiff.check_grad(module.f, np.array([0.5, 1.0, 2.0, -2.0]))


def test_zero_gradient_for_an_unused_input_keeps_its_kind(tmp_path):
    module = load_module(tmp_path, "unused", textwrap.dedent("""
        import numpy as np

        def f(x, w):
            return np.sum(x ** 2)
    """))
    dx, dw = symdiff.grad(module.f, wrt=(0, 1))(np.ones(2), 3.0)
    assert dw == 0.0 and isinstance(dw, float)


def test_cli_follows_helpers_imported_from_a_sibling_file(tmp_path):
    (tmp_path / "layers.py").write_text(
        "import numpy as np\n\n\ndef relu(z):\n    return np.maximum(0, z)\n")
    model = tmp_path / "model.py"
    model.write_text("import numpy as np\nfrom layers import relu\n\n\n"
                     "def loss(W, x):\n    return np.sum(relu(W @ x) ** 2)\n")
    out = tmp_path / "grads.py"
    assert main(["compile", str(model), "-o", str(out)]) == 0
    text = out.read_text()
    assert "layers.py:5" in text                  # the helper's own line, inlined
    module = load_module(tmp_path, "grads_mod", text)
    W, x = np.array([[1.0, -2.0], [0.5, 0.3]]), np.array([0.7, 0.2])
    h = W @ x
    expected = np.outer(2 * np.maximum(0, h) * (h > 0), x)
    np.testing.assert_allclose(module.grad_loss(W, x), expected, rtol=1e-12)


STABLE = """
import numpy as np

def logsumexp(s):
    m = np.max(s)
    return m + np.log(np.sum(np.exp(s - m)))

def softmax_ce(s, y):
    shifted = s - np.max(s, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(log_probs[np.arange(s.shape[0]), y])

def clipped_log(p):
    return np.sum(np.log(np.clip(p, 1e-12, 1.0)))
"""


def test_stable_forms_stay_stable_at_extreme_inputs(tmp_path):
    module = load_module(tmp_path, "stable", STABLE)
    s = np.array([1000.0, 999.0, -1000.0])
    g = symdiff.grad(module.logsumexp)(s)
    softmax = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    np.testing.assert_allclose(g, softmax, rtol=1e-12)
    scores = np.array([[800.0, -800.0, 0.5], [3.0, 1000.0, 2.0]])
    g = symdiff.grad(module.softmax_ce)(scores, np.array([0, 2]))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-12)      # softmax minus one-hot
    g = symdiff.grad(module.clipped_log)(np.array([0.0, 0.5, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.0])              # clip routes away


def test_strings_are_refused_but_print_is_allowed(tmp_path):
    module = load_module(tmp_path, "strings", textwrap.dedent("""
        import numpy as np

        def noisy(x):
            print("value", x)
            return np.sum(x ** 2)

        def stringly(x):
            return np.sum(x * "2")
    """))
    np.testing.assert_allclose(symdiff.grad(module.noisy)(np.array([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(symdiff.SymdiffError, match="strings") as info:
        symdiff.grad(module.stringly)(np.ones(2))
    assert info.value.loc.line == 9


def test_nested_elementwise_chains_compile_and_differentiate(tmp_path):
    """Chains found by fuzzing that once sent SymPy's inverse search into minutes."""
    module = load_module(tmp_path, "chains", textwrap.dedent("""
        import numpy as np

        def f(x):
            a = np.sin(np.tanh(np.tanh(x[::-1])))
            b = np.tanh(np.sin(x))
            return np.sum(a + b * np.exp(np.tanh(x)))
    """))
    symdiff.check_grad(module.f, np.array([0.3, -0.8, 1.1]))


def test_sizes_only_known_at_run_time_are_not_guessed(tmp_path):
    """np.arange(n) of an `int` argument (shape known, value not) has an unknown length:
    it was once taken as 0, and the specialized gradient broadcast to (0,) and failed."""
    module = load_module(tmp_path, "arange_of_argument", textwrap.dedent("""
        import numpy as np

        def f(x: float, n: int):
            return np.sum(x * np.arange(n))

        def g(X, x: float):
            N = X.shape[0]
            return np.sum(x * np.arange(N) * X[:, 0])
    """))
    assert symdiff.grad(module.f)(2.0, 5) == 10.0
    symdiff.check_grad(module.f, 2.0, 5)
    symdiff.check_grad(module.g, np.arange(12.0).reshape(4, 3), 2.0, wrt=(0, 1))
