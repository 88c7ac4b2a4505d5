"""``jit=True`` coverage: what numba cannot compile as NumPy writes it has a Numba form.

``np.max``, ``np.min`` and ``np.mean`` along an axis (numba's take none), sums over several
axes and ``expand_dims`` of several (numba's take one), with and without ``keepdims``,
compile with no fallback and give the NumPy gradient's numbers, checked against central
differences; so does the Newton example's loss (its mean). The seed examples and the
control-flow corpus are in test_jit.py, with no fallback left either.

What numba is known not to compile (a helper of the generated module, such as np.dot's
beyond matrices, ``np.add.at`` by an index array of two dimensions) is said before any
compile: one warning, the NumPy numbers, and no numba compile paid for.
"""
import os
import warnings

os.environ.setdefault("NUMBA_OPT", "0")        # before numba is first imported

import numpy as np
import pytest

import symdiff
from support import load_example, load_module, numerical_jacobian

pytest.importorskip("numba")

REDUCTIONS = """
import numpy as np


def reductions(x, w):
    s = np.tanh(x * w)
    shift = s - np.max(s, axis=1, keepdims=True)
    p = np.exp(shift) / np.sum(np.exp(shift), axis=-1, keepdims=True)
    low = np.min(s * s, axis=0)
    mid = np.mean(np.sin(x), axis=(0, 2), keepdims=True)
    top = np.max(x, axis=(1, 2))
    total = np.sum(x * x, axis=(0, -1))
    return np.sum(p[:, 0] ** 2) + np.sum(low) + np.sum(mid * x) + np.sum(top ** 2) \\
        + np.sum(total * total) + np.mean(np.mean(s, axis=0))
"""

PREDICTED = """
import numpy as np


def gathers(x, idx):
    y = x[idx]
    return np.sum(y * y)


def dotted(A, B):
    return np.sum(np.tanh(np.dot(A, B)))
"""


def _compiled_without_fallback(fn, args, wrt):
    jitted = symdiff.value_and_grad(fn, wrt=wrt, jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, grads = jitted(*args)
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert "@jit_or_numpy" in jitted.source_for(*args)
    return value, grads


def _agree(fn, args, wrt, value, grads):
    want_value, want_grads = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, want_value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-10, atol=1e-12)
    for i, got, want in zip(wrt, grads, want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got, numerical_jacobian(fn, list(args), i),
                                   rtol=1e-6, atol=1e-8)


def test_reductions_along_axes_compile_with_no_fallback(tmp_path):
    fn = load_module(tmp_path, "reductions", REDUCTIONS).reductions
    rng = np.random.default_rng(15)
    args = (rng.standard_normal((3, 4, 2)), 0.8)
    value, grads = _compiled_without_fallback(fn, args, (0, 1))
    _agree(fn, args, (0, 1), value, grads)


def test_the_newton_example_compiles_with_no_fallback():
    example = load_example("newton_logistic")
    X, y = example.make_data(n=20, seed=3)
    theta = np.random.default_rng(4).standard_normal(4) * 0.3
    args = (theta, X, y, 0.01)
    value, grads = _compiled_without_fallback(example.logistic_loss, args, (0,))
    _agree(example.logistic_loss, args, (0,), value, grads)


@pytest.mark.parametrize("name, args, said", [
    ("gathers", lambda rng: (rng.standard_normal(5), np.array([[0, 1], [1, 3]])), "np.add.at"),
    ("dotted", lambda rng: (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 2))),
     "dot_vjp_left")])
def test_what_numba_cannot_compile_is_said_before_compiling(tmp_path, name, args, said):
    fn = getattr(load_module(tmp_path, "predicted", PREDICTED), name)
    args = args(np.random.default_rng(7))
    jitted = symdiff.value_and_grad(fn, wrt=(0,), jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, grads = jitted(*args)
        again = jitted(*args)
    messages = [str(w.message) for w in caught if "numba cannot compile" in str(w.message)]
    assert len(messages) == 1 and said in messages[0]
    assert "@jit_or_numpy" not in jitted.source_for(*args)      # no compile attempted
    _agree(fn, args, (0,), value, grads)
    np.testing.assert_allclose(again[1][0], grads[0], rtol=0, atol=0)


SCALAR_LOOP = """
import numpy as np


def decay(k, x0, steps):
    x = x0
    for i in range(steps):
        x = x - 0.1 * k * x * x
    return x * x
"""


def test_scalar_tapes_are_float_arrays_under_numba_and_lists_in_python(tmp_path):
    """A loop's scalar tapes are ``float_tape(n)``: a list of floats in Python (the NumPy
    fallback runs that), a float64 array in the code numba compiles."""
    import numba
    fn = load_module(tmp_path, "scalar_loop", SCALAR_LOOP).decay
    args = (0.7, 0.9, 20)
    value, grads = _compiled_without_fallback(fn, args, (0, 1))
    _agree(fn, args, (0, 1), value, grads)
    source = symdiff.value_and_grad(fn, wrt=(0, 1), jit=True).source_for(*args)
    assert "float_tape(steps)" in source
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    tape = namespace["float_tape"]
    assert tape(3) == [0.0, 0.0, 0.0]
    compiled = numba.njit(lambda n: tape(n))(3)
    assert isinstance(compiled, np.ndarray) and compiled.dtype == np.float64
    assert compiled.shape == (3,)
