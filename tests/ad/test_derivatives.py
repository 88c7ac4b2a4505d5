"""Forward mode and Jacobians: ``symdiff.jvp`` and ``symdiff.jacobian`` against numbers.

- ``jvp`` on every function of the control-flow corpus and every seed example: the value
  is f's, the directional derivative matches central differences of f along the tangent
  and equals grad . tangent; it is linear in the tangent and leaves its inputs alone.
- ``jacobian`` on the array-output functions of vector_functions.py, in both modes:
  central differences, shape ``out.shape + x.shape`` (2-D and scalar inputs too), forward
  == reverse, and the mode chosen by the shapes.
- ``jit=True`` gives the numbers of NumPy; bad input is a SymdiffError that says what to
  do, raised before any generated code runs.

Hessians and Hessian-vector products are in test_second_derivatives.py.
"""
import functools
import warnings

import numpy as np
import pytest

import control_flow_corpus as corpus
import symdiff
import vector_functions as vf
from control_flow_corpus import CASES
from seed_cases import SEED_CASES
from support import copy_args, directional_difference, numerical_jacobian, random_like
from vector_functions import VECTOR_CASES

ALL_CASES = CASES + SEED_CASES
ALL_IDS = [f"corpus:{c.id}" for c in CASES] + [f"seed:{c.id}" for c in SEED_CASES]

#: central differences (h = 1e-6) against exact derivatives
NUMERICAL = dict(rtol=1e-6, atol=1e-8)
#: two exact computations of the same number: rounding apart
EXACT = dict(rtol=1e-10, atol=1e-12)


def all_cases(fn):
    return pytest.mark.parametrize("case", ALL_CASES, ids=ALL_IDS)(fn)


def vector_cases(fn):
    return pytest.mark.parametrize("case", VECTOR_CASES, ids=[c.id for c in VECTOR_CASES])(fn)


def positions(fn, wrt) -> list[int]:
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    return list(symdiff.api.resolve_wrt(wrt, symdiff.grad(fn).parameters)[0])


def tangents(case, args, seed=1) -> list:
    rng = np.random.default_rng(seed)
    return [random_like(rng, args[i]) for i in positions(case.fn, case.wrt)]


# compiled once per case, shared by the tests below (each specializes on first call)
@functools.cache
def jvp_of(case):
    return symdiff.jvp(case.fn, wrt=case.wrt)


@functools.cache
def grad_of(case):
    return symdiff.grad(case.fn, wrt=case.wrt)


@functools.cache
def jacobian_of(case, mode):
    return symdiff.jacobian(case.fn, wrt=case.wrt, mode=mode)


def scale_of(*values) -> float:
    return max([1.0] + [float(np.max(np.abs(v))) for v in values])


# --- the inputs are off the kinks -------------------------------------------------------

def test_seed_inputs_are_off_the_kinks():
    """Central differences are the ground truth: no ReLU, hinge or SVM margin near 0."""
    cases = {c.id: c for c in SEED_CASES}
    W1, b1, _, _, X, _, _ = cases["mlp"].inputs()
    assert np.min(np.abs(X @ W1 + b1)) > 1e-3
    for name in ("svm_loss", "softmax_loss"):
        W, X, y, _ = cases[name].inputs()
        scores = X @ W
        margins = scores - scores[np.arange(len(y)), y][:, None] + 1
        margins[np.arange(len(y)), y] = np.nan
        assert np.nanmin(np.abs(margins)) > 1e-3
    for name, margin in (("hinge[inside_margin]", 0.5), ("hinge[misclassified]", -2.0)):
        w, phi, y = cases[name].inputs()
        assert np.dot(w, phi) * y == pytest.approx(margin)


# --- jvp on the corpus and the seeds ---------------------------------------------------

@all_cases
def test_jvp_matches_central_differences(case):
    args = case.inputs()
    vs = tangents(case, args)
    value, slope = jvp_of(case)(*args, *vs)
    np.testing.assert_allclose(value, case.fn(*args), rtol=1e-12, atol=1e-14)
    assert isinstance(slope, float), f"the slope of a scalar is {type(slope).__name__}"
    expected = directional_difference(case.fn, args, positions(case.fn, case.wrt), vs)
    np.testing.assert_allclose(slope, expected, rtol=NUMERICAL["rtol"],
                               atol=NUMERICAL["atol"] * scale_of(expected))


@all_cases
def test_jvp_equals_gradient_dot_tangent(case):
    args = case.inputs()
    vs = tangents(case, args, seed=2)
    _, slope = jvp_of(case)(*args, *vs)
    grads = grad_of(case)(*args)
    expected = sum(float(np.sum(g * v)) for g, v in zip(grads, vs))
    np.testing.assert_allclose(slope, expected, **EXACT)


