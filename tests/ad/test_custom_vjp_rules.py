"""symdiff.custom_vjp's rules in more shapes: arguments without a gradient
(``nondiff_argnums``, None), a rule given again, and the refusals of rules that do not
fit (a count or shape of gradients that is not one per argument, a forward part that
does not return a pair)."""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from support import load_module, numerical_jacobian

RNG = np.random.default_rng(71)


def scaled_fwd(x, k):
    return k * np.sin(x), (np.cos(x),)


def scaled_bwd(k, residuals, g):            # JAX's order: nondiff arguments first
    cos, = residuals
    return (k * cos * g,)


def make_scaled():
    scaled = symdiff.custom_vjp(lambda x, k: k * np.sin(x), nondiff_argnums=(1,))
    scaled.defvjp(scaled_fwd, scaled_bwd)
    return scaled


scaled = make_scaled()


def uses_nondiff(x, k):
    return np.sum(scaled(x, k) ** 2)


def test_a_nondiff_argument_goes_to_bwd_first_and_gets_no_gradient():
    x = RNG.uniform(0.2, 1.0, 3)
    for k in (1.5, -2.0):
        value, dx = symdiff.value_and_grad(uses_nondiff)(x, k)
        np.testing.assert_allclose(value, uses_nondiff(x, k), rtol=1e-12)
        np.testing.assert_allclose(dx, numerical_jacobian(uses_nondiff, (x, k), 0),
                                   rtol=1e-6)


def test_a_nondiff_argument_asked_for_has_a_zero_gradient():
    x = RNG.uniform(0.2, 1.0, 3)
    dx, dk = symdiff.grad(uses_nondiff, wrt=(0, 1))(x, np.float64(1.5))
    np.testing.assert_allclose(dx, numerical_jacobian(uses_nondiff, (x, 1.5), 0), rtol=1e-6)
    assert dk == 0.0


@symdiff.custom_vjp
def product(x, y):
    return x * y


def product_fwd(x, y):
    return x * y, (x, y)


def product_bwd(residuals, g):
    x, y = residuals
    return g * y, None                      # None: no gradient for y


product.defvjp(product_fwd, product_bwd)


def uses_product(x, y):
    return np.sum(product(x, y) * x)


def test_none_is_no_gradient():
    x, y = RNG.standard_normal(3), RNG.standard_normal(3)
    dx, dy = symdiff.grad(uses_product, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(dx, 2.0 * x * y, rtol=1e-12)       # both x's, through g * y
    np.testing.assert_allclose(dy, np.zeros(3))


@symdiff.custom_vjp
def branchy(x):
    return np.abs(x)


def branchy_fwd(x):
    return np.abs(x), (x,)


def branchy_bwd(residuals, g):
    x, = residuals
    if x > 0.0:                              # a branch in the backward part
        d = g
    else:
        d = -g
    return (d,)


branchy.defvjp(branchy_fwd, branchy_bwd)


def uses_branchy(x, y):
    return branchy(x * y) * y


@pytest.mark.parametrize("x", [0.7, -1.3])
def test_a_branch_in_the_backward_part(x):
    value, (dx, dy) = symdiff.value_and_grad(uses_branchy, wrt=(0, 1))(x, 2.0)
    assert value == abs(2.0 * x) * 2.0
    want = [numerical_jacobian(uses_branchy, (x, 2.0), i) for i in (0, 1)]
    np.testing.assert_allclose([dx, dy], want, rtol=1e-6)


def test_a_rule_given_again_is_used(tmp_path):
    module = load_module(tmp_path, "again", """
        import numpy as np
        import symdiff

        @symdiff.custom_vjp
        def f(x):
            return x * x

        def f_fwd(x):
            return x * x, (x,)

        def f_bwd(residuals, g):
            return (2.0 * residuals[0] * g,)

        f.defvjp(f_fwd, f_bwd)

        def loss(x):
            return np.sum(f(x))
    """)
    x = np.array([0.5, -1.0])
    g = symdiff.value_and_grad(module.loss)
    np.testing.assert_allclose(g(x)[1], 2.0 * x)
    module.f.defvjp(module.f_fwd, lambda residuals, g: (3.0 * residuals[0] * g,))
    value, dx = g(x)
    np.testing.assert_allclose(dx, 3.0 * x)
    np.testing.assert_allclose(value, np.sum(x * x))


BAD = """
import numpy as np
import symdiff


@symdiff.custom_vjp
def f(x, y):
    return x * y


def f_fwd(x, y):
    return x * y, (x, y)


def two_fwd(x, y):
    return x * y


def one_bwd(residuals, g):
    return (g,)


def misshaped_bwd(residuals, g):
    return np.sum(g), g


def loss(x, y):
    return np.sum(f(x, y))
"""


@pytest.mark.parametrize("fwd, bwd, message, line", [
    ("f_fwd", "one_bwd", "must return a tuple of 2 gradient", 20),
    ("two_fwd", "one_bwd", "must return a pair", 16),
    ("f_fwd", "misshaped_bwd", r"shape \(\) for its argument 1 of shape \(3,\)", 24)])
def test_rules_that_do_not_fit_are_refused_where_they_are(tmp_path, fwd, bwd, message, line):
    module = load_module(tmp_path, "bad", BAD)
    module.f.defvjp(getattr(module, fwd), getattr(module, bwd))
    with pytest.raises(symdiff.SymdiffError, match=message) as info:
        symdiff.grad(module.loss, wrt=(0, 1))(np.ones(3), np.ones(3))
    assert f".py:{line}:" in str(info.value)


HELPERS = """
import numpy as np
import symdiff


@symdiff.custom_vjp
def double_grad(x):
    return x


double_grad.defvjp(lambda x: (x, ()), lambda residuals, g: (2.0 * g,))


@symdiff.custom_jvp
def cube(x):
    return x ** 3


@cube.defjvp
def cube_jvp(primals, tangents):
    x, = primals
    return x ** 3, 3.0 * x ** 2 * tangents[0]
"""


def test_custom_functions_of_a_module_read_by_attribute(tmp_path):
    helpers = load_module(tmp_path, "helpers", HELPERS)
    main = load_module(tmp_path, "main", f"""
        import numpy as np
        import {helpers.__name__} as helpers

        def f(x):
            return np.sum(helpers.double_grad(x) * 3.0) + np.sum(helpers.cube(x))
    """)
    x = np.array([0.5, -1.5])
    g = symdiff.value_and_grad(main.f)
    value, dx = g(x)
    np.testing.assert_allclose(value, np.sum(3.0 * x + x ** 3), rtol=1e-12)
    np.testing.assert_allclose(dx, 6.0 + 3.0 * x ** 2, rtol=1e-12)     # the rule's 2 * 3
    plain = symdiff.custom_vjp(lambda x: x)
    plain.defvjp(lambda x: (x, ()), lambda residuals, g: (g,))
    helpers.double_grad = plain                    # the module's name bound to another
    np.testing.assert_allclose(g(x)[1], 3.0 + 3.0 * x ** 2, rtol=1e-12)
