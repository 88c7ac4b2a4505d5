"""Peak memory of one RNN gradient call: symdiff's tapes against hand-written BPTT.

    python benchmarks/tape_memory.py [--steps 50,200]

The tanh RNN of bench_peers.py (tests/control_flow_corpus.py's ``rnn_loss``, D=16, H=32)
at each number of steps T: the peak of ``tracemalloc`` over one call of symdiff's
gradient (compiled before, called through ``symdiff.grad``) and of the hand-written
gradient of peer_workloads.py (which keeps the list of hidden states), after checking
that both give the same gradients. The ratio is symdiff over hand-written.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import tracemalloc

import numpy as np

import peer_workloads
import symdiff

D, H = 16, 32


def rnn_args(T: int) -> tuple:
    rng = np.random.default_rng(2)
    return (rng.standard_normal((H, D)) / np.sqrt(D), rng.standard_normal((H, H)) / np.sqrt(H),
            0.1 * rng.standard_normal(H), 0.5 * rng.standard_normal(H),
            rng.standard_normal((T, D)), 0.5 * rng.standard_normal((T, H)))


def peak(fn, args) -> int:
    """Bytes: the peak tracemalloc sees during one call, above what was held before it."""
    fn(*args)                                    # compiled and warm
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="50,200")
    options = parser.parse_args(argv)
    g = symdiff.grad(peer_workloads.corpus.rnn_loss, wrt=(0, 1, 2, 3))
    hand = peer_workloads.rnn_grad_hand
    print(f"tanh RNN (D={D}, H={H}): peak of one gradient call (tracemalloc)")
    print(f"{'steps':>6} {'symdiff':>12} {'hand-written':>14} {'ratio':>7}")
    for T in map(int, options.steps.split(",")):
        args = rnn_args(T)
        for got, want in zip(g(*args), hand(*args)):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        ours, theirs = peak(g, args), peak(hand, args)
        print(f"{T:>6} {ours / 1024:>9.1f} KiB {theirs / 1024:>11.1f} KiB {ours / theirs:>7.2f}")
    tape = 8 * H / 1024
    print(f"one saved hidden state is {tape:.2f} KiB; both save 1 per step: symdiff one row "
          "of a (T + 1, H) tape (h before a step is h after the one before; h - target is "
          "recomputed), the hand-written code one list entry (the array and its header)")


if __name__ == "__main__":
    main()
