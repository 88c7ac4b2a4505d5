"""np.linalg.cond of every order (``primitives.condition``) and scipy.special.gammainc /
gammaincc, differentiable in x (``primitives.incomplete_gamma``). Each case is checked by
``breadth_support.check_case`` (value, gradient, forward mode; Hessian-vector product and
jit for a sample).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def well_posed(*shapes):
    """Square matrices away from singular (distinct singular values, no zero entries to
    put |a| at its kink, no tied column sums for the 1- and inf-norms' max)."""
    def inputs(rng):
        return [rng.standard_normal(s) + 2.0 * np.eye(s[-1]) for s in shapes]
    return inputs


def positive(*shapes):
    return lambda rng: [rng.uniform(0.5, 3.0, s) for s in shapes]


CASES = [
    Case("cond_default", "a", "np.linalg.cond(a)", well_posed((3, 3)), second=True, jit=True),
    Case("cond_two", "a", "np.linalg.cond(a, 2) + np.linalg.cond(a, p=-2)", well_posed((3, 3)),
         second=True),
    Case("cond_rectangular", "a", "np.linalg.cond(a) ** 2",
         lambda rng: [rng.standard_normal((4, 3))], second=True),
    Case("cond_fro", "a", "np.linalg.cond(a, 'fro')", well_posed((3, 3)), second=True,
         jit=True),
    Case("cond_nuc", "a", "np.linalg.cond(a, 'nuc')", well_posed((3, 3)), second=True),
    Case("cond_one", "a", "np.linalg.cond(a, 1) * np.linalg.cond(a, -1)", well_posed((3, 3)),
         second=True),
    Case("cond_inf", "a", "np.linalg.cond(a, np.inf) + np.linalg.cond(a, -np.inf)",
         well_posed((3, 3)), second=True),
    Case("cond_batched", "a", "np.sum(np.linalg.cond(a) ** 2 + np.linalg.cond(a, 'fro'))",
         well_posed((2, 3, 3))),
    Case("gammainc", "x", "np.sum(scipy.special.gammainc(2.5, x) ** 2)", positive((5,)),
         second=True, jit=True),
    Case("gammaincc", "x", "np.sum(np.log(scipy.special.gammaincc(1.5, x)) * x)",
         positive((2, 3)), second=True, jit=True),
    Case("gammainc_constant_a", "a, x", "np.sum(scipy.special.gammainc(a, x * x[0]))",
         positive((4,), (4,)), wrt=(1,), second=True),
    Case("gammaincc_broadcast", "x", "np.sum(scipy.special.gammaincc(np.array([0.5, 1.0, 2.0]),"
         " x) * np.arange(6.0).reshape(2, 3))", lambda rng: [rng.uniform(0.5, 3.0, (2, 1))],
         second=True),
    Case("gammainc_scalar", "t", "scipy.special.gammainc(3.0, t) * t",
         lambda rng: [float(rng.uniform(0.5, 3.0))], second=True, jit=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("cond_gamma"), "breadth_cond_gamma")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(module, case):
    check_case(module, case)


def test_gammainc_derivative_is_the_density(module):
    """d/dx P(a, x) is the gamma density x**(a-1) e**-x / Gamma(a)."""
    import scipy.special
    x = np.array([1.0, 0.5, 2.0])                  # x[0] = 1: P(a, x * x[0]) is P(a, x)
    g = symdiff.grad(module.gammainc_constant_a, wrt=1)(np.full(3, 2.0), x)
    density = x ** (2.0 - 1) * np.exp(-x) / scipy.special.gamma(2.0)
    expected = density.copy()
    expected[0] += np.sum(density * x)             # x[0] also scales every element
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_a_gradient_into_a_is_refused_where_the_call_is(module):
    args = positive((4,), (4,))(np.random.default_rng(0))
    for mode in (symdiff.grad, symdiff.jvp):
        with pytest.raises(symdiff.SymdiffError, match="not differentiable in a") as caught:
            f = mode(module.gammainc_constant_a, wrt=0)
            f(*args) if mode is symdiff.grad else f(*args, np.ones(4))
        assert caught.value.loc is not None and "pass a as a constant" in str(caught.value)


@pytest.mark.parametrize("body,message", [
    ("np.linalg.cond(a, 3)", "not an order of np.linalg.cond"),
    ("np.linalg.cond(a, a[0, 0])", "p must be a constant"),
    ("np.sum(scipy.special.gammainc(a))", "takes (a, x)"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.eye(3) * 2.0)
