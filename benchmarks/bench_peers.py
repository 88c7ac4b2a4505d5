"""Benchmark: symdiff against hand-written gradients and other differentiation tools.

    python benchmarks/bench_peers.py [--quick] [--only NAME[,NAME]] [--tools TOOL[,TOOL]]

Workloads (NAME): mlp, mlp-large, ode, svm, rnn, gmm, compile. Tools: symdiff (the
NumPy gradient), symdiff-jit (Numba), hand (the hand-written NumPy gradient, the
reference), autograd, jax, torch, tangent. A peer that is not installed is skipped with
a note; the suite runs with symdiff's own dependencies alone (the peers:
``pip install -e ".[bench]"``, and ``pip install torch`` for PyTorch).

For each workload, every tool's gradient is first checked against the hand-written one
(np.allclose, float64); a mismatch is reported and not timed. Then all gradient calls
(and, where a gradient/objective ratio is shown, each tool's objective) are timed in
this one process, interleaved (the order rotates every round), each sample a batch of
calls long enough to time; the tables show medians, and the fastest sample beside them
(on a busy machine the fastest is the steadier estimate of what the code costs). Every
library runs on one thread.
"first call" is the setup and the first gradient call: compilation for symdiff, Numba,
JAX and Tangent. The targets at the end compare the measured ratios with symdiff's.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")          # one thread everywhere, set before imports
if "intra_op_parallelism_threads" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen"
                               "=false intra_op_parallelism_threads=1").strip()

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402

import compile_scaling  # noqa: E402
import peer_workloads  # noqa: E402
import peers  # noqa: E402
from bench_control_flow import fmt_time, machine  # noqa: E402

RTOL, ATOL = 1e-7, 1e-9
COMPILE_SIZES = (100, 200, 400, 800, 1600)


@dataclass
class Result:
    title: str
    median: dict = field(default_factory=dict)     # tool -> seconds per gradient
    fastest: dict = field(default_factory=dict)    # tool -> fastest sample, seconds per call
    first: dict = field(default_factory=dict)      # tool -> seconds of setup + first call
    forward: dict = field(default_factory=dict)    # objective label -> seconds (median)
    forward_fastest: dict = field(default_factory=dict)
    forward_of: dict = field(default_factory=dict)  # tool -> its objective label
    status: dict = field(default_factory=dict)     # tool -> why it was not timed
    notes: list = field(default_factory=list)
    broken: bool = False                           # a mismatch, or symdiff failed


# --- correctness, then timing --------------------------------------------------------

def mismatch(got: tuple, want: tuple) -> str:
    """'' when the gradients agree, else what differs."""
    if len(got) != len(want):
        return f"{len(got)} gradients, want {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        g = np.asarray(g, dtype=float)
        if g.shape != np.shape(w):
            return f"gradient {i} has shape {g.shape}, want {np.shape(w)}"
        if not np.allclose(g, w, rtol=RTOL, atol=ATOL):
            return f"gradient {i} differs by up to {np.max(np.abs(g - w)):.3e}"
    return ""


def prepare_checked(tool, build, want, result: Result):
    """``build()``'s Prepared, checked against the reference; None (with a status) if not."""
    start = time.perf_counter()
    try:
        p = build()
        got = p.to_numpy(p.grad())
    except Exception as exc:  # noqa: BLE001 - any failure of a tool is reported, not raised
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        result.status[tool] = "failed (below)"
        result.notes.append(f"{peers.LABELS.get(tool, tool)} failed: {message[:400]}")
        result.broken |= tool.startswith("symdiff")
        return None
    result.first[tool] = time.perf_counter() - start
    wrong = mismatch(got, want)
    if wrong:
        result.status[tool] = f"MISMATCH with hand-written: {wrong}"
        result.broken = True
        print(f"!!! {result.title}: {peers.LABELS.get(tool, tool)} computes a different gradient "
              f"({wrong}); not timed", file=sys.stderr)
        return None
    if p.note:
        result.notes.append(f"{peers.LABELS.get(tool, tool)}: {p.note}")
    return p


def timed(fn, number: int) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def measure(calls: dict, repeats: int, min_sample: float, budget: float) -> dict:
    """(median, fastest) seconds per call of each callable, sampled in interleaved rounds.

    A sample is a batch of calls lasting at least ``min_sample``; a callable gets fewer
    rounds (never under 3) when its samples would take more than ``budget`` seconds, and
    one round when a single call takes longer than that (a peer a thousand times slower).
    """
    plan = {}
    for name, fn in calls.items():
        once = max(timed(fn, 1), 1e-9)
        number = max(1, int(min_sample / once))
        fewest = 1 if once > budget else 3
        plan[name] = (fn, number, max(fewest, min(repeats, int(budget / (once * number)))))
    samples = {name: [] for name in calls}
    names = list(calls)
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in (reversed(order) if r % 2 else order):
            fn, number, rounds = plan[name]
            if len(samples[name]) < rounds:
                samples[name].append(timed(fn, number) / number)
    return {name: (statistics.median(s), min(s)) for name, s in samples.items()}


