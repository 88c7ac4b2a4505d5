"""Second derivatives: ``symdiff.hessian`` and ``symdiff.hvp`` against numbers.

- On every function of the control-flow corpus and every seed example: the Hessian matches
  central differences of ``symdiff.grad`` (itself checked against central differences of
  f in test_control_flow.py and test_seeds.py), and, where there are few enough inputs,
  second differences of f alone; it is symmetric; ``hvp`` is the Hessian times v.
- For a tuple ``wrt``, the blocks ``H[i][j]`` have shape ``x_i.shape + x_j.shape``, the
  diagonal blocks are the Hessians of single arguments, and ``H[j][i]`` is ``H[i][j]``
  transposed.
- examples/newton_logistic.py converges in a few Newton steps to the minimizer that
  SciPy's BFGS finds with a hand-written gradient.
"""
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize

import control_flow_corpus as corpus
import symdiff
from control_flow_corpus import CASES
from seed_cases import SEED_CASES, SEED_CASES_BY_ID
from support import (copy_args, directional_difference, load_example, numerical_jacobian,
                     random_like, second_difference)

REPO_ROOT = Path(__file__).resolve().parents[2]

ALL_CASES = CASES + SEED_CASES
ALL_IDS = [f"corpus:{c.id}" for c in CASES] + [f"seed:{c.id}" for c in SEED_CASES]

#: central differences of the exact gradient (h = 1e-6): truncation ~ h**2 |f''''|
NUMERICAL = dict(rtol=1e-6, atol=1e-7)
#: at most this many input elements for second differences of f (4 calls per entry)
SMALL = 12


def all_cases(fn):
    return pytest.mark.parametrize("case", ALL_CASES, ids=ALL_IDS)(fn)


def positions(case) -> list[int]:
    return list(symdiff.api.resolve_wrt(case.wrt, symdiff.grad(case.fn).parameters)[0])


# compiled and evaluated once per case, shared by the tests below
@functools.cache
def hessian_of(case):
    return symdiff.hessian(case.fn, wrt=case.wrt)


@functools.cache
def grad_of(case):
    return symdiff.grad(case.fn, wrt=case.wrt)


@functools.cache
def hessian_at_inputs(case):
    """(args, H) for the case's inputs: H[i][j] for the tuple ``wrt``."""
    args = case.inputs()
    return args, hessian_of(case)(*args)


def as_matrix(H, args, pos) -> np.ndarray:
    """The blocks H[i][j] as one (n, n) matrix over the flattened wrt arguments."""
    sizes = [np.size(args[i]) for i in pos]
    return np.block([[np.reshape(H[a][b], (sizes[a], sizes[b])) for b in range(len(pos))]
                     for a in range(len(pos))])


def scale_of(*values) -> float:
    return max([1.0] + [float(np.max(np.abs(v))) for v in values])


# --- Hessians on the corpus and the seeds ---------------------------------------------------

@all_cases
def test_hessian_matches_differences_of_the_gradient(case):
    args, H = hessian_at_inputs(case)
    pos = positions(case)
    assert isinstance(H, tuple) and len(H) == len(pos)
    for b, j in enumerate(pos):
        # column block j: d grad / d x_j, one entry per wrt argument i
        expected = numerical_jacobian(grad_of(case), args, j)
        for a, i in enumerate(pos):
            block = H[a][b]
            assert np.shape(block) == np.shape(args[i]) + np.shape(args[j]), (a, b)
            if np.shape(block) == ():
                assert isinstance(block, float), type(block).__name__
            np.testing.assert_allclose(block, expected[a], rtol=NUMERICAL["rtol"],
                                       atol=NUMERICAL["atol"] * scale_of(expected[a]),
                                       err_msg=f"d2f/d{case.wrt[a]} d{case.wrt[b]}")


@all_cases
def test_hessian_is_symmetric(case):
    args, H = hessian_at_inputs(case)
    M = as_matrix(H, args, positions(case))
    np.testing.assert_allclose(M, M.T, rtol=1e-12, atol=1e-13 * scale_of(M))


SMALL_CASES = [(c, i) for c, i in zip(ALL_CASES, ALL_IDS)
               if sum(np.size(a) for k, a in enumerate(c.inputs()) if k in positions(c)) <= SMALL]


