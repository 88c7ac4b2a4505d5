"""The package as a user meets it: its version, ``python -m symdiff``, the public namespace
and the docstrings of its functions (each with Args, Returns and a runnable Example)."""
from __future__ import annotations

import doctest
import inspect
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import symdiff

ROOT = Path(__file__).resolve().parents[2]
#: the functions, and the decorator classes used like functions (``custom_jvp``)
PUBLIC_FUNCTIONS = [name for name in symdiff.__all__
                    if inspect.isfunction(getattr(symdiff, name)) or name.islower()]


def test_version_is_a_release_number_and_the_package_metadata_reads_it():
    assert re.fullmatch(r"\d+\.\d+\.\d+", symdiff.__version__)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "symdiff.__version__"}


@pytest.mark.parametrize("command", [[sys.executable, "-m", "symdiff"],
                                     [sys.executable, "-m", "symdiff.cli"]])
def test_version_on_the_command_line(command):
    done = subprocess.run(command + ["--version"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"symdiff {symdiff.__version__}"


def test_python_dash_m_symdiff_runs_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "symdiff", "compile",
                           str(ROOT / "examples" / "circuit.py"), "--wrt", "x,y,z"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    namespace: dict = {}
    exec(done.stdout, namespace)
    assert namespace["grad_f"](-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)
    usage = subprocess.run([sys.executable, "-m", "symdiff"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: symdiff" in usage.stderr


def test_dir_lists_the_public_api_only():
    assert dir(symdiff) == sorted(symdiff.__all__ + ["__version__"])
    for name in ["vjp", "stop_gradient", "jvp", "grad", "value_and_grad"]:
        assert name in symdiff.__all__


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_public_functions_have_jax_style_docstrings(name):
    doc = inspect.getdoc(getattr(symdiff, name))
    summary, _, body = doc.partition("\n\n")
    assert summary and "\n" not in summary.strip(), f"{name}: a one-line summary first"
    for section in ("Args:", "Returns:", "Example:"):
        assert f"\n{section}\n" in "\n" + body, f"{name} has no {section} section"
    params = [p for p in inspect.signature(getattr(symdiff, name)).parameters
              if p not in ("args", "kwargs", "primals")]
    args = body.split("Args:")[1].split("Returns:")[0]
    for p in params:
        assert re.search(rf"\b{p}\b", args), f"{name}: parameter {p} is not described"


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_docstring_examples_run(name):
    tests = doctest.DocTestFinder(recurse=False).find(getattr(symdiff, name), name,
                                                      globs={"np": np, "symdiff": symdiff})
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, result


def test_the_wheel_takes_every_subpackage():
    """pyproject finds the packages (``packages.find``, include ``symdiff*``): every folder
    of the package holding Python files must be a package setuptools discovers."""
    from setuptools import find_packages
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    find = project["tool"]["setuptools"]["packages"]["find"]
    found = set(find_packages(where=str(ROOT), include=find["include"]))
    folders = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "symdiff").rglob("*.py") if "__pycache__" not in p.parts}
    assert folders and folders <= found, f"not in the wheel: {sorted(folders - found)}"
    assert {"symdiff", "symdiff.frontend", "symdiff.ad", "symdiff.teach"} <= found
    assert not [p for p in (ROOT / "symdiff").rglob("*") if p.is_file() and
                p.suffix not in (".py", ".pyc")], "package data would need package-data"

