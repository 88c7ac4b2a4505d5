"""Newton's method on L2-regularized logistic regression, with symdiff's grad and hessian.

Run from the repository root:

    python examples/newton_logistic.py

The loss is written once, in plain NumPy; symdiff derives its gradient and its Hessian.
Each Newton step solves H(theta) step = -g(theta). The loss is smooth and strictly convex
(the L2 term makes H positive definite), so from theta = 0 the gradient norm falls
quadratically: a handful of steps reach 1e-10, where gradient descent would need thousands.
"""
import numpy as np

import symdiff


def logistic_loss(theta, X, y, lam):
    """Mean logistic loss of labels y in {-1, +1}, plus 0.5 lam |w|^2 (the bias is free).

    theta holds the weights of the columns of X followed by the bias."""
    D = X.shape[1]
    w = theta[:D]
    b = theta[D]
    margins = y * (X @ w + b)
    data_loss = np.mean(np.log(1.0 + np.exp(-margins)))
    return data_loss + 0.5 * lam * np.sum(w * w)


def make_data(n=100, seed=0):
    """n points with 3 features; noisy labels from a linear rule, so no perfect separation."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    w_true, b_true = np.array([1.5, -2.0, 0.5]), 0.3
    p = 1.0 / (1.0 + np.exp(-(X @ w_true + b_true)))
    y = np.where(rng.random(n) < p, 1.0, -1.0)
    return X, y


def newton(X, y, lam=0.01, tol=1e-10, max_steps=20, verbose=True):
    """Minimize logistic_loss from theta = 0; returns theta and the gradient norm per step."""
    gradient = symdiff.grad(logistic_loss, wrt="theta")      # compiled once, reused
    hessian = symdiff.hessian(logistic_loss, wrt="theta")
    theta = np.zeros(X.shape[1] + 1)
    norms = []
    for step in range(max_steps + 1):
        g = gradient(theta, X, y, lam)
        norms.append(float(np.linalg.norm(g)))
        if verbose:
            loss = logistic_loss(theta, X, y, lam)
            print(f"step {step}  loss {loss:.12f}  |grad| {norms[-1]:.3e}")
        if norms[-1] < tol:
            break
        H = hessian(theta, X, y, lam)
        theta = theta - np.linalg.solve(H, g)
    return theta, norms


def main():
    X, y = make_data()
    theta, norms = newton(X, y)
    print(f"converged in {len(norms) - 1} Newton steps: w = {np.round(theta[:-1], 6)}, "
          f"b = {theta[-1]:.6f}")


if __name__ == "__main__":
    main()
