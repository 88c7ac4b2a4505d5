"""symdiff's gradients in scipy.optimize.minimize, as the README shows:
``minimize(f, x0, jac=symdiff.grad(f))`` and ``minimize(symdiff.value_and_grad(f), x0,
jac=True)``; several parameters flattened into one vector inside the function."""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from support import numerical_jacobian

from scipy import optimize

RNG = np.random.default_rng(2024)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def least_squares(w, A, t, reg):
    r = A @ w - t
    return 0.5 * np.sum(r * r) + 0.5 * reg * np.sum(w * w)


def logistic(theta, X, y, reg):
    """(W, b) of a linear classifier flattened into theta: W = theta[:D*C], b the rest."""
    D, C = X.shape[1], 3
    W = theta[:D * C].reshape(D, C)
    b = theta[D * C:]
    scores = X @ W + b
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(X.shape[0]), y]) + reg * np.sum(W * W)


def test_the_gradient_matches_scipys_own_and_central_differences():
    x = RNG.uniform(-1, 1, 5)
    np.testing.assert_allclose(symdiff.grad(rosenbrock)(x), optimize.rosen_der(x), rtol=1e-12)
    value, g = symdiff.value_and_grad(rosenbrock)(x)
    np.testing.assert_allclose(value, optimize.rosen(x), rtol=1e-12)
    np.testing.assert_allclose(g, numerical_jacobian(rosenbrock, (x,), 0), rtol=1e-6)


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "CG"])
def test_minimize_with_jac_grad(method):
    x0 = np.array([-1.2, 1.0, 0.5, -0.3])
    result = optimize.minimize(rosenbrock, x0, jac=symdiff.grad(rosenbrock), method=method,
                               options={"maxiter": 5000, "gtol": 1e-9})
    np.testing.assert_allclose(result.x, np.ones(4), atol=1e-4)
    assert result.njev >= 1


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B"])
def test_minimize_with_value_and_grad_and_jac_true(method):
    x0 = np.array([-1.2, 1.0, 0.5])
    result = optimize.minimize(symdiff.value_and_grad(rosenbrock), x0, jac=True, method=method,
                               options={"maxiter": 5000, "gtol": 1e-9})
    np.testing.assert_allclose(result.x, np.ones(3), atol=1e-4)
    np.testing.assert_allclose(result.fun, 0.0, atol=1e-8)


def test_extra_arguments_pass_through_args():
    A, t = RNG.standard_normal((8, 3)), RNG.standard_normal(8)
    reg = 0.1
    result = optimize.minimize(symdiff.value_and_grad(least_squares), np.zeros(3),
                               args=(A, t, reg), jac=True, method="BFGS",
                               options={"gtol": 1e-10})
    closed_form = np.linalg.solve(A.T @ A + reg * np.eye(3), A.T @ t)
    np.testing.assert_allclose(result.x, closed_form, rtol=1e-6, atol=1e-8)


def test_parameters_flattened_into_one_vector():
    N, D, C = 30, 4, 3
    X, y = RNG.standard_normal((N, D)), RNG.integers(0, C, N)
    theta0 = 0.01 * RNG.standard_normal(D * C + C)
    g = symdiff.grad(logistic)(theta0, X, y, 0.05)
    np.testing.assert_allclose(g, numerical_jacobian(logistic, (theta0, X, y, 0.05), 0),
                               rtol=1e-5, atol=1e-8)
    result = optimize.minimize(symdiff.value_and_grad(logistic), theta0, args=(X, y, 0.05),
                               jac=True, method="L-BFGS-B")
    assert result.success
    np.testing.assert_allclose(symdiff.grad(logistic)(result.x, X, y, 0.05), 0.0, atol=1e-4)
    W, b = result.x[:D * C].reshape(D, C), result.x[D * C:]
    assert W.shape == (D, C) and b.shape == (C,)
