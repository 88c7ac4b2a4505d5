"""Hand-written gradients for the control-flow corpus: the ground truth.

Each function takes the arguments of one corpus function and returns
``(value, grads)``, where ``grads`` maps the name of every float argument it
covers to the gradient, of the argument's shape (a float for a float). They are
written the way one writes them by hand:

- a reverse pass over loops (``*_backprop``): the forward loop stores what the
  backward needs, the backward loop runs in reverse;
- a vectorized twin (``*_vectorized``), whose gradient is a few array lines;
- forward mode alongside the iteration (``*_forward``), exact for a fixed
  number of iterations;
- a closed form (``*_closed_form``), per branch.

test_control_flow.py checks every one of them against central differences
without the compiler, so that symdiff is compared with something trustworthy.
None of them modifies its arguments.
"""
import math

import numpy as np


# --- linear classifiers -------------------------------------------------------

def svm_loss_naive_backprop(W, X, y, reg):
    """CS231n's svm_loss_naive with dW (and dX, dreg) computed inside the same loops."""
    dW = np.zeros(W.shape)
    dX = np.zeros(X.shape)
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
                # margin = X[i].W[:, j] - X[i].W[:, y[i]] + 1
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
                dX[i] += W[:, j] - W[:, y[i]]
    loss /= num_train
    dW /= num_train
    dX /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, {"W": dW, "X": dX, "reg": float(np.sum(W * W))}


def softmax_loss_naive_backprop(W, X, y, reg):
    """CS231n's softmax_loss_naive with the gradients computed in the loop."""
    dW = np.zeros(W.shape)
    dX = np.zeros(X.shape)
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores)
        loss += -np.log(probs[y[i]])
        # d(-log p_y)/d scores = p - one_hot(y)
        dscores = probs.copy()
        dscores[y[i]] -= 1
        dW += np.outer(X[i], dscores)
        dX[i] = W @ dscores
    loss /= num_train
    dW /= num_train
    dX /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, {"W": dW, "X": dX, "reg": float(np.sum(W * W))}


# --- the RNN: backpropagation through time ----------------------------------------

def rnn_loss_backprop(Wx, Wh, b, h0, xs, targets):
    T = xs.shape[0]
    # forward, keeping every hidden state: hs[t] is the state before step t
    hs = [h0]
    loss = 0.0
    for t in range(T):
        h = np.tanh(Wx @ xs[t] + Wh @ hs[-1] + b)
        hs.append(h)
        loss += np.sum((h - targets[t]) ** 2)
    # backward
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    dxs, dtargets = np.zeros(xs.shape), np.zeros(targets.shape)
    dh = np.zeros(h0.shape)          # gradient flowing into hs[t + 1] from later steps
    for t in reversed(range(T)):
        h, h_prev = hs[t + 1], hs[t]
        ddiff = 2 * (h - targets[t])
        dtargets[t] = -ddiff
        dh = dh + ddiff
        da = dh * (1 - h * h)        # tanh' = 1 - out**2
        dWx += np.outer(da, xs[t])
        dxs[t] = Wx.T @ da
        dWh += np.outer(da, h_prev)
        db += da
        dh = Wh.T @ da
    return loss, {"Wx": dWx, "Wh": dWh, "b": db, "h0": dh, "xs": dxs,
                  "targets": dtargets}


# --- scalar loops ---------------------------------------------------------------------

def oscillator_backprop(k, c, x0, v0, steps=1000, dt=0.01):
    """The adjoint of explicit Euler: store x, v per step, run the steps backwards."""
    xs = [0.0] * steps
    vs = [0.0] * steps
    x, v = x0, v0
    for n in range(steps):
        xs[n] = x
        vs[n] = v
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    value = x * x + v
    gx, gv = 2.0 * x, 1.0
    gk = gc = 0.0
    for n in reversed(range(steps)):
        ga = dt * gv                  # v' = v + dt a
        gk -= xs[n] * ga              # a = -k x - c v
        gc -= vs[n] * ga
        gx, gv = gx - k * ga, dt * gx + gv - c * ga   # x' = x + dt v
    return value, {"k": gk, "c": gc, "x0": gx, "v0": gv}


def horner_backprop(coeffs, x):
    """Closed form: d/dc_i = x**i, d/dx = sum i c_i x**(i-1)."""
    P = np.polynomial.polynomial
    powers = x ** np.arange(coeffs.shape[0])
    return (float(P.polyval(x, coeffs)),
            {"coeffs": powers, "x": float(P.polyval(x, P.polyder(coeffs)))})


