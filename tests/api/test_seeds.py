"""symdiff reproduces the numbers of the backprop lessons (shared/seeds.md).

Every seed example in examples/ is differentiated through the public API and
compared with the exact numbers of the notes and with the hand-written
backward passes of reference_backprop.py (themselves checked against central
differences in test_reference_backprop.py).
"""
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reference_backprop as ref
import symdiff

REPO_ROOT = Path(__file__).resolve().parents[2]

# symdiff against a hand-written backward pass: both are exact, so only
# rounding separates them
EXACT = dict(rtol=1e-10, atol=1e-12)


def assert_grads_match(f, reference, args, wrt):
    """grad(f, wrt) equals the reference, with the shapes of the arguments."""
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    _, expected = reference(*copies)
    grads = symdiff.grad(f, wrt=wrt)(*args)
    assert isinstance(grads, tuple) and len(grads) == len(wrt)
    names = list(inspect.signature(f).parameters)
    for name, grad in zip(wrt, grads):
        arg = args[names.index(name)]
        assert np.shape(grad) == np.shape(arg), f"d{name}"
        np.testing.assert_allclose(grad, expected[name], err_msg=f"d{name}",
                                   **EXACT)


def assert_value_matches(f, args, wrt):
    value, _ = symdiff.value_and_grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12, atol=1e-15)


# --- 1. the circuit f = (x + y) z -------------------------------------------

CIRCUIT_ARGS = (-2.0, 5.0, -4.0)


def test_circuit_gradients_are_the_notes_numbers(load_example):
    f = load_example("circuit").f
    dx, dy, dz = symdiff.grad(f, wrt=("x", "y", "z"))(*CIRCUIT_ARGS)
    assert (dx, dy, dz) == (-4.0, -4.0, 3.0)
    for grad in (dx, dy, dz):
        assert isinstance(grad, float)


def test_circuit_value_and_grad(load_example):
    f = load_example("circuit").f
    value, dx = symdiff.value_and_grad(f)(*CIRCUIT_ARGS)
    assert value == -12.0
    assert dx == -4.0


def test_circuit_wrt_by_position_and_by_name_agree(load_example):
    f = load_example("circuit").f
    assert symdiff.grad(f)(*CIRCUIT_ARGS) == -4.0  # first argument
    assert symdiff.grad(f, wrt=1)(*CIRCUIT_ARGS) == -4.0
    assert symdiff.grad(f, wrt="z")(*CIRCUIT_ARGS) == 3.0
    assert symdiff.grad(f, wrt=(2, "x"))(*CIRCUIT_ARGS) == (3.0, -4.0)


def test_circuit_check_grad(load_example):
    f = load_example("circuit").f
    symdiff.check_grad(f, *CIRCUIT_ARGS, wrt=("x", "y", "z"))


# --- 2. the sigmoid neuron ---------------------------------------------------

NEURON_ARGS = (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))


def test_neuron_reproduces_the_notes(load_example):
    neuron = load_example("sigmoid_neuron").neuron
    value, (dw, dx) = symdiff.value_and_grad(neuron, wrt=("w", "x"))(
        *NEURON_ARGS)
    # as the notes round them
    assert round(float(value), 2) == 0.73
    np.testing.assert_allclose(dw, [-0.2, -0.39, 0.2], atol=0.005)
    np.testing.assert_allclose(dx, [0.39, -0.59], atol=0.005)
    # to three decimals: f (1 - f) = 0.19661...
    np.testing.assert_allclose(value, 0.7311, atol=5e-5)
    np.testing.assert_allclose(dw, [-0.197, -0.393, 0.197], atol=5e-4)
    np.testing.assert_allclose(dx, [0.393, -0.590], atol=5e-4)


