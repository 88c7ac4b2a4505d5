"""Statistics lowered onto primitives (``primitives/statistics.py``, registry
``Composition`` entries): the nan-reductions, cumprod, ptp, average with weights and axis,
polyval. One table of cases, each checked by ``breadth_support.check_case`` (value,
gradient against central differences, forward mode, Hessian-vector product, jit).
Inputs of the nan-functions hold NaN (their gradient there is 0, as the function does not
change when a NaN moves); cumprod's inputs hold exact zeros.
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, check_case, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def with_nan(*shape):
    def inputs(rng):
        x = rng.standard_normal(shape)
        x.flat[[1, x.size - 2]] = np.nan
        return [x]
    return inputs


def with_zero(*shape):
    def inputs(rng):
        x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        x.flat[1] = 0.0
        return [x]
    return inputs


def positive(*shape):
    return lambda rng: [rng.uniform(0.5, 1.5, shape)]


def _case(cid, params, body, inputs, wrt=(0,)):
    return Case(cid, params, body, inputs, wrt=wrt, second=True, jit=True)


CASES = [
    _case("nansum_all", "x", "np.nansum(x ** 2)", with_nan(3, 4)),
    _case("nanmean_axis", "x", "np.sum(np.nanmean(x, axis=1) ** 2)", with_nan(3, 4)),
    _case("nanmax_all", "x", "np.nanmax(x) * np.sum(x[0] ** 2)", with_nan(6)),
    _case("nanmax_axis", "x", "np.sum(np.nanmax(x, axis=0, keepdims=True) * np.arange(4.0))",
          with_nan(3, 4)),
    _case("nanmin_axis", "x", "np.sum(np.nanmin(x, axis=1) ** 3)", with_nan(3, 4)),
    _case("nanprod_rows", "x", "np.sum(np.nanprod(x, axis=1))", with_nan(3, 4)),
    _case("nanprod_zero", "x", "np.nanprod(np.where(np.isnan(x), 0.0, x) + 1.0) "
          "+ np.nanprod(x)", with_zero(5)),
    _case("nanvar_all", "x", "np.nanvar(x)", with_nan(7)),
    _case("nanvar_ddof_axis", "x", "np.sum(np.nanvar(x, axis=0, ddof=1) * np.arange(4.0))",
          with_nan(4, 4)),
    _case("nanstd_keepdims", "x", "np.sum(np.nanstd(x, axis=1, keepdims=True) * x[:, :1] ** 2)",
          lambda rng: [with_nan(3, 5)(rng)[0] + 0.0]),
    _case("nancumsum_axis", "x", "np.sum(np.nancumsum(x, axis=1) ** 2)", with_nan(3, 4)),
    _case("nancumsum_flat", "x", "np.sum(np.sin(np.nancumsum(x)))", with_nan(2, 3)),
    _case("cumprod_flat", "x", "np.sum(np.cumprod(x))", with_zero(5)),
    _case("cumprod_rows", "x", "np.sum(np.cumprod(x, axis=1) ** 2)", with_zero(3, 4)),
    _case("cumprod_axis0", "x", "np.sum(np.sin(np.cumprod(x, 0)))", with_zero(4, 3)),
    _case("cumprod_method", "x", "np.sum(x.cumprod(axis=-1) * x)", positive(2, 3)),
    _case("cumprod_matrix_flat", "x", "np.sum(np.cumprod(x) ** 2)", positive(2, 3)),
    _case("var_ddof", "x", "np.var(x, ddof=1) + x.var(axis=0).sum()", normal((4, 3))),
    _case("std_axis", "x", "np.sum(np.std(x, axis=1, keepdims=True) * x) + x.std()",
          normal((3, 4))),
    _case("ptp_all", "x", "np.ptp(x) ** 2", normal((6,))),
    _case("ptp_axis", "x", "np.sum(np.ptp(x, axis=0) * np.arange(4.0))", normal((3, 4))),
    _case("average_plain", "x", "np.average(x, axis=1).sum() ** 2", normal((3, 4))),
    _case("average_weights", "x, w", "np.average(x, weights=w)",
          lambda rng: [rng.standard_normal(5), rng.uniform(0.5, 1.5, 5)], wrt=(0, 1)),
    _case("average_weights_axis0", "x, w", "np.sum(np.average(x, axis=0, weights=w) ** 2)",
          lambda rng: [rng.standard_normal((3, 3)), rng.uniform(0.5, 1.5, 3)], wrt=(0, 1)),
    _case("average_weights_axis1", "x, w", "np.sum(np.average(x, axis=1, weights=w) ** 2)",
          lambda rng: [rng.standard_normal((3, 4)), rng.uniform(0.5, 1.5, 4)], wrt=(0, 1)),
    _case("average_weights_full", "x, w", "np.sum(np.sin(np.average(x, 0, w)))",
          lambda rng: [rng.standard_normal((2, 3)), rng.uniform(0.5, 1.5, (2, 3))],
          wrt=(0, 1)),
    _case("median_odd", "x", "np.median(x) ** 2", normal((5,))),
    _case("median_even", "x", "np.median(x * x)", normal((6,))),
    _case("median_axis_keepdims", "x", "np.sum(np.median(x, axis=0, keepdims=True) * x)",
          normal((4, 3))),
    _case("median_last_axis", "x", "np.sum(np.sin(np.median(x, -1)))", normal((2, 3, 5))),
    _case("nanmedian_axis", "x", "np.sum(np.nanmedian(x, axis=1) ** 2)", with_nan(3, 5)),
    _case("percentile_all", "x", "np.percentile(x, 30) * np.sum(x ** 2)", normal((7,))),
    _case("percentile_axis", "x", "np.sum(np.percentile(x, 75.0, axis=0) ** 2)", normal((5, 3))),
    _case("quantile_axis", "x", "np.sum(np.quantile(x, 0.3, axis=1))", normal((3, 7))),
    _case("quantile_keywords", "x", "np.sum(np.quantile(x, q=0.9, axis=0, keepdims=True) * x)",
          normal((4, 2))),
    _case("nanquantile_all", "x", "np.nanquantile(x, 0.25) + np.nanpercentile(x, 60)",
          with_nan(9)),
    _case("polyval_coefficients", "p", "np.polyval(p, 0.7) ** 2", normal((4,))),
    _case("polyval_points", "x", "np.sum(np.polyval(np.array([1.0, -2.0, 3.0]), x))",
          normal((5,))),
    _case("polyval_both", "p, x", "np.sum(np.polyval(p, x) ** 2)", normal((3,), (2, 2)),
          wrt=(0, 1)),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("stats"), "statistics")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_statistics_case(module, case):
    check_case(module, case)


def test_cumprod_gradient_at_a_zero_is_the_product_of_the_others(module):
    """d/dx_1 sum(cumprod(x)) with x_1 == 0: exact (no division by x_1), not NaN."""
    x = np.array([2.0, 0.0, 3.0, 4.0])
    g = symdiff.grad(module.cumprod_flat)(x)
    np.testing.assert_allclose(g, [1.0, 2.0 + 6.0 + 24.0, 0.0, 0.0])


def test_nanmin_of_nan_only_is_nan_with_no_gradient(module):
    import warnings
    x = np.array([[np.nan, np.nan, np.nan, np.nan], [1.0, 2.0, 3.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # NumPy's All-NaN slice
        value, g = symdiff.value_and_grad(module.nanmin_axis)(x)
        expected = module.nanmin_axis(x)
    assert np.isnan(value) and np.isnan(expected)
    np.testing.assert_array_equal(g[0], 0.0)


def test_polyval_at_zero_has_the_linear_coefficient_as_slope(module):
    x = np.zeros(5)
    np.testing.assert_allclose(symdiff.grad(module.polyval_points)(x), -2.0)


def test_median_of_an_even_count_splits_between_the_middle_two(module):
    x = np.array([3.0, -1.0, 2.0, 7.0, 0.5, 9.0])     # middle two: 2.0 and 3.0
    g = symdiff.grad(module.median_even)(x)           # median(x * x): 4 and 9
    np.testing.assert_allclose(g, [3.0, 0.0, 2.0, 0.0, 0.0, 0.0])   # x_k / 2 * 2
    y = np.array([1.0, 4.0, 2.0, 3.0])
    grad = symdiff.grad(_plain_median())(y)
    np.testing.assert_allclose(grad, [0.0, 0.0, 0.5, 0.5])


def _plain_median():
    import tempfile

    from support import load_module
    src = "import numpy as np\n\ndef f(x):\n    return np.median(x)\n"
    return load_module(tempfile.mkdtemp(), "median_plain", src).f


def test_median_at_ties_goes_to_the_element_sorted_at_the_middle():
    """Tied middle elements: the one a stable sort puts at the middle rank gets it all
    (sorted: 1, 2 (x_0), 2 (x_2), 2 (x_4), 5; the middle is x_2)."""
    g = symdiff.grad(_plain_median())(np.array([2.0, 1.0, 2.0, 5.0, 2.0]))
    np.testing.assert_allclose(g, [0.0, 0.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("body, message", [
    ("np.quantile(a, 0.5, method='nearest')", "method="),
    ("np.quantile(a, [0.25, 1.75])", "a constant q between 0 and 1"),
    ("np.percentile(a, 120)", "a constant q between 0 and 100"),
    ("np.median(a, axis=(0, 1))", "one axis"),
    ("np.median(a, out=a)", "out"),
])
def test_quantiles_refused_with_a_location(tmp_path, body, message):
    from breadth_support import assert_refused
    assert_refused(tmp_path, body, message, np.ones((2, 3)))
