"""The where trap: a branch np.where does not take contributes exactly 0 (symdiff.ad.masks).

Every program of where_trap_cases.py is evaluated at points where the branch not taken is
singular there (sqrt of a negative, division by zero, log of zero, an overflowing exp),
and at points on the boundary of a branch. At each point:

- the gradient (every argument) equals central differences of the function with its
  conditions frozen at the point (the side where the function is smooth), and has no NaN;
- ``value_and_grad`` returns f's own value with that gradient;
- forward mode (``jvp``) gives the same directional derivative and value;
- the Hessian equals second differences of the frozen function (points inside a branch);
- no RuntimeWarning reaches the caller (warnings are errors here).
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import symdiff
import where_trap_cases as cases
from support import numerical_jacobian, run_generic_source, second_difference

RNG = np.random.default_rng(11)
X34 = RNG.standard_normal((3, 4))
X34[0, 1] = 0.0
ROWS = RNG.standard_normal((3, 4))
ROWS[1] = 0.0

#: (program, arguments, wrt, whether every point is inside a branch: Hessian checked)
CASES = [
    ("sqrt_where", (np.array([-1.0, 0.0, 2.5, -3.0, 0.7]),), (0,), False),
    ("sqrt_where", (np.array([-1.0, 2.5, -3.0, 0.7]),), (0,), True),
    ("divide_where", (np.array([1.5, -0.3, 2.0, 0.8]), np.array([0.0, 2.0, 0.0, -1.5])),
     (0, 1), False),
    ("sinc_where", (np.array([0.0, 1.3, 0.0, -0.7]),), (0,), False),
    ("log_times_weight", (np.array([-1.0, 0.0, 2.0, 0.5]), np.array([0.3, -1.2, 0.7, 2.0])),
     (0, 1), False),
    ("log_times_weight", (np.array([-1.0, 3.0, 2.0, 0.5]), np.array([0.3, -1.2, 0.7, 2.0])),
     (0, 1), True),
    ("power_in_else", (np.array([-2.0, 1.7, -0.4, 0.3]),), (0,), True),
    ("nested", (np.array([-1.0, -3.0, 0.5, 2.0]),), (0,), True),
    ("two_statements", (np.array([-1.0, 0.0, 2.0]),), (0,), False),
    ("two_statements", (np.array([-1.0, 0.4, 2.0]),), (0,), True),
    ("broadcast_branch", (X34, RNG.standard_normal(4)), (0, 1), False),
    ("broadcast_condition", (np.array([[1.0, -1.0, -2.0, 0.5], [0.3, -0.2, -1.0, -0.5]]),
                             np.array([2.0, -1.0, 0.0, 1.5])), (1, 0), False),
    ("exp_overflow", (np.array([1.0, 1000.0, -2.0]),), (0,), True),
    ("scalar_where", (-1.0,), (0,), True),
    ("scalar_where", (0.0,), (0,), False),
    ("scalar_where", (2.0,), (0,), True),
    ("conditional_expression", (-1.0,), (0,), True),
    ("conditional_expression", (0.0,), (0,), False),
    ("if_statement", (1.5, 0.0), (0, 1), False),
    ("if_statement", (1.5, 2.0), (0, 1), True),
    ("row_norms", (ROWS,), (0,), False),
    ("norm", (np.zeros(3),), (0,), False),
    ("norm", (np.array([3.0, -4.0, 1.0]),), (0,), True),
    ("safe_input", (np.array([-1.0, 0.0, 2.0]),), (0,), False),
    ("clipped_log", (np.array([-1.0, 0.0, 2.0]),), (0,), False),
    ("used_twice_in_branch", (np.array([-1.0, 0.0, 2.0]), np.array([0.5, -1.0, 2.0])), (0, 1),
     False),
    ("in_a_loop", (np.array([-1.0, 0.5, 1.5, 2.5]),), (0,), True),
    ("leaky_relu", (np.array([-1.0, 0.0, 2.0]),), (0,), False),
    ("sqrt_of_maximum", (np.array([-1.0, -0.5, 2.0, 0.3]),), (0,), True),
    ("log_of_clip", (np.array([-1.0, 0.5, 2.0, 7.0]),), (0,), True),
    ("scalar_max", (-1.0,), (0,), True),
    ("scalar_max", (2.0,), (0,), True),
]
IDS = [f"{name}-{k}" for k, (name, *_) in enumerate(CASES)]


def _program(name):
    return getattr(cases, name), getattr(cases, name + "_ref")


def _strict(call, *args):
    """``call(*args)`` with every RuntimeWarning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return call(*args)


def _finite(values):
    for v in values if isinstance(values, tuple) else (values,):
        assert np.all(np.isfinite(v)), f"not finite: {v}"


