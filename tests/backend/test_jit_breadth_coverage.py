"""``jit=True`` compiles with Numba, with no fallback, where NumPy's spelling in the gradient
is one Numba lacks or refuses; each has a Numba form (``backend.jit``):

    np.isclose (eigh's VJP)            (|a - b| <= atol + rtol |b|) & isfinite(b) | (a == b)
    np.stack of numbers (np.cross)     np.stack((np.asarray(a), ...), axis)
    np.expand_dims of a number         np.expand_dims(np.asarray(x), axis)
    reshape of a strided array         np.reshape(np.ascontiguousarray(x), shape)
    np.rollaxis                        np.moveaxis (the destination shifted where needed)
    np.broadcast_to(x, ()) of a number x itself (an element's ``+=`` refuses a 0-d array)
    dx bound twice beside dx_2         dx renamed (Numba's versions of dx are spelt dx_2...)

Each case: the jitted value and gradient equal the NumPy gradient's (rtol 1e-10), which
equals central differences (``symdiff.check_grad``). np.isclose written out gives
np.isclose's answers at NaN and infinities too. Without shapes, np.rollaxis of a negative
axis has no Numba form, nor np.linalg.norm of ord='nuc': the fallback is said before any
compile.
"""
import os
import warnings

os.environ.setdefault("NUMBA_OPT", "0")        # before numba is first imported

import numpy as np
import pytest
from breadth_support import Case, module_of

import aliasing_corpus
import symdiff

pytest.importorskip("numba")


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def symmetric(n):
    def inputs(rng):
        b = rng.standard_normal((n, n))
        return [b + b.T]
    return inputs


def with_nan(*shape):
    def inputs(rng):
        x = rng.standard_normal(shape)
        x.flat[1] = np.nan
        return [x]
    return inputs


def gaussian(rng):
    m = rng.standard_normal((3, 3))
    return [rng.standard_normal(3), rng.standard_normal(3), m @ m.T + 3 * np.eye(3)]


CASES = [
    Case("eigh_isclose", "a", "np.linalg.eigh(a)[0] @ np.arange(3.0) "
         "+ np.sum(np.linalg.eigh(a)[1][0] ** 2 * np.arange(3.0))", symmetric(3)),
    Case("cross_numbers", "a, b", "np.sum(np.cross(a, b) ** 2)", normal((3,), (3,)),
         wrt=(0, 1)),
    Case("nancumsum_strided", "x", "np.sum(np.sin(np.nancumsum(x)))", with_nan(2, 3)),
    Case("polyval_at_a_number", "p", "np.polyval(p, 0.7) ** 2", normal((4,))),
    Case("polyval_both", "p, x", "np.sum(np.polyval(p, x) ** 2)", normal((3,), (2, 2)),
         wrt=(0, 1)),
    Case("gaussian_logpdf", "x, m, c", "scipy.stats.multivariate_normal.logpdf(x, m, c)",
         gaussian, wrt=(0, 1, 2)),
    Case("rollaxis_start", "x", "np.sum(np.rollaxis(x, axis=2, start=1) ** 3)",
         normal((2, 3, 4))),
    Case("norm_nuclear", "a", "np.linalg.norm(a, 'nuc') ** 3", normal((3, 4))),
    Case("rollaxis_negative", "x", "np.sum(np.rollaxis(x, -1) * np.arange(24.0).reshape(4, 2, 3))",
         normal((2, 3, 4))),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("jit_breadth"), "jit_breadth")


def _refusals(caught) -> list[str]:
    return [str(w.message) for w in caught if "numba cannot compile" in str(w.message)]


def assert_compiles_and_agrees(fn, args, wrt):
    jitted = symdiff.value_and_grad(fn, wrt=wrt, jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, grads = jitted(*args)
    assert not _refusals(caught), _refusals(caught)
    assert "@jit_or_numpy" in jitted.source_for(*args)
    want_value, want = symdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, want_value, rtol=1e-10)
    several = isinstance(wrt, tuple)
    for got, expected in zip(grads if several else (grads,), want if several else (want,)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert symdiff.check_grad(fn, *args, wrt=wrt)


COMPILED = [c for c in CASES if c.id != "norm_nuclear"]


@pytest.mark.parametrize("case", COMPILED, ids=[c.id for c in COMPILED])
def test_breadth_case_compiles_with_numba(module, case):
    args = tuple(case.inputs(np.random.default_rng(0)))
    wrt = case.wrt if len(case.wrt) > 1 else case.wrt[0]
    assert_compiles_and_agrees(getattr(module, case.id), args, wrt)


@pytest.mark.parametrize("name", ["scaled", "element_read_before_write"])
def test_aliasing_case_compiles_with_numba(name):
    case = next(c for c in aliasing_corpus.CASES if c.id == name)
    assert_compiles_and_agrees(case.fn, case.inputs(), 0)


def test_rollaxis_of_a_negative_axis_without_shapes_is_refused_before_compiling(module):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = symdiff.grad(module.rollaxis_negative, jit=True).source
    assert "@jit_or_numpy" not in source
    assert any("np.rollaxis" in message for message in _refusals(caught)), _refusals(caught)
    assert "np.moveaxis" in symdiff.grad(module.rollaxis_start, jit=True).source


def test_isclose_written_out_agrees_with_numpy_at_nan_and_infinities():
    import ast

    import sympy

    from symdiff.backend.codegen_math import print_expression
    from symdiff.ir import ew_symbols
    from symdiff.primitives.special import WithinTolerance
    a, b = ew_symbols(2)
    tree = print_expression(WithinTolerance(a, b, sympy.Float(1e-9), sympy.Integer(0)),
                            ["a", "b"], "np", set())
    values = np.array([0.0, 1.0, 1.0 + 1e-12, -1.0, 1e300, np.inf, -np.inf, np.nan])
    first, second = np.meshgrid(values, values)
    with np.errstate(invalid="ignore"):
        got = eval(compile(ast.Expression(ast.fix_missing_locations(tree)), "<isclose>", "eval"),
                   {"np": np, "a": first, "b": second})
    np.testing.assert_array_equal(got, np.isclose(first, second, 1e-9, 0))


def test_nuclear_norm_is_refused_before_compiling(module):
    """numba's np.linalg.norm takes no ord='nuc' (nor 'fro', an axis, keepdims)."""
    a = np.random.default_rng(0).standard_normal((3, 4))
    jitted = symdiff.grad(module.norm_nuclear, jit=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = jitted.source_for(a)
        got = jitted(a)
    assert "@jit_or_numpy" not in source
    assert any("ord='nuc'" in message for message in _refusals(caught)), _refusals(caught)
    np.testing.assert_allclose(got, symdiff.grad(module.norm_nuclear)(a), rtol=1e-12)