def test_neuron_matches_reference(load_example):
    neuron = load_example("sigmoid_neuron").neuron
    f, expected = ref.neuron_backprop(*NEURON_ARGS)
    value, (dw, dx) = symdiff.value_and_grad(neuron, wrt=("w", "x"))(
        *NEURON_ARGS)
    np.testing.assert_allclose(value, f, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, expected["w"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, expected["x"], rtol=1e-12, atol=1e-12)
    # exactly f (1 - f) times the other input
    local = (1 - f) * f
    np.testing.assert_allclose(dw, local * np.array([-1.0, -2.0, 1.0]),
                               rtol=1e-12, atol=1e-12)
    assert dw.shape == (3,) and dx.shape == (2,)


def test_neuron_check_grad(load_example):
    neuron = load_example("sigmoid_neuron").neuron
    symdiff.check_grad(neuron, *NEURON_ARGS, wrt=("w", "x"))


# --- 3. and 4. linear classifiers: SVM and softmax ---------------------------

CLASSIFIERS = [("svm_loss", "svm_loss", ref.svm_loss_backprop),
               ("softmax_loss", "softmax_loss", ref.softmax_loss_backprop)]


@pytest.mark.parametrize("module, name, reference", CLASSIFIERS)
def test_classifier_dW_matches_reference(load_example, classifier_args,
                                         module, name, reference):
    f = getattr(load_example(module), name)
    _, expected = reference(*classifier_args)
    dW = symdiff.grad(f)(*classifier_args)  # W is the first argument
    W = classifier_args[0]
    assert dW.shape == W.shape
    np.testing.assert_allclose(dW, expected["W"], **EXACT)


@pytest.mark.parametrize("module, name, reference", CLASSIFIERS)
def test_classifier_all_float_arguments(load_example, classifier_args,
                                        module, name, reference):
    f = getattr(load_example(module), name)
    assert_grads_match(f, reference, classifier_args, wrt=("W", "X", "reg"))


@pytest.mark.parametrize("module, name, reference", CLASSIFIERS)
def test_classifier_value_and_check_grad(load_example, classifier_args,
                                         module, name, reference):
    f = getattr(load_example(module), name)
    assert_value_matches(f, classifier_args, wrt="W")
    symdiff.check_grad(f, *classifier_args, wrt=("W", "X"))


# --- 5. the binary hinge loss -------------------------------------------------

def test_hinge_matches_reference(load_example, hinge_args):
    hinge = load_example("hinge").hinge
    assert_grads_match(hinge, ref.hinge_backprop, hinge_args,
                       wrt=("w", "phi", "y"))


def test_hinge_gradient_is_the_notes_formula(load_example, hinge_args):
    # dLoss/dw = -1 * I(margin < 1) * phi * y
    hinge = load_example("hinge").hinge
    w, phi, y = hinge_args
    active = np.dot(w, phi) * y < 1
    dw = symdiff.grad(hinge)(w, phi, y)
    np.testing.assert_allclose(dw, -1.0 * active * phi * y, **EXACT)


def test_hinge_value_and_check_grad(load_example, hinge_args):
    hinge = load_example("hinge").hinge
    assert_value_matches(hinge, hinge_args, wrt="w")
    symdiff.check_grad(hinge, *hinge_args, wrt=("w", "phi"))


# --- 6. L2 regression and the 2-layer MLP ---------------------------------

def test_l2_regression_matches_reference(load_example, l2_args):
    l2_loss = load_example("l2_regression").l2_loss
    assert_grads_match(l2_loss, ref.l2_loss_backprop, l2_args,
                       wrt=("W", "b"))
    assert_grads_match(l2_loss, ref.l2_loss_backprop, l2_args,
                       wrt=("X", "t"))


def test_l2_regression_value_and_check_grad(load_example, l2_args):
    l2_loss = load_example("l2_regression").l2_loss
    assert_value_matches(l2_loss, l2_args, wrt=("W", "b"))
    symdiff.check_grad(l2_loss, *l2_args, wrt=("W", "b"))


def test_mlp_matches_reference(load_example, mlp_args):
    mlp_loss = load_example("mlp").mlp_loss
    assert_grads_match(mlp_loss, ref.mlp_loss_backprop, mlp_args,
                       wrt=("W1", "b1", "W2", "b2"))
    assert_grads_match(mlp_loss, ref.mlp_loss_backprop, mlp_args,
                       wrt=("X", "reg"))


def test_mlp_wrt_mixes_names_and_positions(load_example, mlp_args):
    mlp_loss = load_example("mlp").mlp_loss
    _, expected = ref.mlp_loss_backprop(*mlp_args)
    dW1, db1, dW2 = symdiff.grad(mlp_loss, wrt=("W1", "b1", 2))(*mlp_args)
    np.testing.assert_allclose(dW1, expected["W1"], **EXACT)
    np.testing.assert_allclose(db1, expected["b1"], **EXACT)
    np.testing.assert_allclose(dW2, expected["W2"], **EXACT)
    db2 = symdiff.grad(mlp_loss, wrt="b2")(*mlp_args)
    np.testing.assert_allclose(db2, expected["b2"], **EXACT)


def test_mlp_value_and_check_grad(load_example, mlp_args):
    mlp_loss = load_example("mlp").mlp_loss
    assert_value_matches(mlp_loss, mlp_args, wrt=("W1", "b1", "W2", "b2"))
    symdiff.check_grad(mlp_loss, *mlp_args, wrt=("W1", "b1", "W2", "b2"))


# --- 7. training: the loss falls ------------------------------------------

def test_train_mlp_loss_falls():
    env = dict(os.environ)
    # find symdiff from the checkout even when it is not installed
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "train_mlp.py"),
         "--steps", "300"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    losses = [float(x) for x in re.findall(r"loss (\d+\.\d+)", result.stdout)]
    assert len(losses) >= 2, result.stdout
    # 3 balanced classes: the untrained net is at chance, loss ~ log 3
    assert losses[0] == pytest.approx(np.log(3), abs=0.05)
    assert losses[-1] < 0.8 * losses[0], result.stdout
