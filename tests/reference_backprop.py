"""Hand-written backward passes for the seed examples: the ground truth.

Each function runs the forward pass of one function in examples/ and then
backpropagates by hand, the way the CS231n notes do it: one local gradient per
line, upstream gradient times local gradient, gradients of a value used twice
added up. Each returns ``(loss, grads)`` where ``grads`` maps the name of every
float argument to its gradient, of the same shape as the argument.

test_reference_backprop.py checks every one of them against central
differences, so that the compiler is compared with something trustworthy.
"""
import numpy as np


def circuit_backprop(x, y, z):
    """f = (x + y) * z."""
    # forward
    q = x + y
    f = q * z
    # backward: df/df = 1
    dq = z  # mul switches: df/dq = z
    dz = q  #               df/dz = q
    dx = 1.0 * dq  # add distributes: dq/dx = 1
    dy = 1.0 * dq  #                  dq/dy = 1
    return f, {"x": dx, "y": dy, "z": dz}


def neuron_backprop(w, x):
    """f = sigmoid(w0 x0 + w1 x1 + w2)."""
    # forward
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1.0 + np.exp(-dot))
    # backward: the sigmoid gate's local gradient is f (1 - f)
    ddot = (1 - f) * f
    dw = np.array([x[0] * ddot, x[1] * ddot, 1.0 * ddot])
    dx = np.array([w[0] * ddot, w[1] * ddot])
    return f, {"w": dw, "x": dx}


def svm_loss_backprop(W, X, y, reg):
    """Multiclass SVM loss, margin 1, plus reg * sum(W**2)."""
    N = X.shape[0]
    # forward
    scores = X @ W
    correct = scores[np.arange(N), y]
    margins = np.maximum(0, scores - correct[:, None] + 1.0)
    margins[np.arange(N), y] = 0  # the correct class does not count
    loss = np.sum(margins) / N + reg * np.sum(W * W)
    # backward: each positive margin sends +1 to s_j and -1 to s_{y_i}
    dscores = (margins > 0).astype(float)
    dscores[np.arange(N), y] = -dscores.sum(axis=1)
    dscores /= N
    dW = X.T @ dscores + 2 * reg * W
    dX = dscores @ W.T
    dreg = np.sum(W * W)
    return loss, {"W": dW, "X": dX, "reg": dreg}


def _softmax_cross_entropy_backprop(scores, y):
    """Mean cross-entropy of softmax(scores) and its gradient wrt scores."""
    N = scores.shape[0]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    # dL/ds = (probs - one_hot(y)) / N
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    return loss, dscores


def softmax_loss_backprop(W, X, y, reg):
    """Softmax cross-entropy plus reg * sum(W**2)."""
    # forward
    scores = X @ W
    data_loss, dscores = _softmax_cross_entropy_backprop(scores, y)
    loss = data_loss + reg * np.sum(W * W)
    # backward
    dW = X.T @ dscores + 2 * reg * W
    dX = dscores @ W.T
    dreg = np.sum(W * W)
    return loss, {"W": dW, "X": dX, "reg": dreg}


def hinge_backprop(w, phi, y):
    """max(0, 1 - (w . phi) y)."""
    # forward
    score = np.dot(w, phi)
    margin = 1 - score * y
    loss = max(0, margin)
    # backward: max routes the gradient to the margin only when it is positive
    dmargin = 1.0 if margin > 0 else 0.0
    dscore = -y * dmargin
    dy = -score * dmargin
    dw = phi * dscore
    dphi = w * dscore
    return loss, {"w": dw, "phi": dphi, "y": dy}


def l2_loss_backprop(W, b, X, t):
    """0.5 * sum((X W + b - t)**2) / N."""
    N = X.shape[0]
    # forward
    pred = X @ W + b
    diff = pred - t
    loss = 0.5 * np.sum(diff ** 2) / N
    # backward
    ddiff = diff / N  # d/d(diff) of 0.5 diff**2 = diff
    dpred = ddiff
    dt = -ddiff
    dW = X.T @ dpred
    db = dpred.sum(axis=0)  # b was broadcast over the N rows
    dX = dpred @ W.T
    return loss, {"W": dW, "b": db, "X": dX, "t": dt}


def mlp_loss_backprop(W1, b1, W2, b2, X, y, reg):
    """2-layer ReLU net, softmax cross-entropy, 0.5 reg (|W1|^2 + |W2|^2)."""
    # forward
    h = np.maximum(0, X @ W1 + b1)
    scores = h @ W2 + b2
    data_loss, dscores = _softmax_cross_entropy_backprop(scores, y)
    reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    loss = data_loss + reg_loss
    # backward into the second layer
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ W2.T
    # backprop the ReLU non-linearity
    dh[h <= 0] = 0
    # backward into the first layer
    dW1 = X.T @ dh
    db1 = dh.sum(axis=0)
    dX = dh @ W1.T
    # add the regularisation gradient
    dW2 += reg * W2
    dW1 += reg * W1
    dreg = 0.5 * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX,
                  "reg": dreg}
