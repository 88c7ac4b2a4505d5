"""Golden files: the generated source of every seed example, byte for byte, and the IR
of two stages before it, so that a diff shows which stage changed:

- ``<example>_ir.txt``: the forward graph after lowering and fusing (``forward_ir``);
- ``<example>_chain_rule_ir.txt``: forward + backward as the chain rule writes it, before
  the optimizer runs (``chain_rule_ir``);
- ``<example>_grad.py``: the generated module (``compile_file``).

A refactor that changes generated code shows up here as a diff. To accept an intended
change, regenerate with:

    SYMDIFF_UPDATE_GOLDEN=1 python -m pytest tests/backend/test_golden.py
"""
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

from symdiff.backend import codegen

from symdiff import ir, pipeline
from symdiff.api import resolve_wrt
from symdiff.cli import compile_file
from symdiff.frontend.lower import lower
from symdiff.optimize.fuse import fuse
from symdiff.frontend.source_modules import functions_of_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("SYMDIFF_UPDATE_GOLDEN") == "1"

#: example file -> the parameters to differentiate
CASES = {
    "circuit": "x,y,z",
    "sigmoid_neuron": "w,x",
    "svm_loss": "W",
    "softmax_loss": "W",
    "hinge": "w",
    "l2_regression": "W,b",
    "mlp": "W1,b1,W2,b2",
}


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run with SYMDIFF_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"generated text differs from {path}"


@pytest.mark.parametrize("example", sorted(CASES))
def test_generated_module_matches_golden(example):
    source_path = ROOT / "examples" / f"{example}.py"
    wrt = CASES[example]
    functions = [n for n in functions_of_file(str(source_path)) if "softmax_cross_entropy" != n]
    text = compile_file(str(source_path), functions, tuple(wrt.split(",")))
    _check_golden(f"{example}_grad.py", _portable(text, source_path))


@pytest.mark.parametrize("example", sorted(CASES))
def test_forward_ir_printout_matches_golden(example):
    source_path = ROOT / "examples" / f"{example}.py"
    printed = []
    for src in functions_of_file(str(source_path)).values():
        fn = fuse(lower(src))
        ir.verify(fn)
        printed.append(_portable(ir.format_function(fn), source_path))
    _check_golden(f"{example}_ir.txt", "\n\n".join(printed) + "\n")


def _portable(text: str, source_path: pathlib.Path) -> str:
    """The printout without the checkout's folder: source locations name the file only."""
    return text.replace(str(source_path), source_path.name)


@pytest.mark.parametrize("example", sorted(CASES))
def test_chain_rule_ir_printout_matches_golden(example):
    """The reverse-mode graph of each ``grad_<name>`` before any optimizer pass."""
    source_path = ROOT / "examples" / f"{example}.py"
    wrt = tuple(CASES[example].split(","))
    items = []
    for name, src in functions_of_file(str(source_path)).items():
        if name != "softmax_cross_entropy":
            positions, _ = resolve_wrt(wrt, [a.arg for a in src.tree.args.args], src)
            items.append((src, positions))
    printed = []
    for plan in pipeline.plan_module(items, with_value_too=False, tuple_out=True):
        grad, _, _ = plan.build(pipeline.chain_rule_ir)
        ir.verify(grad)
        printed.append(_portable(ir.format_function(grad), source_path))
    _check_golden(f"{example}_chain_rule_ir.txt", "\n\n".join(printed) + "\n")


@pytest.mark.parametrize("example", sorted(CASES))
def test_golden_printouts_do_not_depend_on_hash_seeds(example):
    """Printed IR and generated code are the same whatever order sets and dicts iterate in:
    each printout is made again in a fresh interpreter with another hash seed."""
    script = (f"import sys; sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r}); "
              "import test_golden as t; t.UPDATE = False; "
              f"t.test_generated_module_matches_golden({example!r}); "
              f"t.test_forward_ir_printout_matches_golden({example!r}); "
              f"t.test_chain_rule_ir_printout_matches_golden({example!r})")
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SYMDIFF_UPDATE_GOLDEN": "0"}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("example", sorted(CASES))
def test_golden_modules_render_and_run(example):
    """Every golden module re-renders through astor unchanged in meaning and runs."""
    import ast
    path = GOLDEN / f"{example}_grad.py"
    tree = ast.parse(path.read_text())
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef):
            for stmt in fn.body:
                again = codegen.render(stmt)
                assert ast.dump(ast.parse(again).body[0]) == ast.dump(stmt)
    spec = importlib.util.spec_from_file_location(f"golden_{example}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert any(name.startswith("grad_") for name in vars(module))
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert {a.name for n in imports for a in n.names} <= {"numpy", "math"}
