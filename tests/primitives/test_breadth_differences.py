"""np.diff along any axis (with prepend=/append=), np.gradient (uniform spacing or 1-D
coordinates, one spacing per axis, one axis or a vector) and np.select, written with
slices, concatenations and where (``primitives.differences``). Each case is checked by
``breadth_support.check_case`` (value, gradient, forward mode, Hessian-vector product; jit
for some).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, check_jitted_value, module_of

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
    Case("gradient_every_axis", "f", "np.sum(np.gradient(f)[0] ** 2 * np.gradient(f)[1])",
         normal((3, 4)), second=True, jit=True),
    Case("gradient_every_axis_summed", "f",
         f"sum(np.sum(g ** 2 * {W}) for g in np.gradient(f))", normal((2, 3, 4)),
         second=True, jit=True),
    Case("gradient_every_axis_step", "f, h", "np.sum(np.sin(np.gradient(f, h)[1]) * f)",
         lambda rng: [rng.standard_normal((3, 4)), float(rng.uniform(0.5, 2.0))], wrt=(0, 1),
         second=True),
    Case("gradient_every_axis_steps", "f",
         "np.sum(np.gradient(f, 0.5, 2.0)[1] * np.gradient(f, 0.5, 2.0)[0])", normal((3, 4)),
         second=True),
    Case("gradient_every_axis_computed", "f",
         "np.sum(np.gradient(np.tanh(f) * 2.0)[1] ** 2)", normal((3, 4)), second=True),
    Case("gradient_coordinates_argument", "y, x", "np.sum(np.gradient(y, x) ** 2 * y)",
         lambda rng: [rng.standard_normal(5), np.cumsum(rng.uniform(0.5, 1.5, 5))],
         wrt=(0, 1), second=True, jit=True),
    Case("gradient_coordinates_arguments", "f, x, t",
         "np.sum(np.gradient(f, x, t)[0] * np.gradient(f, x, t)[1] ** 2)",
         lambda rng: [rng.standard_normal((3, 4)), np.cumsum(rng.uniform(0.5, 1.5, 3)),
                      np.cumsum(rng.uniform(0.5, 1.5, 4))], wrt=(0, 1, 2), second=True),
    Case("gradient_coordinates_argument_axis", "f, x",
         "np.sum(np.gradient(f, x, axis=1) ** 2 * np.arange(12.0).reshape(3, 4))",
         lambda rng: [rng.standard_normal((3, 4)), np.cumsum(rng.uniform(0.5, 1.5, 4))],
         wrt=(0, 1), second=True, jit=True),
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


def test_gradient_of_unknown_rank_is_checked_where_it_runs(module):
    """Without the shapes (``.source``, as symdiff compile writes it) np.gradient(f) is
    taken as a vector's gradient, and the code stops, located, on a matrix."""
    namespace = {}
    exec(symdiff.grad(module.gradient_vector).source, namespace)
    with pytest.raises(ValueError, match="rank of f is not known"):
        namespace["grad_gradient_vector"](np.ones((3, 6)))


def test_gradient_at_points_matches_numpy(module):
    """NumPy's non-uniform formula, to rounding, along a middle axis."""
    f = np.random.default_rng(3).standard_normal((2, 3, 4))
    value, _ = symdiff.value_and_grad(module.gradient_points_axis)(f)
    np.testing.assert_allclose(value, module.gradient_points_axis(f), rtol=1e-12)


def test_spacing_of_unknown_rank_is_checked_where_it_runs(module):
    """Without the shapes a spacing held in a parameter is taken as a scalar, checked."""
    namespace = {}
    exec(symdiff.grad(module.gradient_spacing).source, namespace)
    with pytest.raises(ValueError, match="takes dx as a scalar spacing"):
        namespace["grad_gradient_spacing"](np.ones(5), np.arange(5.0))


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.gradient(a, 1.0, 2.0, axis=0))", "one spacing, or one per axis"),
    ("np.sum(np.gradient(a, [0.0, 1.0, 3.0], axis=(0, 1))[0])", "one spacing, or one per axis"),
    ("np.sum(np.gradient(a, np.ones((3, 3)), axis=0))", "not an array of 2 axes"),
    ("np.sum(np.gradient(a[0, 0]))", "at least one axis"),
    ("np.sum(np.gradient(a, [[0.0, 1.0, 2.0]], axis=0))", "1-D coordinates per axis"),
    ("np.sum(np.gradient(a, axis=0, edge_order=2))", "edge_order=1"),
    ("np.sum(np.gradient(a, axis=a.ndim - 1))", "axis must be a constant"),
    ("np.sum(np.diff(a, n=a.ndim))", "n must be a constant"),
    ("np.sum(np.select([a > 0], [a, a]))", "same length"),
    ("np.sum(np.select(a > 0, a))", "lists"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((3, 3)))


AXES = """
def unpacked(f):
    gx, gy = np.gradient(f)
    return np.sum(gx ** 2 * gy) + np.sum(np.sin(gy))


def looped(f, x):
    total = 0.0
    slopes = np.gradient(f, x, 0.5)
    for g in slopes:
        total = total + np.sum(g ** 2)
    return total
"""

STATEMENT_CASES = [
    Case("unpacked", "f", "gx, gy = np.gradient(f)", normal((3, 4)), second=True, jit=True),
    Case("looped", "f, x", "slopes = np.gradient(f, x, 0.5); for g in slopes",
         lambda rng: [rng.standard_normal((3, 4)), np.cumsum(rng.uniform(0.5, 1.5, 3))],
         wrt=(0, 1), second=True, jit=True),
]


@pytest.fixture(scope="module")
def axes_module(tmp_path_factory):
    from support import load_module
    return load_module(tmp_path_factory.mktemp("axes"), "axes", "import numpy as np\n" + AXES)


@pytest.mark.parametrize("case", STATEMENT_CASES, ids=[c.id for c in STATEMENT_CASES])
def test_gradient_along_every_axis_in_statements(axes_module, case):
    check_case(axes_module, case)
    check_jitted_value(axes_module, case)


@pytest.mark.parametrize("case", [c for c in CASES if c.jit and ("every_axis" in c.id or
                                                               "argument" in c.id)],
                         ids=lambda c: c.id)
def test_jitted_value_of_every_axis(module, case):
    check_jitted_value(module, case)


def test_compile_needs_the_rank_to_unpack(axes_module):
    """symdiff compile without shapes: a located refusal naming what to give; with
    --shapes: the gradient along both axes, as a call gives it."""
    from symdiff import pipeline
    from symdiff.frontend.source_modules import functions_of_file
    src = functions_of_file(axes_module.__file__)["unpacked"]
    with pytest.raises(symdiff.SymdiffError, match="rank is not known") as info:
        pipeline.gradient_module([(src, (0,))], header="g")
    assert info.value.loc is not None and "--shapes" in str(info.value)
    text = pipeline.gradient_module([(src, (0,))], header="g", arg_shapes={"f": (3, 4)})
    namespace = {}
    exec(text, namespace)
    f = np.random.default_rng(6).standard_normal((3, 4))
    np.testing.assert_allclose(namespace["grad_unpacked"](f),
                               symdiff.grad(axes_module.unpacked)(f), rtol=1e-12)
