"""NumPy's memory model: writes through views, aliases and helpers' arguments.

Every program of aliasing_corpus.CASES changes an array through a second name. For each:

- ``value_and_grad``'s value is what the original Python function computes (run on a copy
  of the arguments, since it may write into them);
- the gradient matches central differences of that original function (each evaluation
  on fresh copies);
- the shape-generic source (what ``symdiff compile`` writes) gives the same numbers;
- the caller's arrays are unchanged after the gradient call;
- no returned gradient shares memory with an input or with another gradient.

The programs of ``REFUSED`` share memory in ways that cannot be known before running them;
each is refused with a located error that names the two names (or the call).
"""
import numpy as np
import pytest

import aliasing_corpus as corpus
import symdiff
from aliasing_corpus import CASES, REFUSED
from support import numerical_jacobian, run_generic_source


def copying(fn):
    """``fn`` run on copies of its arguments: the function as computed, inputs untouched."""
    def run(*args):
        return fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    return run


def fresh(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_value_and_gradient_are_numpys(case):
    args = case.inputs()
    kept = fresh(args)
    value, grad = symdiff.value_and_grad(case.fn)(*args)
    for a, k in zip(args, kept):
        np.testing.assert_array_equal(a, k, err_msg="the gradient call changed an input")
    expected = case.fn(*fresh(args))
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    numeric = numerical_jacobian(copying(case.fn), fresh(args), 0)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)
    assert np.shape(grad) == np.shape(args[0])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_generic_source_agrees_and_leaves_inputs(case):
    args = case.inputs()
    kept = fresh(args)
    g = symdiff.grad(case.fn)
    specialized = g(*args)
    generic = run_generic_source(g, args)
    for a, k in zip(args, kept):
        np.testing.assert_array_equal(a, k, err_msg="the generic gradient changed an input")
    np.testing.assert_allclose(generic, specialized, rtol=1e-12, atol=1e-12)


def fresh_program(tmp_path, text):
    from support import load_module
    return load_module(tmp_path, "owned", text)


def test_gradient_of_a_dot_product_is_not_the_callers_array(tmp_path):
    m = fresh_program(tmp_path, """
        import numpy as np
        def f(x, w):
            return np.dot(x, w)
        def g(x, w):
            return np.sum(x * w)
        def h(X, W):
            return np.sum(X @ W)
        def both(x, y):
            return np.sum(x) + np.sum(y)
    """)
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.1, 0.2])
    dw = symdiff.grad(m.f, wrt=1)(x, w)
    assert not np.shares_memory(dw, x)
    dw *= 0.1
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    dx, dw = symdiff.grad(m.g, wrt=(0, 1))(x, w)
    assert not np.shares_memory(dx, w) and not np.shares_memory(dw, x)
    X, W = np.ones((2, 3)), np.ones((3, 4))
    dX, dW = symdiff.grad(m.h, wrt=(0, 1))(X, W)
    for grad in (dX, dW):
        assert not np.shares_memory(grad, X) and not np.shares_memory(grad, W)
    dx, dy = symdiff.grad(m.both, wrt=(0, 1))(x, w)
    assert not np.shares_memory(dx, dy)


def test_generated_module_returns_its_own_arrays(tmp_path):
    m = fresh_program(tmp_path, """
        import numpy as np
        def f(x, w):
            return np.dot(x, w)
        def t(X, W):
            return np.sum(X.T * W)
    """)
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.1, 0.2])
    for g, args in ((symdiff.grad(m.f, wrt=1), (x, w)),
                    (symdiff.grad(m.t, wrt=(0, 1)), (np.ones((3, 2)), np.ones((2, 3))))):
        out = run_generic_source(g, args)
        for grad in out if isinstance(out, tuple) else (out,):
            assert not any(np.shares_memory(grad, a) for a in args)
        inputs = args
        vg = symdiff.value_and_grad(g.fn, wrt=g.wrt)(*inputs)
        for grad in vg[1] if isinstance(vg[1], tuple) else (vg[1],):
            assert not any(np.shares_memory(grad, a) for a in inputs)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gradients_share_no_memory_with_inputs(case):
    args = case.inputs()
    grad = symdiff.grad(case.fn)(*args)
    assert not any(np.shares_memory(grad, a) for a in args if isinstance(a, np.ndarray))


