"""Throughput of examples/dask_logistic.py: Dask with 1, 2 and 4 worker processes against
the NumPy gradient on the same rows held in memory.

    python benchmarks/bench_dask.py --rows 4000000 --steps 3

Rows per second through the loss and both gradients (one step), best of the steps after
the first (the first builds the graph and warms the workers). The in-memory rows are the
same chunks, computed once into one NumPy array.
"""
import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

import symdiff

ROOT = Path(__file__).resolve().parent.parent


def _example():
    spec = importlib.util.spec_from_file_location("dask_logistic",
                                                  ROOT / "examples" / "dask_logistic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best_rate(step, rows: int, steps: int) -> float:
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return rows / min(times[1:] or times)


def in_memory(example, X, t, steps: int, backend: str) -> float:
    g = symdiff.value_and_grad(example.logistic_loss, wrt=("w", "b"), backend=backend)
    w = np.zeros(X.shape[1])
    return _best_rate(lambda: g(w, 0.0, X, t), X.shape[0], steps)


def on_cluster(example, X, t, steps: int, workers: int) -> tuple[float, list]:
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    g = symdiff.value_and_grad(example.logistic_loss, wrt=("w", "b"), backend="array-api")
    w = np.zeros(X.shape[1])
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      memory_limit="2GiB", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        rate = _best_rate(lambda: dask.compute(*_flat(g(da.from_array(w), 0.0, X, t))),
                          X.shape[0], steps)
        peaks = list(client.run(example.peak_mb).values())
    return rate, peaks


def _flat(result):
    value, (dw, db) = result
    return value, dw, db


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=250_000)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args(argv)
    example = _example()
    X, t = example.make_data(args.rows, args.features, args.chunk)
    import dask
    with dask.config.set(scheduler="threads"):
        Xn, tn = dask.compute(X, t)
    rows = [("NumPy gradient, in memory", in_memory(example, Xn, tn, args.steps, "numpy"), ""),
            ("array-API gradient on NumPy arrays, in memory",
             in_memory(example, Xn, tn, args.steps, "array-api"), "")]
    for workers in (1, 2, 4):
        rate, peaks = on_cluster(example, X, t, args.steps, workers)
        rows.append((f"Dask, {workers} worker process{'es' if workers > 1 else ''}", rate,
                     f"{max(peaks):,.0f} MB"))
    print(f"{args.rows:,} rows x {args.features} features "
          f"({args.rows * (args.features + 1) * 8 / 2 ** 20:,.0f} MB), chunks of "
          f"{args.chunk:,} rows\n")
    print("| run | rows/s | peak memory per worker |")
    print("| --- | ---: | ---: |")
    for name, rate, peak in rows:
        print(f"| {name} | {rate:,.0f} | {peak} |")


if __name__ == "__main__":
    main(sys.argv[1:])