@all_cases
def test_jvp_is_linear_in_the_tangent(case):
    """One argument at a time adds up to all at once; twice the tangent, twice the slope."""
    args = case.inputs()
    vs = tangents(case, args, seed=3)
    jvp = jvp_of(case)
    _, together = jvp(*args, *vs)
    apart = 0.0
    for k in range(len(vs)):
        only_k = [v if j == k else v * 0.0 for j, v in enumerate(vs)]
        apart += jvp(*args, *only_k)[1]
    np.testing.assert_allclose(apart, together, **EXACT)
    np.testing.assert_allclose(jvp(*args, *[2.0 * v for v in vs])[1], 2.0 * together, **EXACT)


@all_cases
def test_jvp_leaves_arguments_and_tangents_alone(case):
    args = case.inputs()
    vs = tangents(case, args)
    before_args, before_vs = copy_args(args), copy_args(vs)
    jvp_of(case)(*args, *vs)
    for now, before in zip(list(args) + list(vs), list(before_args) + list(before_vs)):
        np.testing.assert_array_equal(now, before)


def test_jvp_defaults_may_be_left_out_tangents_come_last():
    k, c, x0, v0 = corpus.oscillator_inputs(None)
    jvp = symdiff.jvp(corpus.oscillator, wrt=("k", "x0"))
    short = jvp(k, c, x0, v0, 0.3, -1.2)
    full = jvp(k, c, x0, v0, 1000, 0.01, 0.3, -1.2)
    assert short == full
    np.testing.assert_allclose(short[1], directional_difference(
        corpus.oscillator, (k, c, x0, v0), [0, 2], [0.3, -1.2]), **NUMERICAL)


def test_jvp_along_a_default_argument():
    """The tangent of dt comes after f's arguments, dt itself filled in by its default."""
    value, slope = symdiff.jvp(corpus.oscillator, wrt="dt")(2.0, 0.3, 1.0, -0.5, 1.0)
    assert value == corpus.oscillator(2.0, 0.3, 1.0, -0.5)
    expected = directional_difference(corpus.oscillator, (2.0, 0.3, 1.0, -0.5, 1000, 0.01),
                                      [5], [1.0])
    np.testing.assert_allclose(slope, expected, **NUMERICAL)


@vector_cases
def test_jvp_of_an_array_output_is_shaped_like_it(case):
    args = case.inputs()
    vs = tangents(case, args)
    value, slope = jvp_of(case)(*args, *vs)
    np.testing.assert_allclose(value, case.fn(*args), rtol=1e-12, atol=1e-14)
    assert isinstance(slope, np.ndarray) and slope.shape == np.shape(value)
    expected = directional_difference(case.fn, args, positions(case.fn, case.wrt), vs)
    np.testing.assert_allclose(slope, expected, **NUMERICAL)


# --- jacobian ------------------------------------------------------------------------------

@vector_cases
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_matches_central_differences(case, mode):
    args = case.inputs()
    got = jacobian_of(case, mode)(*args)
    several = isinstance(case.wrt, tuple)
    assert isinstance(got, tuple) == several
    out_shape = np.shape(case.fn(*args))
    for J, i in zip(got if several else (got,), positions(case.fn, case.wrt)):
        assert isinstance(J, np.ndarray), type(J).__name__
        assert J.shape == out_shape + np.shape(args[i]), (J.shape, out_shape, np.shape(args[i]))
        np.testing.assert_allclose(J, numerical_jacobian(case.fn, args, i), **NUMERICAL)