def newton_sqrt_forward(a, iters=8):
    """Forward mode through the iterations: exact for this number of iterations."""
    x, dx = a, 1.0
    for _ in range(iters):
        x, dx = 0.5 * (x + a / x), 0.5 * (dx + 1.0 / x - a * dx / (x * x))
    return x, {"a": dx}


def newton_sqrt_closed_form(a, iters=8):
    """What the iteration converges to: sqrt(a), with derivative 1 / (2 sqrt(a))."""
    return math.sqrt(a), {"a": 0.5 / math.sqrt(a)}


def fixed_point_cos_forward(a, tol=1e-12, max_iter=100):
    """Forward mode alongside the iteration, same stopping rule."""
    x, dx = 1.0, 0.0
    err, count = 1.0, 0
    while err > tol and count < max_iter:
        s = math.sin(a * x)
        x_new, dx_new = math.cos(a * x), -s * (x + a * dx)
        err = abs(x_new - x)
        x, dx = x_new, dx_new
        count += 1
    return x, {"a": dx}


def fixed_point_cos_implicit(a, tol=1e-12, max_iter=100):
    """At the fixed point x = cos(a x): dx/da = -x sin(a x) / (1 + a sin(a x))."""
    x = fixed_point_cos_forward(a, tol, max_iter)[0]
    s = math.sin(a * x)
    return x, {"a": -x * s / (1 + a * s)}


# --- branches -----------------------------------------------------------------------

def piecewise_closed_form(x):
    if x < -1.0:
        y, dy = x * x + 3.0 * x, 2.0 * x + 3.0
    elif x < 1.0:
        y, dy = math.sin(2.0 * x) + x, 2.0 * math.cos(2.0 * x) + 1.0
    else:
        y, dy = math.exp(1.0 - x) + math.log(x), -math.exp(1.0 - x) + 1.0 / x
    return y * y, {"x": 2.0 * y * dy}


def conditional_expression_closed_form(x, y):
    """Gradients of scale big**2 + small exp(-small**2), routed to x or y."""
    big, small = (x, y) if x > y else (y, x)
    scale = 2.0 if big > 0 else -0.5
    value = scale * big * big + small * math.exp(-small * small)
    dbig = 2.0 * scale * big
    dsmall = (1.0 - 2.0 * small * small) * math.exp(-small * small)
    dx, dy = (dbig, dsmall) if x > y else (dsmall, dbig)
    return value, {"x": dx, "y": dy}


def huber_loop_vectorized(r, delta=1.0):
    n = r.shape[0]
    quadratic = np.abs(r) <= delta
    values = np.where(quadratic, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta))
    dr = np.where(quadratic, r, delta * np.sign(r)) / n
    return np.sum(values) / n, {"r": dr}


# --- break, continue, early return ------------------------------------------------

def sum_until_threshold_backprop(x, threshold=4.0, max_terms=8):
    total, n = 0.0, 0
    for i in range(max_terms):
        total += x[i] * x[i]
        n += 1
        if total > threshold:
            break
    dx = np.zeros(x.shape)
    dx[:n] = 2.0 * x[:n] / n        # only the terms that were summed
    return total / n, {"x": dx}


def discounted_until_small_backprop(r, gamma):
    n = 0
    weight = 1.0
    while True:
        weight *= gamma
        n += 1
        if weight < 0.05 or n == r.shape[0]:
            break
    k = np.arange(n)
    weights = gamma ** k
    dr = np.zeros(r.shape)
    dr[:n] = weights
    dgamma = float(np.sum(k[1:] * gamma ** (k[1:] - 1) * r[1:n]))
    return float(np.sum(weights * r[:n])), {"r": dr, "gamma": dgamma}


def sum_positive_vectorized(x):
    kept = x >= 0
    value = np.sum(np.where(kept, x * x + np.sin(x), 0.0))
    return value, {"x": np.where(kept, 2.0 * x + np.cos(x), 0.0)}


def first_exceeding_backprop(x, threshold=1.0):
    dx = np.zeros(x.shape)
    above = np.flatnonzero(x > threshold)
    if above.size:
        i = above[0]
        dx[i] = np.cos(x[i]) * (i + 1)
        return np.sin(x[i]) * (i + 1), {"x": dx}
    return np.sum(x * x), {"x": 2.0 * x}


# --- iterating over arrays ----------------------------------------------------

