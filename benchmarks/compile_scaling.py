"""Generated straight-line functions, to time symdiff's compiler against function size.

``straight_line_source(n)`` writes a function of n statements that mixes elementwise
operations on three arrays and two scalars; every statement reads the latest value of
its kind and one earlier value, so almost none is dead. Every operation keeps values within [-1, 1]
(averages, products of such values, tanh, sin, x cos y), so any size evaluates to
finite numbers. The same seed gives the same function.

``compile_times(sizes)`` writes each function to a temporary module, checks symdiff's
gradient against central differences, and times the compilation (the first call of a
fresh ``symdiff.grad``).
"""
from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import symdiff
from symdiff.check import numerical_gradient

ARRAY_OPS = ("0.5 * ({a} + {b})", "{a} * {b}", "np.tanh({a} * {s} + {b})",
             "np.sin({a} - {s} * {b})", "{a} * np.cos({b})", "np.tanh({a}) * {s}")
SCALAR_OPS = ("0.5 * ({s} + {t})", "np.sin({s} * {t})", "np.tanh({s} - {t})")


def straight_line_source(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    arrays, scalars = ["x", "y", "z"], ["s", "t"]
    lines = [f"def straight_line_{n}(x, y, z, s, t):"]
    for i in range(n):
        if i % 5 == 4:                      # one statement in five works on scalars
            name = f"s{i}"
            op = SCALAR_OPS[rng.integers(len(SCALAR_OPS))]
            text = op.format(s=scalars[-1], t=scalars[rng.integers(len(scalars))])
            scalars.append(name)
        else:
            name = f"v{i}"
            op = ARRAY_OPS[rng.integers(len(ARRAY_OPS))]
            text = op.format(a=arrays[-1], b=arrays[rng.integers(len(arrays))],
                             s=scalars[rng.integers(len(scalars))])
            arrays.append(name)
        lines.append(f"    {name} = {text}")
    lines.append(f"    return np.sum({arrays[-1]} * {arrays[-2]}) + {scalars[-1]}")
    return "import numpy as np\n\n\n" + "\n".join(lines) + "\n"


def load(source: str, name: str, folder: Path):
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module             # inspect.getsource finds it there
    spec.loader.exec_module(module)
    return module


def inputs(size: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, size), rng.uniform(-1, 1, size), rng.uniform(-1, 1, size),
            0.3, -0.6)


def compile_times(sizes, check: bool = True) -> list[tuple[int, float | None, str]]:
    """(statements, seconds or None, note) for each size; a wrong gradient is not timed."""
    rows = []
    args = inputs()
    wrt = (0, 1, 2, 3, 4)
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            fn = getattr(load(straight_line_source(n), f"symdiff_straight_line_{n}",
                              Path(folder)), f"straight_line_{n}")
            start = time.perf_counter()
            try:
                grads = symdiff.grad(fn, wrt=wrt)(*args)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                rows.append((n, None, f"FAILED: {type(exc).__name__}: {exc}".splitlines()[0]))
                continue
            seconds = time.perf_counter() - start
            note = ""
            if check:
                worst = max(float(np.max(np.abs(np.asarray(g) - numerical_gradient(fn, args, i))))
                            for i, g in zip(wrt, grads))
                if worst > 1e-6:
                    rows.append((n, None, f"MISMATCH with central differences ({worst:.2e})"))
                    continue
                note = f"matches central differences ({worst:.0e})"
            rows.append((n, seconds, note))
    return rows
