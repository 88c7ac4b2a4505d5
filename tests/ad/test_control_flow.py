"""symdiff differentiates loops and branches: the control-flow corpus.

Every case of control_flow_corpus.CASES (a function, its inputs, the arguments
to differentiate) goes through the public API:

- ``symdiff.check_grad`` against central differences;
- the gradient equals the hand-written one of control_flow_reference.py, with
  the kind of its argument (a float for a float, an array of the same shape);
- ``value_and_grad``'s value is what calling the function gives;
- the gradient call leaves its inputs alone.

Then the specific promises: the naive (looped) SVM and softmax losses have the
gradients of their vectorized twins; piecewise functions are right in every
branch; the backward of a loop is a loop running in reverse, not an unrolled
copy; and the 1,000-step oscillator is fast and keeps a tape no bigger than it
needs.

The first group of tests needs no compiler: it makes sure the corpus and its
references are right (central differences, inputs in their branches, off the
kinks), so that a failure elsewhere points at symdiff.
"""
import ast
import inspect
import math
import time
import tracemalloc

import numpy as np
import pytest

import control_flow_corpus as corpus
import control_flow_reference as ref
import symdiff
from control_flow_corpus import CASES

WITH_REFERENCE = [case for case in CASES if case.reference is not None]


def cases(selection):
    return pytest.mark.parametrize("case", selection, ids=[c.id for c in selection])


