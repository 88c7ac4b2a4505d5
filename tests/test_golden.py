"""Golden files: the generated source of every seed example, byte for byte.

A refactor that changes generated code shows up here as a diff. To accept an intended
change, regenerate with:

    SYMDIFF_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""
import importlib.util
import os
import pathlib

import pytest

from symdiff.backend import codegen

from symdiff import ir
from symdiff.cli import compile_file
from symdiff.frontend.lower import lower
from symdiff.optimize.fuse import fuse
from symdiff.frontend.parse import functions_of_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
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
    _check_golden(f"{example}_grad.py", text.replace(str(source_path), source_path.name))


@pytest.mark.parametrize("example", sorted(CASES))
def test_forward_ir_printout_matches_golden(example):
    source_path = ROOT / "examples" / f"{example}.py"
    printed = []
    for name, src in functions_of_file(str(source_path)).items():
        fn = fuse(lower(src))
        ir.verify(fn)
        printed.append(ir.format_function(fn).replace(str(source_path), source_path.name))
    _check_golden(f"{example}_ir.txt", "\n\n".join(printed) + "\n")


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
