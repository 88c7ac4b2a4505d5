"""Benchmark: compile time of the four shapes of tests/scaling_shapes.py, by size.

    python benchmarks/bench_compile_shapes.py [--sizes 100,200,400,800,1600]

A dependency chain, independent lines, a long loop body, and one value read by every
statement (tests/scaling_shapes.py), each compiled for its arguments' shapes (the first
call of ``symdiff.grad``), in this one process, smallest first. Printed: wall and CPU
seconds of the process (time.process_time: steadier on a loaded machine), milliseconds
of CPU per statement, and the ratio of the largest size's per-statement CPU time to the
smallest's (1.0 is linear), with the machine's load average.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import symdiff  # noqa: E402
from scaling_shapes import SHAPES, source  # noqa: E402
from support import load_module  # noqa: E402

ARGS = (np.array([0.3, -0.2, 0.45]), 0.7)


def compile_time(shape: str, n: int, folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of compiling the gradient of one generated function."""
    f = load_module(folder, f"{shape}_{n}", source(shape, n)).f
    wall, cpu = time.perf_counter(), time.process_time()
    symdiff.grad(f, wrt=(0, 1))(*ARGS)
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,200,400,800,1600")
    sizes = [int(s) for s in parser.parse_args(argv).sizes.split(",")]
    print(f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"{'shape':>12}  {'statements':>10}  {'wall s':>7}  {'CPU s':>6}  {'CPU ms/stmt':>11}")
    with tempfile.TemporaryDirectory() as folder:
        compile_time("chain", 10, Path(folder))              # imports and SymPy's set-up
        for shape in SHAPES:
            rows = [(n, *compile_time(shape, n, Path(folder))) for n in sizes]
            for n, wall, cpu in rows:
                print(f"{shape:>12}  {n:>10}  {wall:7.2f}  {cpu:6.2f}  {1e3 * cpu / n:11.2f}",
                      flush=True)
            ratio = (rows[-1][2] / rows[-1][0]) / (rows[0][2] / rows[0][0])
            print(f"{shape:>12}  CPU per statement at {sizes[-1]} over at {sizes[0]}: "
                  f"{ratio:.2f}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
