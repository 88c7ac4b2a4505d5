"""NumPy calls whose results carry no gradient (np.linalg.matrix_rank, np.fft.fftfreq,
np.fft.rfftfreq, the counts of np.histogram) and histogram bin edges, which follow the
data's extremes (``primitives.no_gradient_calls``), and np.unique, a gather of each
distinct value's first occurrence (``primitives.distinct``). Each case is checked by
``breadth_support.check_case`` (value, gradient, forward mode; Hessian-vector product and
jit for a sample).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


CASES = [
    Case("matrix_rank", "x", "np.sum(x ** 2) * np.linalg.matrix_rank(x)", normal((3, 4)),
         second=True, jit=True),
    Case("matrix_rank_tol", "x", "np.sum(np.sin(x)) * np.linalg.matrix_rank(x @ x.T, tol=1e-8)",
         normal((3, 2)), second=True),
    Case("fftfreq", "x", "np.sum(x ** 2 * np.fft.fftfreq(6, 0.5))", normal((6,)), second=True,
         jit=True),
    Case("fftfreq_run_time_n", "x", "np.sum(np.sin(x) * np.fft.fftfreq(x.shape[0], d=0.1))",
         normal((5,)), second=True, jit=True),
    Case("rfftfreq", "x", "np.sum(x ** 3 * np.fft.rfftfreq(6))", normal((4,)), second=True),
    Case("histogram_counts", "x", "np.sum(np.histogram(x, bins=3)[0] * x[:3] ** 2)",
         normal((7,)), second=True, jit=True),
    Case("histogram_edges", "x", "np.sum(np.histogram(x, 4)[1] ** 2 * np.arange(5.0))",
         normal((6,)), second=True, jit=True),
    Case("histogram_default_bins", "x", "np.sum(np.histogram(x)[1] * np.histogram(x)[0][0])",
         normal((8,))),
    Case("histogram_range", "x",
         "np.sum(np.histogram(x, bins=4, range=(-3.0, 3.0))[0] * x[:4]) + "
         "np.sum(np.histogram(x, bins=4, range=(-3.0, 3.0))[1] * x[:5])", normal((6,)),
         second=True),
    Case("histogram_edges_given", "x, b",
         "np.sum(np.histogram(x, b)[0] * x[:2] ** 2) + np.sum(np.histogram(x, b)[1] * b)",
         lambda rng: [rng.standard_normal(5), np.array([-3.0, 0.0, 3.0])], wrt=(0, 1),
         second=True),
    Case("histogram_bin_edges", "x", "np.sum(np.sin(np.histogram_bin_edges(x, bins=5)))",
         normal((3, 4)), second=True, jit=True),
    Case("histogram_bin_edges_range", "x",
         "np.sum(np.histogram_bin_edges(x, 3, range=(0.0, 1.0)) * x[:4])", normal((5,))),
    Case("unique", "x", "np.sum(np.unique(x) ** 3 * np.arange(6.0))", normal((6,)),
         second=True, jit=True),
    Case("unique_matrix", "x", "np.sum(np.sin(np.unique(x * x[0, 0])))", normal((2, 3)),
         second=True, jit=True),
    Case("unique_extras", "x",
         "np.sum(np.unique(x, return_counts=True)[0] ** 2 * np.unique(x, return_counts=True)[1])"
         " + np.sum(x * np.unique(x, return_index=True, return_inverse=True)[2])",
         normal((5,)), second=True, jit=True),
    Case("unique_index_gathers", "x",
         "np.sum(x[np.unique(x, return_index=True)[1]] * np.unique(x) ** 2)", normal((4,))),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("constants"), "breadth_constants")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(module, case):
    check_case(module, case)


def test_dotted_functions_get_python_names(module):
    """The value of np.linalg.matrix_rank is named matrix_rank_x, a Python name."""
    source = symdiff.grad(module.matrix_rank).source
    assert "matrix_rank_x = np.linalg.matrix_rank(x)" in source, source


def test_worked_examples_show_submodule_functions_whole(module):
    """A worked example leaves np. off np.sum, but shows np.linalg.matrix_rank and
    np.fft.fftfreq whole (linalg.matrix_rank names nothing)."""
    text = str(symdiff.explain(module.matrix_rank, np.eye(3, 4)))
    assert "np.linalg.matrix_rank(x)" in text and "sum(x ** 2)" in text, text
    text = str(symdiff.explain(module.fftfreq, np.arange(6.0)))
    assert "np.fft.fftfreq(6, 0.5)" in text and " fft.fftfreq" not in text, text


def test_edges_of_equal_values_are_widened(module):
    """All elements equal: NumPy's edges run from the value - 1/2 to the value + 1/2, and
    move with it (d edges / d x_k sums to 1 per edge over the elements)."""
    x = np.full(3, 0.7)
    value, g = symdiff.value_and_grad(module.histogram_edges)(x)
    assert np.isclose(value, module.histogram_edges(x))
    edges = np.histogram(x, 4)[1]
    np.testing.assert_allclose(np.sum(g), np.sum(2 * edges * np.arange(5.0)), rtol=1e-12)


def test_unique_routes_ties_to_the_first_occurrence(module):
    """Equal values: np.unique keeps one, and its gradient goes to the first copy in x's
    flat order (the derivative at exact ties is not defined; this is the convention)."""
    x = np.array([[2.0, 1.0, 2.0], [1.0, 3.0, 2.0]])
    value, g = symdiff.value_and_grad(module.unique_matrix)(x)
    assert np.isclose(value, module.unique_matrix(x))
    distinct, first = np.unique(x * 2.0, return_index=True)
    expected = np.zeros(6)
    expected[first] = 2.0 * np.cos(distinct)
    expected[0] += np.sum(np.cos(distinct) * distinct / 2.0)     # x[0, 0] scales them all
    np.testing.assert_allclose(g.ravel(), expected, rtol=1e-12)


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.unique(a, axis=0))", "does not take `axis=`"),
    ("np.sum(np.histogram(a, 3, weights=a)[0])", "weights= is not supported"),
    ("np.sum(np.histogram(a, 3, density=True)[0])", "density= is not supported"),
    ("np.sum(np.histogram(a, 'auto')[1])", "bins='auto' is not supported"),
    ("np.sum(np.histogram_bin_edges(a, 3, range=(a[0], 1.0)))", "range must be a constant"),
    ("np.sum(np.histogram_bin_edges(a, 0))", "positive number of bins"),
    ("np.sum(np.fft.fftfreq())", "takes a length n"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.arange(4.0))