@pytest.mark.parametrize("case", [c for c, _ in SMALL_CASES], ids=[i for _, i in SMALL_CASES])
def test_hessian_matches_second_differences_of_f(case):
    """Ground truth from f alone: (f(++) - f(+-) - f(-+) + f(--)) / 4h**2."""
    args, H = hessian_at_inputs(case)
    pos = positions(case)
    for a, i in enumerate(pos):
        for b, j in enumerate(pos):
            expected = second_difference(case.fn, args, i, j)
            np.testing.assert_allclose(H[a][b], expected, rtol=1e-5,
                                       atol=1e-5 * scale_of(expected, case.fn(*args)),
                                       err_msg=f"d2f/d{case.wrt[a]} d{case.wrt[b]}")


@all_cases
def test_hvp_is_the_hessian_times_v(case):
    """Matrix arguments too: H @ v over the flattened arguments, reshaped like the gradient."""
    args, H = hessian_at_inputs(case)
    pos = positions(case)
    rng = np.random.default_rng(7)
    vs = [random_like(rng, args[i]) for i in pos]
    Hv = hessian_of(case).hvp(*args, *vs)
    assert isinstance(Hv, tuple) and len(Hv) == len(pos)
    flat = as_matrix(H, args, pos) @ np.concatenate([np.ravel(v) for v in vs])
    start = 0
    for hv, i in zip(Hv, pos):
        if isinstance(args[i], np.ndarray):
            assert isinstance(hv, np.ndarray) and hv.shape == args[i].shape
        else:
            assert isinstance(hv, float), type(hv).__name__
        expected = flat[start:start + np.size(args[i])].reshape(np.shape(args[i]))
        start += np.size(args[i])
        np.testing.assert_allclose(hv, expected, rtol=1e-10, atol=1e-12 * scale_of(expected))


@all_cases
def test_hvp_matches_differences_of_the_gradient_along_v(case):
    """Every argument moved at once: (grad(x + h v) - grad(x - h v)) / 2h."""
    args = case.inputs()
    pos = positions(case)
    rng = np.random.default_rng(8)
    vs = [random_like(rng, args[i]) for i in pos]
    before = copy_args(vs)
    Hv = hessian_of(case).hvp(*args, *vs)
    for now, was in zip(vs, before):
        np.testing.assert_array_equal(now, was)          # v is left alone
    expected = directional_difference(grad_of(case), args, pos, vs)
    for name, hv, want in zip(case.wrt, Hv, expected):
        np.testing.assert_allclose(hv, want, rtol=NUMERICAL["rtol"],
                                   atol=NUMERICAL["atol"] * scale_of(*expected),
                                   err_msg=f"(H v) for {name}")


# --- the shape of the answer ------------------------------------------------------------------

def test_single_wrt_hessian_and_hvp_have_no_tuple():
    case = corpus.CASES_BY_ID["pairwise_energy"]             # P is (6, 2)
    (P,) = case.inputs()
    H = symdiff.hessian(case.fn)(P)
    assert isinstance(H, np.ndarray) and H.shape == (6, 2, 6, 2)
    np.testing.assert_allclose(H, hessian_at_inputs(case)[1][0][0], rtol=1e-13)
    V = np.random.default_rng(9).standard_normal(P.shape)
    Hv = symdiff.hvp(case.fn)(P, V)
    assert isinstance(Hv, np.ndarray) and Hv.shape == P.shape
    np.testing.assert_allclose(Hv, np.tensordot(H, V, axes=2), rtol=1e-10, atol=1e-12)


def test_scalar_hessian_is_a_float():
    H = symdiff.hessian(corpus.piecewise)(0.4)
    assert isinstance(H, float)
    assert symdiff.hvp(corpus.piecewise)(0.4, 2.0) == pytest.approx(2.0 * H, rel=1e-12)


