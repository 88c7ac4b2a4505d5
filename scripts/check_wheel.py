"""Build symdiff's wheel and check that the installed wheel works on its own.

    python scripts/check_wheel.py       # under a minute; exit code 0 when the wheel works

Builds the wheel with ``python -m build --no-isolation`` (the sdist, then the wheel from
it) where ``build``, ``wheel`` and ``setuptools`` are installed, as the test extra installs
them; otherwise with ``pip wheel``, which fetches setuptools into an isolated environment.
Installs it without dependencies into a folder of its own and, from outside the source
tree, imports every module of the package from there, differentiates a function, and runs
``python -m symdiff compile`` and ``symdiff --version``. It uses the running interpreter's
NumPy and SymPy, so only the isolated build needs the network. ``.ci/run`` runs it after
the tests.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: run from the installed copy: every module imports, a gradient and the CLI work
SMOKE = """
import importlib, pathlib, pkgutil, sys
import symdiff
site = pathlib.Path(sys.argv[1]).resolve()
assert pathlib.Path(symdiff.__file__).resolve().is_relative_to(site), symdiff.__file__
for module in pkgutil.walk_packages(symdiff.__path__, "symdiff."):
    importlib.import_module(module.name)
sys.path.insert(0, sys.argv[2])
from circuit import f
assert symdiff.grad(f, wrt=("x", "y", "z"))(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)
print("ok", symdiff.__version__)
"""


def build(out: Path) -> Path:
    """The wheel of a copy of the source tree (setuptools writes build/ into the tree it
    builds), built into ``out``."""
    tree = out.parent / "source"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".hypothesis"))
    if all(importlib.util.find_spec(m) is not None for m in ("build", "wheel", "setuptools")):
        command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(tree)]
    else:             # pip builds in an isolated environment (it fetches setuptools, wheel)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out),
                   str(tree)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    wheels = sorted(out.glob("symdiff-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel in {out}, found {[w.name for w in wheels]}")
    return wheels[0]


def source_modules() -> set[str]:
    """Every .py file of the package in the source tree, as a path inside the wheel."""
    return {str(p.relative_to(ROOT)) for p in (ROOT / "symdiff").rglob("*.py")}


def check(work: Path) -> str:
    wheel = build(work / "dist")
    with zipfile.ZipFile(wheel) as archive:
        missing = source_modules() - set(archive.namelist())
    if missing:
        raise SystemExit(f"{wheel.name} lacks {sorted(missing)}")
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, text=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    examples = ROOT / "examples"
    run = dict(cwd=work, env=env, capture_output=True, text=True, check=True)
    said = subprocess.run([sys.executable, "-c", SMOKE, str(site), str(examples)], **run).stdout
    compiled = subprocess.run([sys.executable, "-m", "symdiff", "compile",
                               str(examples / "circuit.py"), "--wrt", "x,y,z"], **run).stdout
    if "def grad_f(x, y, z):" not in compiled:
        raise SystemExit("python -m symdiff compile from the wheel wrote no grad_f")
    script = site / "bin" / "symdiff"
    version = subprocess.run([sys.executable, str(script), "--version"], **run).stdout
    return f"{wheel.name}: {said.strip()}; {version.strip()}"


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory() as folder:
        try:
            print(check(Path(folder)))
        except subprocess.CalledProcessError as exc:
            print(f"check_wheel: {' '.join(exc.cmd)} failed:\n{exc.stdout}\n{exc.stderr}",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
