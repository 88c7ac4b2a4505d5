"""Derivatives of scipy.special functions at the points where their formula is 0/0 or
where the function itself loses digits: scipy.special.spence at z == 1 (d = -1, the
limit of log(z)/(1 - z)), scipy.special.erfcx far right (where erfc alone underflows)."""
import numpy as np
import scipy.special

import symdiff


def spence_sum(z):
    return np.sum(scipy.special.spence(z))


def erfcx_sum(x):
    return np.sum(scipy.special.erfcx(x))


def test_spence_slope_at_one_is_the_limit():
    z = np.array([1.0, 0.999999, 1.000001])
    g = symdiff.grad(spence_sum)(z)
    np.testing.assert_allclose(g, [-1.0, -1.0, -1.0], rtol=1e-5)


def test_erfcx_far_right_is_finite_and_matches_the_series():
    x = np.array([30.0, 100.0])
    value, g = symdiff.value_and_grad(erfcx_sum)(x)
    assert np.isfinite(value) and np.all(np.isfinite(g))
    # erfcx(x) ~ 1/(x sqrt(pi)) (1 - 1/(2 x**2)): d ~ -1/(x**2 sqrt(pi)) (1 - 3/(2 x**2))
    want = -1 / (x ** 2 * np.sqrt(np.pi)) * (1 - 3 / (2 * x ** 2))
    np.testing.assert_allclose(g, want, rtol=1e-4)
