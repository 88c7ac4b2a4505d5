"""Benchmark: how long symdiff takes to compile straight-line functions, by size.

    python benchmarks/bench_compile_time.py [--sizes 100,200,400,800,1600] [--repeats 1]

For each size a seeded generator writes one straight-line function of that many
statements: elementwise arithmetic (+, -, *, /), np.exp, np.tanh, np.log of
positive values, np.maximum, sums and matrix products on a weight matrix, a
vector and a scalar, each statement reading earlier variables. Two compile
times are measured (time.perf_counter, median of the repeats):

- ``grad``: the first call of ``symdiff.grad(f)``, which compiles the gradient
  for the arguments' shapes (the call itself takes microseconds);
- ``compile``: ``symdiff compile model.py``, which writes both ``grad_f`` and
  ``value_and_grad_f``, shape-generic.

Each size and kind runs in a fresh process (after a small warm-up compile of
another function), so no compile finds another's derivatives cached.

Compile time should grow linearly with the size: the last column divides by the
number of statements, and the last line compares the largest size with the
smallest (a linear compiler gives about 1.0).

The gradient of the smallest function is checked against central differences
before anything is timed.
"""
import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sympy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import symdiff  # noqa: E402
from support import load_module  # noqa: E402
from symdiff.cli import compile_file  # noqa: E402

N = 6          # length of the vectors, side of the matrix


def straight_line_source(statements: int, seed: int = 0, name: str = "f") -> str:
    """A module with a function ``name(W, x, s)`` of ``statements`` assignments and a return.

    Vectors stay bounded (every few statements a tanh squashes one), logs only see
    ``1 + v*v`` or ``np.exp(.)``, and divisions divide by ``1 + v*v``, so the function is
    smooth and finite on inputs of order one.
    """
    rng = random.Random(seed)
    vectors, scalars = ["x"], ["s"]
    lines = ["import numpy as np", "", "", f"def {name}(W, x, s):"]

    def vec():
        return rng.choice(vectors[-12:])

    def square():
        v = vec()
        return f"{v} * {v}"

    def sca():
        return rng.choice(scalars[-6:])

    templates = [
        (3, lambda: f"{vec()} + {vec()}", "v"),
        (2, lambda: f"{vec()} - 0.5 * {vec()}", "v"),
        (3, lambda: f"{vec()} * {sca()}", "v"),
        (2, lambda: f"{vec()} / (1.0 + {square()})", "v"),
        (3, lambda: f"np.tanh({vec()})", "v"),
        (1, lambda: f"np.exp(-{square()})", "v"),
        (2, lambda: f"np.log(1.0 + {square()})", "v"),
        (2, lambda: f"np.maximum({vec()}, 0.1 * {vec()})", "v"),
        (1, lambda: f"np.tanh(W @ {vec()})", "v"),
        (2, lambda: f"np.sum({vec()} * {vec()}) / {N}", "s"),
        (2, lambda: f"np.tanh({sca()} * {sca()} + {sca()})", "s"),
        (1, lambda: f"{sca()} - 0.1 * {sca()}", "s"),
    ]
    weights = [w for w, _, _ in templates]
    for i in range(statements):
        _, expr, kind = rng.choices(templates, weights)[0]
        target = f"{'v' if kind == 'v' else 't'}{i}"
        lines.append(f"    {target} = {expr()}")
        (vectors if kind == "v" else scalars).append(target)
    lines.append(f"    return np.sum({vectors[-1]} * {vectors[-2]}) + {scalars[-1]}")
    return "\n".join(lines) + "\n"


def inputs(seed: int = 1):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, N)) / np.sqrt(N), rng.standard_normal(N), 0.7)


def timed(fn, *args):
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def first_grad_call(module):
    symdiff.grad(module.f)(*inputs())


def measure_one(size: int, kind: str, repeats: int) -> tuple[float, float]:
    """Median (wall, CPU) compile time of one kind for one size, in this fresh process.

    A small warm-up compile of another function comes first, so that imports and SymPy's
    one-time set-up are not counted; then symdiff forgets what it derived there, and each
    repeat starts from nothing."""
    with tempfile.TemporaryDirectory() as folder:
        first_grad_call(load_module(Path(folder), "warm", straight_line_source(20, seed=99)))
        times = []
        for r in range(repeats):
            forget_derivations()
            module = load_module(Path(folder), f"size{size}_{r}", straight_line_source(size))
            if kind == "grad":
                times.append(timed(first_grad_call, module))
            else:
                times.append(timed(compile_file, module.__file__))
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def forget_derivations():
    """Clear symdiff's memo tables (derivatives, printed expressions...)."""
    for name, module in list(sys.modules.items()):
        if name == "symdiff" or name.startswith("symdiff."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def measure_in_subprocess(size: int, kind: str, repeats: int) -> tuple[float, float]:
    """Each size and kind in its own process: no compile finds another's work cached."""
    out = subprocess.run([sys.executable, __file__, "--one", str(size), "--kind", kind,
                          "--repeats", str(repeats)],
                         check=True, capture_output=True, text=True).stdout
    wall, cpu = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,200,400,800,1600",
                        help="statement counts, comma-separated (default 100,200,400,800,1600)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="compiles per size and kind; medians are reported (default 3)")
    parser.add_argument("--show", type=int, metavar="N",
                        help="print the generated module for N statements and exit")
    parser.add_argument("--one", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=("grad", "compile"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.show:
        print(straight_line_source(options.show), end="")
        return 0
    if options.one:
        print(*measure_one(options.one, options.kind, options.repeats))
        return 0
    sizes = [int(s) for s in options.sizes.split(",")]

    with tempfile.TemporaryDirectory() as folder:
        check = load_module(Path(folder), "check", straight_line_source(min(sizes)))
        symdiff.check_grad(check.f, *inputs(), wrt=(0, 1, 2))

    print(f"python {platform.python_version()}, sympy {sympy.__version__}, "
          f"numpy {np.__version__}, {os.cpu_count()} cpus, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"medians of {options.repeats}; each size and kind in a fresh process; "
          "wall seconds (CPU seconds of the process)\n")
    print(f"{'statements':>10}  {'grad':>13}  {'ms/stmt':>7}  {'compile':>13}  {'ms/stmt':>7}")
    rows = []
    for size in sizes:
        (g, gc), (c, cc) = (measure_in_subprocess(size, kind, options.repeats)
                            for kind in ("grad", "compile"))
        rows.append((size, g, gc, c, cc))
        print(f"{size:>10}  {g:6.2f} ({gc:5.2f})  {1e3 * g / size:7.2f}  "
              f"{c:6.2f} ({cc:5.2f})  {1e3 * c / size:7.2f}", flush=True)
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        ratio = [(large[k] / large[0]) / (small[k] / small[0]) for k in (1, 2, 3, 4)]
        print(f"\ntime per statement at {large[0]} over at {small[0]} (1.0 is linear): "
              f"grad {ratio[0]:.2f} (CPU {ratio[1]:.2f}), compile {ratio[2]:.2f} "
              f"(CPU {ratio[3]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
