"""A corpus of ordinary Python functions with loops and branches, for symdiff.

Every function here is written the way a student or a course's starter code
writes it: plain Python, ``import numpy as np`` and ``import math``, with
``for`` / ``while`` loops, ``if`` / ``elif`` / ``else``, ``break``,
``continue``, early ``return`` and assignments into local arrays. Each returns
a scalar. None of them mutates its inputs: subscript assignments go into local
arrays (``np.zeros`` or ``.copy()``).

The registry at the bottom, ``CASES``, declares for each function how to make
its inputs (``make_inputs(rng)`` returning the argument tuple), which
arguments to differentiate (``wrt``) and, where there is one, a hand-written
reference gradient from ``control_flow_reference.py``. A function with
branches has one case per branch (``piecewise[left]``, ``piecewise[middle]``,
...), each with inputs well inside its branch, away from the boundaries.

symdiff reads functions through ``inspect``, so they live in this real file.
"""
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

import control_flow_reference as ref


# --- 1. linear classifiers, naive (loops) and vectorized --------------------

def svm_loss_naive(W, X, y, reg):
    """CS231n's naive multiclass SVM loss (without the dW it computes by hand)."""
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
    # Right now the loss is a sum over all training examples, but we want it
    # to be an average instead so we divide by num_train.
    loss /= num_train
    # Add regularization to the loss.
    loss += reg * np.sum(W * W)
    return loss


def svm_loss_vectorized(W, X, y, reg):
    """The same loss without loops: each correct class adds exactly 1, taken off again."""
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y]
    margins = np.maximum(0, scores - correct_class_scores[:, None] + 1)
    loss = (np.sum(margins) - num_train) / num_train
    loss += reg * np.sum(W * W)
    return loss


def classifier_inputs(rng):
    """(W, X, y, reg): N=8 examples, D=5 features, C=4 classes."""
    N, D, C = 8, 5, 4
    W = 0.5 * rng.standard_normal((D, C))
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    reg = 0.1
    return W, X, y, reg


def softmax_loss_naive(W, X, y, reg):
    """CS231n's naive softmax loss: a loop over examples, one over classes."""
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)  # shift for numeric stability
        sum_exp = 0.0
        for j in range(num_classes):
            sum_exp += np.exp(scores[j])
        loss += -np.log(np.exp(scores[y[i]]) / sum_exp)
    loss /= num_train
    loss += reg * np.sum(W * W)
    return loss


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    loss = -np.sum(log_probs[np.arange(num_train), y]) / num_train
    loss += reg * np.sum(W * W)
    return loss


# --- 2. a vanilla RNN: loop-carried hidden state ------------------------------

def rnn_loss(Wx, Wh, b, h0, xs, targets):
    T = xs.shape[0]
    h = h0
    loss = 0.0
    for t in range(T):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
        loss += np.sum((h - targets[t]) ** 2)
    return loss


def rnn_inputs(rng):
    """T=6 steps, input size D=3, hidden size H=4."""
    T, D, H = 6, 3, 4
    Wx = 0.5 * rng.standard_normal((H, D))
    Wh = 0.5 * rng.standard_normal((H, H))
    b = 0.1 * rng.standard_normal(H)
    h0 = 0.5 * rng.standard_normal(H)
    xs = rng.standard_normal((T, D))
    targets = 0.5 * rng.standard_normal((T, H))
    return Wx, Wh, b, h0, xs, targets


# --- 3. scalar loops on Python floats ---------------------------------------

def oscillator(k, c, x0, v0, steps=1000, dt=0.01):
    """A damped oscillator x'' = -k x - c x' integrated by explicit Euler."""
    x = x0
    v = v0
    for _ in range(steps):
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    return x * x + v


def oscillator_inputs(rng):
    return 2.0, 0.3, 1.0, -0.5          # k, c, x0, v0; steps and dt by default


def horner(coeffs, x):
    """coeffs[0] + coeffs[1] x + ... + coeffs[n] x**n, from the top coefficient down."""
    i = coeffs.shape[0] - 1
    result = 0.0
    while i >= 0:
        result = result * x + coeffs[i]
        i -= 1
    return result


def horner_inputs(rng):
    return rng.standard_normal(6), 0.7


def newton_sqrt(a, iters=8):
    """sqrt(a) by Newton's method (Heron's): d/da -> 1 / (2 sqrt(a))."""
    x = a
    i = 0
    while i < iters:
        x = 0.5 * (x + a / x)
        i += 1
    return x


