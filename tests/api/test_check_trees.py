"""``symdiff.check_grad`` on dict, list, tuple and object arguments: every float leaf is
compared with central differences and named by its path."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import symdiff
from symdiff.check import KinkWarning


def two_layer(params, X, y):
    h = np.maximum(0, X @ params["W1"] + params["b1"])
    scores = h @ params["W2"] + params["b2"]
    return np.mean((scores - y) ** 2) + params["reg"] * np.sum(params["W1"] ** 2)


def layers_loss(layers, X):
    for W, b in layers:
        X = np.tanh(X @ W + b)
    return np.sum(X ** 2)


def nested(params, x):
    h = np.tanh(x @ params["enc"]["w"])
    return np.sum(h * params["head"][0]) + np.sum(params["head"][1] * h ** 2)


def cubic_leaf(params):
    return np.sum(2.0 * params["W1"]) + np.sum(params["W2"] ** 3)


def relu_dict(params):
    return np.sum(np.maximum(0, params["b"]))


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b


def apply_layer(layer, x):
    return np.sum(np.sin(x @ layer.W + layer.b))


class Net:
    def __init__(self, rng):
        self.params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
        self.reg = 0.1

    def loss(self, X):
        out = np.tanh(X @ self.params["W"] + self.params["b"])
        return np.sum(out ** 2) + self.reg * np.sum(self.params["W"] ** 2)


@pytest.fixture
def rng():
    return np.random.default_rng(4)


def test_a_dict_is_checked_leaf_by_leaf(rng):
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 2)), "b2": rng.standard_normal(2), "reg": 0.3}
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    before = copy.deepcopy(params)
    report = symdiff.check_grad(two_layer, params, X, y)
    assert list(report) == ["params['W1']", "params['b1']", "params['W2']", "params['b2']",
                            "params['reg']"]
    assert all(err < 1e-6 for err in report.values())
    for k in params:                      # the check moves copies, never the user's values
        np.testing.assert_array_equal(params[k], before[k])


def test_a_list_of_layers_and_another_argument(rng):
    layers = [(rng.standard_normal((3, 4)), rng.standard_normal(4)),
              (rng.standard_normal((4, 2)), rng.standard_normal(2))]
    X = rng.standard_normal((5, 3))
    report = symdiff.check_grad(layers_loss, layers, X, wrt=(0, 1))
    assert list(report) == ["layers[0][0]", "layers[0][1]", "layers[1][0]", "layers[1][1]", "X"]
    assert all(err < 1e-6 for err in report.values())


def test_nested_dicts_and_lists(rng):
    params = {"enc": {"w": rng.standard_normal((3, 4))},
              "head": [rng.standard_normal(4), rng.standard_normal(4)]}
    report = symdiff.check_grad(nested, params, rng.standard_normal((2, 3)))
    assert set(report) == {"params['enc']['w']", "params['head'][0]", "params['head'][1]"}
    assert all(err < 1e-6 for err in report.values())


def test_an_object_argument_and_a_method_attribute(rng):
    layer = Dense(rng.standard_normal((3, 2)), rng.standard_normal(2))
    report = symdiff.check_grad(apply_layer, layer, rng.standard_normal((4, 3)))
    assert set(report) == {"layer.W", "layer.b"} and max(report.values()) < 1e-6
    net = Net(rng)
    W = net.params["W"].copy()
    report = symdiff.check_grad(net.loss, rng.standard_normal((4, 3)), wrt="params")
    assert set(report) == {"self.params['W']", "self.params['b']"}
    assert max(report.values()) < 1e-6
    np.testing.assert_array_equal(net.params["W"], W)


def test_a_failing_leaf_is_named_by_its_path():
    params = {"W1": np.ones((2, 3)), "W2": np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])}
    with pytest.raises(symdiff.GradientCheckError) as info:
        symdiff.check_grad(cubic_leaf, params, eps=0.1)   # differences off by eps**2 there
    assert "dcubic_leaf/dparams['W2'][0, 0]" in str(info.value)   # the smallest: worst
    report = symdiff.check_grad(cubic_leaf, params, eps=1e-6, rtol=1e-4)
    assert report["params['W1']"] < 1e-6


def test_a_kink_in_a_leaf_is_named_by_its_path():
    params = {"b": np.array([0.5, 0.0, -0.3])}
    with pytest.warns(KinkWarning, match=r"params\['b'\]\[1\]"):
        report = symdiff.check_grad(relu_dict, params)
    assert report["params['b']"] < 1e-8
