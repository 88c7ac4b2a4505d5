"""What README.md tells a reader to run or open is there: every file it names exists, its
complete programs run, its first command sets up a virtualenv, and CI installs as it says."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: names the README uses for the reader's own files, in commands and options
PLACEHOLDERS = {"model.py", "OUT.py", "FILE", "f.svg", "g.svg", "graph.svg", "graph.png",
                "graph.dot"}
FOLDERS = ("examples", "tests", "symdiff", "docs", "scripts", "benchmarks", ".ci")


def named_paths() -> set[str]:
    """Paths under the repository's folders (``examples/mlp.py``, ``symdiff/ad/``)."""
    pattern = r"(?<![\w./-])(?:" + "|".join(map(re.escape, FOLDERS)) + r")/[\w./-]*"
    return {m.group(0).rstrip(".,:;") for m in re.finditer(pattern, README)}


def named_files() -> set[str]:
    """Bare file names: in the text (``BENCHMARKS.md``) and in the source comments of the
    generated listings (``# control_flow_corpus.py:36``)."""
    names = set(re.findall(r"(?<![\w./-])([\w-]+\.(?:py|md|toml|svg))\b", README))
    return names - PLACEHOLDERS


def test_the_readme_names_files_at_all():
    assert {"examples/circuit.py", "examples/mlp.py", "tests/control_flow_corpus.py"} <= \
        named_paths()
    assert {"circuit.py", "control_flow_corpus.py", "BENCHMARKS.md"} <= named_files()


@pytest.mark.parametrize("path", sorted(named_paths()))
def test_every_path_the_readme_names_exists(path):
    assert (ROOT / path).exists(), f"README.md names {path}, which does not exist"


@pytest.mark.parametrize("name", sorted(named_files()))
def test_every_file_name_the_readme_names_exists_in_the_repository(name):
    found = [p for p in ROOT.rglob(name) if ".git" not in p.parts and ".venv" not in p.parts]
    assert found, f"README.md names {name}, which is nowhere in the repository"


def complete_programs() -> list[str]:
    """The README's Python listings that are whole programs (they start with imports)."""
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    return [b for b in blocks if b.startswith("import numpy as np")]


@pytest.mark.parametrize("k", range(len(complete_programs())))
def test_the_readme_programs_run(tmp_path, k):
    script = tmp_path / f"readme_{k}.py"
    script.write_text(complete_programs()[k], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr


def first_command() -> str:
    block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    return block.splitlines()[0]


def test_the_first_command_makes_a_virtualenv_installs_and_compiles_in_one_line():
    steps = [s.strip() for s in first_command().split("&&")]
    assert steps[0].startswith("python3 -m venv ") and steps[1].startswith(". ")
    assert steps[1].endswith("/bin/activate") and steps[0].split()[-1] in steps[1]
    assert steps[2] == 'pip install -e ".[test]"'
    assert steps[3].startswith("symdiff compile examples/")


def test_ci_installs_exactly_as_the_readme_says():
    ci = (ROOT / ".ci" / "run").read_text()
    install = [s.strip() for s in first_command().split("&&")][2]
    assert re.search(r"^" + re.escape(install) + r"$", ci, re.M), \
        f".ci/run does not run `{install}`"
    assert re.search(r"^python3 -m venv ", ci, re.M) and "python -m pytest" in ci


def test_the_readme_says_how_long_install_and_tests_take():
    setup = README[:README.index("## What you get")]
    assert re.search(r"The install takes about \d+ minutes", setup), "how long it installs"
    assert re.search(r"runs the test suite[\s\S]{0,200}?about \d+ minutes", setup), \
        "how long the tests take"
