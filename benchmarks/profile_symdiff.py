"""Where symdiff's time goes, for the workloads of bench_peers.py.

    python benchmarks/profile_symdiff.py [--only NAME[,NAME]] [--statements 1600]

For each workload (mlp, mlp-large, ode, svm, rnn, gmm):

- calling a gradient through ``symdiff.grad`` against calling the generated function
  directly, for the NumPy path and, where Numba compiles it, the jit path, and the time
  ``symdiff.grad`` spends per call around the gradient (argument checks, the
  specialization key, the conversion of results);
- the most expensive statements of the generated gradient (a loop counts as one
  statement), each timed on its own over repeated runs of the whole body.

For ``compile``: cProfile of compiling the generated straight-line function of
``--statements`` statements, as cumulative seconds per compiler stage.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import ast
import cProfile
import pstats
import sys
import tempfile
import time
import timeit
import warnings
from pathlib import Path

import compile_scaling
import peer_workloads
import symdiff
from symdiff import api

#: The compiler's stages as (file, function) in cProfile's records.
STAGES = [("parse + fence", "api.py", "_source"), ("desugar", "desugar.py", "desugar"),
          ("lower (with desugar)", "lower.py", "lower"), ("fuse", "fuse.py", "fuse"),
          ("shape inference", "shapes.py", "infer_shapes"), ("reverse", "reverse.py", "reverse"),
          ("  of which rule comments", "__init__.py", "describe"),
          ("optimize (both runs)", "optimize.py", "optimize"), ("verify", "ir.py", "verify"),
          ("codegen", "codegen.py", "module_source"),
          ("the whole first call", "api.py", "__call__")]


def per_call(fns: dict, args, rounds=25, seconds=0.002) -> dict:
    """Fastest seconds per call of each function, the functions timed in turn, in rounds."""
    numbers = {name: max(1, int(seconds / max(timeit.timeit(lambda fn=fn: fn(*args), number=1),
                                              1e-7))) for name, fn in fns.items()}
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            n = numbers[name]
            best[name] = min(best[name], timeit.timeit(lambda fn=fn: fn(*args), number=n) / n)
    return best


def call_overhead(g, args) -> float:
    """Seconds symdiff.grad spends per call around the gradient itself (argument checks,
    the specialization key, the conversion of results): the gradient is swapped for a
    stub that returns its result at once, and the call is timed by the fastest of many."""
    key = api.signature(args)
    entry = g._compiled[key]
    result = entry[0](*args)
    g._compiled[key] = (lambda *_: result,) + entry[1:]
    g._fast = None                        # the cheap path of repeated calls, rebuilt on the stub
    try:
        g(*args)
        return per_call({"stub": g}, args, rounds=50, seconds=0.005)["stub"]
    finally:
        g._compiled[key] = entry
        g._fast = None


def generated_function(g, args, jit=False):
    namespace: dict = {}
    exec(compile(g.source_for(*args), "<gradient>", "exec"), namespace)
    fn = namespace[f"grad_{g.fn.__name__}"]
    if jit:
        import numba
        fn = numba.njit(fn)
        fn(*args)
    return fn


def statement_profile(g, args, rounds=30):
    """(seconds, source text) of each top-level statement of the gradient: the fastest of
    ``rounds`` runs of the whole body, so that a pause of the machine does not count."""
    source = g.source_for(*args)
    tree = ast.parse(source)
    body = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
                and n.name == f"grad_{g.fn.__name__}")
    params = [a.arg for a in body.args.args]
    module: dict = {}
    exec(compile(source, "<gradient>", "exec"), module)
    codes = [(ast.get_source_segment(source, s).splitlines()[0],
              compile(ast.Module([s], []), "<statement>", "exec"))
             for s in body.body if not isinstance(s, ast.Return)]
    best = [float("inf")] * len(codes)
    for _ in range(rounds):
        namespace = dict(module)
        namespace.update(zip(params, args))
        for i, (_, code) in enumerate(codes):
            start = time.perf_counter()
            exec(code, namespace)
            best[i] = min(best[i], time.perf_counter() - start)
    return [(t, text) for t, (text, _) in zip(best, codes)]


def profile_workload(w, top=12):
    print(f"\n== {w.title} ==")
    g = symdiff.grad(w.fn, wrt=tuple(w.wrt))
    g(*w.args)
    fns = {"called": g, "alone": generated_function(g, w.args), "hand": w.hand}
    try:
        gj = symdiff.grad(w.fn, wrt=tuple(w.wrt), jit=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            gj(*w.args)
        fns.update({"jit called": gj, "jit alone": generated_function(g, w.args, jit=True)},
                   **w.references)
    except RuntimeWarning:
        pass
    t = {name: seconds * 1e6 for name, seconds in per_call(fns, w.args).items()}
    print(f"NumPy path: through symdiff.grad {t['called']:.1f} us, generated function alone "
          f"{t['alone']:.1f} us; hand-written {t['hand']:.1f} us")
    print(f"symdiff.grad's own work per call (the gradient stubbed out): "
          f"{call_overhead(g, w.args) * 1e6:.1f} us")
    if "jit called" in t:
        print(f"jit path: through symdiff.grad {t['jit called']:.1f} us, Numba function alone "
              f"{t['jit alone']:.1f} us; "
              + "; ".join(f"{label} {t[label]:.1f} us" for label in w.references))
    else:
        print("jit path: Numba does not compile this gradient (see bench_peers.py)")
    rows = statement_profile(g, w.args)
    total = sum(t for t, _ in rows)
    print(f"statements of the generated gradient: {len(rows)}, {total * 1e6:.1f} us in all "
          f"(each the fastest of 30 runs); the {min(top, len(rows))} most expensive:")
    for seconds, text in sorted(rows, key=lambda r: -r[0])[:top]:
        print(f"  {seconds * 1e6:9.1f} us {100 * seconds / total:5.1f}%  {text.strip()[:88]}")


def profile_compile(n):
    print(f"\n== compiling a {n}-statement straight-line function, by stage (cProfile) ==")
    with tempfile.TemporaryDirectory() as folder:
        module = compile_scaling.load(compile_scaling.straight_line_source(n),
                                      f"symdiff_profile_{n}", Path(folder))
        fn = getattr(module, f"straight_line_{n}")
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(lambda: symdiff.grad(fn, wrt=(0, 1, 2, 3, 4))(*compile_scaling.inputs()))
        wall = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats
    total = sum(entry[3] for (file, _, func), entry in stats.items()
                if func == "__call__" and file.endswith("api.py"))
    print(f"{wall:.2f} s under the profiler (cProfile slows it down several times)")
    for label, filename, name in STAGES:
        seconds = sum(entry[3] for (file, _, func), entry in stats.items()
                      if func == name and file.endswith(filename) and "symdiff" in file)
        print(f"  {label:<26} {seconds:7.2f} s {100 * seconds / total:5.1f}%")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated workloads (default all)")
    parser.add_argument("--statements", type=int, default=1600,
                        help="size of the function whose compilation is profiled")
    options = parser.parse_args(argv)
    names = [n for n in options.only.split(",") if n] or (list(peer_workloads.WORKLOADS)
                                                           + ["compile"])
    for name in names:
        if name == "compile":
            profile_compile(options.statements)
        else:
            profile_workload(peer_workloads.WORKLOADS[name]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
