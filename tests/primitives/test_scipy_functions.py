"""scipy.special functions and scipy.stats densities written with primitives
(``primitives/scipy_special.py``, ``primitives/scipy_stats.py``, registry ``Composition``
entries): logsumexp, softmax, log_softmax, polygamma, multigammaln; norm, t, gamma, beta,
poisson, multivariate_normal, dirichlet, differentiable in the argument and parameters.
Each case is checked by
``breadth_support.check_case`` (value, gradient against central differences, forward mode,
Hessian-vector product, jit).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def within(lo, hi, *shapes):
    return lambda rng: [rng.uniform(lo, hi, s) for s in shapes]


def _case(cid, params, body, inputs, wrt=(0,)):
    return Case(cid, params, body, inputs, wrt=wrt, second=True, jit=True)


SPECIAL = [
    _case("logsumexp_all", "x", "scipy.special.logsumexp(x)", normal((3, 4))),
    _case("logsumexp_axis_b", "x, b", "np.sum(scipy.special.logsumexp(x, axis=1, b=b) ** 2)",
          lambda rng: [rng.standard_normal((3, 4)), rng.uniform(0.5, 1.5, (3, 4))],
          wrt=(0, 1)),
    _case("logsumexp_keepdims", "x", "np.sum(sp.logsumexp(x, axis=0, keepdims=True) * x)",
          normal((3, 2))),
    _case("softmax_rows", "x", "np.sum(scipy.special.softmax(x, axis=1) * np.arange(4.0))",
          normal((3, 4))),
    _case("log_softmax_all", "x", "np.sum(scipy.special.log_softmax(x) * x)", normal((5,))),
    _case("polygamma_orders", "x", "np.sum(scipy.special.polygamma(1, x) "
          "+ sp.polygamma(0, x) * sp.polygamma(2, x))", within(0.5, 3.0, (4,))),
    _case("multigammaln_scalar", "a", "scipy.special.multigammaln(a, 3)",
          lambda rng: [float(rng.uniform(2.0, 4.0))]),
    _case("multigammaln_array", "a", "np.sum(scipy.special.multigammaln(a, 2) * a)",
          within(1.5, 4.0, (3,))),
    _case("bessel_j_y_orders", "x", "np.sum(scipy.special.jv(1.5, x) * scipy.special.jn(2, x)"
          " + scipy.special.yv(0.5, x) ** 2 + scipy.special.yn(1, x))", within(0.5, 3.0, (4,))),
    _case("bessel_i_k_orders", "x", "np.sum(scipy.special.iv(1, x) * scipy.special.kv(0.5, x)"
          " + scipy.special.ive(2, -x) + scipy.special.kve(1.5, x) * x)",
          within(0.5, 3.0, (2, 3))),
    _case("bessel_order_zero", "x", "sp.jv(0, x) * sp.iv(0.0, x) + sp.kv(0, x)",
          lambda rng: [float(rng.uniform(0.5, 2.0))]),
]


def spd(rng, d=3):
    m = rng.standard_normal((d, d))
    return m @ m.T + d * np.eye(d)


def simplex(rng, *shape):
    x = rng.uniform(0.2, 1.0, shape)
    return x / np.sum(x, axis=0)


STATS = [
    _case("norm_logpdf_all", "x, m, s", "np.sum(scipy.stats.norm.logpdf(x, m, s))",
          lambda rng: [rng.standard_normal(4), rng.standard_normal(4), rng.uniform(0.5, 2, 4)],
          wrt=(0, 1, 2)),
    _case("norm_pdf_keywords", "m, s", "np.sum(scipy.stats.norm.pdf(0.3, loc=m, scale=s))",
          lambda rng: [rng.standard_normal(3), float(rng.uniform(0.5, 2.0))], wrt=(0, 1)),
    _case("norm_cdf_sf", "x, s", "np.sum(scipy.stats.norm.cdf(x, scale=s) "
          "* scipy.stats.norm.sf(x, 0.2))", lambda rng: [rng.standard_normal(4), 1.3],
          wrt=(0, 1)),
    _case("norm_logcdf_logsf", "x", "np.sum(scipy.stats.norm.logcdf(x) "
          "+ scipy.stats.norm.logsf(x, 0.5, 2.0))", normal((2, 3))),
    _case("t_logpdf_df", "x, df", "np.sum(scipy.stats.t.logpdf(x, df, 0.1, 1.5))",
          lambda rng: [rng.standard_normal(4), rng.uniform(2.0, 5.0, 4)], wrt=(0, 1)),
    _case("t_pdf_scale", "x, s", "np.sum(scipy.stats.t.pdf(x, 3.0, scale=s))",
          lambda rng: [rng.standard_normal(4), 1.2], wrt=(0, 1)),
    _case("gamma_logpdf_shape", "x, a", "np.sum(scipy.stats.gamma.logpdf(x, a, scale=2.0))",
          lambda rng: [rng.uniform(0.5, 3.0, 4), rng.uniform(1.5, 3.0, 4)], wrt=(0, 1)),
    _case("norm_ppf", "q, m, s", "np.sum(scipy.stats.norm.ppf(q, m, scale=s) ** 2)",
          lambda rng: [rng.uniform(0.1, 0.9, 4), rng.standard_normal(4), 1.4], wrt=(0, 1, 2)),
    _case("cauchy_logistic", "x, m, s", "np.sum(scipy.stats.cauchy.logpdf(x, m, s) "
          "+ scipy.stats.cauchy.pdf(x) + scipy.stats.cauchy.cdf(x, scale=s) "
          "+ scipy.stats.logistic.logpdf(x, m, s) * scipy.stats.logistic.pdf(x) "
          "+ scipy.stats.logistic.cdf(x, m) - scipy.stats.logistic.sf(x, scale=s))",
          lambda rng: [rng.standard_normal(4), rng.standard_normal(4), 1.3], wrt=(0, 1, 2)),
    _case("laplace_away_from_loc", "x, s", "np.sum(scipy.stats.laplace.logpdf(x, 0.1, s) "
          "+ scipy.stats.laplace.pdf(x, scale=s))",
          lambda rng: [np.array([-1.2, -0.5, 0.6, 1.4]), 0.8], wrt=(0, 1)),
    _case("lognorm_shape", "x, sh", "np.sum(scipy.stats.lognorm.logpdf(x, sh, scale=1.5) "
          "+ scipy.stats.lognorm.pdf(x, sh) + scipy.stats.lognorm.cdf(x, sh, 0.1))",
          lambda rng: [rng.uniform(0.5, 2.0, 4), rng.uniform(0.5, 1.5, 4)], wrt=(0, 1)),
    _case("chi2_invgamma", "x, k", "np.sum(scipy.stats.chi2.logpdf(x, k) "
          "+ scipy.stats.chi2.pdf(x, df=k, scale=2.0) + scipy.stats.invgamma.logpdf(x, k) "
          "* scipy.stats.invgamma.pdf(x, 2.5))",
          lambda rng: [rng.uniform(0.5, 3.0, 4), rng.uniform(2.0, 4.0, 4)], wrt=(0, 1)),
    _case("entropy_of_counts", "p, q", "scipy.stats.entropy(p) + scipy.stats.entropy(p, q, base=2)"
          " + np.sum(scipy.stats.entropy(np.outer(p, q), axis=1))",
          lambda rng: [rng.uniform(0.5, 2.0, 4), rng.uniform(0.5, 2.0, 4)], wrt=(0, 1)),
    _case("zscore_axes", "x", "np.sum(scipy.stats.zscore(x) ** 3 + scipy.stats.zscore(x, axis=1, "
          "ddof=1) * x) + np.sum(scipy.stats.zscore(x, axis=None) ** 3)", normal((4, 3))),
    _case("gamma_pdf", "x", "np.sum(scipy.stats.gamma.pdf(x, 2.5))", within(0.5, 3.0, (3,))),
    _case("beta_logpdf_shapes", "a, b", "np.sum(scipy.stats.beta.logpdf(0.3, a, b))",
          lambda rng: [rng.uniform(1.0, 3.0, 3), rng.uniform(1.0, 3.0, 3)], wrt=(0, 1)),
    _case("beta_pdf_x", "x", "np.sum(scipy.stats.beta.pdf(x, 2.0, 3.0))",
          within(0.2, 0.8, (4,))),
    _case("poisson_logpmf_rate", "mu", "np.sum(scipy.stats.poisson.logpmf(np.arange(4.0), mu))",
          within(0.5, 3.0, (4,))),
    _case("poisson_pmf_rate", "mu", "np.sum(scipy.stats.poisson.pmf(2, mu))",
          within(0.5, 3.0, (3,))),
    _case("mvn_logpdf_point", "x, m, c", "scipy.stats.multivariate_normal.logpdf(x, m, c)",
          lambda rng: [rng.standard_normal(3), rng.standard_normal(3), spd(rng)],
          wrt=(0, 1, 2)),
    _case("mvn_logpdf_rows", "x, c", "np.sum(scipy.stats.multivariate_normal.logpdf("
          "x, mean=np.zeros(3), cov=c))", lambda rng: [rng.standard_normal((4, 3)), spd(rng)],
          wrt=(0, 1)),
    _case("mvn_pdf", "x", "scipy.stats.multivariate_normal.pdf(x, np.ones(2), 2.0 * np.eye(2))",
          normal((2,))),
    _case("dirichlet_logpdf_alpha", "alpha", "scipy.stats.dirichlet.logpdf("
          "np.array([0.2, 0.3, 0.5]), alpha)", within(0.5, 3.0, (3,))),
    _case("dirichlet_logpdf_x", "x, alpha", "scipy.stats.dirichlet.logpdf(x, alpha)",
          lambda rng: [simplex(rng, 3), rng.uniform(0.5, 3.0, 3)], wrt=(1,)),   # SciPy
          # refuses an x off the simplex, so central differences cannot move x
    _case("dirichlet_pdf_columns", "alpha", "np.sum(scipy.stats.dirichlet.pdf("
          "np.array([[0.2, 0.6], [0.3, 0.1], [0.5, 0.3]]), alpha))", within(0.5, 3.0, (3,))),
]
CASES = SPECIAL + STATS


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("scipy"), "scipy_functions")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scipy_case(module, case):
    check_case(module, case)


@pytest.mark.parametrize("body", ["scipy.special.polygamma(a, a)",
                                  "scipy.special.polygamma(1.5, a)",
                                  "scipy.special.multigammaln(a, 0)",
                                  "scipy.special.jv(a, 1.5)", "scipy.special.kv(True, a)"])
def test_a_variable_or_fractional_order_is_refused(tmp_path, body):
    assert_refused(tmp_path, body, "must be a constant", 2.0)


FROM_IMPORT = """import numpy as np
from scipy.stats import norm, multivariate_normal
from scipy import stats


def f(x, m):
    return np.sum(norm.logpdf(x, m)) + stats.norm.logcdf(m[0]) \\
        + multivariate_normal.logpdf(x, m, np.eye(2))
"""


def test_distributions_imported_by_name(tmp_path):
    """from scipy.stats import norm, from scipy import stats: the same functions."""
    from support import assert_gradient, load_module
    f = load_module(tmp_path, "dists", FROM_IMPORT).f
    x, m = np.array([0.3, -0.2]), np.array([0.1, 0.4])
    assert_gradient(f, x, m, wrt=(0, 1))
    value, _ = symdiff.value_and_grad(f, wrt=(0, 1))(x, m)
    np.testing.assert_allclose(value, f(x, m), rtol=1e-12)


@pytest.mark.parametrize("body, message", [
    ("np.sum(scipy.stats.t.logpdf(a))", "needs `df`"),
    ("np.sum(scipy.stats.norm.logpdf(a, size=3))", "size"),
    ("scipy.stats.multivariate_normal.logpdf(a, np.zeros(3))", "all given"),
    ("np.sum(scipy.stats.gamma.cdf(a, 2.0))", "gamma.cdf"),
])
def test_stats_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones(3))
