"""ruff (configured in pyproject.toml) finds nothing in the package, its tests, scripts,
benchmarks and examples: no unused imports or variables, no shadowed builtins, no
``except Exception`` that swallows every error."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHECKED = ("symdiff", "tests", "scripts", "benchmarks", "examples")


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "--output-format", "concise", *CHECKED],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "No module named ruff" not in done.stderr, \
        "ruff is in the test extra: pip install -e '.[test]'"
    assert done.returncode == 0, done.stdout + done.stderr