def zip_rows_vectorized(A, B):
    s = np.sum(A * B, axis=1)
    return np.sum(s ** 2), {"A": 2 * s[:, None] * B, "B": 2 * s[:, None] * A}


def enumerate_rows_vectorized(X, w):
    weights = np.arange(1, X.shape[0] + 1, dtype=float)
    t = np.tanh(X @ w)
    dz = weights * (1 - t * t)
    return np.sum(weights * t), {"X": dz[:, None] * w, "w": X.T @ dz}


def row_norms_vectorized(X):
    norms = np.sqrt(np.sum(X * X, axis=1) + 1.0)
    return np.sum(norms), {"X": X / norms[:, None]}


# --- nested loops, helpers, loop-carried arrays ---------------------------------------

def pairwise_energy_vectorized(P):
    n = P.shape[0]
    D = P[:, None, :] - P[None, :, :]                  # D[i, j] = P[i] - P[j]
    q = np.sum(D * D, axis=2) + 0.1
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)  # pairs i < j
    value = np.sum(np.where(upper, 1.0 / q, 0.0))
    # d(1/q)/dP[i] = -2 D[i, j] / q**2 for the pair (i, j), and +that for P[j]
    G = np.where(upper[:, :, None], -2.0 * D / (q * q)[:, :, None], 0.0)
    return value, {"P": np.sum(G, axis=1) - np.sum(G, axis=0)}


def unrolled_descent_backprop(A, b, x0, lr, steps=5):
    xs = [x0]
    for _ in range(steps):
        x = xs[-1]
        xs.append(x - lr * (A @ x - b))
    x = xs[-1]
    value = 0.5 * x @ (A @ x) - b @ x
    # f = 0.5 x.A.x - b.x
    gx = 0.5 * (A + A.T) @ x - b
    gA = 0.5 * np.outer(x, x)
    gb = -x
    glr = 0.0
    for t in reversed(range(steps)):
        x = xs[t]
        r = A @ x - b                  # x' = x - lr r
        glr -= gx @ r
        gA -= lr * np.outer(gx, x)
        gb += lr * gx
        gx = gx - lr * (A.T @ gx)
    return value, {"A": gA, "b": gb, "x0": gx, "lr": float(glr)}


# --- assignments into local arrays -----------------------------------------------

def sin_weighted_backprop(x, w):
    out = np.sin(x) * w
    dout = 2 * out
    return np.sum(out ** 2), {"x": dout * w * np.cos(x), "w": dout * np.sin(x)}


def column_scan_backprop(A, B):
    n, m = A.shape
    acc = np.zeros((n, m))
    for j in range(m):
        acc[:, j] = A[:, j] * B[:, j]
        if j > 0:
            acc[:, j] += 0.5 * np.tanh(acc[:, j - 1])
    dacc = 2 * acc
    for j in reversed(range(1, m)):   # column j feeds column j + 1 only
        t = np.tanh(acc[:, j - 1])
        dacc[:, j - 1] += 0.5 * (1 - t * t) * dacc[:, j]
    return np.sum(acc ** 2), {"A": dacc * B, "B": dacc * A}


def pairwise_tanh_vectorized(x, y):
    n, m = x.shape[0], y.shape[0]
    out = np.tanh(np.outer(x, y) + 0.1 * np.arange(n)[:, None])
    dz = 2 * out * (1 - out * out) / (n * m)
    return np.sum(out * out) / (n * m), {"x": dz @ y, "y": dz.T @ x}


def repeated_squash_forward(x, reps=3):
    """Elementwise, so forward mode gives the gradient: dz' = (cos z + 0.5) dz."""
    z, dz = x.copy(), np.ones(x.shape)
    for _ in range(reps):
        z, dz = np.sin(z) + 0.5 * z, (np.cos(z) + 0.5) * dz
    return np.sum(z ** 2), {"x": 2 * z * dz}


def iir_filter_backprop(x, alpha):
    n = x.shape[0]
    y = np.zeros(n)
    y[0] = x[0]
    for i in range(1, n):
        y[i] = alpha * y[i - 1] + (1.0 - alpha) * x[i]
    dy = 2 * y
    dx = np.zeros(n)
    dalpha = 0.0
    for i in reversed(range(1, n)):
        dalpha += dy[i] * (y[i - 1] - x[i])
        dx[i] = (1.0 - alpha) * dy[i]
        dy[i - 1] += alpha * dy[i]
    dx[0] = dy[0]
    return np.sum(y ** 2), {"x": dx, "alpha": float(dalpha)}