@pytest.mark.parametrize("fn, args, names, line", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_unknowable_sharing_is_refused_with_both_names(fn, args, names, line):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(fn)(*args)
    err = info.value
    assert err.loc is not None and err.loc.file.endswith("aliasing_corpus.py")
    assert err.loc.line == fn.__code__.co_firstlineno + line - 1, err.render()
    for name in names:
        assert name in err.message, err.render()
    assert err.hint, err.render()
    assert "^" in err.render()


def test_sharing_with_an_unnamed_array_is_refused_without_a_made_up_name():
    """The array a helper's argument may share is no longer named: the message says so."""
    fn = corpus.helper_writes_into_name_rebound_on_one_path
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(fn)(np.ones(3), np.ones(3), 0.5)
    err = info.value
    assert err.loc is not None and err.loc.line == corpus._set_first.__code__.co_firstlineno + 1
    assert "`out` may share memory with another array" in err.message, err.render()
    assert "its base" not in err.message and "`out = out.copy()`" in err.hint


def test_scalar_alias_rebinds_and_array_alias_writes(tmp_path):
    """``t = s; t += 1`` leaves s alone on a float and changes it on an array: the same
    source gives each its own answer."""
    v, g = symdiff.value_and_grad(corpus.alias_of_float)(1.3)
    assert v == pytest.approx(1.3 * 2.3) and g == pytest.approx(2 * 1.3 + 1)
    x = np.array([1.3, -0.2])
    v, g = symdiff.value_and_grad(corpus.alias_of_float)(x)
    np.testing.assert_allclose(v, corpus.alias_of_float(x.copy()))
    np.testing.assert_allclose(g, 2 * x + 2)
    assert not np.shares_memory(g, x)


def test_row_of_a_vector_is_a_number(tmp_path):
    """``for row in x: row *= 2`` rebinds numbers when x is a vector: x is unchanged."""
    x = np.array([0.5, -1.5, 2.0])
    value, grad = symdiff.value_and_grad(corpus.rows_doubled)(x)
    assert value == pytest.approx(corpus.rows_doubled(x.copy()))
    np.testing.assert_allclose(grad, 2 * x)
    X = np.array([[0.5, -1.5], [2.0, 0.1]])
    value, grad = symdiff.value_and_grad(corpus.rows_doubled)(X)
    assert value == pytest.approx(corpus.rows_doubled(X.copy()))
    np.testing.assert_allclose(grad, 8 * X)


def test_reading_a_number_after_its_array_changed(tmp_path):
    """``first = y[0]`` is a copied number for a vector and a view for a matrix."""
    X = np.array([[0.5, -1.5], [2.0, 0.1]])
    value, grad = symdiff.value_and_grad(corpus.element_read_before_write)(X)
    np.testing.assert_allclose(value, corpus.element_read_before_write(X.copy()))
    numeric = numerical_jacobian(copying(corpus.element_read_before_write), (X,), 0)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- found by the fuzzer


def test_a_loop_writing_into_its_own_carried_name_compiles(tmp_path):
    """A loop that writes into a name it carries (``w[2] = w``) carries nothing more: its
    storage starts in the loop."""
    m = fresh_program(tmp_path, """
        import numpy as np
        def f(x):
            v = x * 2.0
            for i in range(2):
                p = v[:2]
                p += 1.0
                v[2] = np.sum(v[1:] * v[:-1])
            return np.sum(v * v)
        def g(x, w):
            k = 0
            while k:
                w[2] = w
            return w * np.sum(x)
    """)
    x = np.array([0.4, 1.2, -0.7])
    value, grad = symdiff.value_and_grad(m.f)(x)
    assert value == pytest.approx(m.f(x.copy()))
    np.testing.assert_allclose(grad, numerical_jacobian(copying(m.f), (x,), 0), rtol=1e-6)
    assert symdiff.grad(m.g, wrt=1)(x, 0.5) == pytest.approx(np.sum(x))


def test_helper_scaling_its_argument_under_a_branch(tmp_path):
    """``out *= s`` in a helper on an array of unknown kind, called under an ``if`` that
    returns: the caller's array is read after it."""
    m = fresh_program(tmp_path, """
        import numpy as np
        def scale_into(out, s):
            out *= s
        def f(x, w):
            if w > 0.0:
                v = x / 3.0
                scale_into(v, w)
                return np.sum(v * x)
            return np.sum(x)
    """)
    x = np.array([0.4, 1.2, -0.7])
    value, grad = symdiff.value_and_grad(m.f)(x, 0.5)
    assert value == pytest.approx(m.f(x.copy(), 0.5))
    np.testing.assert_allclose(grad, 2 * x * 0.5 / 3.0)


def test_calls_as_statements_that_may_write_are_refused(tmp_path):
    """A call whose result is dropped either only reports (print, warnings.warn: dropped)
    or may write into an array symdiff cannot see (np.random.shuffle, methods, unknown
    functions: refused where it is called)."""
    from support import load_module
    module = load_module(tmp_path, "statements", """
        import warnings
        import numpy as np

        def shuffled(x):
            y = x * 2.0
            np.random.shuffle(y)
            return np.sum(y * x)

        def partitioned(x):
            y = x * 2.0
            y.partition(1)
            return np.sum(y * x)

        def reported(x):
            y = x * 2.0
            print(y)
            warnings.warn("y computed")
            np.exp(y)
            return np.sum(y * x)
    """)
    for fn, line in ((module.shuffled, 7), (module.partitioned, 12)):
        with pytest.raises(symdiff.SymdiffError) as info:
            symdiff.grad(fn)(np.ones(3))
        assert info.value.loc.line == line and "may change an array" in info.value.message
        assert info.value.hint
    x = np.array([0.3, -1.2, 0.8])
    value, grad = symdiff.value_and_grad(module.reported)(x)   # reports are not rerun
    assert value == pytest.approx(np.sum(2 * x * x))
    np.testing.assert_allclose(grad, numerical_jacobian(lambda v: np.sum(2 * v * v), (x,), 0),
                               rtol=1e-6)
