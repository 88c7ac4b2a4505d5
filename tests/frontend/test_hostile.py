"""Hostile files and command lines: names that try to run code, outputs over inputs,
files Python reads in unusual encodings, and Ctrl-C.

Each generated module is imported in a folder where a canary file would appear if any
piece of user text had escaped its comment or docstring and run; the gradients it gives
are checked against central differences.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff import cli
from symdiff.frontend.parse import read_file, source_lines
from support import numerical_jacobian

CANARY = "PWNED"

#: File names (before ``.py``) that would run ``open(CANARY, "w")`` if pasted raw.
HOSTILE_NAMES = [
    f'x""";open("{CANARY}","w");"""',
    f"x\nopen('{CANARY}', 'w')\n",
    f"x\ropen('{CANARY}', 'w')#",
    f"x\u2028open('{CANARY}', 'w')",
    f"x\x0copen('{CANARY}', 'w')",
    "back\\slash\\N{x}\\",
    "hash#quote'apostrophe\"\"\"\\",
    f"x'''\nopen('{CANARY}', 'w')\n'''",
]

MODEL = '''\
import numpy as np

K = 1.5


def loss(x, w):
    """x is (N,), w is (N,)"""
    h = np.tanh(x * w) * K
    return np.sum(h ** 2)
'''


def loss(x, w):
    return np.sum((np.tanh(x * w) * 1.5) ** 2)


def import_path(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def inputs():
    rng = np.random.default_rng(11)
    return rng.standard_normal(4), rng.standard_normal(4)


def assert_loss_gradient(grad_loss, value_and_grad_loss=None):
    x, w = inputs()
    expected = numerical_jacobian(loss, (x, w), 0)
    np.testing.assert_allclose(grad_loss(x, w), expected, rtol=1e-6, atol=1e-8)
    if value_and_grad_loss is not None:
        value, dx = value_and_grad_loss(x, w)
        np.testing.assert_allclose(value, loss(x, w), rtol=1e-12)
        np.testing.assert_allclose(dx, expected, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- code injection


@pytest.mark.parametrize("options", [(), ("--annotate",), ("--order", "2"),
                                     ("--mode", "forward"), ("--explain-passes",)])
@pytest.mark.parametrize("stem", HOSTILE_NAMES)
def test_hostile_file_names_stay_text_in_the_compiled_module(tmp_path, monkeypatch, stem,
                                                             options):
    monkeypatch.chdir(tmp_path)
    model = tmp_path / f"{stem}.py"
    model.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "generated.py"
    assert cli.main(["compile", str(model), "-o", str(out), *options]) == 0
    text = out.read_text(encoding="utf-8")
    ast.parse(text)
    module = import_path(out, f"symdiff_hostile_{abs(hash((stem, options)))}")
    assert not (tmp_path / CANARY).exists()
    assert model.name in module.__doc__
    if options == ("--mode", "forward"):
        x, w = inputs()
        value, derivative = module.jvp_loss(x, w, np.ones(4))
        np.testing.assert_allclose(value, loss(x, w), rtol=1e-12)
        np.testing.assert_allclose(derivative, numerical_jacobian(loss, (x, w), 0).sum(),
                                   rtol=1e-6)
    else:
        assert_loss_gradient(module.grad_loss, module.value_and_grad_loss)


@pytest.mark.parametrize("stem", HOSTILE_NAMES)
def test_hostile_file_names_stay_text_in_process(tmp_path, monkeypatch, stem):
    monkeypatch.chdir(tmp_path)
    model = tmp_path / f"{stem}.py"
    model.write_text(MODEL, encoding="utf-8")
    live = import_path(model, f"symdiff_hostile_live_{abs(hash(stem))}")
    grad = symdiff.grad(live.loss)
    assert_loss_gradient(grad, symdiff.value_and_grad(live.loss))
    ast.parse(grad.source)
    ast.parse(grad.annotated_source())
    exec(compile(grad.annotated_source(), "<annotated>", "exec"), {})
    H = symdiff.hessian(live.loss)(*inputs())
    assert np.all(np.isfinite(H))
    assert not (tmp_path / CANARY).exists()


def test_a_hostile_function_name_stays_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain.py").write_text(MODEL)
    live = import_path(tmp_path / "plain.py", "symdiff_hostile_fn_name")
    live.loss.__name__ = f'a"""\nopen("{CANARY}", "w")\n#'
    grad = symdiff.grad(live.loss)
    assert_loss_gradient(grad)
    assert 'a\\"\\"\\"' in grad.source
    assert not (tmp_path / CANARY).exists()


