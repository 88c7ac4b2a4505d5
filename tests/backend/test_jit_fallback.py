"""``jit_or_numpy``: every failure of numba while it *compiles* falls back to NumPy with one
warning; an error of the compiled code while it *runs* is the user's and propagates.

numba raises its own errors (``NumbaError``) for code it cannot type, and sometimes an
internal error of another class while lowering (an ``AssertionError: 'dx_2_1' not unique``
for the gradient of ``aliasing_corpus.scaled``). Both must give the NumPy numbers.
"""
import os
import warnings

os.environ.setdefault("NUMBA_OPT", "0")        # before numba is first imported

import numpy as np
import pytest

import symdiff
from aliasing_corpus import CASES
from support import numerical_jacobian

numba = pytest.importorskip("numba")

BY_NAME = {case.id: case for case in CASES}

#: programs whose gradient numba fails to compile with an internal (non-Numba) error
INTERNAL = ["scaled"]


def _fallback_warnings(caught):
    return [w for w in caught if "numba cannot compile" in str(w.message)]


@pytest.mark.parametrize("name", INTERNAL)
def test_internal_numba_error_falls_back_with_one_warning(name):
    case = BY_NAME[name]
    g = symdiff.value_and_grad(case.fn, jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, grad = g(*case.inputs())
        again = g(*case.inputs())
    found = _fallback_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in caught]
    assert "\x1b" not in str(found[0].message)
    args = case.inputs()
    assert value == pytest.approx(case.fn(*case.inputs()), rel=1e-12)
    assert np.allclose(grad, numerical_jacobian(lambda x: case.fn(np.copy(x)), list(args), 0),
                       rtol=1e-6, atol=1e-8)
    plain = symdiff.value_and_grad(case.fn)(*case.inputs())
    assert again[0] == plain[0] and np.allclose(again[1], plain[1], rtol=1e-12, atol=0)


def _helper_namespace():
    from symdiff.backend.codegen_nodes import HELPERS
    space = {"numba": numba, "np": np}
    exec(HELPERS["jit_or_numpy"], space)
    return space["jit_or_numpy"]


def test_error_of_the_compiled_code_while_running_propagates():
    jit_or_numpy = _helper_namespace()

    def checked(x):
        if x[0] > 0.0:
            raise ValueError("first element must not be positive")
        return np.sum(x * x)

    run = jit_or_numpy(checked)
    assert run(-np.ones(3)) == 3.0             # compiles with numba
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="must not be positive"):
            run(np.ones(3))
    assert not _fallback_warnings(caught)
    assert run(-2.0 * np.ones(2)) == 8.0       # still the compiled function


def test_numba_typing_error_falls_back_with_one_warning():
    jit_or_numpy = _helper_namespace()

    def untyped(x):
        return np.sum(np.max(x, axis=1, keepdims=True)) + len({"a": 1, 2: "b"})

    run = jit_or_numpy(untyped)
    x = np.arange(6.0).reshape(2, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run(x) == untyped(x)
        assert run(x + 1.0) == untyped(x + 1.0)
    assert len(_fallback_warnings(caught)) == 1
