"""symdiff.custom_vjp: the user's backward pass, its forward part inlined where the function
is called and its backward part written into the backward pass. Checked against central
differences of the function the rules describe (support.py), and, where the rule is not
the true gradient, against the rule itself."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.special

import symdiff
from support import compiled_by_cli, load_module, numerical_jacobian

RNG = np.random.default_rng(17)

#: a model file, read statically by the CLI tests and imported by the others
FILE = """
import numpy as np
import symdiff
from symdiff import custom_vjp


@symdiff.custom_vjp
def log1pexp(x):
    return np.log(1.0 + np.exp(x))


def log1pexp_fwd(x):
    value = np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    return value, (x,)


def log1pexp_bwd(residuals, g):
    x, = residuals
    return (g / (1.0 + np.exp(-x)),)


log1pexp.defvjp(log1pexp_fwd, log1pexp_bwd)


@custom_vjp
def clip_gradient(x):
    return x


def clip_fwd(x):
    return x, ()


def clip_bwd(residuals, g):
    return (np.clip(g, -1.0, 1.0),)


clip_gradient.defvjp(clip_fwd, clip_bwd)


@symdiff.custom_vjp
def scaled_product(x, a):
    return a * x * x


def scaled_product_fwd(x, a):
    square = x * x
    return a * square, (x, a, square)


def scaled_product_bwd(residuals, g):
    x, a, square = residuals
    dx = g
    for _ in range(2):              # a loop in the backward part: 2 a x g
        dx = dx * 1.0
    return 2.0 * a * x * dx, np.sum(square * g)


scaled_product.defvjp(scaled_product_fwd, scaled_product_bwd)


def loss(w, X):
    return np.sum(log1pexp(X @ w)) + np.sum(3.0 * clip_gradient(w))


def in_a_loop(x, n):
    total = 0.0
    for i in range(n):
        total = total + log1pexp(x[i] * total - 1.0)
    return total


def two_arguments(x, a):
    return np.sum(np.sin(scaled_product(x, a))) + scaled_product(a, 2.0)


def no_rule_given(x):
    return lonely(x)


@symdiff.custom_vjp
def lonely(x):
    return x


def forward_mode(x):
    return np.sum(log1pexp(x))