def test_source_lines_quoted_in_comments_stay_on_one_line(tmp_path, monkeypatch):
    """A quoted source line holding separators other than a newline stays one comment."""
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "seps.py"
    model.write_text(MODEL.replace("return np.sum(h ** 2)",
                                   "return np.sum(h ** 2)  # \u2028 \x0c \x85 \x1c end"),
                     encoding="utf-8")
    out = tmp_path / "generated.py"
    assert cli.main(["compile", str(model), "-o", str(out), "--annotate"]) == 0
    text = out.read_text(encoding="utf-8")
    assert not set(text) & set("\u2028\x0c\x85\x1c\r")
    assert "\\u2028 \\x0c \\x85 \\x1c end" in text
    module = import_path(out, "symdiff_hostile_seps")
    assert_loss_gradient(module.grad_loss, module.value_and_grad_loss)


# ---------------------------------------------------------------- output files


def compile_to(capsys, model, output, *extra):
    code = cli.main(["compile", str(model), "-o", str(output), *extra])
    return code, capsys.readouterr().err


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL, encoding="utf-8")
    return path


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_output_onto_the_input_is_refused(tmp_path, capsys, model, spelling):
    (tmp_path / "sub").mkdir()
    output = {"same": model, "dotted": tmp_path / "sub" / ".." / "model.py",
              "symlink": tmp_path / "link.py", "hardlink": tmp_path / "hard.py"}[spelling]
    if spelling == "symlink":
        output.symlink_to(model)
    elif spelling == "hardlink":
        os.link(model, output)
    code, err = compile_to(capsys, model, output)
    assert code == 1
    assert "refusing to write" in err and "input" in err and "Traceback" not in err
    assert model.read_text(encoding="utf-8") == MODEL
    assert spelling != "symlink" or output.is_symlink()
    assert not list(tmp_path.glob(".symdiff-*"))


def test_output_onto_a_sibling_module_it_reads_is_refused(tmp_path, capsys):
    helpers = tmp_path / "helpers.py"
    helpers.write_text("import numpy as np\n\ndef act(z):\n    return np.tanh(z)\n")
    model = tmp_path / "main_model.py"
    model.write_text("import numpy as np\nfrom helpers import act\n\n"
                     "def loss(x):\n    return np.sum(act(x) ** 2)\n")
    code, err = compile_to(capsys, model, helpers)
    assert code == 1 and "refusing to write" in err
    assert "def act" in helpers.read_text()


def test_explain_and_graph_refuse_to_overwrite_the_input(tmp_path, capsys):
    model = tmp_path / "model.dot"
    text = "def f(x, y):\n    return x * y + x\n"
    model.write_text(text)
    for command in ("explain", "graph"):
        code = cli.main([command, str(model), "--at", "x=1.0, y=2.0", "-o", str(model)])
        err = capsys.readouterr().err
        assert code == 1 and "refusing to write" in err, command
        assert model.read_text() == text


def device_node(tmp_path: Path) -> Path:
    """A character device like /dev/null, made in ``tmp_path`` where that is allowed (a
    test must never risk the real one), else /dev/null itself."""
    path = tmp_path / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        return Path(os.devnull)
    return path


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "dangling"])
def test_output_onto_what_is_not_a_regular_file_is_refused(tmp_path, capsys, model, kind):
    if kind == "device":
        output = device_node(tmp_path)
        before = os.stat(output)
    elif kind == "fifo":
        output = tmp_path / "pipe.py"
        os.mkfifo(output)
    elif kind == "folder":
        output = tmp_path / "folder"
        output.mkdir()
    else:
        output = tmp_path / "dangling.py"
        output.symlink_to(tmp_path / "nowhere" / "x.py")
    code, err = compile_to(capsys, model, output)
    assert code == 1 and "refusing to write" in err and "Traceback" not in err
    if kind == "device":
        after = os.stat(output)
        assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert kind != "fifo" or stat.S_ISFIFO(os.stat(output).st_mode)
    assert kind != "dangling" or output.is_symlink()
    assert not list(tmp_path.glob(".symdiff-*"))


