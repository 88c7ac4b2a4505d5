"""symdiff.custom_jvp: the user's derivative rule, read like a helper and written into the
generated code. Checked with central differences of the function itself (support.py)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.special

import symdiff
from support import (compiled_by_cli, directional_difference, load_module, numerical_jacobian,
                     second_difference)

RNG = np.random.default_rng(6)


#: a model file, read statically by the CLI tests and imported by the others
FILE = """
import numpy as np
import scipy.special
from scipy import special
from scipy.special import zetac
import symdiff
from symdiff import custom_jvp


@symdiff.custom_jvp
def log1pexp(x):
    return np.log(1.0 + np.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    value = np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    return value, x_dot / (1.0 + np.exp(-x))


@custom_jvp
def erf_like(x):
    return scipy.special.erf(x)


@erf_like.defjvp
def erf_like_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return np.tanh(x), (1.0 - np.tanh(x) ** 2) * x_dot


def loss(w, X):
    return np.sum(log1pexp(X @ w)) + np.sum(erf_like(w))


def no_rule_given(x):
    return lonely(x)


@symdiff.custom_jvp
def lonely(x):
    return x


def unknown(x):
    return zetac(x)


def unknown_attribute(x):
    return special.zetac(x)
"""


MODEL = load_module(Path(tempfile.mkdtemp()), "custom_model", FILE)
log1pexp = MODEL.log1pexp


def softplus_loss(w, X):
    return np.sum(log1pexp(X @ w)) + 0.1 * np.sum(w * w)


#: a function symdiff cannot read (a compiled ufunc, no Python source), given a rule
expit = symdiff.custom_jvp(scipy.special.expit)


def expit_jvp(primals, tangents):
    z, = primals
    z_dot, = tangents
    s = 1.0 / (1.0 + np.exp(-z))
    return s, s * (1.0 - s) * z_dot


expit.defjvp(expit_jvp)


def cross_entropy(w, X, y):
    p = expit(X @ w)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


@symdiff.custom_jvp
def scaled_power(x, a):
    out = x
    for _ in range(2):          # the body is readable, but the rule is what is used
        out = out * x
    return a * out


@scaled_power.defjvp
def scaled_power_jvp(primals, tangents):
    x, a = primals
    x_dot, a_dot = tangents
    return a * x ** 3, 3.0 * a * x ** 2 * x_dot + x ** 3 * a_dot


def two_arguments(x, a):
    return np.sum(np.sin(scaled_power(x, a)))


def in_a_loop(x, n):
    total = 0.0
    for i in range(n):
        total = total + log1pexp(x[i] * total - 1.0)
    return total


def cases():
    w, X = RNG.standard_normal(3), RNG.standard_normal((6, 3))
    y = (RNG.random(6) > 0.5).astype(float)
    x = RNG.uniform(0.3, 1.2, 4)
    return [(softplus_loss, (w, X), (0, 1)), (cross_entropy, (w, X, y), (0, 1)),
            (two_arguments, (x, 0.7), (0, 1)), (in_a_loop, (x, 4), (0,))]


@pytest.mark.parametrize("k", range(4))
def test_value_and_gradients_match_central_differences(k):
    f, args, wrt = cases()[k]
    value, grads = symdiff.value_and_grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    for got, i in zip(grads, wrt):
        np.testing.assert_allclose(got, numerical_jacobian(f, args, i), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("k", range(3))
def test_forward_mode_uses_the_rule(k):
    f, args, wrt = cases()[k]
    vectors = [RNG.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else 0.4
               for i in wrt]
    value, slope = symdiff.jvp(f, wrt=wrt)(*args, *vectors)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    np.testing.assert_allclose(slope, directional_difference(f, args, wrt, vectors),
                               rtol=1e-6, atol=1e-9)


def test_the_stable_rule_is_finite_where_the_plain_formula_overflows():
    x = np.array([-800.0, 0.0, 800.0])
    value, dx = symdiff.value_and_grad(lambda_free_sum)(x)
    assert np.isfinite(value) and np.isclose(value, 800.0 + np.log(2.0))
    np.testing.assert_allclose(dx, [0.0, 0.5, 1.0], atol=1e-300)


def lambda_free_sum(x):
    return np.sum(log1pexp(x))


def test_the_generated_code_holds_the_rules_lines():
    source = symdiff.grad(softplus_loss).source
    assert "np.log1p(" in source or "np.log(" in source
    assert "log1pexp's rule" in source and "np.positive(" in source


def true_softplus_loss(w, X):
    return np.sum(np.logaddexp(0.0, X @ w)) + 0.1 * np.sum(w * w)


def true_two_arguments(x, a):
    return np.sum(np.sin(a * x ** 3))


@pytest.mark.parametrize("f, truth, args", [
    (softplus_loss, true_softplus_loss, (RNG.standard_normal(3), RNG.standard_normal((6, 3)))),
    (two_arguments, true_two_arguments, (RNG.uniform(0.3, 1.2, 4), 0.7)),
    (in_a_loop, lambda x, n: _loop_truth(x, n), (RNG.uniform(0.3, 1.2, 4), 4))],
    ids=["softplus", "two_arguments", "in_a_loop"])
def test_hessian_and_hvp_differentiate_the_rule(f, truth, args):
    H = symdiff.hessian(f)(*args)
    want = second_difference(lambda x: truth(x, *args[1:]), args[:1], 0, 0)
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6)
    v = RNG.standard_normal(np.shape(args[0]))
    np.testing.assert_allclose(symdiff.hvp(f)(*args, v), want @ v, rtol=1e-5, atol=1e-6)


def _loop_truth(x, n):
    total = 0.0
    for i in range(n):
        total = total + np.logaddexp(0.0, x[i] * total - 1.0)
    return total


def test_the_hessian_uses_the_rules_tangent_not_the_values_formula(tmp_path):
    module = load_module(tmp_path, "slope", """
        import numpy as np
        import symdiff

        @symdiff.custom_jvp
        def f(x):
            return x

        @f.defjvp
        def f_jvp(primals, tangents):
            x, = primals
            return x, np.sin(x) * tangents[0]       # the rule says f' = sin, not 1

        def g(x):
            return np.sum(f(x) ** 2)
    """)
    x = np.array([0.3, 1.1])
    np.testing.assert_allclose(symdiff.grad(module.g)(x), 2.0 * x * np.sin(x), rtol=1e-12)
    H = symdiff.hessian(module.g)(x)            # d/dx (2 f(x) f'(x)) with f' = sin
    np.testing.assert_allclose(H, np.diag(2.0 * np.sin(x) ** 2 + 2.0 * x * np.cos(x)),
                               rtol=1e-12)


def test_called_from_python_it_is_the_function_itself():
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(log1pexp(x), np.log(1.0 + np.exp(x)), rtol=1e-15)
    assert log1pexp.__name__ == "log1pexp" and expit(0.0) == 0.5




def test_the_cli_honours_the_rules_without_running_the_file(tmp_path):
    namespace = compiled_by_cli(tmp_path, FILE, "-f", "loss", "--wrt", "w")
    w, X = RNG.standard_normal(3), RNG.standard_normal((5, 3))

    def same_loss(w, X):      # what the rules say loss is
        return np.sum(np.logaddexp(0.0, X @ w)) + np.sum(np.tanh(w))

    np.testing.assert_allclose(namespace["grad_loss"](w, X), numerical_jacobian(
        same_loss, (w, X), 0), rtol=1e-6, atol=1e-9)
    value, _ = namespace["value_and_grad_loss"](w, X)
    np.testing.assert_allclose(value, same_loss(w, X), rtol=1e-12)


def test_the_cli_writes_the_hessian_through_the_rules(tmp_path):
    namespace = compiled_by_cli(tmp_path, FILE, "-f", "loss", "--wrt", "w", "--order", "2")
    w, X = RNG.standard_normal(3), RNG.standard_normal((5, 3))

    def same_loss(w):
        return np.sum(np.logaddexp(0.0, X @ w)) + np.sum(np.tanh(w))
    np.testing.assert_allclose(namespace["hessian_loss"](w, X),
                               second_difference(same_loss, (w,), 0, 0), rtol=1e-5, atol=1e-6)


def test_a_custom_function_without_a_rule_is_refused_where_it_is_called(tmp_path):
    module = load_module(tmp_path, "lonely", FILE)
    with pytest.raises(symdiff.SymdiffError, match="without a rule") as info:
        symdiff.grad(module.no_rule_given)(1.0)
    assert "@lonely.defjvp" in str(info.value)


@pytest.mark.parametrize("name", ["unknown", "unknown_attribute"])
def test_the_refusal_of_an_unknown_function_points_to_custom_jvp(tmp_path, name):
    module = load_module(tmp_path, "unknown", FILE)
    with pytest.raises(symdiff.SymdiffError, match="zetac` is not a function symdiff can "
                                                   "differentiate") as info:
        symdiff.grad(getattr(module, name))(0.3)
    assert "@symdiff.custom_jvp" in str(info.value)


def test_a_rule_that_does_not_return_a_pair_is_refused(tmp_path):
    module = load_module(tmp_path, "badrule", """
        import numpy as np
        import symdiff

        @symdiff.custom_jvp
        def f(x):
            return x

        @f.defjvp
        def f_jvp(primals, tangents):
            return primals[0]

        def g(x):
            return f(x) * 2.0
    """)
    with pytest.raises(symdiff.SymdiffError, match="must return a pair"):
        symdiff.grad(module.g)(1.0)