def copy_args(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def assert_args_unchanged(args, copies, what):
    for k, (now, before) in enumerate(zip(args, copies)):
        if isinstance(before, np.ndarray):
            assert isinstance(now, np.ndarray)
            np.testing.assert_array_equal(now, before, err_msg=f"{what} changed argument {k}")
        else:
            assert now == before, f"{what} changed argument {k}"


def positions(case):
    names = list(inspect.signature(case.fn).parameters)
    return [names.index(name) for name in case.wrt]


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


# --- the ground truth (no compiler) --------------------------------------------

@cases(WITH_REFERENCE)
def test_reference_matches_central_differences(case):
    args = case.inputs()
    copies = copy_args(args)
    value, grads = case.reference(*args)
    assert_args_unchanged(args, copies, "the reference")
    np.testing.assert_allclose(value, case.fn(*args), rtol=1e-12, atol=1e-14)
    assert set(case.wrt) <= set(grads), "the reference covers every wrt argument"
    for name, i in zip(case.wrt, positions(case)):
        expected = grads[name]
        assert np.shape(expected) == np.shape(args[i]), name
        np.testing.assert_allclose(expected, central_difference(case.fn, args, i),
                                   rtol=1e-6, atol=1e-8, err_msg=f"d{name}")


@cases(CASES)
def test_corpus_function_returns_a_scalar_and_leaves_its_inputs_alone(case):
    args = case.inputs()
    copies = copy_args(args)
    assert np.ndim(case.fn(*args)) == 0
    assert_args_unchanged(args, copies, case.fn.__name__)
    for name, i in zip(case.wrt, positions(case)):
        assert np.asarray(args[i]).dtype.kind == "f", f"{name} is a float argument"


def test_piecewise_inputs_are_well_inside_their_branches():
    left, middle, right = (corpus.PIECEWISE_BRANCHES[b] for b in ("left", "middle", "right"))
    assert left < -1.0 - 0.5 and -1.0 + 0.5 < middle < 1.0 - 0.5 and right > 1.0 + 0.5


def test_classifier_inputs_are_off_the_hinge_kinks():
    W, X, y, reg = corpus.classifier_inputs(np.random.default_rng(231))
    N = X.shape[0]
    scores = X @ W
    margins = scores - scores[np.arange(N), y][:, None] + 1
    margins[np.arange(N), y] = np.nan
    assert np.nanmin(np.abs(margins)) > 1e-3
    active = np.nansum(margins > 0)
    assert 0 < active < N * (W.shape[1] - 1), "some margins active, some not"


@pytest.mark.parametrize("a", [0.5, 2.0, 9.5])
def test_newton_sqrt_reference_reaches_the_closed_form(a):
    value, grads = ref.newton_sqrt_forward(a)
    closed_value, closed = ref.newton_sqrt_closed_form(a)
    assert value == pytest.approx(closed_value, rel=1e-14)
    assert grads["a"] == pytest.approx(closed["a"], rel=1e-12)


def test_fixed_point_reference_reaches_the_implicit_derivative():
    assert ref.fixed_point_cos_forward(0.8)[1]["a"] == pytest.approx(
        ref.fixed_point_cos_implicit(0.8)[1]["a"], rel=1e-8)


def test_memory_probe_sees_a_tape():
    """The tracemalloc probe below does measure a per-step tape: the hand-written
    adjoint, which stores x and v at every step, grows about linearly."""
    small = peak_traced_bytes(ref.oscillator_backprop, 2.0, 0.3, 1.0, -0.5, 1000)
    large = peak_traced_bytes(ref.oscillator_backprop, 2.0, 0.3, 1.0, -0.5, 4000)
    assert 16 * 1000 <= small < 1_000_000
    assert 3.0 < large / small < 5.0


# --- symdiff on every case ---------------------------------------------------------

@cases(CASES)
def test_check_grad(case):
    symdiff.check_grad(case.fn, *case.inputs(), wrt=case.wrt)


@cases(WITH_REFERENCE)
def test_gradient_matches_reference(case):
    args = case.inputs()
    _, expected = case.reference(*copy_args(args))
    grads = symdiff.grad(case.fn, wrt=case.wrt)(*args)
    assert isinstance(grads, tuple) and len(grads) == len(case.wrt)
    for name, i, grad in zip(case.wrt, positions(case), grads):
        if isinstance(args[i], np.ndarray):
            assert isinstance(grad, np.ndarray), f"d{name} is {type(grad).__name__}"
            assert grad.shape == args[i].shape, f"d{name} has shape {grad.shape}"
        else:
            assert isinstance(grad, float), f"d{name} is {type(grad).__name__}, want float"
        np.testing.assert_allclose(grad, expected[name], rtol=case.rtol, atol=1e-12,
                                   err_msg=f"d{name}")


@cases(CASES)
def test_gradient_leaves_inputs_unchanged(case):
    args = case.inputs()
    copies = copy_args(args)
    symdiff.grad(case.fn, wrt=case.wrt)(*args)
    assert_args_unchanged(args, copies, "grad")
    symdiff.value_and_grad(case.fn, wrt=case.wrt)(*args)
    assert_args_unchanged(args, copies, "value_and_grad")


@cases(CASES)
def test_value_and_grad_value_is_the_function_value(case):
    args = case.inputs()
    value, grads = symdiff.value_and_grad(case.fn, wrt=case.wrt)(*args)
    np.testing.assert_allclose(value, case.fn(*copy_args(args)), rtol=1e-12, atol=1e-14)
    plain = symdiff.grad(case.fn, wrt=case.wrt)(*args)
    for with_value, alone in zip(grads, plain):
        np.testing.assert_allclose(with_value, alone, rtol=1e-12, atol=1e-14)


# --- naive loops and their vectorized twins ---------------------------------------

@pytest.mark.parametrize("naive, vectorized", [
    (corpus.svm_loss_naive, corpus.svm_loss_vectorized),
    (corpus.softmax_loss_naive, corpus.softmax_loss_vectorized),
], ids=["svm", "softmax"])
def test_naive_gradient_equals_vectorized_gradient(naive, vectorized):
    args = corpus.classifier_inputs(np.random.default_rng(231))
    looped = symdiff.grad(naive, wrt=corpus.CLASSIFIER_WRT)(*args)
    vector = symdiff.grad(vectorized, wrt=corpus.CLASSIFIER_WRT)(*args)
    for name, a, b in zip(corpus.CLASSIFIER_WRT, looped, vector):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg=f"d{name}")


def test_naive_svm_dW_is_the_cs231n_gradient():
    args = corpus.classifier_inputs(np.random.default_rng(5))
    _, expected = ref.svm_loss_naive_backprop(*args)
    dW = symdiff.grad(corpus.svm_loss_naive)(*args)   # W is the first argument
    np.testing.assert_allclose(dW, expected["W"], rtol=1e-10, atol=1e-13)


# --- branches ------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [corpus.piecewise, corpus.piecewise_return],
                         ids=["piecewise", "piecewise_return"])
@pytest.mark.parametrize("branch", list(corpus.PIECEWISE_BRANCHES))
def test_piecewise_in_each_branch(fn, branch):
    x = corpus.PIECEWISE_BRANCHES[branch]
    value, expected = ref.piecewise_closed_form(x)
    symdiff.check_grad(fn, x, wrt="x")
    got_value, dx = symdiff.value_and_grad(fn)(x)
    assert isinstance(dx, float)
    assert got_value == pytest.approx(value, rel=1e-12)
    assert dx == pytest.approx(expected["x"], rel=1e-12)


@pytest.mark.parametrize("a", [0.5, 2.0, 9.5])
def test_newton_sqrt_gradient_is_one_over_two_sqrt(a):
    assert symdiff.grad(corpus.newton_sqrt)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-8)


