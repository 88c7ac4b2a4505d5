"""``jit_or_numpy``: every failure of numba while it *compiles* falls back to NumPy with one
warning; an error of the compiled code while it *runs* is the user's and propagates.

numba raises its own errors (``NumbaError``) for code it cannot type, and sometimes an
internal error of another class while lowering (an ``AssertionError: 'dx_2_1' not unique``
where a name bound twice, ``dx``, meets ``dx_2`` in one array expression; symdiff's own
gradients rename such names, ``jit.numba_renaming``). Both must give the NumPy numbers,
and the warning quotes the function's line numba could not compile, not one of numba's own.
"""
import os
import warnings

os.environ.setdefault("NUMBA_OPT", "0")        # before numba is first imported

import numpy as np
import pytest

numba = pytest.importorskip("numba")


def _fallback_warnings(caught):
    return [w for w in caught if "numba cannot compile" in str(w.message)]


def clashing(x, flag):
    """numba's versions of ``dx`` (``dx.2``) and ``dx_2`` clash in ``dx + dx_2``."""
    if flag:
        dx = x
    else:
        dx = np.zeros(x.shape)
    dx_2 = x * 3.0
    return dx + dx_2


def test_internal_numba_error_falls_back_with_one_warning():
    run = _helper_namespace()(clashing)
    x = np.array([0.5, -1.2, 0.8])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = run(x, True)
        again = run(x, False)
    found = _fallback_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in caught]
    assert "not unique" in str(found[0].message) and "\x1b" not in str(found[0].message)
    np.testing.assert_array_equal(first, clashing(x, True))
    np.testing.assert_array_equal(again, clashing(x, False))


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


def strided(x):
    return np.sum(np.reshape(x[::2], (2, 1)))


def test_the_warning_names_the_line_of_the_function_not_one_of_numba():
    """numba's error for a strided reshape quotes its own np.reshape; the warning quotes
    the function's line."""
    run = _helper_namespace()(strided)
    x = np.arange(4.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run(x) == strided(x)
    found = _fallback_warnings(caught)
    assert len(found) == 1 and "np.reshape(x[::2], (2, 1))" in str(found[0].message), \
        [str(w.message) for w in caught]


def test_what_runs_now_is_numbas_dispatcher_or_the_function_after_a_fallback():
    """``run.current`` holds what a call runs: the cheap path of a gradient calls it."""
    jit_or_numpy = _helper_namespace()

    def plain(x):
        return np.sum(x * x)
    compiled, fallen = jit_or_numpy(plain), jit_or_numpy(clashing)
    assert compiled(np.ones(3)) == 3.0
    assert isinstance(compiled.current[0], numba.core.registry.CPUDispatcher)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fallen(np.ones(3), True)
    assert fallen.current[0] is clashing


def damped(k, x0, steps):
    x = x0
    for _ in range(steps):
        x = x - 0.1 * k * x * x
    return x


def test_a_jitted_gradient_called_again_takes_the_cheap_path_and_agrees():
    import symdiff
    from tests.support import numerical_jacobian
    g = symdiff.value_and_grad(damped, wrt=(0, 1), jit=True)
    for k in (0.3, 0.3, 0.7):
        args = (k, 0.9, 20)
        value, (dk, dx0) = g(*args)
        assert value == pytest.approx(damped(*args), rel=1e-12)
        assert dk == pytest.approx(numerical_jacobian(damped, args, 0), rel=1e-6)
        assert dx0 == pytest.approx(numerical_jacobian(damped, args, 1), rel=1e-6)
    call = next(iter(g._fast.entries.values()))[0]
    assert isinstance(call[0], numba.core.registry.CPUDispatcher)
