"""The command line (design.md, "Command line (contract)").

    symdiff compile model.py [-f NAME]... [--wrt ARG[,ARG...]] [-o OUT.py] [--jit]

Most cases call ``symdiff.cli.main([...])`` in-process (fast, with capsys); exit codes
that argparse produces, the ``python -m symdiff.cli`` entry point and PYTHONHASHSEED
independence run in subprocesses. Generated modules are imported and their gradients
compared with ``symdiff.grad`` on the same functions.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff import cli
from support import load_module

REPO_ROOT = Path(__file__).resolve().parents[2]

MODEL = '''"""A small model: a layer, a circuit, a scalar function."""
import numpy as np

SCALE = 0.5


def squash(z):
    return np.tanh(z)


def loss(W, X, b):
    h = squash(X @ W + b)
    return SCALE * np.sum(h ** 2) + np.sum(b * b)


def circuit(x, y, z):
    q = x + y
    return q * z


def softplus_sum(v, t):
    return np.sum(np.log(1.0 + np.exp(v * t)))
'''

MODEL_FUNCTIONS = ["squash", "loss", "circuit", "softplus_sum"]

BAD_MODEL = '''import numpy as np


def fine(x):
    return np.sum(x * x)


def broken(x):
    total = np.sum(x)
    double = {2.0 * v for v in [total]}
    return double
'''

RNG = np.random.default_rng(11)
W = RNG.standard_normal((4, 3))
X = RNG.standard_normal((5, 4))
B = RNG.standard_normal(3)
V = RNG.standard_normal(6)
T = RNG.standard_normal(6)


@pytest.fixture
def model_path(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL, encoding="utf-8")
    return path


@pytest.fixture
def model(tmp_path):
    """The same model, imported (for symdiff.grad on the live functions)."""
    return load_module(tmp_path, "live_model", MODEL)


def run_main(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "symdiff.cli", *map(str, argv)],
                          capture_output=True, text=True, env=env, cwd=cwd or REPO_ROOT,
                          timeout=120)


def import_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def defined_functions(text: str) -> list[str]:
    return [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]


def import_lines(text: str) -> list[str]:
    lines = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.append(ast.unparse(node))
    return lines


# ---------------------------------------------------------------- success


def test_default_compiles_every_top_level_function(capsys, model_path):
    code, out, err = run_main(capsys, "compile", model_path)
    assert code == 0, err
    assert err == ""
    names = defined_functions(out)
    for fn in MODEL_FUNCTIONS:
        assert f"grad_{fn}" in names
        assert f"value_and_grad_{fn}" in names
    compile(out, "<stdout>", "exec")


def test_select_functions_with_repeated_f(capsys, model_path):
    code, out, _ = run_main(capsys, "compile", model_path, "-f", "circuit", "-f", "softplus_sum")
    assert code == 0
    names = defined_functions(out)
    assert {"grad_circuit", "value_and_grad_circuit", "grad_softplus_sum",
            "value_and_grad_softplus_sum"} <= set(names)
    assert not any(n.endswith(("_loss", "_squash")) for n in names)


def test_long_option_function(capsys, model_path):
    code, out, _ = run_main(capsys, "compile", model_path, "--function", "circuit")
    assert code == 0 and "def grad_circuit(x, y, z):" in out


def test_output_file_imports_only_numpy_and_matches_symdiff_grad(capsys, tmp_path, model_path,
                                                                  model):
    out_path = tmp_path / "grads_out.py"
    code, out, err = run_main(capsys, "compile", model_path, "-o", out_path)
    assert code == 0, err
    assert out == ""                                   # nothing on stdout with -o
    text = out_path.read_text(encoding="utf-8")
    assert import_lines(text) == ["import numpy as np"]
    generated = import_file(out_path, "symdiff_cli_out_default")

    np.testing.assert_allclose(generated.grad_loss(W, X, B), symdiff.grad(model.loss)(W, X, B),
                               rtol=1e-12)
    value, dW = generated.value_and_grad_loss(W, X, B)
    want_value, want_dW = symdiff.value_and_grad(model.loss)(W, X, B)
    assert value == pytest.approx(want_value, rel=1e-14)
    np.testing.assert_allclose(dW, want_dW, rtol=1e-12)
    assert generated.grad_circuit(-2.0, 5.0, -4.0) == -4.0
    assert generated.value_and_grad_circuit(-2.0, 5.0, -4.0) == (-12.0, -4.0)
    np.testing.assert_allclose(generated.grad_softplus_sum(V, T),
                               symdiff.grad(model.softplus_sum)(V, T), rtol=1e-12)


def test_wrt_several_names(capsys, tmp_path, model_path, model):
    out_path = tmp_path / "grads_wrt.py"
    code, _, err = run_main(capsys, "compile", model_path, "-f", "loss", "--wrt", "W,b",
                            "-o", out_path)
    assert code == 0, err
    generated = import_file(out_path, "symdiff_cli_out_wrt")
    dW, db = generated.grad_loss(W, X, B)
    want_dW, want_db = symdiff.grad(model.loss, wrt=("W", "b"))(W, X, B)
    np.testing.assert_allclose(dW, want_dW, rtol=1e-12)
    np.testing.assert_allclose(db, want_db, rtol=1e-12)
    value, (dW2, db2) = generated.value_and_grad_loss(W, X, B)
    assert value == pytest.approx(model.loss(W, X, B), rel=1e-14)
    np.testing.assert_allclose(db2, want_db, rtol=1e-12)
    symdiff.check_grad(model.loss, W, X, B, wrt=("W", "b"))


def test_wrt_by_position_and_mixed(capsys, tmp_path, model_path):
    out_path = tmp_path / "grads_pos.py"
    code, _, err = run_main(capsys, "compile", model_path, "-f", "circuit", "--wrt", "2,x",
                            "-o", out_path)
    assert code == 0, err
    generated = import_file(out_path, "symdiff_cli_out_pos")
    assert generated.grad_circuit(-2.0, 5.0, -4.0) == (3.0, -4.0)


def test_single_wrt_name(capsys, tmp_path, model_path, model):
    code, out, err = run_main(capsys, "compile", model_path, "-f", "softplus_sum", "--wrt", "t")
    assert code == 0, err
    namespace: dict = {}
    exec(compile(out, "<stdout>", "exec"), namespace)
    np.testing.assert_allclose(namespace["grad_softplus_sum"](V, T),
                               symdiff.grad(model.softplus_sum, wrt="t")(V, T), rtol=1e-12)


def test_jit_flag_emits_numba(capsys, model_path):
    code, out, err = run_main(capsys, "compile", model_path, "-f", "circuit", "--jit")
    assert code == 0, err
    packages = [line for line in import_lines(out)
                if line.split()[1] not in sys.stdlib_module_names]
    assert sorted(packages) == ["import numba", "import numpy as np"]
    tree = ast.parse(out)
    decorated = {node.name: [ast.unparse(d) for d in node.decorator_list]
                 for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert decorated == {"jit_or_numpy": [], "grad_circuit": ["jit_or_numpy"],
                         "value_and_grad_circuit": ["jit_or_numpy"]}
    namespace: dict = {}
    exec(compile(out, "<stdout>", "exec"), namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # numba compiles it: no fallback
        got = namespace["grad_circuit"](-2.0, 5.0, -4.0)
    assert type(namespace["grad_circuit"].py_func) is types.FunctionType
    np.testing.assert_allclose(got, -4.0)


def test_the_model_file_is_never_run(capsys, tmp_path):
    marker = tmp_path / "ran.txt"
    path = tmp_path / "side_effects.py"
    path.write_text(f'''import numpy as np

open({str(marker)!r}, "w").write("the model was executed")


def f(x):
    return np.sum(x * x)


raise SystemExit("executed!")
''', encoding="utf-8")
    out_path = tmp_path / "side_out.py"
    code, _, err = run_main(capsys, "compile", path, "-o", out_path)
    assert code == 0, err
    assert not marker.exists()
    assert "def grad_f(x):" in out_path.read_text(encoding="utf-8")
    # the same through a real process: exit 0, and nothing executed
    result = run_process("compile", path)
    assert result.returncode == 0, result.stderr
    assert "executed!" not in result.stdout + result.stderr
    assert not marker.exists()


# ---------------------------------------------------------------- compile errors: exit 1


def test_compile_error_is_located_on_stderr_and_writes_nothing(capsys, tmp_path):
    path = tmp_path / "bad_model.py"
    path.write_text(BAD_MODEL, encoding="utf-8")
    out_path = tmp_path / "bad_out.py"
    code, out, err = run_main(capsys, "compile", path, "-o", out_path)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    head = f"{path}:10:14: set comprehensions are not supported"
    assert any(head in line for line in lines), err
    k = next(i for i, line in enumerate(lines) if head in line)
    assert lines[k + 1] == "        double = {2.0 * v for v in [total]}"
    assert lines[k + 2] == "    " + " " * 13 + "^"
    assert any(line.startswith("hint: ") for line in lines[k + 3:])
    assert not out_path.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad_model.py"]   # no temporary left


def test_compile_error_on_stdout_mode_prints_nothing_to_stdout(capsys, tmp_path):
    path = tmp_path / "bad_model.py"
    path.write_text(BAD_MODEL, encoding="utf-8")
    code, out, err = run_main(capsys, "compile", path)
    assert code == 1 and out == "" and "set comprehensions" in err


def test_an_existing_output_is_left_byte_identical_on_failure(capsys, tmp_path):
    path = tmp_path / "bad_model.py"
    path.write_text(BAD_MODEL, encoding="utf-8")
    out_path = tmp_path / "existing.py"
    before = b"# hand-written, keep me\r\nx = 1\n\xff"
    out_path.write_bytes(before)
    code, _, _ = run_main(capsys, "compile", path, "-o", out_path)
    assert code == 1
    assert out_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_model.py", "existing.py"]


def test_selecting_only_the_good_function_succeeds(capsys, tmp_path):
    path = tmp_path / "bad_model.py"
    path.write_text(BAD_MODEL, encoding="utf-8")
    code, out, err = run_main(capsys, "compile", path, "-f", "fine")
    assert code == 0, err
    assert "def grad_fine(x):" in out and "broken" not in out


def test_missing_file_is_exit_1(capsys, tmp_path):
    code, out, err = run_main(capsys, "compile", tmp_path / "nowhere.py")
    assert code == 1 and out == ""
    assert "nowhere.py" in err and "hint:" in err


def test_unknown_function_name_is_exit_1(capsys, model_path):
    code, out, err = run_main(capsys, "compile", model_path, "-f", "circuit", "-f", "nope")
    assert code == 1 and out == ""
    assert "nope" in err
    assert "circuit" in err and "loss" in err         # the hint lists the choices


def test_unknown_wrt_name_is_exit_1(capsys, model_path):
    code, out, err = run_main(capsys, "compile", model_path, "-f", "loss", "--wrt", "W,zz")
    assert code == 1 and out == ""
    assert "`zz`" in err and f"{model_path}:" in err


def test_syntax_error_in_model_is_exit_1(capsys, tmp_path):
    path = tmp_path / "syntax.py"
    path.write_text("import numpy as np\n\ndef f(x):\n    return np.sum(x +)\n")
    code, out, err = run_main(capsys, "compile", path)
    assert code == 1 and out == ""
    assert f"{path}:4:" in err


def test_unwritable_output_is_exit_1(capsys, tmp_path, model_path):
    code, out, err = run_main(capsys, "compile", model_path, "-o",
                              tmp_path / "no_such_dir" / "out.py")
    assert code == 1
    assert "symdiff: error" in err


# ---------------------------------------------------------------- usage: exit 2


@pytest.mark.parametrize("argv", [[], ["compile"], ["compile", "model.py", "--nope"],
                                  ["build", "model.py"], ["compile", "model.py", "-f"]],
                         ids=["nothing", "no-model", "unknown-option", "unknown-command",
                              "f-without-name"])
def test_bad_usage_exits_2_in_process(capsys, argv):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_bad_usage_exits_2_from_the_command_line():
    result = run_process("compile", "--nope", "model.py")
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr and result.stdout == ""


# ---------------------------------------------------------------- determinism


def test_output_is_byte_identical_on_two_runs(capsys, model_path):
    first = run_main(capsys, "compile", model_path)
    second = run_main(capsys, "compile", model_path)
    assert first[0] == second[0] == 0
    assert first[1] == second[1]


def test_output_does_not_depend_on_the_hash_seed(tmp_path, model_path):
    outputs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out_path = tmp_path / f"seed_{seed}.py"
        result = run_process("compile", model_path, "--wrt", "0,2", "-f", "loss", "-f",
                             "circuit", "-o", out_path, env=env)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        outputs.append(out_path.read_bytes())
    assert outputs[0] == outputs[1]
    # and equal to this process's own output (a third, random hash seed)
    in_process = cli.compile_file(str(model_path), ["loss", "circuit"], (0, 2))
    assert outputs[0].decode("utf-8") == in_process


def test_output_file_has_ordinary_permissions(capsys, tmp_path, model_path):
    out = tmp_path / "grads.py"
    old = os.umask(0o022)
    try:
        code, _, err = run_main(capsys, "compile", model_path, "-o", out)
    finally:
        os.umask(old)
    assert code == 0, err
    assert out.stat().st_mode & 0o777 == 0o644