def test_a_symbolic_link_to_another_file_is_written_through(tmp_path, capsys, model):
    target = tmp_path / "real_out.py"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "out.py"
    link.symlink_to(target)
    code, _ = compile_to(capsys, model, link)
    assert code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert (target.stat().st_mode & 0o777) == 0o640
    module = import_path(target, "symdiff_hostile_through_link")
    assert_loss_gradient(module.grad_loss, module.value_and_grad_loss)


def test_a_read_only_output_is_refused(tmp_path, capsys, model, monkeypatch):
    output = tmp_path / "ro.py"
    output.write_text("keep\n")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if str(p) == str(output)
                        else real_access(p, m))
    code, err = compile_to(capsys, model, output)
    assert code == 1 and "read-only" in err
    assert output.read_text() == "keep\n"


# ---------------------------------------------------------------- odd files


def lineno_of(text: str, kind=ast.Return) -> int:
    return next(n.lineno for n in ast.walk(ast.parse(text)) if isinstance(n, kind))


def compile_bytes(tmp_path, capsys, data: bytes, *extra, name="odd.py"):
    path = tmp_path / name
    path.write_bytes(data)
    code = cli.main(["compile", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("data, line", [
    (bytes(range(256)), 3),                                           # \n and \r inside
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1),
    ("import numpy as np\n\ndef f(x):\n    # caf\xe9\n    return x\n".encode("latin-1"), 4),
    ("# caf\xe9\ndef f(x):\n    return x\n".encode("latin-1"), 1),
    (b"def f(x):\n    return x\x00\n", 2),
    (b"# coding: no-such-codec\ndef f(x):\n    return x\n", 1),
    (b"\xef\xbb\xbf# coding: latin-1\ndef f(x):\n    return x\n", 1),
])
def test_files_python_cannot_read_are_refused_where_the_bad_byte_is(tmp_path, capsys, data,
                                                                    line):
    code, out, err = compile_bytes(tmp_path, capsys, data)
    assert code == 1 and out == ""
    assert err.startswith(f"symdiff: error: {tmp_path / 'odd.py'}:{line}:")
    assert "cannot read" in err and "hint:" in err and "Traceback" not in err


LATIN = ("# -*- coding: latin-1 -*-\n"
         "import numpy as np\n\n"
         "def loss(x, w):\n"
         "    \"\"\"Le co\xfbt (x is (N,))\"\"\"\n"
         "    \xe9t\xe9 = np.tanh(x * w) * 1.5\n"
         "    return np.sum(\xe9t\xe9 ** 2)\n")


def test_a_declared_encoding_is_honoured(tmp_path, capsys):
    path = tmp_path / "latin.py"
    path.write_bytes(LATIN.encode("latin-1"))
    out = tmp_path / "generated.py"
    assert cli.main(["compile", str(path), "-o", str(out), "--annotate"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "\xe9t\xe9" in text and "latin.py:7" in text
    module = import_path(out, "symdiff_hostile_latin")
    assert_loss_gradient(module.grad_loss, module.value_and_grad_loss)
    live = import_path(path, "symdiff_hostile_latin_live")
    assert_loss_gradient(symdiff.grad(live.loss), symdiff.value_and_grad(live.loss))


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_byte_order_mark_and_any_newline_are_read_as_python_reads_them(tmp_path, newline):
    text = MODEL.replace("\n", newline)
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out = tmp_path / "generated.py"
    assert cli.main(["compile", str(path), "-o", str(out), "--annotate"]) == 0
    generated = out.read_text(encoding="utf-8")
    assert "\ufeff" not in generated and "\r" not in generated
    assert f"bom.py:{lineno_of(MODEL)}  return np.sum(h ** 2)" in generated
    module = import_path(out, f"symdiff_hostile_bom_{len(newline)}_{newline == chr(13)}")
    assert_loss_gradient(module.grad_loss, module.value_and_grad_loss)
    live = import_path(path, f"symdiff_hostile_bom_live_{len(newline)}_{newline == chr(13)}")
    assert_loss_gradient(symdiff.grad(live.loss))


#: Characters str.splitlines breaks at but Python's tokenizer does not.
NOT_NEWLINES = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]

SHIFTED = ("import numpy as np\n"
           "{sep}\n"
           "def f(x):\n"
           "    # a comment{sep}with a separator\n"
           "    s = 2.0  # '{sep}'\n"
           "    y = [v for v in x]\n"
           "    return np.sum(x ** 2) * s\n")


@pytest.mark.parametrize("sep", NOT_NEWLINES)
def test_line_numbers_count_lines_as_python_does(tmp_path, capsys, sep):
    text = SHIFTED.replace("{sep}", sep)
    if sep != "\x0c":                 # outside comments and strings Python refuses the rest
        text = text.replace(f"{sep}\ndef", "\ndef")
    comp = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ListComp))
    assert len(source_lines(text)) == text.count("\n")
    code, _, err = compile_bytes(tmp_path, capsys, text.encode("utf-8"), name="shift.py")
    assert code == 1
    assert f"shift.py:{comp.lineno}:{comp.col_offset + 1}: a list comprehension" in err
    assert "    y = [v for v in x]\n" in err
    fixed = text.replace("    y = [v for v in x]\n", "")
    path = tmp_path / "fixed.py"
    path.write_bytes(fixed.encode("utf-8"))
    assert cli.main(["compile", str(path), "--annotate"]) == 0
    out = capsys.readouterr().out
    assert f"fixed.py:{lineno_of(fixed)}  return np.sum(x ** 2) * s" in out
    ast.parse(out)
    live = import_path(path, f"symdiff_hostile_shift_{ord(sep)}")
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(symdiff.grad(live.f)(x), 4.0 * x)
    broken = import_path(tmp_path / "shift.py", f"symdiff_hostile_shift_live_{ord(sep)}")
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(broken.f)(x)
    assert (info.value.loc.line, info.value.loc.col) == (comp.lineno, comp.col_offset)


