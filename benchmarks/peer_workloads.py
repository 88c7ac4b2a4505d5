"""The workloads of bench_peers.py: plain NumPy functions, their inputs, hand-written gradients.

Each ``make_*(tiny)`` returns a ``Workload``; ``tiny=True`` gives the small sizes the
test suite checks. The functions symdiff differentiates are the project's own (the MLP
of examples/mlp.py, the loops of tests/control_flow_corpus.py) or the ADBench GMM
(gmm.py); the hand-written gradients are the references every tool is checked against
and timed against.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parent.parent
for folder in ("benchmarks", "tests", "examples"):
    if str(REPO / folder) not in sys.path:
        sys.path.insert(0, str(REPO / folder))

import bench_control_flow as control_flow  # noqa: E402
import control_flow_corpus as corpus  # noqa: E402
import gmm  # noqa: E402
import mlp  # noqa: E402


@dataclass
class Workload:
    key: str                                  # the name --only takes
    title: str
    fn: Callable                              # the NumPy function symdiff differentiates
    args: tuple
    wrt: tuple[int, ...]
    hand: Callable                            # hand-written gradient: args -> tuple
    peer_fn: Callable | None = None           # what autograd/JAX/Tangent differentiate
    torch_fn: Callable | None = None          # PyTorch transcription (default: peer_fn, np=torch)
    jax_fn: Callable | None = None            # JAX formulation (default: peer_fn, np=jax.numpy)
    references: dict[str, Callable] = field(default_factory=dict)   # more hand-written ones
    forward_ratio: bool = False               # report gradient time / objective time
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.peer_fn = self.peer_fn or self.fn


# --- the 2-layer MLP of examples/mlp.py ----------------------------------------------

def mlp_grad_hand(W1, b1, W2, b2, X, y, reg):
    """CS231n's two-layer net backward pass."""
    N = X.shape[0]
    z1 = X @ W1 + b1
    h = np.maximum(0, z1)
    scores = h @ W2 + b2
    probs = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    dscores = probs
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = h.T @ dscores + reg * W2
    db2 = np.sum(dscores, axis=0)
    dh = dscores @ W2.T
    dh[z1 <= 0] = 0
    dW1 = X.T @ dh + reg * W1
    db1 = np.sum(dh, axis=0)
    return dW1, db1, dW2, db2


def mlp_loss_torch(W1, b1, W2, b2, X, y, reg):
    """examples/mlp.py's mlp_loss transcribed to PyTorch, operation for operation."""
    import torch
    h = torch.relu(X @ W1 + b1)
    scores = h @ W2 + b2
    N = scores.shape[0]
    shifted = scores - torch.max(scores, dim=1, keepdim=True).values
    log_norm = torch.log(torch.sum(torch.exp(shifted), dim=1, keepdim=True))
    log_probs = shifted - log_norm
    data_loss = -torch.sum(log_probs[torch.arange(N), y]) / N
    reg_loss = 0.5 * reg * (torch.sum(W1 * W1) + torch.sum(W2 * W2))
    return data_loss + reg_loss


def _mlp(key, N, D, H, C):
    rng = np.random.default_rng(1)
    args = (np.sqrt(2.0 / D) * rng.standard_normal((D, H)), 0.1 * rng.standard_normal(H),
            np.sqrt(2.0 / H) * rng.standard_normal((H, C)), 0.1 * rng.standard_normal(C),
            rng.standard_normal((N, D)), rng.integers(0, C, size=N), 1e-3)
    return Workload(key, f"2-layer MLP (N={N}, D={D}, H={H}, C={C})", mlp.mlp_loss, args,
                    (0, 1, 2, 3), mlp_grad_hand, torch_fn=mlp_loss_torch, forward_ratio=True)


def make_mlp_small(tiny=False):
    return _mlp("mlp", *((6, 5, 4, 3) if tiny else (64, 100, 50, 10)))


def make_mlp_large(tiny=False):
    return _mlp("mlp-large", *((7, 6, 5, 4) if tiny else (512, 1024, 1024, 100)))


# --- the oscillator of tests/control_flow_corpus.py: 1,000 Euler steps on floats ------

def oscillator_adjoint_numba(k, c, x0, v0, steps=1000, dt=0.01):
    """bench_control_flow's hand-written adjoint, written for Numba: arrays, no reversed()."""
    xs = np.empty(steps)
    vs = np.empty(steps)
    x, v = x0, v0
    for n in range(steps):
        xs[n] = x
        vs[n] = v
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    gx, gv = 2.0 * x, 1.0
    gk = 0.0
    gc = 0.0
    for n in range(steps - 1, -1, -1):
        ga = dt * gv
        gk -= xs[n] * ga
        gc -= vs[n] * ga
        gx, gv = gx - k * ga, dt * gx + gv - c * ga
    return gk, gc, gx, gv