def run_workload(w, tools, status, options) -> Result:
    result = Result(w.title, notes=list(w.notes))
    want = tuple(w.hand(*w.args))
    prepared = {}
    for tool in tools:
        if status[tool] is not None:
            result.status[tool] = status[tool]
            continue
        p = prepare_checked(tool, lambda tool=tool: peers.prepare(tool, w), want, result)
        if p is not None:
            prepared[tool] = p
    for label, fn in w.references.items():
        p = prepare_checked(label, lambda fn=fn: peers.reference(fn, w), want, result)
        if p is not None:
            prepared[label] = p
    calls = {tool: p.grad for tool, p in prepared.items()}
    if w.forward_ratio:
        for tool, p in prepared.items():
            result.forward_of[tool] = p.forward_label
            calls.setdefault(("objective", p.forward_label), p.forward)
    timings = measure(calls, options.repeats, options.min_sample, options.budget)
    for name, (median, fastest) in timings.items():
        if isinstance(name, tuple):
            result.forward[name[1]], result.forward_fastest[name[1]] = median, fastest
        else:
            result.median[name], result.fastest[name] = median, fastest
    return result


# --- report ---------------------------------------------------------------------------

def fmt_seconds(seconds):
    return "-" if seconds is None else (fmt_time(seconds) if seconds < 1 else f"{seconds:8.2f} s")