@vector_cases
def test_jacobian_forward_equals_reverse(case):
    args = case.inputs()
    forward = jacobian_of(case, "forward")(*args)
    reverse = jacobian_of(case, "reverse")(*args)
    several = isinstance(case.wrt, tuple)
    for a, b in zip(forward if several else (forward,), reverse if several else (reverse,)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@vector_cases
def test_jacobian_chooses_the_mode_with_fewer_passes(case):
    """Forward: one pass per input element; reverse: one per output element."""
    args = case.inputs()
    J = symdiff.jacobian(case.fn, wrt=case.wrt)
    assert J.mode_for(*args) == case.mode
    n_in = sum(np.size(args[i]) for i in positions(case.fn, case.wrt))
    assert (case.mode == "forward") == (n_in <= np.size(case.fn(*args)))
    result = J(*args)
    # only the chosen mode was compiled and run
    assert bool(J.forward._compiled) == (case.mode == "forward")
    assert bool(J.reverse._compiled) == (case.mode == "reverse")
    expected = jacobian_of(case, case.mode)(*args)
    several = isinstance(case.wrt, tuple)
    for a, b in zip(result if several else (result,), expected if several else (expected,)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_given_mode_overrides_the_choice(mode):
    for case in VECTOR_CASES:
        assert symdiff.jacobian(case.fn, wrt=case.wrt, mode=mode).mode_for(*case.inputs()) == mode


SCALAR_OUTPUT = [corpus.CASES_BY_ID[k] for k in
                 ("row_norms", "iir_filter", "piecewise[middle]", "unrolled_descent")]


@pytest.mark.parametrize("case", SCALAR_OUTPUT, ids=[c.id for c in SCALAR_OUTPUT])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_scalar_function_is_its_gradient(case, mode):
    args = case.inputs()
    J = jacobian_of(case, mode)(*args)
    for j, g, i in zip(J, grad_of(case)(*args), positions(case.fn, case.wrt)):
        assert type(j) is type(g) and np.shape(j) == np.shape(args[i])
        np.testing.assert_allclose(j, g, **EXACT)


def test_jacobian_of_scalar_to_scalar_is_a_float():
    for mode in ("forward", "reverse"):
        d = symdiff.jacobian(corpus.piecewise, mode=mode)(0.4)
        assert isinstance(d, float)
        assert d == pytest.approx(symdiff.grad(corpus.piecewise)(0.4), rel=1e-12)


# --- jit ---------------------------------------------------------------------------------

JIT_CASES = [corpus.CASES_BY_ID[k] for k in
             ("piecewise[middle]", "oscillator", "sum_until_threshold[breaks]", "horner")]


@pytest.mark.parametrize("case", JIT_CASES, ids=[c.id for c in JIT_CASES])
def test_jit_jvp_and_hvp_give_the_numpy_numbers(case):
    """Numba compiles these (no fallback warning) and agrees with NumPy."""
    args = case.inputs()
    vs = tangents(case, args)
    for make in (symdiff.jvp, symdiff.hvp):
        plain = make(case.fn, wrt=case.wrt)(*args, *vs)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            jitted = make(case.fn, wrt=case.wrt, jit=True)(*args, *vs)
        assert len(plain) == len(jitted)
        for p, j in zip(plain, jitted):
            assert np.shape(p) == np.shape(j)
            assert isinstance(j, float) == isinstance(p, float)    # np.float64 is a float
            np.testing.assert_allclose(j, p, rtol=1e-12, atol=1e-14)


def test_jit_hvp_of_a_row_max_compiles():
    """np.max(X, axis=1) has a Numba form: no fallback warning, and NumPy's numbers."""
    X = np.random.default_rng(4).standard_normal((3, 4))
    v = np.ones((3, 4))
    h = symdiff.hvp(vf.row_max_energy, jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first, second = h(X, v), h(X, 2 * v)
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    messages = [str(w.message) for w in caught]
    assert runtime == [], messages
    want = symdiff.hvp(vf.row_max_energy)(X, v)
    np.testing.assert_allclose(first, want, rtol=1e-13)
    np.testing.assert_allclose(second, 2 * want, rtol=1e-13)


# --- bad input -----------------------------------------------------------------------------

def raises_symdiff_error(call, *match):
    """The SymdiffError ``call()`` raises, with every ``match`` in its message and a hint;
    raised by symdiff itself, not from inside generated code."""
    with pytest.raises(symdiff.SymdiffError) as info:
        call()
    message = str(info.value)
    for text in match:
        assert text in message, message
    assert info.value.hint, message
    generated = [e for e in info.traceback if str(e.path).startswith("<symdiff")]
    assert not generated, f"raised from generated code: {generated}"
    return info.value


X3 = np.array([0.3, -0.2, 0.5])


@pytest.mark.parametrize("tangent, shape", [
    (np.ones(4), "(4,)"), (1.0, "()"), (np.ones((3, 1)), "(3, 1)"), ([1.0, 2.0], "(2,)"),
], ids=["too long", "scalar for array", "extra axis", "short list"])
def test_jvp_tangent_of_the_wrong_shape(tangent, shape):
    raises_symdiff_error(lambda: symdiff.jvp(vf.elementwise)(X3, tangent),
                         "tangent for `x`", shape, "(3,)")


def test_jvp_array_tangent_for_a_float_argument():
    raises_symdiff_error(lambda: symdiff.jvp(vf.scaled, wrt="t")(0.5, X3, np.ones(3)),
                         "tangent for `t`", "(3,)", "()")


def test_hvp_vector_of_the_wrong_shape():
    X = np.ones((3, 2))
    raises_symdiff_error(lambda: symdiff.hvp(corpus.row_norms)(X, np.ones(6)),
                         "`X`", "(6,)", "(3, 2)")
    raises_symdiff_error(lambda: symdiff.hvp(corpus.row_norms)(X, np.ones((2, 3))),
                         "`X`", "(2, 3)", "(3, 2)")


@pytest.mark.parametrize("mode", ["fwd", "Forward", "backward", 1, True])
def test_jacobian_bad_mode(mode):
    raises_symdiff_error(lambda: symdiff.jacobian(vf.elementwise, mode=mode),
                         "'forward'", "'reverse'", repr(mode))


def classifier_args():
    return corpus.classifier_inputs(np.random.default_rng(0))      # y holds int labels


@pytest.mark.parametrize("call", [
    lambda W, X, y, reg: symdiff.jvp(corpus.svm_loss_vectorized, wrt="y")(
        W, X, y, reg, np.ones(y.shape)),
    lambda W, X, y, reg: symdiff.jacobian(corpus.svm_loss_vectorized, wrt="y")(W, X, y, reg),
    lambda W, X, y, reg: symdiff.jacobian(corpus.svm_loss_vectorized, wrt=("W", "y"),
                                          mode="reverse")(W, X, y, reg),
    lambda W, X, y, reg: symdiff.hessian(corpus.svm_loss_vectorized, wrt="y")(W, X, y, reg),
    lambda W, X, y, reg: symdiff.hvp(corpus.svm_loss_vectorized, wrt=("W", "y"))(
        W, X, y, reg, W, np.ones(y.shape)),
], ids=["jvp", "jacobian", "jacobian reverse", "hessian", "hvp"])
def test_wrt_an_integer_argument(call):
    raises_symdiff_error(lambda: call(*classifier_args()), "with respect to `y`", "integers")


def test_wrt_an_int_or_bool_scalar():
    raises_symdiff_error(lambda: symdiff.jvp(vf.scaled, wrt="t")(2, X3, 1.0), "`t`", "integers")
    raises_symdiff_error(lambda: symdiff.jacobian(vf.scaled, wrt="t", mode="forward")(2, X3),
                         "`t`", "integers")
    raises_symdiff_error(lambda: symdiff.jacobian(vf.scaled, wrt="t")(True, X3),
                         "`t`", "boolean")


def test_jvp_with_too_many_arguments_says_how_to_call_it():
    raises_symdiff_error(lambda: symdiff.jvp(vf.elementwise)(X3, X3, X3),
                         "jvp_elementwise()", "jvp_elementwise(x, x_dot)")


@pytest.mark.parametrize("make", [symdiff.hessian, symdiff.hvp], ids=["hessian", "hvp"])
def test_second_derivatives_need_a_scalar_output(make):
    args = (X3, X3) if make is symdiff.hvp else (X3,)
    raises_symdiff_error(lambda: make(vf.elementwise)(*args), "scalar")


@pytest.mark.parametrize("bad", ["abc", None, 1j, True], ids=["str", "None", "complex", "bool"])
def test_a_tangent_that_is_not_a_real_number(bad):
    raises_symdiff_error(lambda: symdiff.jvp(vf.scaled, wrt="t")(0.5, X3, bad),
                         "tangent for `t`", "real numbers")
    raises_symdiff_error(lambda: symdiff.hvp(corpus.row_norms)(np.ones((3, 2)), bad), "`X`")


def test_hessian_of_a_string_argument():
    raises_symdiff_error(lambda: symdiff.hessian(vf.scaled, wrt="t")("a", X3),
                         "`t`", "not a number")


def test_a_missing_tangent_is_named():
    error = raises_symdiff_error(lambda: symdiff.jvp(vf.scaled, wrt=("t", "x"))(0.5, X3, 1.0),
                                 "followed by t_dot, x_dot", "got 3 values")
    assert "missing 1 argument: x" not in str(error)


def test_an_output_only_known_at_run_time_to_be_an_array(tmp_path):
    module_text = """
import numpy as np

def vec_early(x):
    for i in range(x.shape[0]):
        if x[i] > 1.0:
            return x * x[i]
    return x * 2.0
"""
    from support import load_module
    module = load_module(tmp_path, "vec_early_model", module_text)
    x = np.array([0.2, 1.5, 0.3])
    for call in (lambda: symdiff.grad(module.vec_early)(x),
                 lambda: symdiff.hvp(module.vec_early)(x, x)):
        raises_symdiff_error(call, "vec_early returned an array", "jacobian")
