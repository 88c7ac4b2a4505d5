"""Docstrings say what the code does: the functions they name exist, and the printed forms
they show are what symdiff prints today."""
import ast
import builtins
import doctest
import importlib
import pathlib
import re

import numpy as np

from symdiff import cli
from symdiff.check import numerical_gradient
from support import load_module

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "symdiff"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _defined_anywhere() -> set[str]:
    """Every top-level function and class of the package, and every module's name."""
    names = set()
    for path in MODULES:
        names.add(path.stem)
        names |= {n.name for n in ast.parse(path.read_text()).body
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return names


def _example(doc: str) -> ast.Module | None:
    """The ``>>>`` examples of a docstring as one program (None if they are not Python)."""
    source = "".join(e.source for e in doctest.DocTestParser().get_examples(doc))
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _bound(tree: ast.Module) -> set[str]:
    names = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in n.names}
    return names


def test_docstring_examples_call_functions_that_exist():
    """A ``>>>`` line calls what the module, the example itself or the package defines."""
    everywhere = _defined_anywhere() | set(dir(builtins)) | {"np", "symdiff"}
    unknown = []
    for path in MODULES:
        name = _module_name(path)
        tree = _example(importlib.import_module(name).__doc__ or "")
        if tree is None:
            continue
        known = everywhere | _bound(tree) | set(vars(importlib.import_module(name)))
        unknown += [f"{name}: {n.func.id}()" for n in ast.walk(tree)
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                    and n.func.id not in known]
    assert not unknown, unknown


def test_pipeline_docstring_names_stages_that_exist():
    """Every ``package.module.function`` the driver's docstring names is there."""
    from symdiff import pipeline
    named = set(re.findall(r"``((?:[a-z_]+\.)+[a-z_A-Z]+)", pipeline.__doc__))
    assert len(named) >= 8, named
    for dotted in sorted(named):
        module, _, attr = dotted.rpartition(".")
        try:
            owner = importlib.import_module(f"symdiff.{module}")
        except ModuleNotFoundError:
            owner = importlib.import_module(f"symdiff.{dotted}")
            attr = None
        assert attr is None or hasattr(owner, attr), dotted
    drivers = re.findall(r"^- ``([a-z_]+)\(", pipeline.__doc__, re.M)
    assert drivers == ["forward_ir", "chain_rule_ir", "gradient_ir", "gradient_module"]
    assert all(callable(getattr(pipeline, d)) for d in drivers)


def test_pipeline_docstring_example_compiles_a_right_gradient(tmp_path):
    """The docstring's example, run: the module it prints computes the gradient."""
    from symdiff import pipeline
    model = load_module(tmp_path, "docmodel", "import numpy as np\n\n"
                        "def f(x):\n    return np.sum(np.tanh(x) * x)\n")
    namespace = {**vars(pipeline), "f": model.f,
                 "print": lambda text: namespace.setdefault("out", text)}
    for example in doctest.DocTestParser().get_examples(pipeline.__doc__):
        exec(example.source, namespace)
    generated = load_module(tmp_path, "docmodel_grad", namespace["out"])
    x = np.random.default_rng(3).standard_normal(5)
    expected = numerical_gradient(model.f, (x,), 0)
    np.testing.assert_allclose(generated.grad_f(x), expected, rtol=1e-6, atol=1e-8)
    value, grad = generated.value_and_grad_f(x)
    np.testing.assert_allclose(value, model.f(x), rtol=1e-12)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


def test_annotate_docstring_shows_what_compile_annotate_writes(tmp_path):
    """The lines ``teach/annotate.py`` shows are a stretch of the command's real output."""
    from symdiff.teach import annotate
    doc = annotate.__doc__
    command = re.search(r"``symdiff compile (examples/.*?)``", doc, re.S).group(1)
    command = command.split(None, 7)
    assert command[:2] == ["examples/mlp.py", "-f"] and command[-2] == "--shapes"
    shown = re.search(r"\n\n((?:    .*\n)+)\n", doc).group(1).splitlines()
    out = tmp_path / "grad_mlp.py"
    argv = ["compile", str(ROOT / command[0])] + command[1:-1] + \
        [command[-1].replace("\n", " ").strip('"'), "-o", str(out)]
    assert cli.main(argv) == 0
    written = out.read_text().splitlines()
    starts = [i for i, line in enumerate(written) if line == shown[0]]
    assert any(written[i:i + len(shown)] == shown for i in starts), "\n".join(shown)


def _shown(doc: str) -> list[str]:
    """The output lines of a docstring's example: indented, not ``>>>`` lines, with a
    trailing ``...`` (the rest elided) cut off; a line that is only ``...`` is dropped."""
    lines = []
    for line in doc.splitlines():
        if line.startswith("    ") and not line.strip().startswith((">>>", "...")):
            lines.append(line[4:].removesuffix("...").rstrip())
    return lines


def test_explain_docstring_shows_what_explain_prints(tmp_path):
    import symdiff
    from symdiff.teach import explain
    module = load_module(tmp_path, "circuit_doc", "def f(x, y, z):\n    q = x + y\n"
                         "    return q * z\n")
    printed = str(symdiff.explain(module.f, -2.0, 5.0, -4.0)).splitlines()
    shown = _shown(explain.__doc__)
    assert len(shown) >= 6
    for line in shown:
        assert any(p.startswith(line) for p in printed), line


def test_optimize_trace_docstring_shows_what_explain_passes_prints():
    from symdiff import pipeline
    from symdiff.teach import optimize_trace
    shown = [line for line in _shown(optimize_trace.__doc__)
             if line.startswith(("===", "Keep", "---", "+++"))]
    text = cli.explain_passes(str(ROOT / "examples" / "circuit.py"))[0].splitlines()
    assert len(shown) == 5
    for line in shown:
        assert line in text, line
    count = len(pipeline._with_shapes({}))
    assert f"pass 1 of {count}:" in shown[1]