def fixed_point_cos(a, tol=1e-12, max_iter=100):
    """The x with x = cos(a x), iterated until it stops moving (at most max_iter times)."""
    x = 1.0
    err = 1.0
    count = 0
    while err > tol and count < max_iter:
        x_new = math.cos(a * x)
        err = abs(x_new - x)
        x = x_new
        count += 1
    return x


# --- 4. branches --------------------------------------------------------------

def piecewise(x):
    if x < -1.0:
        y = x * x + 3.0 * x
    elif x < 1.0:
        y = np.sin(2.0 * x) + x
    else:
        y = np.exp(1.0 - x) + math.log(x)
    return y * y


def piecewise_return(x):
    """piecewise, with a return in each branch and a fall-through for the last."""
    if x < -1.0:
        y = x * x + 3.0 * x
        return y * y
    elif x < 1.0:
        return (np.sin(2.0 * x) + x) ** 2
    y = np.exp(1.0 - x) + math.log(x)
    return y * y


def conditional_expression(x, y):
    big = x if x > y else y
    small = y if x > y else x
    scale = 2.0 if big > 0 else -0.5
    return scale * big * big + small * np.exp(-small * small)


def huber_loop(r, delta=1.0):
    """Huber loss of residuals, one residual at a time: if / elif / else in a loop."""
    total = 0.0
    for i in range(r.shape[0]):
        if r[i] > delta:
            total += delta * (r[i] - 0.5 * delta)
        elif r[i] < -delta:
            total += delta * (-r[i] - 0.5 * delta)
        else:
            total += 0.5 * r[i] * r[i]
    return total / r.shape[0]


def huber_inputs(rng):
    # residuals in all three pieces, none within 0.1 of a boundary
    return (np.array([-2.3, -0.4, 0.2, 1.7, 0.85, -1.3, 3.1, -0.05]),)


# --- 5. break, continue, early return inside a loop ---------------------------

def sum_until_threshold(x, threshold=4.0, max_terms=8):
    """The mean of x[i]**2 over the first terms, until their sum exceeds the threshold."""
    total = 0.0
    n = 0
    for i in range(max_terms):
        total += x[i] * x[i]
        n += 1
        if total > threshold:
            break
    return total / n


def discounted_until_small(r, gamma):
    """sum_k gamma**k r[k], stopping once the weight is small or r runs out."""
    total = 0.0
    weight = 1.0
    k = 0
    while True:
        total += weight * r[k]
        weight *= gamma
        k += 1
        if weight < 0.05 or k == r.shape[0]:
            break
    return total


def sum_positive(x):
    """Skips the negative entries with continue."""
    total = 0.0
    for i in range(len(x)):
        if x[i] < 0:
            continue
        total += x[i] * x[i] + np.sin(x[i])
    return total


def first_exceeding(x, threshold=1.0):
    """An early return inside a loop, and a fall-through return after it."""
    for i in range(x.shape[0]):
        if x[i] > threshold:
            return np.sin(x[i]) * (i + 1)
    return np.sum(x * x)


# --- 6. iterating over arrays: zip, enumerate, rows -----------------------------

def zip_rows(A, B):
    total = 0.0
    for a, b in zip(A, B):
        total += np.sum(a * b) ** 2
    return total


def enumerate_rows(X, w):
    total = 0.0
    for i, x in enumerate(X):
        total += (i + 1.0) * np.tanh(np.dot(w, x))
    return total


def row_norms(X):
    total = 0.0
    for x in X:
        total += np.sqrt(np.sum(x * x) + 1.0)
    return total


# --- 7. nested loops, helpers in loops, loop-carried arrays ----------------------

def pairwise_energy(P):
    """Soft repulsion between every pair of points: the inner range starts at i + 1."""
    n = P.shape[0]
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = P[i] - P[j]
            energy += 1.0 / (np.sum(d * d) + 0.1)
    return energy


def gd_step(x, A, b, lr):
    """One gradient-descent step on 0.5 x.A.x - b.x."""
    return x - lr * (A @ x - b)


def unrolled_descent(A, b, x0, lr, steps=5):
    """The objective after a few descent steps, as a function of A, b, x0 and lr."""
    x = x0
    for _ in range(steps):
        x = gd_step(x, A, b, lr)
    return 0.5 * x @ (A @ x) - b @ x


def descent_inputs(rng):
    n = 4
    M = rng.standard_normal((n, n))
    A = M @ M.T / n + np.eye(n)
    b = rng.standard_normal(n)
    x0 = rng.standard_normal(n)
    return A, b, x0, 0.1


