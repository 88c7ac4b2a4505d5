"""np.ediff1d and np.block (``primitives.joins``), np.cov and np.corrcoef with
rowvar=False (``primitives.covariance``) and quantiles of q written as np.array([...])
(``primitives.quantiles``). Each case is checked by ``breadth_support.check_case`` (value,
gradient, forward mode; Hessian-vector product and jit for a sample).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


W = "np.arange(1.0, 13.0).reshape(3, 4)"

CASES = [
    Case("ediff1d", "x", "np.sum(np.ediff1d(x) ** 3)", normal((6,)), second=True, jit=True),
    Case("ediff1d_ends", "x",
         "np.sum(np.ediff1d(x, to_end=[2.0, 3.0], to_begin=1.0) ** 2 * np.arange(8.0))",
         normal((2, 3)), second=True, jit=True),
    Case("ediff1d_end_by_position", "x, b",
         "np.sum(np.sin(np.ediff1d(x, b)))", normal((5,), (2,)), wrt=(0, 1), second=True),
    Case("ediff1d_begin_array", "x, b", "np.sum(np.ediff1d(x, to_begin=b * x[0]) ** 2)",
         normal((4,), (3,)), wrt=(0, 1)),
    Case("block_vectors", "a, b",
         "np.sum(np.block([a, b, 2.0]) ** 2 * np.arange(6.0))", normal((2,), (3,)),
         wrt=(0, 1), second=True, jit=True),
    Case("block_matrices", "a, b, c, d",
         f"np.sum(np.block([[a, b], [c, d]]) ** 3 * {W})",
         normal((1, 3), (1, 1), (2, 3), (2, 1)), wrt=(0, 1, 2, 3), second=True, jit=True),
    Case("block_three_deep", "a, b, c",
         "np.sum(np.block([[[a, b]], [[b, c]]]) ** 2 * np.arange(16.0).reshape(2, 2, 4))",
         normal((2, 2), (2, 2), (2, 2)), wrt=(0, 1, 2), second=True),
    Case("block_three_deep_vectors", "a, b",
         "np.sum(np.sin(np.block([[[a], [b]], [[b], [a]]])) * a[0])",
         normal((3,), (3,)), wrt=(0, 1), second=True),
    Case("block_four_deep", "a, b",
         "np.sum(np.block([[[[a, b]]], [[[1.5, a]]]]) ** 3 * np.arange(8.0).reshape(2, 1, 1, 4))",
         normal((3,), (1,)), wrt=(0, 1), second=True),
    Case("block_rows_of_vectors", "a, b", "np.sum(np.sin(np.block([[a], [b]])) * a)",
         normal((3,), (3,)), wrt=(0, 1), second=True),
    Case("cov_columns", "x", "np.sum(np.cov(x, rowvar=False) ** 2 * np.arange(9.0)"
         ".reshape(3, 3))", normal((6, 3)), second=True, jit=True),
    Case("cov_columns_with_y", "x, y",
         "np.sum(np.cov(x, y, False) * np.arange(16.0).reshape(4, 4))",
         normal((5, 2), (5, 2)), wrt=(0, 1), second=True),
    Case("cov_columns_ddof", "x", "np.sum(np.sin(np.cov(x, rowvar=False, ddof=0)))",
         normal((4, 3)), second=True),
    Case("corrcoef_columns", "x",
         "np.sum(np.corrcoef(x, rowvar=False) * np.arange(9.0).reshape(3, 3))",
         normal((7, 3)), second=True),
    Case("quantile_array_q", "x",
         "np.sum(np.quantile(x, np.array([0.25, 0.5, 0.9])) * np.array([1.0, 2.0, 3.0]))",
         normal((7,)), second=True, jit=True),
    Case("percentile_array_q_axis", "x",
         "np.sum(np.percentile(x, np.array([10.0, 60.0]), axis=1) ** 2 * np.arange(8.0)"
         ".reshape(2, 4))", normal((4, 5)), second=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("joins"), "breadth_joins")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(module, case):
    check_case(module, case)


def test_block_values_match_numpy(module):
    """The 2 x 2 blocks land where NumPy puts them: d/da of sum(block**3 * W) is 3 a**2
    times W's first row, first three columns."""
    rng = np.random.default_rng(1)
    a, b, c, d = (rng.standard_normal(s) for s in ((1, 3), (1, 1), (2, 3), (2, 1)))
    da = symdiff.grad(module.block_matrices)(a, b, c, d)
    np.testing.assert_allclose(da, 3 * a ** 2 * np.arange(1.0, 4.0), rtol=1e-12)


@pytest.mark.parametrize("x", [np.arange(4.0), np.arange(4.0).reshape(1, 4)],
                         ids=["vector", "one_row"])
def test_cov_columns_of_one_variable_stop_where_they_run(module, x):
    """NumPy keeps a vector or one row as one variable under rowvar=False: the generated
    code stops there, naming the line, rather than read its columns."""
    with pytest.raises(symdiff.SymdiffError, match="more than one row") as error:
        symdiff.grad(module.cov_columns)(x)
    assert error.value.loc is not None


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.block([[a], a]))", "nested to the same depth"),
    ("np.sum(np.block(a))", "takes a list of pieces"),
    ("np.sum(np.block([]))", "non-empty lists"),
    ("np.sum(np.ediff1d(a, to_stop=1.0))", "does not take `to_stop=`"),
    ("np.sum(np.quantile(a, np.array([0.5, 1.5])))", "between 0 and 1 (or a list"),
    ("np.sum(np.quantile(a, np.array([[0.1], [0.2]])))", "q must be a constant"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones(3))
