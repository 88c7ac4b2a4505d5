"""Benchmark: symdiff's gradients of loops against hand-written reverse passes.

    python benchmarks/bench_control_flow.py [--repeats 25]

Two workloads from tests/control_flow_corpus.py, each timed in this one
process, interleaved (symdiff, hand-written, symdiff, ... with the order
alternating every repeat), reporting medians of time.perf_counter():

- the naive multiclass SVM loss (N=100 examples, C=10 classes, D=50
  features): symdiff's value_and_grad wrt W against CS231n's svm_loss_naive,
  which computes dW by hand inside the same two loops;
- the damped oscillator integrated for 1,000 explicit Euler steps on Python
  floats: symdiff's value_and_grad wrt (k, c, x0, v0) against a hand-written
  adjoint (the forward stores x and v at every step, the backward runs the
  steps in reverse).

Then the peak memory of one oscillator gradient call (tracemalloc) at 1,000
and 4,000 steps, for symdiff (as called, and the shape-generic source that
`symdiff compile` writes) and for the hand-written adjoint.

Both gradients are checked to agree before anything is timed.
"""
import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import control_flow_corpus as corpus  # noqa: E402
import symdiff  # noqa: E402


# --- the hand-written reverse passes ----------------------------------------------

def svm_loss_naive_cs231n(W, X, y, reg):
    """CS231n's svm_loss_naive: the loss and dW, computed in the same loops."""
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def oscillator_adjoint(k, c, x0, v0, steps=1000, dt=0.01):
    """Explicit Euler forward, storing x and v; the adjoint steps backwards."""
    xs = []
    vs = []
    x, v = x0, v0
    for _ in range(steps):
        xs.append(x)
        vs.append(v)
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    value = x * x + v
    gx, gv = 2.0 * x, 1.0
    gk = gc = 0.0
    for n in reversed(range(steps)):
        ga = dt * gv
        gk -= xs[n] * ga
        gc -= vs[n] * ga
        gx, gv = gx - k * ga, dt * gx + gv - c * ga
    return value, (gk, gc, gx, gv)


# --- workloads ------------------------------------------------------------------------

OSC_WRT = ("k", "c", "x0", "v0")
OSC_ARGS = (2.0, 0.3, 1.0, -0.5)


def svm_workload():
    rng = np.random.default_rng(0)
    N, C, D = 100, 10, 50
    W = 0.001 * rng.standard_normal((D, C))
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    args = (W, X, y, 0.5)
    generated = symdiff.value_and_grad(corpus.svm_loss_naive, wrt="W")
    value, dW = generated(*args)                  # compiles for these shapes
    hand_value, hand_dW = svm_loss_naive_cs231n(*args)
    np.testing.assert_allclose(value, hand_value, rtol=1e-10)
    np.testing.assert_allclose(dW, hand_dW, rtol=1e-8, atol=1e-12)
    return ("naive SVM grad (N=100, C=10, D=50)",
            lambda: generated(*args), lambda: svm_loss_naive_cs231n(*args))


def oscillator_workload(steps=1000):
    args = OSC_ARGS + (steps,)
    generated = symdiff.value_and_grad(corpus.oscillator, wrt=OSC_WRT)
    value, grads = generated(*args)
    hand_value, hand_grads = oscillator_adjoint(*args)
    np.testing.assert_allclose(value, hand_value, rtol=1e-12)
    np.testing.assert_allclose(grads, hand_grads, rtol=1e-10)
    return (f"oscillator grad ({steps} Euler steps)",
            lambda: generated(*args), lambda: oscillator_adjoint(*args))


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_interleaved(workloads, repeats):
    times = {name: ([], []) for name, _, _ in workloads}
    for r in range(repeats):
        for name, generated, hand in workloads:
            gen_times, hand_times = times[name]
            if r % 2 == 0:
                gen_times.append(timed(generated))
                hand_times.append(timed(hand))
            else:
                hand_times.append(timed(hand))
                gen_times.append(timed(generated))
    return {name: (statistics.median(g), statistics.median(h))
            for name, (g, h) in times.items()}


# --- memory ---------------------------------------------------------------------------

def peak_bytes(fn, *args):
    """Peak traced memory of one call (after a warm-up call), above the baseline."""
    fn(*args)
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - baseline


def generic_gradient(g):
    namespace = {}
    exec(compile(g.source, "<generic source>", "exec"), namespace)
    return namespace[f"grad_{g.fn.__name__}"]


def memory_table():
    g = symdiff.grad(corpus.oscillator, wrt=OSC_WRT)
    variants = [("symdiff (as called)", g),
                ("symdiff (generic g.source)", generic_gradient(g)),
                ("hand-written adjoint", oscillator_adjoint)]
    rows = []
    for label, fn in variants:
        small = peak_bytes(fn, *OSC_ARGS, 1000)
        large = peak_bytes(fn, *OSC_ARGS, 4000)
        rows.append((label, small, large))
    return rows


# --- report -----------------------------------------------------------------------------

def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def machine():
    return (f"{platform.platform()} ({platform.machine()}, {cpu_name()}, "
            f"{os.cpu_count()} cpus); "
            f"Python {platform.python_version()} ({platform.python_implementation()}); "
            f"NumPy {np.__version__}; symdiff {symdiff.__version__}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25,
                        help="timed calls per implementation and workload (default 25)")
    options = parser.parse_args(argv)

    workloads = [svm_workload(), oscillator_workload(1000)]
    medians = run_interleaved(workloads, options.repeats)

    print(f"machine: {machine()}")
    print(f"medians of {options.repeats} interleaved calls (time.perf_counter)\n")
    width = max(len(name) for name in medians)
    print(f"{'workload':<{width}}  {'symdiff':>11}  {'hand-written':>12}  {'ratio':>6}")
    print("-" * (width + 37))
    for name, (gen, hand) in medians.items():
        print(f"{name:<{width}}  {fmt_time(gen):>11}  {fmt_time(hand):>12}  "
              f"{gen / hand:6.2f}")

    print("\npeak memory of one oscillator gradient call (tracemalloc)\n")
    rows = memory_table()
    width = max(len(label) for label, _, _ in rows)
    print(f"{'implementation':<{width}}  {'1,000 steps':>12}  {'4,000 steps':>12}  "
          f"{'ratio':>6}")
    print("-" * (width + 38))
    for label, small, large in rows:
        print(f"{label:<{width}}  {small / 1024:9.1f} KiB  {large / 1024:9.1f} KiB  "
              f"{large / max(small, 1):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