# --- 8. assignments into local arrays -------------------------------------------

def sin_weighted(x, w):
    n = x.shape[0]
    out = np.zeros(n)
    for i in range(n):
        out[i] = np.sin(x[i]) * w[i]
    return np.sum(out ** 2)


def column_scan(A, B):
    """acc[:, j] += ...: each column adds a squashed copy of the one before."""
    n, m = A.shape
    acc = np.zeros((n, m))
    for j in range(m):
        acc[:, j] += A[:, j] * B[:, j]
        if j > 0:
            acc[:, j] += 0.5 * np.tanh(acc[:, j - 1])
    return np.sum(acc ** 2)


def pairwise_tanh(x, y):
    n = x.shape[0]
    m = y.shape[0]
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            out[i, j] = np.tanh(x[i] * y[j] + 0.1 * i)
    return np.sum(out * out) / (n * m)


def repeated_squash(x, reps=3):
    """Overwrites each entry of a local copy with a nonlinear function of itself."""
    z = x.copy()
    for r in range(reps):
        for i in range(z.shape[0]):
            z[i] = np.sin(z[i]) + 0.5 * z[i]
    return np.sum(z ** 2)


def iir_filter(x, alpha):
    """y[i] = alpha y[i-1] + (1 - alpha) x[i]: each write reads the one before."""
    n = x.shape[0]
    y = np.zeros(n)
    y[0] = x[0]
    for i in range(1, n):
        y[i] = alpha * y[i - 1] + (1.0 - alpha) * x[i]
    return np.sum(y ** 2)


# --- the registry ---------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One function, one set of inputs, the arguments to differentiate."""

    id: str
    fn: Callable
    make_inputs: Callable            # make_inputs(rng) -> the argument tuple
    wrt: tuple                       # names of the float arguments to differentiate
    reference: Optional[Callable] = None   # reference(*args) -> (value, {name: grad})
    rtol: float = 1e-10              # symdiff vs reference: both exact up to rounding
    seed: int = 0

    def inputs(self):
        """A fresh argument tuple (new arrays every call)."""
        return tuple(self.make_inputs(np.random.default_rng(self.seed)))


def given(*args):
    """An input maker for fixed arguments (arrays are copied on every call)."""
    def make_inputs(rng):
        return tuple(np.array(a, dtype=float) if isinstance(a, (list, np.ndarray)) else a
                     for a in args)
    return make_inputs


CLASSIFIER_WRT = ("W", "X", "reg")

#: inputs inside each branch of piecewise, away from -1 and 1
PIECEWISE_BRANCHES = {"left": -2.3, "middle": 0.4, "right": 2.2}