"""

MODEL = load_module(Path(tempfile.mkdtemp()), "vjp_model", FILE)
log1pexp, clip_gradient = MODEL.log1pexp, MODEL.clip_gradient


def true_loss(w, X):          # what the rules say loss is, but for the clipped gradient
    return np.sum(np.logaddexp(0.0, X @ w)) + np.sum(3.0 * w)


def true_two_arguments(x, a):
    return np.sum(np.sin(a * x * x)) + 2.0 * a * a


def true_in_a_loop(x, n):
    total = 0.0
    for i in range(n):
        total = total + np.logaddexp(0.0, x[i] * total - 1.0)
    return total


#: functions symdiff cannot read (compiled ufuncs, no Python source), given a rule
expit = symdiff.custom_vjp(scipy.special.expit)
tanh = symdiff.custom_vjp(np.tanh)


def expit_fwd(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s, s


def expit_bwd(s, g):
    return (g * s * (1.0 - s),)


def tanh_fwd(z):
    t = np.tanh(z)
    return t, (t,)


def tanh_bwd(residuals, g):
    t, = residuals
    return ((1.0 - t * t) * g,)


expit.defvjp(expit_fwd, expit_bwd)
tanh.defvjp(tanh_fwd, tanh_bwd)


def network(W, b, X, y):
    h = X
    for _ in range(3):               # the same functions, called several times in a loop
        h = tanh(h @ W + b)
    p = expit(np.sum(h, axis=1))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def plain_network(W, b, X, y):
    h = X
    for _ in range(3):
        h = np.tanh(h @ W + b)
    p = scipy.special.expit(np.sum(h, axis=1))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def cases():
    w, X = RNG.standard_normal(3), RNG.standard_normal((6, 3))
    W, b = 0.5 * RNG.standard_normal((3, 3)), RNG.standard_normal(3)
    y = (RNG.random(6) > 0.5).astype(float)
    x = RNG.uniform(0.3, 1.2, 4)
    return [(MODEL.loss, true_loss, (w, X), (0, 1)),
            (MODEL.in_a_loop, true_in_a_loop, (x, 4), (0,)),
            (MODEL.two_arguments, true_two_arguments, (x, 0.7), (0, 1)),
            (network, plain_network, (W, b, X, y), (0, 1, 2))]


@pytest.mark.parametrize("k, jit", [(0, False), (1, False), (2, False), (3, False),
                                    (1, True), (3, True)])
def test_value_and_gradients_match_central_differences(k, jit):
    if jit:
        pytest.importorskip("numba")
    f, truth, args, wrt = cases()[k]
    value, grads = symdiff.value_and_grad(f, wrt=wrt, jit=jit)(*args)
    np.testing.assert_allclose(value, truth(*args), rtol=1e-12)
    for got, i in zip(grads, wrt):
        want = numerical_jacobian(truth, args, i)
        if f is MODEL.loss and i == 0:
            want = want - 3.0 + 1.0              # the clipped part: the rule's 1, not 3
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_the_clipped_rule_is_used_not_the_true_gradient():
    x = np.array([-2.0, 0.5, 3.0])

    def f(x):
        return np.sum(4.0 * clip_gradient(x * x))
    dx = symdiff.grad(f)(x)
    np.testing.assert_allclose(dx, 2.0 * x, rtol=1e-15)          # 4 clipped to 1
    assert not np.allclose(dx, 8.0 * x)


def test_a_straight_through_round_gives_the_upstream_gradient(tmp_path):
    module = load_module(tmp_path, "straight", """
        import numpy as np
        import symdiff

        @symdiff.custom_vjp
        def quantize(x):
            return np.round(x * 4.0) / 4.0

        def quantize_fwd(x):
            return np.round(x * 4.0) / 4.0, ()

        def quantize_bwd(residuals, g):
            return (g,)

        quantize.defvjp(quantize_fwd, quantize_bwd)

        def f(x):
            return np.sum(np.sin(quantize(x)))
    """)
    x = np.array([0.1, 0.62, -1.3])
    value, dx = symdiff.value_and_grad(module.f)(x)
    q = np.round(x * 4.0) / 4.0
    np.testing.assert_allclose(value, np.sum(np.sin(q)), rtol=1e-15)
    np.testing.assert_allclose(dx, np.cos(q), rtol=1e-15)


def test_the_stable_forward_rule_is_finite_where_the_plain_formula_overflows():
    x = np.array([-800.0, 0.0, 800.0])

    def f(x):
        return np.sum(log1pexp(x))
    value, dx = symdiff.value_and_grad(f)(x)
    assert np.isclose(value, 800.0 + np.log(2.0))
    np.testing.assert_allclose(dx, [0.0, 0.5, 1.0], atol=1e-300)


def test_the_generated_code_holds_the_rules_lines():
    source = symdiff.grad(MODEL.in_a_loop).source
    forward, backward = source.split("# backward")
    assert "np.maximum(" in forward and "np.maximum(" not in backward  # fwd's, once
    line = FILE.splitlines().index("    return (g / (1.0 + np.exp(-x)),)") + 1
    assert f"{Path(MODEL.__file__).name}:{line}" in backward              # bwd's line


def test_the_refusal_of_an_unknown_function_points_to_custom_vjp(tmp_path):
    module = load_module(tmp_path, "unknown", """
        from scipy.special import zetac

        def f(x):
            return zetac(x)
    """)
    with pytest.raises(symdiff.SymdiffError, match="not a function symdiff can "
                                                   "differentiate") as info:
        symdiff.grad(module.f)(0.3)
    assert "@symdiff.custom_vjp" in str(info.value)


def test_the_cli_honours_the_rule_and_emits_numpy_only_code(tmp_path):
    namespace = compiled_by_cli(tmp_path, FILE, "-f", "two_arguments", "--wrt", "x,a")
    x, a = RNG.uniform(0.3, 1.2, 4), 0.7
    dx, da = namespace["grad_two_arguments"](x, a)
    np.testing.assert_allclose(dx, numerical_jacobian(true_two_arguments, (x, a), 0),
                               rtol=1e-6)
    np.testing.assert_allclose(da, numerical_jacobian(true_two_arguments, (x, a), 1),
                               rtol=1e-6)
    value, _ = namespace["value_and_grad_two_arguments"](x, a)
    np.testing.assert_allclose(value, true_two_arguments(x, a), rtol=1e-12)
    imported = {k for k, v in namespace.items() if type(v) is type(np)}
    assert imported == {"np"}


def test_the_cli_compiles_a_loop_of_calls(tmp_path):
    namespace = compiled_by_cli(tmp_path, FILE, "-f", "in_a_loop", "--wrt", "x")
    x = RNG.uniform(0.3, 1.2, 4)
    np.testing.assert_allclose(namespace["grad_in_a_loop"](x, 4),
                               numerical_jacobian(true_in_a_loop, (x, 4), 0), rtol=1e-6)


@pytest.mark.parametrize("make, extra", [(symdiff.jvp, (np.ones(3),)),
                                         (symdiff.hessian, ()), (symdiff.hvp, (np.ones(3),))],
                         ids=["jvp", "hessian", "hvp"])
def test_forward_mode_and_second_derivatives_are_refused_where_it_is_called(make, extra):
    with pytest.raises(symdiff.SymdiffError, match="`log1pexp`.*custom_vjp") as info:
        make(MODEL.forward_mode)(np.array([0.1, 0.2, 0.3]), *extra)
    assert "test_vjp_model" in str(info.value) and "return np.sum(log1pexp(x))" in \
        str(info.value)


def test_a_reverse_mode_jacobian_and_vjp_work():
    x = np.array([0.1, -0.4, 2.0])

    def f(x):
        return log1pexp(x) * 2.0
    J = symdiff.jacobian(f, mode="reverse")(x)
    np.testing.assert_allclose(J, np.diag(2.0 * scipy.special.expit(x)), rtol=1e-12)
    _, pullback = symdiff.vjp(f, x)
    np.testing.assert_allclose(pullback(np.array([1.0, 2.0, 3.0]))[0],
                               2.0 * scipy.special.expit(x) * [1.0, 2.0, 3.0], rtol=1e-12)


def test_a_custom_function_without_a_rule_is_refused_where_it_is_called():
    with pytest.raises(symdiff.SymdiffError, match="without a rule") as info:
        symdiff.grad(MODEL.no_rule_given)(1.0)
    assert "lonely.defvjp(fwd, bwd)" in str(info.value)


def test_called_from_python_it_is_the_function_itself():
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(MODEL.log1pexp(x), np.log(1.0 + np.exp(x)), rtol=1e-15)
    assert MODEL.log1pexp.__name__ == "log1pexp" and expit(0.0) == 0.5