def test_fixed_point_gradient_is_the_implicit_derivative():
    a = 0.8
    expected = ref.fixed_point_cos_implicit(a)[1]["a"]
    assert symdiff.grad(corpus.fixed_point_cos)(a) == pytest.approx(expected, rel=1e-8)


# --- loops stay loops ------------------------------------------------------------------

def reverse_for_loops(source):
    """The `for` loops of ``source`` that run backwards: over reversed(...) or a
    range with a negative step."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.For) or not isinstance(node.iter, ast.Call):
            continue
        func, args = node.iter.func, node.iter.args
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name == "reversed":
            found.append(node)
        elif name == "range" and len(args) == 3:
            step = args[2]
            if isinstance(step, ast.UnaryOp) and isinstance(step.op, ast.USub) \
                    or isinstance(step, ast.Constant) and step.value < 0:
                found.append(node)
    return found


def test_reverse_loop_detector():
    assert reverse_for_loops("for i in reversed(range(n)):\n    pass\n")
    assert reverse_for_loops("for i in range(n - 1, -1, -1):\n    pass\n")
    assert not reverse_for_loops("for i in range(n):\n    pass\n")


def test_naive_svm_backward_is_a_reversed_loop():
    source = symdiff.grad(corpus.svm_loss_naive, wrt="W").source
    assert reverse_for_loops(source), source


OSCILLATOR_ARGS = (2.0, 0.3, 1.0, -0.5)      # k, c, x0, v0
OSCILLATOR_WRT = ("k", "c", "x0", "v0")


def test_oscillator_1000_steps_is_fast_and_not_unrolled():
    start = time.perf_counter()
    g = symdiff.grad(corpus.oscillator, wrt=OSCILLATOR_WRT)
    grads = g(*OSCILLATOR_ARGS, 1000)
    first_call = time.perf_counter() - start
    assert first_call < 5.0, f"compiling and running took {first_call:.2f} s"
    start = time.perf_counter()
    g(*OSCILLATOR_ARGS, 1000)
    assert time.perf_counter() - start < 1.0
    _, expected = ref.oscillator_backprop(*OSCILLATOR_ARGS, 1000)
    for name, grad in zip(OSCILLATOR_WRT, grads):
        assert grad == pytest.approx(expected[name], rel=1e-10), name
    lines = g.source.splitlines()
    assert len(lines) < 200, f"{len(lines)} lines of generated code for a 3-line loop"


def peak_traced_bytes(fn, *args):
    """Peak memory traced during one call of ``fn`` (after a warm-up call), above
    what was allocated before it."""
    fn(*args)                    # compile, fill caches
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - baseline


def test_oscillator_tape_is_small_and_linear():
    """A 1,000-step loop on floats needs x and v per step for its backward (the
    local gradients of a = -k x - c v); a tape of them is tens of kilobytes."""
    g = symdiff.grad(corpus.oscillator, wrt=OSCILLATOR_WRT)
    small = peak_traced_bytes(g, *OSCILLATOR_ARGS, 1000)
    large = peak_traced_bytes(g, *OSCILLATOR_ARGS, 4000)
    assert small < 1_000_000, f"peak {small} bytes for 1,000 steps"
    # roughly linear: four times the steps, not much more than four times the
    # memory (a peak that stays tiny at 4,000 steps passes whatever the ratio)
    assert large < 6.0 * small or large < 50_000, (
        f"peak {small} bytes at 1,000 steps, {large} at 4,000")


def generic_gradient(g):
    """The shape-generic gradient function of ``g.source`` (what the CLI writes)."""
    namespace = {}
    exec(compile(g.source, f"<generic source of {g.fn.__name__}>", "exec"), namespace)
    return namespace[f"grad_{g.fn.__name__}"]


@pytest.mark.parametrize("variant", ["specialized", "generic"])
def test_oscillator_tape_is_no_bigger_than_the_hand_written_adjoints(variant):
    """The hand-written adjoint stores x and v at each step and nothing else; a
    generated gradient that also tapes values its backward never reads (or reads
    only for their shape) needs several times that."""
    g = symdiff.grad(corpus.oscillator, wrt=OSCILLATOR_WRT)
    fn = g if variant == "specialized" else generic_gradient(g)
    hand = peak_traced_bytes(ref.oscillator_backprop, *OSCILLATOR_ARGS, 1000)
    generated = peak_traced_bytes(fn, *OSCILLATOR_ARGS, 1000)
    assert generated < 2.0 * hand, (
        f"{variant} gradient: peak {generated} bytes at 1,000 steps, the hand-written "
        f"adjoint {hand}")
