"""Train the 2-layer net of mlp.py on a toy spiral with symdiff's gradients.

Run from the repository root:

    python examples/train_mlp.py            # 2,500 steps, a few seconds
    python examples/train_mlp.py --steps 300

This is the training loop of the CS231n notes, full-batch gradient descent,
`weights += -step_size * weights_grad`, except that nobody wrote the backward
pass: symdiff.grad derived it from mlp_loss.
"""
import argparse
import os
import sys

import numpy as np

import symdiff

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp import mlp_loss


def make_spiral(points_per_class=100, num_classes=3, seed=0):
    """A 2-D spiral with `num_classes` arms: not linearly separable."""
    rng = np.random.default_rng(seed)
    N = points_per_class * num_classes
    X = np.zeros((N, 2))
    y = np.zeros(N, dtype=np.int64)
    for j in range(num_classes):
        ix = slice(points_per_class * j, points_per_class * (j + 1))
        r = np.linspace(0.0, 1.0, points_per_class)
        t = (np.linspace(j * 4.0, (j + 1) * 4.0, points_per_class)
             + 0.2 * rng.standard_normal(points_per_class))
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


def predict(W1, b1, W2, b2, X):
    """The class with the highest score, for every row of X."""
    h = np.maximum(0, X @ W1 + b1)
    scores = h @ W2 + b2
    return np.argmax(scores, axis=1)


def train(steps, hidden=100, step_size=1.0, reg=1e-3, print_every=250,
          seed=0):
    X, y = make_spiral(seed=seed)
    D, C = X.shape[1], int(y.max()) + 1
    rng = np.random.default_rng(seed + 1)
    W1 = 0.01 * rng.standard_normal((D, hidden))
    b1 = np.zeros(hidden)
    W2 = 0.01 * rng.standard_normal((hidden, C))
    b2 = np.zeros(C)

    # compiled once, called at every step
    grad_loss = symdiff.grad(mlp_loss, wrt=("W1", "b1", "W2", "b2"))

    for step in range(steps):
        if step % print_every == 0:
            loss = mlp_loss(W1, b1, W2, b2, X, y, reg)
            print(f"step {step:5d}  loss {loss:.6f}")
        dW1, db1, dW2, db2 = grad_loss(W1, b1, W2, b2, X, y, reg)
        W1 += -step_size * dW1
        b1 += -step_size * db1
        W2 += -step_size * dW2
        b2 += -step_size * db2

    loss = mlp_loss(W1, b1, W2, b2, X, y, reg)
    print(f"step {steps:5d}  loss {loss:.6f}")
    accuracy = np.mean(predict(W1, b1, W2, b2, X) == y)
    print(f"training accuracy: {accuracy:.2f}")
    return loss, accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2500,
                        help="number of gradient descent steps (default 2500)")
    args = parser.parse_args(argv)
    if args.steps < 0:
        parser.error("--steps must be >= 0")
    train(args.steps)


if __name__ == "__main__":
    main()
