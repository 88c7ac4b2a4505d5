"""Benchmark: symdiff's Numba-compiled gradients against NumPy and hand-written Python.

    python benchmarks/bench_jit.py [--repeats 25]

The two loop workloads of bench_control_flow.py, each timed in this one process,
interleaved, medians of time.perf_counter():

- the damped oscillator, 1,000 explicit Euler steps on Python floats:
  ``value_and_grad(oscillator, wrt=(k, c, x0, v0))``;
- CS231n's naive multiclass SVM loss (N=100, C=10, D=50), gradient wrt W.

Each is run as symdiff's gradient with ``jit=True`` (numba), as symdiff's NumPy
gradient, and as the hand-written reverse pass of bench_control_flow.py (Python and
NumPy). The first jitted call, which compiles, is timed separately. All three are checked
to agree before anything is timed, and the jitted gradient must not have fallen back to
NumPy.
"""
import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_control_flow as flow
import symdiff
from bench_control_flow import corpus


def first_call(fn, args):
    """The first call (numba compiles here), timed; it must not fall back to NumPy."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        start = time.perf_counter()
        fn(*args)
        return time.perf_counter() - start


def oscillator_workload(steps=1000):
    args = flow.OSC_ARGS + (steps,)
    jitted = symdiff.value_and_grad(corpus.oscillator, wrt=flow.OSC_WRT, jit=True)
    plain = symdiff.value_and_grad(corpus.oscillator, wrt=flow.OSC_WRT)
    compile_seconds = first_call(jitted, args)
    for value, grads in (jitted(*args), plain(*args)):
        hand_value, hand_grads = flow.oscillator_adjoint(*args)
        np.testing.assert_allclose(value, hand_value, rtol=1e-12)
        np.testing.assert_allclose(grads, hand_grads, rtol=1e-10)
    return (f"oscillator grad ({steps} Euler steps)", compile_seconds,
            {"symdiff jit": lambda: jitted(*args), "symdiff NumPy": lambda: plain(*args),
             "hand-written": lambda: flow.oscillator_adjoint(*args)})


def svm_workload():
    rng = np.random.default_rng(0)
    N, C, D = 100, 10, 50
    args = (0.001 * rng.standard_normal((D, C)), rng.standard_normal((N, D)),
            rng.integers(0, C, size=N), 0.5)
    jitted = symdiff.value_and_grad(corpus.svm_loss_naive, wrt="W", jit=True)
    plain = symdiff.value_and_grad(corpus.svm_loss_naive, wrt="W")
    compile_seconds = first_call(jitted, args)
    hand_value, hand_dW = flow.svm_loss_naive_cs231n(*args)
    for value, dW in (jitted(*args), plain(*args)):
        np.testing.assert_allclose(value, hand_value, rtol=1e-10)
        np.testing.assert_allclose(dW, hand_dW, rtol=1e-8, atol=1e-12)
    return ("naive SVM grad (N=100, C=10, D=50)", compile_seconds,
            {"symdiff jit": lambda: jitted(*args), "symdiff NumPy": lambda: plain(*args),
             "hand-written": lambda: flow.svm_loss_naive_cs231n(*args)})


def run_interleaved(variants, repeats):
    times = {name: [] for name in variants}
    names = list(variants)
    for r in range(repeats):
        for name in names if r % 2 == 0 else reversed(names):
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25,
                        help="timed calls per variant and workload (default 25)")
    options = parser.parse_args(argv)
    import numba
    print(f"machine: {flow.machine()}; numba {numba.__version__}")
    print(f"medians of {options.repeats} interleaved calls (time.perf_counter)\n")
    for workload in (oscillator_workload(), svm_workload()):
        name, compile_seconds, variants = workload
        medians = run_interleaved(variants, options.repeats)
        hand = medians["hand-written"]
        print(f"{name}: first jitted call (numba compiles) {compile_seconds:.1f} s")
        for variant, seconds in medians.items():
            print(f"  {variant:<14} {flow.fmt_time(seconds):>11}  {seconds / hand:6.2f} x "
                  "hand-written")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