def oscillator_jax(k, c, x0, v0, steps=1000, dt=0.01):
    """corpus.oscillator with its loop as jax.lax.fori_loop: traced once, not unrolled."""
    import jax

    def step(_, state):
        x, v = state
        a = -k * x - c * v
        return x + dt * v, v + dt * a
    x, v = jax.lax.fori_loop(0, steps, step, (x0, v0))
    return x * x + v


def make_ode(tiny=False):
    steps = 20 if tiny else 1000
    args = control_flow.OSC_ARGS + (steps, 0.01)
    references = {}
    notes = []
    try:
        import numba
        references["hand-written (Numba)"] = numba.njit(oscillator_adjoint_numba)
    except ImportError:
        notes.append("hand-written (Numba): not installed (pip install numba)")
    return Workload("ode", f"scalar ODE loop ({steps} explicit Euler steps on floats)",
                    corpus.oscillator, args, (0, 1, 2, 3),
                    lambda *a: control_flow.oscillator_adjoint(*a)[1],
                    jax_fn=oscillator_jax, references=references,
                    notes=notes + ["JAX differentiates the loop written as jax.lax.fori_loop: "
                                   "jax.jit of the Python loop unrolls all the steps and "
                                   "takes minutes to compile"])


# --- CS231n's naive SVM loops -----------------------------------------------------------

def svm_loss_naive_torch(W, X, y, reg):
    """svm_loss_naive transcribed to PyTorch (``X[i] @ W``: Tensor.dot is for vectors)."""
    import torch
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i] @ W
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
    loss /= num_train
    loss += reg * torch.sum(W * W)
    return loss


def make_svm(tiny=False):
    N, C, D = (6, 3, 4) if tiny else (100, 10, 50)
    rng = np.random.default_rng(0)
    args = (0.001 * rng.standard_normal((D, C)), rng.standard_normal((N, D)),
            rng.integers(0, C, size=N), 0.5)
    return Workload("svm", f"naive SVM loops (N={N}, C={C}, D={D})", corpus.svm_loss_naive,
                    args, (0,), lambda *a: (control_flow.svm_loss_naive_cs231n(*a)[1],),
                    torch_fn=svm_loss_naive_torch)


# --- a vanilla tanh RNN (tests/control_flow_corpus.py's rnn_loss) -------------------------

def rnn_grad_hand(Wx, Wh, b, h0, xs, targets):
    """Backpropagation through time for loss = sum_t |h_t - target_t|^2."""
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(Wx @ xs[t] + Wh @ hs[-1] + b))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh = np.zeros_like(h0)
    for t in range(xs.shape[0] - 1, -1, -1):
        h = hs[t + 1]
        da = (dh + 2.0 * (h - targets[t])) * (1.0 - h * h)
        dWx += np.outer(da, xs[t])
        dWh += np.outer(da, hs[t])
        db += da
        dh = Wh.T @ da
    return dWx, dWh, db, dh


def make_rnn(tiny=False):
    T, D, H = (4, 3, 5) if tiny else (50, 16, 32)
    rng = np.random.default_rng(2)
    args = (rng.standard_normal((H, D)) / np.sqrt(D), rng.standard_normal((H, H)) / np.sqrt(H),
            0.1 * rng.standard_normal(H), 0.5 * rng.standard_normal(H),
            rng.standard_normal((T, D)), 0.5 * rng.standard_normal((T, H)))
    return Workload("rnn", f"tanh RNN (T={T}, D={D}, H={H})", corpus.rnn_loss, args,
                    (0, 1, 2, 3), rnn_grad_hand)


# --- the ADBench GMM objective ---------------------------------------------------------------

def make_gmm(tiny=False):
    K, D, N = (2, 3, 7) if tiny else (5, 8, 200)
    args = gmm.gmm_inputs(np.random.default_rng(3), K, D, N)
    return Workload("gmm", f"ADBench GMM (K={K}, D={D}, N={N})", gmm.gmm_objective, args,
                    (0, 1, 2), gmm.gmm_gradient_hand, peer_fn=gmm.gmm_objective_functional,
                    torch_fn=gmm.gmm_objective_torch, forward_ratio=True,
                    notes=["autograd, JAX and Tangent differentiate gmm_objective_functional "
                           "(no item assignment); symdiff and PyTorch the loop that writes "
                           "the factor's entries"])


WORKLOADS = {"mlp": make_mlp_small, "mlp-large": make_mlp_large, "ode": make_ode,
             "svm": make_svm, "rnn": make_rnn, "gmm": make_gmm}
