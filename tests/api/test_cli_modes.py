"""The command line's other derivatives: ``--mode forward`` and ``--order 2``.

    symdiff compile model.py --mode forward     # jvp_<name>(args..., x_dot...)
    symdiff compile model.py --order 2          # also hvp_<name> and hessian_<name>

Generated modules are imported and checked against central differences of the model's
own functions (float64, random inputs).
"""
from __future__ import annotations

import numpy as np
import pytest

from symdiff import cli
from test_cli import (MODEL, B, T, V, W, X, defined_functions, import_file, import_lines,
                      run_main)
from support import load_module

EPS = 1e-6


@pytest.fixture
def paths(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(MODEL, encoding="utf-8")
    return model, tmp_path


def live(tmp_path):
    return load_module(tmp_path, "live_modes_model", MODEL)


def directional(f, args, wrt, tangents):
    """(f(args + eps t) - f(args - eps t)) / 2 eps, moving the ``wrt`` arguments."""
    def moved(sign):
        a = list(args)
        for i, t in zip(wrt, tangents):
            a[i] = a[i] + sign * EPS * t
        return f(*a)
    up, down = moved(1), moved(-1)
    if isinstance(up, tuple):
        return tuple((u - d) / (2 * EPS) for u, d in zip(up, down))
    return (up - down) / (2 * EPS)


def test_forward_mode_writes_jvp_functions_that_match_central_differences(capsys, paths):
    model, folder = paths
    out = folder / "jvp_model.py"
    code, _, err = run_main(capsys, "compile", model, "--mode", "forward", "--wrt", "W,b",
                            "-f", "loss", "-o", out)
    assert code == 0, err
    text = out.read_text()
    assert defined_functions(text) == ["jvp_loss"]
    assert import_lines(text) == ["import numpy as np"]
    assert "def jvp_loss(W, X, b, W_dot, b_dot):" in text
    generated, f = import_file(out, "jvp_model"), live(folder)
    rng = np.random.default_rng(3)
    tw, tb = rng.standard_normal(W.shape), rng.standard_normal(B.shape)
    value, slope = generated.jvp_loss(W, X, B, tw, tb)
    assert value == pytest.approx(f.loss(W, X, B), rel=1e-12)
    want = directional(f.loss, (W, X, B), (0, 2), (tw, tb))
    assert slope == pytest.approx(want, rel=1e-6, abs=1e-8)


def test_forward_mode_of_a_scalar_circuit(capsys, paths):
    model, folder = paths
    out = folder / "jvp_circuit.py"
    code, _, err = run_main(capsys, "compile", model, "--mode", "forward", "--wrt", "x,y,z",
                            "-f", "circuit", "-o", out)
    assert code == 0, err
    generated = import_file(out, "jvp_circuit")
    # f = (x + y) z at (-2, 5, -4): df = z dx + z dy + q dz = -4 dx - 4 dy + 3 dz
    assert generated.jvp_circuit(-2.0, 5.0, -4.0, 1.0, 0.0, 0.0) == (-12.0, -4.0)
    assert generated.jvp_circuit(-2.0, 5.0, -4.0, 0.0, 1.0, 0.0) == (-12.0, -4.0)
    assert generated.jvp_circuit(-2.0, 5.0, -4.0, 0.0, 0.0, 1.0) == (-12.0, 3.0)


def test_order_two_writes_hvp_and_hessian_that_match_second_differences(capsys, paths):
    model, folder = paths
    out = folder / "hess_model.py"
    code, _, err = run_main(capsys, "compile", model, "--order", "2", "--wrt", "v",
                            "-f", "softplus_sum", "-o", out)
    assert code == 0, err
    text = out.read_text()
    assert defined_functions(text)[-4:] == ["grad_softplus_sum", "value_and_grad_softplus_sum",
                                       "hvp_softplus_sum", "hessian_softplus_sum"]
    generated = import_file(out, "hess_model")
    H = generated.hessian_softplus_sum(V, T)
    assert H.shape == (6, 6)
    numeric = np.array([directional(generated.grad_softplus_sum, (V, T), (0,), (e,))
                        for e in np.eye(6)]).T
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, atol=1e-14)
    v = np.random.default_rng(4).standard_normal(6)
    np.testing.assert_allclose(generated.hvp_softplus_sum(V, T, v), H @ v, rtol=1e-12,
                               atol=1e-14)


def test_order_two_with_several_arguments_gives_blocks(capsys, paths):
    model, folder = paths
    out = folder / "hess_loss.py"
    code, _, err = run_main(capsys, "compile", model, "--order", "2", "--wrt", "W,b",
                            "-f", "loss", "-o", out)
    assert code == 0, err
    generated = import_file(out, "hess_loss")
    blocks = generated.hessian_loss(W, X, B)
    assert [[b.shape for b in row] for row in blocks] == [[(4, 3, 4, 3), (4, 3, 3)],
                                                           [(3, 4, 3), (3, 3)]]
    for j, (x, k) in enumerate(((W, 0), (B, 2))):
        for idx in np.ndindex(x.shape):
            e = np.zeros(x.shape)
            e[idx] = 1.0
            column = directional(generated.grad_loss, (W, X, B), (k,), (e,))
            for i in range(2):
                np.testing.assert_allclose(blocks[i][j][(...,) + idx], column[i],
                                           rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(blocks[0][1], np.moveaxis(blocks[1][0], 0, -1), atol=1e-13)


def test_forward_mode_with_jit_decorates_the_functions(capsys, paths):
    model, _ = paths
    code, out, err = run_main(capsys, "compile", model, "--mode", "forward", "--jit",
                              "-f", "circuit")
    assert code == 0, err
    assert "@jit_or_numpy\ndef jvp_circuit(x, y, z, x_dot):" in out and "import numba" in out


@pytest.mark.parametrize("argv", [["--order", "3"], ["--mode", "sideways"]])
def test_bad_mode_or_order_is_usage_error(capsys, paths, argv):
    model, _ = paths
    with pytest.raises(SystemExit) as exc:
        cli.main(["compile", str(model), *argv])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
