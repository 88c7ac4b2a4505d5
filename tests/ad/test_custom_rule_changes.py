"""A compiled gradient follows its custom rule: a rule given again (``defjvp``), its code,
a helper or a constant it reads, or the custom function's name bound to another one, and
the next call compiles again, as it does when a helper of the function changes."""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from support import directional_difference, load_module, numerical_jacobian

MODEL = """
import numpy as np
import symdiff

SCALE = 2.0


def slope(x):
    return 2.0 * x


@symdiff.custom_jvp
def square(x):
    return x * x


@square.defjvp
def square_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return x * x, slope(x) * x_dot


@symdiff.custom_jvp
def scaled(x):
    return SCALE * x


@scaled.defjvp
def scaled_jvp(primals, tangents):
    return SCALE * primals[0], SCALE * tangents[0]


def loss(x):
    return np.sum(square(x)) + np.sum(scaled(x))
"""

X = np.array([0.3, -1.2, 2.0])


def check_against(module, truth, make=symdiff.value_and_grad):
    """The gradient (and value) of module.loss against central differences of ``truth``,
    the function the rules now describe."""
    value, dx = make(module.loss)(X)
    np.testing.assert_allclose(value, truth(X), rtol=1e-12)
    np.testing.assert_allclose(dx, numerical_jacobian(truth, (X,), 0), rtol=1e-6, atol=1e-9)


def cubes(x, scale=2.0):
    return np.sum(x ** 3) + np.sum(scale * x)


@pytest.fixture
def module(tmp_path):
    return load_module(tmp_path, "rules", MODEL)


@pytest.fixture
def grad(module):
    g = symdiff.value_and_grad(module.loss)
    check_against(module, lambda x: np.sum(x * x) + np.sum(2.0 * x), lambda f: g)
    return g


def test_a_rule_given_again_with_defjvp_is_used(module, grad):
    @module.square.defjvp
    def cube_jvp(primals, tangents):
        x, = primals
        return x ** 3, 3.0 * x ** 2 * tangents[0]
    check_against(module, cubes, lambda f: grad)


def test_a_rule_whose_code_changed_is_used(module, grad):
    def other(primals, tangents):
        x, = primals
        x_dot, = tangents
        return x * x, 4.0 * x * x_dot
    module.square_jvp.__code__ = other.__code__
    value, dx = grad(X)
    np.testing.assert_allclose(value, np.sum(X * X) + np.sum(2.0 * X), rtol=1e-12)
    np.testing.assert_allclose(dx, 4.0 * X + 2.0, rtol=1e-12)


def test_a_helper_the_rule_calls_redefined_is_used(module, grad):
    module.slope = lambda x: 5.0 * x
    value, dx = grad(X)
    np.testing.assert_allclose(value, np.sum(X * X) + np.sum(2.0 * X), rtol=1e-12)
    np.testing.assert_allclose(dx, 5.0 * X + 2.0, rtol=1e-12)


def test_a_constant_the_rule_reads_changed_is_used(module, grad):
    module.SCALE = 3.0
    check_against(module, lambda x: cubes(x, 3.0) - np.sum(x ** 3) + np.sum(x * x),
                  lambda f: grad)


def test_the_name_bound_to_another_custom_function_is_used(module, grad):
    cube = symdiff.custom_jvp(lambda x: x ** 3)
    cube.defjvp(lambda primals, tangents: (primals[0] ** 3, 3.0 * primals[0] ** 2 *
                                           tangents[0]))
    module.square = cube
    check_against(module, cubes, lambda f: grad)


def test_forward_mode_follows_a_rule_given_again(module):
    jvp = symdiff.jvp(module.loss)
    v = np.array([1.0, 0.5, -2.0])
    np.testing.assert_allclose(jvp(X, v)[1], np.dot(2.0 * X + 2.0, v), rtol=1e-12)
    module.square.defjvp(lambda primals, tangents: (primals[0] ** 3, 3.0 * primals[0] ** 2 *
                                                    tangents[0]))
    value, slope = jvp(X, v)
    np.testing.assert_allclose(value, cubes(X), rtol=1e-12)
    np.testing.assert_allclose(slope, directional_difference(cubes, (X,), [0], [v]),
                               rtol=1e-6)
