"""Numba: ``jit=True`` gives the numbers of the NumPy gradient, compiled where numba can.

Every function of the control-flow corpus and every seed example runs through
``symdiff.value_and_grad`` with and without ``jit=True``; value and gradients must agree
to rounding. Scalar and loop code is written so that numba compiles it (no fallback
warning), and so is the vectorized code of the seeds (softmax, the MLP: ``np.max``
along an axis is the end of ``np.sort``'s rows); a function listed in ``FALLBACKS``
would run as NumPy after exactly one warning that names the line.

Numba compiles are slow (seconds each, over ten for a gradient with matrix products), so
the cases of one function share one ``Gradient`` (cases with the same argument shapes
share one compiled function), and numba compiles without LLVM's optimizations
(``NUMBA_OPT=0``, unless set): half the compile time, and the same numbers, since no
fast-math is involved.
"""
import os
import warnings

os.environ.setdefault("NUMBA_OPT", "0")        # before numba is first imported

import numpy as np
import pytest

import symdiff
from conftest import HINGE_MARGINS
from control_flow_corpus import CASES

#: function -> the line numba cannot compile; every other function must compile (none
#: is left: np.max, np.min and np.mean along an axis have Numba forms)
FALLBACKS: dict[str, str] = {}


def _by_function(cases):
    groups: dict = {}
    for case in cases:
        groups.setdefault((case.fn, tuple(case.wrt)), []).append(case)
    return groups


GROUPS = _by_function(CASES)


def assert_same_numbers(jitted, plain, args):
    value, grads = jitted(*args)
    want_value, want_grads = plain(*args)
    np.testing.assert_allclose(value, want_value, rtol=1e-10, atol=1e-12)
    for got, want in zip(grads, want_grads):
        assert type(got) is type(want)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def run_both(fn, wrt, inputs):
    """Value and gradients with and without jit on every argument tuple; the warnings."""
    jitted = symdiff.value_and_grad(fn, wrt=wrt, jit=True)
    plain = symdiff.value_and_grad(fn, wrt=wrt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in inputs:
            assert_same_numbers(jitted, plain, args)
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


def assert_compiled_or_named(name, messages):
    if name in FALLBACKS:
        assert len(messages) == 1, messages
        assert FALLBACKS[name] in messages[0] and "numba" in messages[0]
    else:
        assert messages == [], messages


@pytest.mark.parametrize("group", list(GROUPS), ids=[fn.__name__ for fn, _ in GROUPS])
def test_corpus_with_and_without_jit(group):
    fn, wrt = group
    inputs = [case.inputs() for case in GROUPS[group]]
    assert_compiled_or_named(fn.__name__, run_both(fn, wrt, inputs))


def hinge_inputs(case):
    """(w, phi, y) with (w . phi) y set by the case, as conftest's hinge_args."""
    rng = np.random.default_rng(5)
    w, phi = rng.standard_normal(5), rng.standard_normal(5)
    y = 1.0 if case != "misclassified" else -1.0
    return w * (HINGE_MARGINS[case] * y / np.dot(w, phi)), phi, y


SEEDS = [("circuit", "f", ("x", "y", "z"), None),
         ("sigmoid_neuron", "neuron", ("w", "x"), None),
         ("svm_loss", "svm_loss", ("W", "X", "reg"), "classifier_args"),
         ("softmax_loss", "softmax_loss", ("W", "X", "reg"), "classifier_args"),
         ("hinge", "hinge", ("w", "phi", "y"), None),
         ("l2_regression", "l2_loss", ("W", "b", "X", "t"), "l2_args"),
         ("mlp", "mlp_loss", ("W1", "b1", "W2", "b2", "reg"), "mlp_args")]
FIXED = {"circuit": [(-2.0, 5.0, -4.0)],
         "sigmoid_neuron": [(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))],
         "hinge": [hinge_inputs(case) for case in HINGE_MARGINS]}


@pytest.mark.parametrize("module, name, wrt, fixture", SEEDS, ids=[s[0] for s in SEEDS])
def test_seed_examples_with_and_without_jit(request, load_example, module, name, wrt, fixture):
    fn = getattr(load_example(module), name)
    inputs = [request.getfixturevalue(fixture)] if fixture else FIXED[module]
    assert_compiled_or_named(name, run_both(fn, wrt, inputs))
