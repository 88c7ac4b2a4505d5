"""np.diff along any axis (with prepend=/append=), np.gradient (uniform spacing or 1-D
coordinates, one spacing per axis, one axis or a vector) and np.select, written with
slices, concatenations and where (``primitives.differences``). Each case is checked by
``breadth_support.check_case`` (value, gradient, forward mode, Hessian-vector product; jit
for some).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of

import symdiff

W = "np.arange(24.0).reshape(2, 3, 4)"


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def away_from(*edges):
    """Normal draws whose elements stay 0.2 away from the conditions' edges."""
    def inputs(rng):
        x = rng.standard_normal((3, 4))
        for edge in edges:
            near = np.abs(x - edge) < 0.2
            x[near] += 0.4
        return [x]
    return inputs


CASES = [
    Case("diff_middle", "x", f"np.sum(np.diff(x, axis=1) ** 2 * {W}[:, :2, :])",
         normal((2, 3, 4)), second=True, jit=True),
    Case("diff_twice_from_end", "x", "np.sum(np.sin(np.diff(x, 2, axis=-2)))",
         normal((2, 5, 3)), second=True),
    Case("diff_three_first", "x", "np.sum(np.diff(x, n=3, axis=0) ** 3)", normal((5, 2))),
    Case("diff_padded", "x", "np.sum(np.diff(x, prepend=0.5, append=x[:, :1]) ** 2 * x[:, :1])",
         normal((3, 4)), second=True, jit=True),
    Case("diff_prepend_axis", "x, p", "np.sum(np.diff(x, axis=0, prepend=p) ** 2)",
         normal((3, 4), (1, 4)), wrt=(0, 1), second=True),
    Case("gradient_vector", "f", "np.sum(np.gradient(f) ** 2 * np.arange(6.0))",
         normal((6,)), second=True, jit=True),
    Case("gradient_two_points", "f", "np.sum(np.gradient(f) * np.array([1.0, 3.0]) * f)",
         normal((2,)), second=True),
    Case("gradient_spacing", "f, h", "np.sum(np.sin(np.gradient(f, h)))",
         lambda rng: [rng.standard_normal(5), float(rng.uniform(0.5, 2.0))], wrt=(0, 1),
         second=True),
    Case("gradient_axis", "f", f"np.sum(np.gradient(f, 0.3, axis=1) ** 3 * {W})",
         normal((2, 3, 4)), second=True, jit=True),
    Case("gradient_last_axis", "f", "np.sum(np.cos(np.gradient(f, axis=-1)))", normal((3, 4))),
    Case("gradient_points", "f",
         "np.sum(np.gradient(f, np.array([0.0, 0.5, 1.5, 1.75, 3.0])) ** 2 * np.arange(5.0))",
         normal((5,)), second=True, jit=True),
    Case("gradient_points_list", "f", "np.sum(np.sin(np.gradient(f, [0.0, 1.0, 3.0, 3.5])))",
         normal((4,)), second=True),
    Case("gradient_points_axis", "f",
         f"np.sum(np.gradient(f, np.linspace(0.0, 2.0, 3), axis=1) ** 3 * {W})",
         normal((2, 3, 4)), second=True, jit=True),
    Case("gradient_points_moving", "f, t", "np.sum(np.gradient(f, np.linspace(0.0, t, 5)) ** 2)",
         lambda rng: [rng.standard_normal(5), float(rng.uniform(1.0, 2.0))], wrt=(0, 1),
         second=True),
    Case("gradient_points_two_points", "f", "np.sum(np.gradient(f, [0.5, 2.0]) * f)",
         normal((2,))),
    Case("gradient_spacing_per_axis", "f",
         "np.sum(np.gradient(f, 0.5, np.arange(4.0), axis=(0, 1))[0] ** 2) + "
         "np.sum(np.gradient(f, 0.5, np.arange(1.0, 5.0), axis=(0, -1))[1] ** 3)",
         normal((3, 4)), second=True),
    Case("gradient_one_step_all_axes", "f", "np.sum(np.gradient(f, 0.25, axis=(1, 0))[1] * f)",
         normal((3, 4)), second=True),
    Case("select_literal", "x",
         "np.sum(np.select([x > 0.5, x < -1.0], [x * 2.0, x ** 2], default=x ** 3))",
         away_from(0.5, -1.0), second=True, jit=True),
    Case("select_overlapping", "x",
         "np.sum(np.select([x > 0.0, x > -0.5], [np.sin(x), x ** 2]) * x)",
         away_from(0.0, -0.5), second=True),
]

