"""The hand-written backward passes are right: central differences agree.

These tests need no compiler; they make sure the ground truth that
test_seeds.py compares symdiff with is itself correct, and that each
reference computes the same loss as its example.
"""
import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import reference_backprop as ref

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


def central_difference(f, args, index, h=1e-6):
    """df/d(args[index]) by central differences, one element at a time."""
    args = list(args)
    x = args[index]
    if np.ndim(x) == 0:
        args[index] = x + h
        f_plus = f(*args)
        args[index] = x - h
        f_minus = f(*args)
        return (f_plus - f_minus) / (2 * h)
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[idx] += h
        x_minus[idx] -= h
        args[index] = x_plus
        f_plus = f(*args)
        args[index] = x_minus
        f_minus = f(*args)
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def assert_reference_matches(f, reference, args):
    """Same loss as the example, and every gradient matches finite differences."""
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    loss, grads = reference(*copies)
    np.testing.assert_allclose(loss, f(*args), rtol=1e-13, atol=1e-15)
    names = list(inspect.signature(f).parameters)
    for name, grad in grads.items():
        index = names.index(name)
        assert np.shape(grad) == np.shape(args[index]), name
        numerical = central_difference(f, args, index)
        np.testing.assert_allclose(grad, numerical, rtol=1e-6, atol=1e-8,
                                   err_msg=f"d{name}")
    # the reference left its inputs alone
    for before, after in zip(args, copies):
        np.testing.assert_array_equal(before, after)


def test_circuit(load_example):
    f = load_example("circuit").f
    assert_reference_matches(f, ref.circuit_backprop, (-2.0, 5.0, -4.0))


def test_neuron(load_example):
    neuron = load_example("sigmoid_neuron").neuron
    args = (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
    assert_reference_matches(neuron, ref.neuron_backprop, args)


def test_svm(load_example, classifier_args):
    svm_loss = load_example("svm_loss").svm_loss
    assert_reference_matches(svm_loss, ref.svm_loss_backprop, classifier_args)


def test_svm_inputs_exercise_both_sides_of_the_margin(classifier_args):
    W, X, y, reg = classifier_args
    N = X.shape[0]
    scores = X @ W
    margins = scores - scores[np.arange(N), y][:, None] + 1
    wrong = np.ones_like(margins, dtype=bool)
    wrong[np.arange(N), y] = False
    assert (margins[wrong] > 0).any() and (margins[wrong] < 0).any()
    assert np.abs(margins).min() > 1e-3  # no ties: the gradient is unique


def test_softmax(load_example, classifier_args):
    softmax_loss = load_example("softmax_loss").softmax_loss
    assert_reference_matches(softmax_loss, ref.softmax_loss_backprop,
                             classifier_args)


def test_hinge(load_example, hinge_args):
    hinge = load_example("hinge").hinge
    assert_reference_matches(hinge, ref.hinge_backprop, hinge_args)


def test_l2_regression(load_example, l2_args):
    l2_loss = load_example("l2_regression").l2_loss
    assert_reference_matches(l2_loss, ref.l2_loss_backprop, l2_args)


def test_mlp(load_example, mlp_args):
    mlp_loss = load_example("mlp").mlp_loss
    assert_reference_matches(mlp_loss, ref.mlp_loss_backprop, mlp_args)


def test_mlp_inputs_exercise_both_sides_of_the_relu(mlp_args):
    W1, b1, W2, b2, X, y, reg = mlp_args
    pre_activation = X @ W1 + b1
    assert (pre_activation > 0).any() and (pre_activation < 0).any()
    assert np.abs(pre_activation).min() > 1e-3  # no ties at the kink


@pytest.mark.parametrize("name", ["circuit", "sigmoid_neuron", "svm_loss",
                                  "softmax_loss", "hinge", "l2_regression",
                                  "mlp"])
def test_examples_are_plain_straight_line_numpy(name):
    """Model files: numpy/math imports, constants and defs; no control flow."""
    tree = ast.parse((EXAMPLES_DIR / f"{name}.py").read_text())
    for statement in tree.body:
        is_docstring = (isinstance(statement, ast.Expr)
                        and isinstance(statement.value, ast.Constant))
        is_constant = (isinstance(statement, ast.Assign)
                       and isinstance(statement.value, ast.Constant))
        assert (is_docstring or is_constant or isinstance(
            statement, (ast.Import, ast.FunctionDef))), ast.dump(statement)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name for a in node.names} <= {"numpy", "math"}
        assert not isinstance(node, ast.ImportFrom)
        assert not isinstance(node, (ast.If, ast.For, ast.While, ast.Lambda,
                                     ast.ListComp, ast.GeneratorExp))
