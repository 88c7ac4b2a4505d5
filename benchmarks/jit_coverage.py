"""How much of the corpus ``jit=True`` compiles with Numba.

    python benchmarks/jit_coverage.py [--corpus seeds,control_flow,aliasing,breadth]

For every function of the seed examples (examples/, as tests/seed_cases.py declares their
inputs), of tests/control_flow_corpus.py and of tests/aliasing_corpus.py (and, asked for
with ``breadth``, of the breadth tables of tests/primitives: every ``Case`` of the files
that use tests/breadth_support.py, about 320, some minutes), one
``symdiff.value_and_grad(f, wrt=..., jit=True)`` is built and called on the case's inputs,
and the outcome counted:

- compiled: Numba compiled the gradient, and its value and gradients equal the NumPy
  gradient's (rtol 1e-9);
- fallback predicted: symdiff knew before compiling that Numba cannot compile it (the
  generated module has no ``@jit_or_numpy``) and runs the NumPy gradient, with a warning;
- fallback after a failed compile: Numba tried and failed, the NumPy gradient runs;
- failed: an error, or numbers that differ from the NumPy gradient's.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import importlib
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "primitives"), str(ROOT / "examples")]

import symdiff  # noqa: E402

OUTCOMES = ("compiled", "fallback predicted", "fallback after a failed compile", "failed")


@dataclass(frozen=True)
class BreadthCase:
    """A case of a breadth table as the other corpora's cases are: its function, inputs."""

    id: str
    fn: Callable
    inputs: Callable
    wrt: tuple


def breadth_cases() -> list:
    """Every ``Case`` of the test files of tests/primitives that use breadth_support, each
    file's cases compiled into one module (their index functions: the file's SOURCE)."""
    from breadth_support import Case, module_of
    from support import load_module
    folder = Path(tempfile.mkdtemp(prefix="jit-coverage-"))
    out = []
    for path in sorted((ROOT / "tests" / "primitives").glob("test_*.py")):
        if "breadth_support" not in path.read_text(encoding="utf-8"):
            continue
        tests = importlib.import_module(path.stem)
        cases = {}
        for value in vars(tests).values():
            if isinstance(value, list) and value and all(isinstance(c, Case) for c in value):
                cases.update({c.id: c for c in value if c.id not in cases})
        written = [c for c in cases.values() if c.body]
        module = module_of(written, folder, path.stem) if written else \
            load_module(folder, path.stem, tests.SOURCE)
        out += [BreadthCase(c.id, getattr(module, c.id),
                            lambda c=c: tuple(c.inputs(np.random.default_rng(0))), c.wrt)
                for c in cases.values()]
    return out


def corpus(name: str) -> list:
    """One case per (function, wrt) of a corpus."""
    if name == "breadth":
        return breadth_cases()
    if name == "seeds":
        from seed_cases import SEED_CASES as cases
    elif name == "control_flow":
        from control_flow_corpus import CASES as cases
    else:
        from aliasing_corpus import CASES as cases
    out, seen = [], set()
    for case in cases:
        key = (case.fn, tuple(wrt_of(case)))
        if key not in seen:
            seen.add(key)
            out.append(case)
    return out


def wrt_of(case) -> tuple:
    """What a case differentiates (the aliasing corpus: the first argument)."""
    return tuple(getattr(case, "wrt", (0,)))


def same(a, b) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return np.allclose(a, b, rtol=1e-9, atol=1e-12)


def outcome(case) -> tuple[str, str]:
    args = case.inputs()
    jitted = symdiff.value_and_grad(case.fn, wrt=wrt_of(case), jit=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            source = jitted.source_for(*args)
            got = jitted(*args)
        want = symdiff.value_and_grad(case.fn, wrt=wrt_of(case))(*args)
    except Exception as exc:  # noqa: BLE001 - counted and reported, whatever it is
        return "failed", f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    refusals = [str(w.message) for w in caught if "numba cannot compile" in str(w.message)]
    if not same(got, want):
        return "failed", "numbers differ from the NumPy gradient"
    if "@jit_or_numpy" not in source:
        return "fallback predicted", refusals[0] if refusals else ""
    if refusals:
        return "fallback after a failed compile", refusals[0]
    return "compiled", ""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="seeds,control_flow,aliasing")
    options = parser.parse_args(argv)
    print(f"load average (1, 5, 15 min) at the start: {', '.join(map(str, os.getloadavg()))}")
    total = dict.fromkeys(OUTCOMES, 0)
    for name in options.corpus.split(","):
        counts = dict.fromkeys(OUTCOMES, 0)
        start = time.perf_counter()
        for case in corpus(name):
            kind, why = outcome(case)
            counts[kind] += 1
            if why:
                print(f"  {name}: {case.id}: {kind}: {why[:150]}")
        total = {k: total[k] + counts[k] for k in OUTCOMES}
        print(f"{name}: {sum(counts.values())} functions, " +
              ", ".join(f"{k} {v}" for k, v in counts.items()) +
              f" ({time.perf_counter() - start:.0f} s)")
    print(f"all: {sum(total.values())} functions, " +
          ", ".join(f"{k} {v}" for k, v in total.items()))


if __name__ == "__main__":
    main()