def test_columns_count_characters_not_bytes(tmp_path, capsys):
    text = "def f(x):\n    \u03b8 = 'caf\xe9' + x\n    return \u03b8\n"
    code, _, err = compile_bytes(tmp_path, capsys, text.encode("utf-8"), name="uni.py")
    assert code == 1
    assert "uni.py:2:9:" in err
    assert "    \u03b8 = 'caf\xe9' + x\n" + " " * 8 + "    ^" in err


def test_read_file_gives_the_text_python_runs(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"\xef\xbb\xbf" + "x = '\u2028'\r\ny = 1\rz = 2\n".encode())
    text, lines = read_file(str(path))
    assert text == "x = '\u2028'\r\ny = 1\rz = 2\n"
    assert lines == ["x = '\u2028'\r\n", "y = 1\r", "z = 2\n"]


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_during_a_compile_is_one_line_and_leaves_no_file(tmp_path, capsys, model,
                                                                 monkeypatch):
    output = tmp_path / "out.py"
    output.write_text("previous\n")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli.pipeline, "gradient_module", interrupted)
    code = cli.main(["compile", str(model), "-o", str(output)])
    out, err = capsys.readouterr()
    assert (code, out, err) == (130, "", "symdiff: interrupted\n")
    assert output.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py", "out.py"]


def test_ctrl_c_while_writing_leaves_the_old_file_whole(tmp_path, capsys, model, monkeypatch):
    output = tmp_path / "out.py"
    output.write_text("previous\n")

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted)
    code = cli.main(["compile", str(model), "-o", str(output)])
    assert code == 130 and capsys.readouterr().err == "symdiff: interrupted\n"
    assert output.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py", "out.py"]


def test_sigint_in_a_real_process(tmp_path, model):
    """A real SIGINT, sent by the process to itself once the compile has started."""
    output = tmp_path / "out.py"
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from symdiff import cli
        def slow(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)
        cli.pipeline.gradient_module = slow
        sys.exit(cli.main(["compile", {str(model)!r}, "-o", {str(output)!r}]))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert (run.returncode, run.stdout, run.stderr) == (130, "", "symdiff: interrupted\n")
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