@pytest.mark.parametrize("name,args,wrt,inside", CASES, ids=IDS)
def test_gradient_is_the_derivative_of_the_branch_taken(name, args, wrt, inside):
    f, ref = _program(name)
    frozen = ref(*args)
    grads = _strict(symdiff.grad(f, wrt=wrt), *args)
    _finite(grads)
    for i, got in zip(wrt, grads):
        want = numerical_jacobian(frozen, args, i)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7,
                                   err_msg=f"d{name}/d(arg {i})")


@pytest.mark.parametrize("name,args,wrt,inside", CASES, ids=IDS)
def test_shape_generic_source_agrees(name, args, wrt, inside):
    """The code ``symdiff compile`` writes (shapes unknown) masks the same products."""
    f, _ = _program(name)
    g = symdiff.grad(f, wrt=wrt)
    generic = _strict(run_generic_source, g, args)
    generic = generic if isinstance(generic, tuple) else (generic,)
    called = _strict(g, *args)
    for got, want in zip(generic, called if isinstance(called, tuple) else (called,)):
        _finite(got)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name,args,wrt,inside", CASES, ids=IDS)
def test_value_and_grad(name, args, wrt, inside):
    f, _ = _program(name)
    value, grads = _strict(symdiff.value_and_grad(f, wrt=wrt), *args)
    with np.errstate(all="ignore"):
        want = f(*args)
    np.testing.assert_allclose(value, want, rtol=1e-14)
    for got, want in zip(grads, _strict(symdiff.grad(f, wrt=wrt), *args)):
        np.testing.assert_allclose(got, want, rtol=1e-14)


@pytest.mark.parametrize("name,args,wrt,inside", CASES, ids=IDS)
def test_forward_mode(name, args, wrt, inside):
    f, ref = _program(name)
    frozen = ref(*args)
    rng = np.random.default_rng(5)
    for i in wrt:
        v = rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else 0.8
        v = np.asarray(v) if isinstance(args[i], np.ndarray) else float(v)
        value, tangent = _strict(symdiff.jvp(f, wrt=i), *args, v)
        _finite(tangent)
        moved = [list(args), list(args)]
        moved[0][i], moved[1][i] = args[i] + 1e-6 * v, args[i] - 1e-6 * v
        want = (frozen(*moved[0]) - frozen(*moved[1])) / 2e-6
        np.testing.assert_allclose(tangent, want, rtol=1e-6, atol=1e-7)
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(value, f(*args), rtol=1e-14)


@pytest.mark.parametrize("name,args,wrt,inside", [c for c in CASES if c[3]],
                         ids=[i for i, c in zip(IDS, CASES) if c[3]])
def test_hessian(name, args, wrt, inside):
    f, ref = _program(name)
    frozen = ref(*args)
    i = wrt[0]
    H = _strict(symdiff.hessian(f, wrt=i), *args)
    _finite(H)
    want = second_difference(frozen, args, i, i)
    np.testing.assert_allclose(H, want, rtol=1e-4, atol=1e-4)


def test_jit_gives_the_same_gradient():
    x = np.array([-1.0, 0.0, 2.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)    # numba missing: one warning
        jitted = symdiff.grad(cases.sqrt_where, jit=True)(x)
    np.testing.assert_allclose(jitted, symdiff.grad(cases.sqrt_where)(x), rtol=1e-14)
    _finite(jitted)


def test_the_masking_line_says_why():
    source = symdiff.grad(cases.sqrt_where).source_for(np.array([-1.0, 2.0]))
    assert re.search(r"dx = np\.where\(\w+, dx_prod, 0\.0\)", source)
    assert "the branch not taken contributes 0" in source
    assert source.count("np.where(") == 2          # routing, masking
    assert "@np.errstate(" in source


def test_warnings_stay_on_where_nothing_may_be_inf():
    """A where whose branches are finite selects without np.errstate and without masks."""
    source = symdiff.grad(cases.leaky_relu).source_for(np.array([-1.0, 2.0]))
    assert "errstate" not in source
    assert "the branch not taken" not in source


def test_no_mask_without_a_where():
    """Code without np.where is unchanged: sqrt(sum(x**2)) at 0 is a true singularity."""
    g = symdiff.grad(cases.sqrt_of_sum)
    assert "errstate" not in g.source_for(np.ones(3))
    assert "np.where" not in g.source_for(np.ones(3))
    with np.errstate(all="ignore"):
        assert np.all(np.isnan(g(np.zeros(3))))
    np.testing.assert_allclose(g(np.array([3.0, 4.0, 0.0])), [0.6, 0.8, 0.0], rtol=1e-15)