def test_tuple_wrt_blocks_of_the_mlp():
    """H[i][j] is d2 L / d x_i d x_j: shape x_i.shape + x_j.shape; H[j][i] its transpose;
    the diagonal blocks are the Hessians with respect to one argument alone."""
    case = SEED_CASES_BY_ID["mlp"]
    args = case.inputs()
    wrt = ("b1", "W2", "reg")
    H = symdiff.hessian(case.fn, wrt=wrt)(*args)
    names = symdiff.grad(case.fn).parameters
    shapes = [np.shape(args[names.index(n)]) for n in wrt]
    assert len(H) == 3 and all(len(row) == 3 for row in H)
    for a in range(3):
        for b in range(3):
            assert np.shape(H[a][b]) == shapes[a] + shapes[b], (wrt[a], wrt[b])
            na, nb = len(shapes[a]), len(shapes[b])
            transposed = np.transpose(H[b][a], list(range(nb, nb + na)) + list(range(nb)))
            np.testing.assert_allclose(H[a][b], transposed, rtol=1e-12, atol=1e-14)
        alone = symdiff.hessian(case.fn, wrt=wrt[a])(*args)
        np.testing.assert_allclose(H[a][a], alone, rtol=1e-12, atol=1e-14)
    assert isinstance(H[2][2], float)
    assert H[2][2] == 0.0                                  # the loss is linear in reg
    # d2 L / d reg d W2 = d/dW2 (0.5 sum W2**2) = W2
    np.testing.assert_allclose(H[1][2], args[names.index("W2")], rtol=1e-12)


# --- the Newton example -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def newton_example():
    return load_example("newton_logistic")


def hand_written_logistic(theta, X, y, lam):
    """The loss and its gradient by hand, independent of symdiff."""
    D = X.shape[1]
    w, b = theta[:D], theta[D]
    margins = y * (X @ w + b)
    loss = np.mean(np.logaddexp(0.0, -margins)) + 0.5 * lam * w @ w
    dmargins = -0.5 * (1.0 - np.tanh(0.5 * margins)) / len(y)     # d/dm log(1 + e^-m) / N
    dz = dmargins * y
    return loss, np.concatenate([X.T @ dz + lam * w, [np.sum(dz)]])


def test_newton_converges_in_a_few_steps_to_scipys_minimizer(newton_example):
    X, y = newton_example.make_data()
    lam = 0.01
    theta, norms = newton_example.newton(X, y, lam=lam, verbose=False)
    steps = len(norms) - 1
    assert norms[-1] < 1e-10 and steps <= 8, norms
    # quadratic convergence: the last steps square the gradient norm (roughly)
    assert norms[-1] < norms[-2] ** 1.5, norms
    # symdiff's gradient is the hand-written one
    np.testing.assert_allclose(symdiff.grad(newton_example.logistic_loss)(theta, X, y, lam),
                               hand_written_logistic(theta, X, y, lam)[1], atol=1e-14)
    result = scipy.optimize.minimize(hand_written_logistic, np.zeros(X.shape[1] + 1),
                                     args=(X, y, lam), jac=True, method="BFGS",
                                     options={"gtol": 1e-11, "maxiter": 1000})
    assert np.linalg.norm(result.jac) < 1e-9, result.message
    np.testing.assert_allclose(theta, result.x, atol=1e-6)
    assert newton_example.logistic_loss(theta, X, y, lam) <= result.fun + 1e-14


def test_newton_example_prints_each_step():
    env = dict(os.environ)
    # find symdiff from the checkout even when it is not installed
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + [p for p in [env.get("PYTHONPATH")]
                                                           if p])
    result = subprocess.run([sys.executable, str(REPO_ROOT / "examples" / "newton_logistic.py")],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    steps = re.findall(r"step (\d+)\s+loss (\S+)\s+\|grad\| (\S+)", result.stdout)
    assert [int(s) for s, _, _ in steps] == list(range(len(steps))), result.stdout
    losses = [float(loss) for _, loss, _ in steps]
    norms = [float(norm) for _, _, norm in steps]
    assert 3 <= len(steps) <= 9 and norms[-1] < 1e-10, result.stdout
    assert losses[0] == pytest.approx(np.log(2.0), rel=1e-12)     # theta = 0: log 2 per point
    assert all(b <= a + 1e-15 for a, b in zip(losses, losses[1:])), losses
    assert f"converged in {len(steps) - 1} Newton steps" in result.stdout