def load() -> str:
    """The machine is shared: how busy it was is part of the result."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def print_workload(result: Result, tools):
    print(f"\n== {result.title} ==")
    rows = [t for t in tools] + [t for t in result.median if t not in tools]
    show_fwd = bool(result.forward)
    header = (f"{'tool':<22} {'first call':>11} {'median':>11} {'/ hand':>7} {'fastest':>11} "
              f"{'/ hand':>7}")
    print(header + (f" {'grad/obj':>8}" if show_fwd else "") + "  note")
    print("-" * (len(header) + (9 if show_fwd else 0) + 6))
    for tool in rows:
        line = f"{peers.LABELS.get(tool, tool):<22} {fmt_seconds(result.first.get(tool)):>11}"
        for stat in (result.median, result.fastest):
            seconds, hand = stat.get(tool), stat.get("hand")
            line += f" {fmt_seconds(seconds):>11} " + (f"{seconds / hand:7.2f}" if seconds and hand
                                                     else f"{'-':>7}")
        if show_fwd:
            seconds = result.median.get(tool)
            objective = result.forward.get(result.forward_of.get(tool))
            line += f" {seconds / objective:8.2f}" if seconds and objective else f" {'-':>8}"
        note = result.status.get(tool, "")
        print(line + ("  " + note if note else ""))
    for label, seconds in result.forward.items():
        print(f"  objective ({label}): median {fmt_seconds(seconds).strip()}, fastest "
              f"{fmt_seconds(result.forward_fastest[label]).strip()}")
    for note in result.notes:
        print(f"  note: {note}")


def print_compile(rows):
    print("\n== symdiff compile time against function size (straight-line code) ==")
    print(f"{'statements':>10} {'seconds':>9} {'ms/statement':>13}  note")
    print("-" * 48)
    for n, seconds, note in rows:
        if seconds is None:
            print(f"{n:>10} {'-':>9} {'-':>13}  {note}")
        else:
            print(f"{n:>10} {seconds:9.2f} {1e3 * seconds / n:13.2f}  {note}")


def targets(results: dict, compile_rows, ran) -> list:
    """(target, [(measured, PASS/MISS)] from medians and from fastest samples) per target."""
    def ratio(key, tool, ref, stat):
        times = getattr(results[key], stat) if key in results else {}
        return times[tool] / times[ref] if tool in times and ref in times else None

    def per_objective(key, stat):
        r = results.get(key)
        objective = (r.forward if stat == "median" else r.forward_fastest) if r else {}
        times = getattr(r, stat) if r else {}
        return times["symdiff"] / objective["NumPy"] if "symdiff" in times and \
            "NumPy" in objective else None

    def compile_seconds(stat):
        ode = results.get("ode")
        return ode.first.get("symdiff-jit") if ode else None

    def largest(stat):
        return next((s for n, s, _ in compile_rows if n == max(COMPILE_SIZES)), None)

    rows = [
        ("mlp", "MLP N=64: symdiff / hand-written <= 1.05",
         lambda st: ratio("mlp", "symdiff", "hand", st), "<=", 1.05),
        ("mlp-large", "large MLP: symdiff / hand-written <= 1.02",
         lambda st: ratio("mlp-large", "symdiff", "hand", st), "<=", 1.02),
        ("mlp", "MLP N=64: symdiff gradient / objective <= 3",
         lambda st: per_objective("mlp", st), "<=", 3),
        ("mlp-large", "large MLP: symdiff gradient / objective <= 3",
         lambda st: per_objective("mlp-large", st), "<=", 3),
        ("ode", "ODE: symdiff / hand-written Python <= 1.2",
         lambda st: ratio("ode", "symdiff", "hand", st), "<=", 1.2),
        ("ode", "ODE: symdiff (jit) / hand-written Numba <= 1.1",
         lambda st: ratio("ode", "symdiff-jit", "hand-written (Numba)", st), "<=", 1.1),
        ("rnn", "RNN T=50: symdiff / hand-written <= 1.05",
         lambda st: ratio("rnn", "symdiff", "hand", st), "<=", 1.05),
        ("gmm", "GMM: symdiff / hand-written batched matmuls <= 1.1",
         lambda st: ratio("gmm", "symdiff", "hand", st), "<=", 1.1),
        ("ode", "ODE: symdiff (jit) compile < 2 s", compile_seconds, "<", 2.0),
        ("svm", "naive SVM: symdiff (jit) speed-up over hand-written Python >= 10",
         lambda st: ratio("svm", "hand", "symdiff-jit", st), ">=", 10),
        ("compile", "1,600-statement function compiles < 2 s", largest, "<", 2.0),
    ]
    out = []
    for key, text, value, op, limit in rows:
        if key not in ran:
            continue
        measured = []
        for stat in ("median", "fastest"):
            v = value(stat)
            ok = v is not None and {"<=": v <= limit, "<": v < limit, ">=": v >= limit}[op]
            measured.append(("n/a", "n/a") if v is None else (f"{v:.2f}", "PASS" if ok else
                                                              "MISS"))
        out.append((text, measured))
    return out


def print_targets(rows):
    if not rows:
        return
    print("\n== targets (compile times: one measurement, shown in both columns) ==")
    width = max(len(t) for t, _ in rows)
    print(f"{'target':<{width}} {'median':>8} {'':6} {'fastest':>8}")
    print("-" * (width + 26))
    for text, ((med, med_ok), (fast, fast_ok)) in rows:
        print(f"{text:<{width}} {med:>8} {med_ok:<6} {fast:>8} {fast_ok}")


# --- main -----------------------------------------------------------------------------------

def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: few rounds, short samples, compile sizes up to 400")
    parser.add_argument("--only", default="", help="comma-separated workloads: "
                        + ", ".join(list(peer_workloads.WORKLOADS) + ["compile"]))
    parser.add_argument("--tools", default="", help="comma-separated tools: "
                        + ", ".join(peers.TOOLS) + " (default: all)")
    parser.add_argument("--repeats", type=int, help="rounds of timing (default 21, quick 5)")
    options = parser.parse_args(argv)
    options.repeats = options.repeats or (5 if options.quick else 21)
    options.min_sample = 0.001 if options.quick else 0.005
    options.budget = 1.0 if options.quick else 6.0
    known = list(peer_workloads.WORKLOADS) + ["compile"]
    options.only = [n for n in options.only.split(",") if n] or known
    options.tools = [t for t in options.tools.split(",") if t] or list(peers.TOOLS)
    for name in options.only:
        if name not in known:
            parser.error(f"unknown workload {name!r}; choose from {', '.join(known)}")
    for tool in options.tools:
        if tool not in peers.TOOLS:
            parser.error(f"unknown tool {tool!r}; choose from {', '.join(peers.TOOLS)}")
    if "hand" not in options.tools:
        options.tools.append("hand")                    # every ratio is to it
    return options


def main(argv=None):
    options = parse(argv)
    status = peers.available(options.tools)
    versions = {t: peers.version(t) for t in options.tools if status[t] is None}
    print(f"machine: {machine()}")
    print(f"load average (1, 5, 15 min) at the start: {load()}")
    print("tools: " + "; ".join(f"{peers.LABELS[t]}: {versions.get(t) or status[t]}"
                                for t in options.tools))
    print(f"median and fastest of up to {options.repeats} interleaved samples "
          "(time.perf_counter), one thread per library; '/ hand' is the ratio to the "
          "hand-written NumPy gradient")
    results, compile_rows, broken = {}, [], False
    for key in options.only:
        if key == "compile":
            sizes = COMPILE_SIZES[:3] if options.quick else COMPILE_SIZES
            compile_rows = compile_scaling.compile_times(sizes)
            print_compile(compile_rows)
            broken |= any(s is None for _, s, _ in compile_rows)
            continue
        result = run_workload(peer_workloads.WORKLOADS[key](), options.tools, status, options)
        results[key] = result
        broken |= result.broken
        print_workload(result, options.tools)
        sys.stdout.flush()
    print_targets(targets(results, compile_rows, options.only))
    print(f"\nload average (1, 5, 15 min) at the end: {load()}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
