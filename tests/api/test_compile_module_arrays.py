"""``symdiff compile`` of functions that read module-level NumPy arrays: the generated
gradient takes each array as a keyword-only parameter named as in the model, and the
caller passes the arrays the model's module holds (so changes made at module level
after the definition are followed). Checked against central differences of the
original function; a compiled function that writes into a module array is refused."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from support import load_module, numerical_jacobian, second_difference
from symdiff.cli import compile_file, main

MODEL = '''
import numpy as np

rng = np.random.default_rng(0)
W0 = rng.normal(size=(3, 4))
MEAN = np.array([1.0, -2.0, 0.5])
K = 2.0
TABLE = np.zeros(4)
for i in range(4):
    TABLE[i] = 0.5 * i
MEAN[0] = 0.25          # changed after its definition: the gradient sees this value
W0 *= 0.5
TABLE = TABLE + 0.1     # rebound


def centred(x):
    return x - MEAN


def loss(w, X):
    h = np.tanh(X @ (W0 + w) + TABLE)
    return K * np.sum(h ** 2) + np.sum(centred(X[0, :]) ** 2 * w[0, 0])
'''


def _compiled(tmp_path, text, *options):
    path = tmp_path / "model.py"
    path.write_text(text)
    out = tmp_path / "grad_model.py"
    assert main(["compile", str(path), "-o", str(out), *options]) == 0
    model = load_module(tmp_path, "model", text)
    return model, load_module(tmp_path, "grad", out.read_text()), out.read_text()


def test_module_arrays_are_keyword_parameters(tmp_path):
    model, grad, source = _compiled(tmp_path, MODEL, "-f", "loss")
    assert "def grad_loss(w, X, *, W0, TABLE, MEAN):" in source
    assert "def value_and_grad_loss(w, X, *, W0, TABLE, MEAN):" in source
    assert "(W0=model.W0, TABLE=model.TABLE, MEAN=model.MEAN)" in " ".join(source.split())
    rng = np.random.default_rng(1)
    w, X = 0.3 * rng.normal(size=(3, 4)), rng.normal(size=(5, 3))
    arrays = dict(W0=model.W0, TABLE=model.TABLE, MEAN=model.MEAN)
    value, g = grad.value_and_grad_loss(w, X, **arrays)
    assert value == pytest.approx(model.loss(w, X), rel=1e-12)
    np.testing.assert_allclose(g, numerical_jacobian(model.loss, (w, X), 0), rtol=1e-6,
                               atol=1e-9)
    np.testing.assert_allclose(grad.grad_loss(w, X, **arrays), g)
    with pytest.raises(TypeError):
        grad.grad_loss(w, X, model.W0, model.TABLE, model.MEAN)     # by keyword only


def test_a_helper_reading_a_module_array(tmp_path):
    text = MODEL + '''

def loss2(v):
    return np.sum(centred(v) ** 3)
'''
    model, grad, source = _compiled(tmp_path, text, "-f", "loss2")
    assert "def grad_loss2(v, *, MEAN):" in source
    v = np.array([0.7, -0.4, 1.3])
    value, g = grad.value_and_grad_loss2(v, MEAN=model.MEAN)
    assert value == pytest.approx(model.loss2(v), rel=1e-12)
    np.testing.assert_allclose(g, numerical_jacobian(model.loss2, (v,), 0), rtol=1e-6)


JIT_MODEL = '''
import numpy as np

SCALE = np.linspace(0.5, 1.5, 4)
MEAN = np.array([1.0, -2.0, 0.5, 3.0])


def loss(w, b):
    return np.sum(np.tanh(w * SCALE - MEAN) ** 2) + b * np.sum(MEAN * w)
'''


def test_jit_takes_module_arrays_by_keyword(tmp_path):
    pytest.importorskip("numba")
    model, grad, source = _compiled(tmp_path, JIT_MODEL, "--jit", "--shapes",
                                    "w=(4,), SCALE=(4,), MEAN=(4,)")
    assert "def value_and_grad_loss(w, b, *, SCALE, MEAN):" in source
    w, b = np.array([0.3, -0.8, 0.1, 0.6]), 0.7
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # compiled by numba, no NumPy fallback
        value, g = grad.value_and_grad_loss(w, b, SCALE=model.SCALE, MEAN=model.MEAN)
    assert value == pytest.approx(model.loss(w, b), rel=1e-12)
    np.testing.assert_allclose(g, numerical_jacobian(model.loss, (w, b), 0), rtol=1e-6)


def test_forward_mode_and_hessian_take_module_arrays_by_keyword(tmp_path):
    model, grad, source = _compiled(tmp_path, JIT_MODEL, "--order", "2")
    assert "def hessian_loss(w, b, *, SCALE, MEAN):" in source
    w, b = np.array([0.3, -0.8, 0.1, 0.6]), 0.7
    arrays = dict(SCALE=model.SCALE, MEAN=model.MEAN)
    np.testing.assert_allclose(grad.hessian_loss(w, b, **arrays),
                               second_difference(model.loss, (w, b), 0, 0), atol=1e-5)
    _, forward, _ = _compiled(tmp_path, JIT_MODEL, "--mode", "forward")
    t = np.array([1.0, -0.5, 0.25, 2.0])
    value, tangent = forward.jvp_loss(w, b, t, **arrays)
    assert value == pytest.approx(model.loss(w, b), rel=1e-12)
    assert tangent == pytest.approx(numerical_jacobian(model.loss, (w, b), 0) @ t, rel=1e-6)



DEFAULT_MODEL = '''
import numpy as np

W0 = np.array([1.0, -2.0, 0.5])


def soft(r, scale=1.5):
    return np.sum(W0 * np.log(np.cosh(r / scale)) * scale ** 2)
'''


@pytest.mark.parametrize("backend", ["numpy", "array-api"])
def test_the_hessian_keeps_defaults_and_takes_module_arrays_by_keyword(tmp_path, backend):
    model, grad, source = _compiled(tmp_path, DEFAULT_MODEL, "--order", "2",
                                    "--backend", backend)
    assert "def hessian_soft(r, scale=1.5, *, W0):" in source
    r = np.array([0.3, -2.0, 1.0])
    np.testing.assert_allclose(np.asarray(grad.hessian_soft(r, W0=model.W0)),
                               second_difference(model.soft, (r,), 0, 0), atol=1e-5)

def test_a_function_writing_into_a_module_array_is_refused(tmp_path, capsys):
    text = MODEL + '''

def bad(v):
    MEAN[1] = v[0]
    return np.sum(v * MEAN)
'''
    path = tmp_path / "model.py"
    path.write_text(text)
    assert main(["compile", str(path), "-f", "bad"]) == 1
    err = capsys.readouterr().err
    line = text.splitlines().index("    MEAN[1] = v[0]") + 1
    assert f"model.py:{line}:5: `bad` writes into `MEAN`, a module-level array" in err
    assert "MEAN[1] = v[0]" in err and "hint: pass `MEAN` to `bad` as an argument" in err
    assert compile_file(str(path), ["loss"])        # the other functions still compile
