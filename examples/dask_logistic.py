"""Logistic regression on more rows than memory holds, with Dask and the array-API gradient.

The loss is written with NumPy, as any symdiff example. ``backend="array-api"`` writes its
gradient in the array API standard's calls, so the same code runs on chunked Dask arrays:
each step builds one lazy graph for the loss and both gradients and computes it once, on
a ``dask.distributed.LocalCluster`` of worker processes (or Dask's threads). The rows are
generated chunk by chunk from seeded generators, never held in memory at once: each step
regenerates them, chunk by chunk, on the workers.

    python examples/dask_logistic.py --rows 20000000 --workers 2
    python examples/dask_logistic.py --rows 20000 --scheduler threads      # a quick look

It prints the loss falling, the throughput (rows per second through the gradient) and
the peak memory of each process, beside the size of the data.
"""
import argparse
import resource
import sys
import time

import numpy as np

import symdiff


def logistic_loss(w, b, X, t):
    """Mean logistic loss of labels t (+1 or -1) of rows X: log(1 + exp(-t (X w + b)))."""
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, -t * z))


def make_data(rows: int, features: int, chunk: int, seed: int = 0):
    """Lazy rows X and labels t from a true weight vector, each chunk of rows made from its
    own seed by ``map_blocks`` (nothing is generated until a step computes it)."""
    import dask.array as da
    truth = np.linspace(-1.0, 1.0, features)
    blocks = -(-rows // chunk)
    sizes = tuple(min(chunk, rows - k * chunk) for k in range(blocks))
    seeds = da.from_array(np.arange(blocks) + 1000 * seed, chunks=1)

    def rows_of(block_seed, n, with_labels):
        rng = np.random.default_rng(int(block_seed[0]))
        X = rng.standard_normal((n, features))
        if not with_labels:
            return X
        noise = rng.logistic(size=n)
        return np.where(X @ truth + noise > 0, 1.0, -1.0)

    def block(kind):
        def make(block_seed, block_info=None):
            n = sizes[block_info[None]["chunk-location"][0]]
            return rows_of(block_seed, n, kind == "t")
        return make
    X = seeds.map_blocks(block("X"), chunks=(sizes, (features,)), new_axis=1, dtype=float)
    t = seeds.map_blocks(block("t"), chunks=(sizes,), dtype=float)
    return X, t


def train(X, t, steps: int, lr: float, report=print):
    """Gradient descent with the array-API gradient: one ``dask.compute`` per step.
    Returns the losses and the rows per second."""
    import dask
    import dask.array as da
    step = symdiff.value_and_grad(logistic_loss, wrt=("w", "b"), backend="array-api")
    w, b = np.zeros(X.shape[1]), 0.0
    losses, start = [], time.perf_counter()
    for k in range(steps):
        loss, (dw, db) = step(da.from_array(w), b, X, t)          # a lazy graph
        loss, dw, db = dask.compute(loss, dw, db)                  # computed once
        w, b = w - lr * dw, b - lr * float(db)
        losses.append(float(loss))
        report(f"step {k + 1:2d}  loss {float(loss):.6f}")
    seconds = time.perf_counter() - start
    return losses, X.shape[0] * steps / seconds, w, b


def peak_mb() -> float:
    """This process's peak resident memory, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=250_000, help="rows per chunk")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--scheduler", choices=("distributed", "threads"),
                        default="distributed")
    args = parser.parse_args(argv)
    X, t = make_data(args.rows, args.features, args.chunk)
    data_mb = args.rows * (args.features + 1) * 8 / 2 ** 20
    print(f"{args.rows:,} rows x {args.features} features: {data_mb:,.0f} MB of data, "
          f"in chunks of {args.chunk:,} rows")
    if args.scheduler == "threads":
        import dask
        with dask.config.set(scheduler="threads"):
            losses, speed, w, b = train(X, t, args.steps, args.lr)
        workers = {}
    else:
        from dask.distributed import Client, LocalCluster
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          memory_limit="2GiB", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            losses, speed, w, b = train(X, t, args.steps, args.lr)
            workers = client.run(peak_mb)
    print(f"throughput: {speed:,.0f} rows/s through loss and gradient "
          f"({args.scheduler}, {args.workers if workers else 'local'} workers)")
    print(f"peak memory: this process {peak_mb():,.0f} MB" +
          "".join(f", worker {k + 1} {mb:,.0f} MB" for k, mb in enumerate(workers.values())) +
          f"; the data is {data_mb:,.0f} MB")
    return {"losses": losses, "rows_per_second": speed, "w": w, "b": b,
            "worker_peak_mb": list(workers.values()), "data_mb": data_mb}


if __name__ == "__main__":
    main(sys.argv[1:])
