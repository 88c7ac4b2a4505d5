"""``symdiff check`` (``cli.check_file``) reports the user's problems and nothing else: a
compiler bug is not turned into "can be differentiated", nor into silence."""
import numpy as np
import pytest

import symdiff
from symdiff import cli, pipeline
from support import load_module

REFUSED_AND_CONFUSING = """
import numpy as np

def f(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    z = x * 1.0
    z.attr = 1.0
    return np.sum(z)
"""

CLEAN = """
import numpy as np

def f(x):
    return np.sum(np.tanh(x) * x)
"""


def _model(tmp_path, text):
    path = tmp_path / "model.py"
    path.write_text(text)
    return path


def test_refused_code_that_confuses_lowering_is_reported(tmp_path, capsys):
    """Lowering what the fence refused may fail inside: the fence's problems are the report."""
    path = _model(tmp_path, REFUSED_AND_CONFUSING)
    problems, count = cli.check_file(str(path))
    assert count == 1
    assert any("`try` is not supported" in p.message for p in problems)
    assert all(p.loc is not None and p.loc.line >= 5 for p in problems)
    assert cli.main(["check", str(path)]) == 1
    assert "`try` is not supported" in capsys.readouterr().err


@pytest.mark.parametrize("text, owner, stage, bug", [
    (CLEAN, pipeline, "gradient_ir", RuntimeError),
    (CLEAN, pipeline, "gradient_ir", KeyError),
    (CLEAN, pipeline, "gradient_ir", ZeroDivisionError),
    (REFUSED_AND_CONFUSING, cli, "lower", RuntimeError),
], ids=["accepted-runtime", "accepted-key", "accepted-zero-division", "refused-runtime"])
def test_a_compiler_bug_propagates(tmp_path, monkeypatch, text, owner, stage, bug):
    """Code the fence accepts: any error but a SymdiffError is a bug, never "fine". Code it
    refused: only the errors of an AST walker meeting a node it was not written for are
    quiet."""
    path = _model(tmp_path, text)

    def broken(*args, **kwargs):
        raise bug("compiler bug")
    monkeypatch.setattr(owner, stage, broken)
    with pytest.raises(bug):
        cli.check_file(str(path))


def test_a_clean_file_checks_and_its_gradient_is_right(tmp_path, capsys):
    path = _model(tmp_path, CLEAN)
    assert cli.check_file(str(path)) == ([], 1)
    assert cli.main(["check", str(path)]) == 0
    assert "1 function" in capsys.readouterr().out
    module = load_module(tmp_path, "clean", CLEAN)
    x = np.random.default_rng(7).standard_normal(6)
    symdiff.check_grad(module.f, x)
    value, grad = symdiff.value_and_grad(module.f)(x)
    np.testing.assert_allclose(value, module.f(x), rtol=1e-12)
    np.testing.assert_allclose(grad, np.tanh(x) + x * (1 - np.tanh(x) ** 2), rtol=1e-12)