LISTS = """
def select_built(x, y):
    conds = [x > 0.5, y < 0.0]
    choices = [x * y, np.sin(y)]
    return np.sum(np.select(conds, choices, 0.25) ** 2)
"""


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("differences"), "breadth_differences")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_difference_case(module, case):
    check_case(module, case)


def test_select_of_lists_built_before(tmp_path):
    from support import load_module
    m = load_module(tmp_path, "built", "import numpy as np\n" + LISTS)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x[np.abs(x - 0.5) < 0.2] += 0.4
    y[np.abs(y) < 0.2] += 0.4
    value, (dx, dy) = symdiff.value_and_grad(m.select_built, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(value, m.select_built(x, y), rtol=1e-12)
    assert symdiff.check_grad(m.select_built, x, y, wrt=(0, 1))


def test_select_conditions_get_no_gradient_and_the_first_true_wins(module):
    x = np.array([[0.7, -1.5, 0.0, 2.0]])
    dx = symdiff.grad(module.select_overlapping)(x)
    # x > 0 picks sin(x) first (d/dx x sin x), else x > -0.5 picks x**2 (3 x**2), else 0
    want = np.where(x > 0, np.sin(x) + x * np.cos(x), np.where(x > -0.5, 3 * x ** 2, 0.0))
    np.testing.assert_allclose(dx, want, rtol=1e-12)


def test_gradient_values_match_numpy(module):
    f = np.random.default_rng(2).standard_normal((2, 3, 4))
    source = symdiff.value_and_grad(module.gradient_axis).source_for(f)
    assert "np.gradient" not in source and "np.concatenate" in source
    value, _ = symdiff.value_and_grad(module.gradient_axis)(f)
    np.testing.assert_allclose(value, module.gradient_axis(f), rtol=1e-12)


def test_gradient_of_a_matrix_without_axis_stops_where_it_runs(module):
    with pytest.raises(symdiff.SymdiffError, match="pass axis=k") as info:
        symdiff.grad(module.gradient_vector)(np.ones((3, 6)))
    assert info.value.loc is not None and info.value.loc.line > 0


def test_gradient_at_points_matches_numpy(module):
    """NumPy's non-uniform formula, to rounding, along a middle axis."""
    f = np.random.default_rng(3).standard_normal((2, 3, 4))
    value, _ = symdiff.value_and_grad(module.gradient_points_axis)(f)
    np.testing.assert_allclose(value, module.gradient_points_axis(f), rtol=1e-12)


def test_gradient_with_coordinates_stops_where_it_runs(module):
    with pytest.raises(symdiff.SymdiffError, match="takes a scalar spacing dx") as info:
        symdiff.grad(module.gradient_spacing)(np.ones(5), np.arange(5.0))
    assert info.value.loc is not None and info.value.loc.line > 0


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.gradient(a, 1.0, 2.0, axis=0))", "one spacing, or one per axis"),
    ("np.sum(np.gradient(a, [0.0, 1.0, 3.0], axis=(0, 1))[0])", "one spacing, or one per axis"),
    ("np.sum(np.gradient(a, np.ones((3, 3)), axis=0))", "takes a scalar spacing dx"),
    ("np.sum(np.gradient(a, [[0.0, 1.0, 2.0]], axis=0))", "1-D coordinates per axis"),
    ("np.sum(np.gradient(a, axis=0, edge_order=2))", "edge_order=1"),
    ("np.sum(np.gradient(a, axis=a.ndim - 1))", "axis must be a constant"),
    ("np.sum(np.diff(a, n=a.ndim))", "n must be a constant"),
    ("np.sum(np.select([a > 0], [a, a]))", "same length"),
    ("np.sum(np.select(a > 0, a))", "lists"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((3, 3)))