CASES = [
    Case("svm_loss_naive", svm_loss_naive, classifier_inputs, CLASSIFIER_WRT,
         ref.svm_loss_naive_backprop, seed=231),
    Case("svm_loss_vectorized", svm_loss_vectorized, classifier_inputs, CLASSIFIER_WRT,
         ref.svm_loss_naive_backprop, seed=231),
    Case("softmax_loss_naive", softmax_loss_naive, classifier_inputs, CLASSIFIER_WRT,
         ref.softmax_loss_naive_backprop, seed=231),
    Case("softmax_loss_vectorized", softmax_loss_vectorized, classifier_inputs,
         CLASSIFIER_WRT, ref.softmax_loss_naive_backprop, seed=231),
    Case("rnn_loss", rnn_loss, rnn_inputs, ("Wx", "Wh", "b", "h0", "xs", "targets"),
         ref.rnn_loss_backprop, seed=7),
    Case("oscillator", oscillator, oscillator_inputs, ("k", "c", "x0", "v0"),
         ref.oscillator_backprop),
    Case("horner", horner, horner_inputs, ("coeffs", "x"), ref.horner_backprop, seed=3),
    Case("newton_sqrt", newton_sqrt, given(2.0), ("a",), ref.newton_sqrt_forward),
    Case("newton_sqrt[large]", newton_sqrt, given(9.5), ("a",), ref.newton_sqrt_forward),
    Case("fixed_point_cos", fixed_point_cos, given(0.8), ("a",), ref.fixed_point_cos_forward),
    *[Case(f"piecewise[{branch}]", piecewise, given(x), ("x",), ref.piecewise_closed_form)
      for branch, x in PIECEWISE_BRANCHES.items()],
    *[Case(f"piecewise_return[{branch}]", piecewise_return, given(x), ("x",),
           ref.piecewise_closed_form)
      for branch, x in PIECEWISE_BRANCHES.items()],
    Case("conditional_expression[x>y,big>0]", conditional_expression, given(1.3, -0.4),
         ("x", "y"), ref.conditional_expression_closed_form),
    Case("conditional_expression[x<y,big>0]", conditional_expression, given(-0.7, 0.9),
         ("x", "y"), ref.conditional_expression_closed_form),
    Case("conditional_expression[x>y,big<0]", conditional_expression, given(-0.6, -1.5),
         ("x", "y"), ref.conditional_expression_closed_form),
    Case("huber_loop", huber_loop, huber_inputs, ("r",), ref.huber_loop_vectorized),
    # breaks after the 4th term (partial sums 1.21, 1.46, 3.71, 4.52 > 4)
    Case("sum_until_threshold[breaks]", sum_until_threshold,
         given([1.1, -0.5, 1.5, 0.9, 2.0, -1.0, 0.3, 0.7, 1.2, -0.8]), ("x",),
         ref.sum_until_threshold_backprop),
    # never exceeds 4: runs all max_terms=8 terms and ignores the last two entries
    Case("sum_until_threshold[runs_out]", sum_until_threshold,
         given([0.3, -0.5, 0.6, 0.2, -0.4, 0.7, 0.1, -0.6, 1.9, 2.5]), ("x",),
         ref.sum_until_threshold_backprop),
    # gamma = 0.7: the weight drops under 0.05 after 9 terms (0.7**9 = 0.040)
    Case("discounted_until_small[weight]", discounted_until_small,
         given(np.linspace(1.0, -0.5, 12), 0.7), ("r", "gamma"),
         ref.discounted_until_small_backprop),
    # gamma = 0.9: r runs out first (0.9**6 = 0.53)
    Case("discounted_until_small[runs_out]", discounted_until_small,
         given([0.5, -1.0, 2.0, 0.3, 1.1, -0.7], 0.9), ("r", "gamma"),
         ref.discounted_until_small_backprop),
    Case("sum_positive", sum_positive, given([0.8, -1.2, 0.3, -0.1, 2.0, 1.4, -0.6]),
         ("x",), ref.sum_positive_vectorized),
    Case("first_exceeding[returns_in_loop]", first_exceeding,
         given([0.2, -0.9, 0.7, 1.6, 2.5, 0.1]), ("x",), ref.first_exceeding_backprop),
    Case("first_exceeding[falls_through]", first_exceeding,
         given([0.2, -0.9, 0.7, 0.6, -2.5, 0.1]), ("x",), ref.first_exceeding_backprop),
    Case("zip_rows", zip_rows, lambda rng: (rng.standard_normal((5, 3)),
                                            rng.standard_normal((5, 3))),
         ("A", "B"), ref.zip_rows_vectorized, seed=11),
    Case("enumerate_rows", enumerate_rows, lambda rng: (rng.standard_normal((5, 3)),
                                                        rng.standard_normal(3)),
         ("X", "w"), ref.enumerate_rows_vectorized, seed=12),
    Case("row_norms", row_norms, lambda rng: (rng.standard_normal((6, 4)),),
         ("X",), ref.row_norms_vectorized, seed=13),
    Case("pairwise_energy", pairwise_energy, lambda rng: (rng.standard_normal((6, 2)),),
         ("P",), ref.pairwise_energy_vectorized, seed=14),
    Case("unrolled_descent", unrolled_descent, descent_inputs, ("A", "b", "x0", "lr"),
         ref.unrolled_descent_backprop, seed=15),
    Case("sin_weighted", sin_weighted, lambda rng: (rng.standard_normal(7),
                                                    rng.standard_normal(7)),
         ("x", "w"), ref.sin_weighted_backprop, seed=16),
    Case("column_scan", column_scan, lambda rng: (rng.standard_normal((4, 5)),
                                                  rng.standard_normal((4, 5))),
         ("A", "B"), ref.column_scan_backprop, seed=17),
    Case("pairwise_tanh", pairwise_tanh, lambda rng: (rng.standard_normal(4),
                                                      rng.standard_normal(3)),
         ("x", "y"), ref.pairwise_tanh_vectorized, seed=18),
    Case("repeated_squash", repeated_squash, lambda rng: (rng.standard_normal(6),),
         ("x",), ref.repeated_squash_forward, seed=19),
    Case("iir_filter", iir_filter, lambda rng: (rng.standard_normal(8), 0.6),
         ("x", "alpha"), ref.iir_filter_backprop, seed=20),
]

CASES_BY_ID = {case.id: case for case in CASES}
