"""Numba's disk cache: a jitted gradient compiled in one process is loaded by the next.

Each process here computes the jitted gradient of the circuit example with
``SYMDIFF_CACHE_DIR`` in a temporary folder; numba reports (``NUMBA_DEBUG_CACHE``) that the
first saves its machine code and the second loads it, and both give the lecture's numbers.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

REPO = Path(__file__).resolve().parents[2]

PROGRAM = """
import warnings
warnings.simplefilter("error", RuntimeWarning)       # no fallback to NumPy
import symdiff
from support import load_example
f = load_example("circuit").f
print("GRADIENT", symdiff.grad(f, wrt=(0, 1, 2), jit=True)(-2.0, 5.0, -4.0))
"""


def _run(cache: Path) -> str:
    env = {**os.environ, "SYMDIFF_CACHE_DIR": str(cache), "NUMBA_DEBUG_CACHE": "1",
           "NUMBA_OPT": "0", "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    return done.stdout


def test_a_second_process_loads_the_compiled_gradient(tmp_path):
    first, second = _run(tmp_path), _run(tmp_path)
    for out in (first, second):
        assert "GRADIENT (-4.0, -4.0, 3.0)" in out
    assert "data saved to" in first and "data loaded from" not in first
    assert "data loaded from" in second and "data saved to" not in second
    assert len(list(tmp_path.glob("symdiff_jit_f_*.py"))) == 1
