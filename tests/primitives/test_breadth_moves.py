"""NumPy functions that copy elements to new places, lowered onto the ``move`` primitive
(np.pad, np.tile, np.split and its kin, np.take_along_axis, np.hstack, np.column_stack,
np.diag, np.diagflat, np.rot90, np.delete, np.insert, np.resize, np.broadcast_arrays,
np.meshgrid) and the gathers by an order (np.sort, np.partition). One table of
(call, inputs), each case checked by ``breadth_support.check_case`` (value, gradient,
forward mode; Hessian-vector product and jit for a sample).
"""
from __future__ import annotations

import numpy as np
import pytest
from breadth_support import Case, assert_refused, check_case, module_of
from support import load_module

import symdiff

W = "np.arange(24.0).reshape(2, 3, 4)"


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def distinct(shape):
    """Distinct values (no ties for sort)."""
    def inputs(rng):
        n = int(np.prod(shape))
        return [((rng.permutation(n) + rng.uniform(0.1, 0.4, n)) / n).reshape(shape)]
    return inputs


CASES = [
    Case("tile_int", "x", "np.sum(np.tile(x, 2) * np.arange(8.0))", normal((4,)), jit=True),
    Case("tile_tuple", "x", "np.sum(np.tile(x, (2, 1, 3)) ** 2 * np.arange(18.0).reshape(2, 3, 3))",
         normal((3, 1)), second=True),
    Case("pad_constant", "x", "np.sum(np.pad(x, 1) ** 2 * np.arange(30.0).reshape(5, 6))",
         normal((3, 4)), second=True, jit=True),
    Case("pad_constant_values", "x",
         "np.sum(np.pad(x, ((1, 0), (0, 2)), constant_values=3.0) ** 3)", normal((2, 3))),
    Case("pad_edge", "x", "np.sum(np.pad(x, (1, 2), mode='edge') ** 2 * np.arange(7.0))",
         normal((4,)), second=True),
    Case("pad_reflect", "x", "np.sum(np.pad(x, ((1, 2), (2, 1)), mode='reflect') ** 3)",
         normal((4, 4)), second=True),
    Case("pad_symmetric", "x", "np.sum(np.pad(x, 2, mode='symmetric') ** 3)", normal((4,)),
         second=True),
    Case("pad_wrap", "x", "np.sum(np.pad(x, ((0, 0), (3, 1)), mode='wrap') ** 3)",
         normal((2, 3)), jit=True),
    Case("split_sections", "x", "np.sum(np.split(x, 2)[0] * np.split(x, 2)[1] ** 2)",
         normal((4, 3)), second=True, jit=True),
    Case("split_indices_axis", "x", "np.sum(np.split(x, [1, 3], axis=-1)[2] ** 2)",
         normal((2, 5))),
    Case("array_split_uneven", "x", "np.sum(np.array_split(x, 3, axis=1)[0] ** 3)",
         normal((2, 7)), second=True),
    Case("hsplit", "x", "np.sum(np.hsplit(x, 2)[1] ** 2 * np.hsplit(x, 2)[0])", normal((3, 4))),
    Case("hsplit_vector", "x", "np.sum(np.hsplit(x, [2])[0] ** 2)", normal((5,))),
    Case("vsplit", "x", "np.sum(np.vsplit(x, [1])[1] ** 2)", normal((3, 4)), second=True),
    Case("dsplit", "x", "np.sum(np.dsplit(x, 2)[0] ** 2 * np.dsplit(x, 2)[1])",
         normal((2, 3, 4))),
    Case("take_along_axis", "x",
         "np.sum(np.take_along_axis(x, np.argsort(x, axis=1), axis=1)"
         " * np.arange(12.0).reshape(3, 4))", distinct((3, 4)), second=True, jit=True),
    Case("take_along_repeats", "x",
         "np.sum(np.take_along_axis(x, np.array([[0, 0], [2, 1]]), 0) ** 2)", normal((3, 2))),
    Case("hstack_vectors", "x, y", "np.sum(np.hstack([x, y]) ** 2 * np.arange(7.0))",
         normal((3,), (4,)), wrt=(0, 1), second=True, jit=True),
    Case("hstack_matrices", "x, y", "np.sum(np.hstack((x, y, x)) ** 3)",
         normal((3, 2), (3, 1)), wrt=(0, 1)),
    Case("column_stack", "x, y", "np.sum(np.column_stack([x, y]) ** 3)",
         normal((3,), (3, 2)), wrt=(0, 1), second=True),
    Case("diag_of_vector", "x",
         "np.sum(np.diag(x) * np.arange(16.0).reshape(4, 4) + np.diag(x) ** 2)",
         normal((4,)), second=True, jit=True),
    Case("diag_of_vector_k", "x", "np.sum(np.diag(x, 1) ** 2 * np.arange(16.0).reshape(4, 4))",
         normal((3,))),
    Case("diag_of_matrix", "x", "np.sum(np.diag(x) ** 3)", normal((3, 4)), second=True),
    Case("diag_of_matrix_k", "x", "np.sum(np.diag(x, k=-1) ** 3)", normal((4, 3))),
    Case("diagflat", "x", "np.sum(np.diagflat(x) ** 2 * np.arange(36.0).reshape(6, 6))",
         normal((2, 3))),
    Case("rot90", "x", "np.sum(np.rot90(x) * np.arange(12.0).reshape(4, 3) * x.T)",
         normal((3, 4)), second=True),
    Case("rot90_k_axes", "x",
         f"np.sum(np.rot90(x, 3, axes=(2, 0)) ** 2 * np.rot90({W}, 3, (2, 0)))",
         normal((2, 3, 4))),
    Case("delete_flat", "x", "np.sum(np.delete(x, [0, 2]) ** 2 * np.arange(4.0))",
         normal((2, 3)), jit=True),
    Case("delete_axis", "x", "np.sum(np.delete(x, 1, axis=-1) ** 3)", normal((3, 4)),
         second=True),
    Case("insert_values", "x, v", "np.sum(np.insert(x, 1, v) ** 2 * np.arange(6.0))",
         lambda rng: [rng.standard_normal(4), rng.standard_normal(2)], wrt=(0, 1),
         second=True),
    Case("insert_axis", "x, v", "np.sum(np.sin(np.insert(x, [0, 2], v, axis=1)))",
         normal((3, 2), (3, 1)), wrt=(0, 1)),
    Case("resize", "x", "np.sum(np.resize(x, (2, 5)) ** 2 * np.arange(10.0).reshape(2, 5))",
         normal((3,)), second=True),
    Case("broadcast_arrays", "x, y",
         "np.sum(np.broadcast_arrays(x, y)[0] * np.broadcast_arrays(x, y)[1] ** 2)",
         normal((3, 1), (4,)), wrt=(0, 1), second=True),
    Case("meshgrid_xy", "x, y", "np.sum(np.meshgrid(x, y)[0] ** 2 * np.meshgrid(x, y)[1])",
         normal((3,), (4,)), wrt=(0, 1), second=True, jit=True),
    Case("meshgrid_ij_three", "x, y, z",
         "np.sum(np.sin(np.meshgrid(x, y, z, indexing='ij')[0]) * np.meshgrid(x, y, z, "
         "indexing='ij')[2])", normal((3,), (2,), (4,)), wrt=(0, 2)),
    Case("sort_vector", "x", "np.sum(np.sort(x) * np.arange(6.0))", distinct((6,)),
         second=True, jit=True),
    Case("sort_axis0", "x", "np.sum(np.sort(x, axis=0) ** 2 * np.arange(12.0).reshape(3, 4))",
         distinct((3, 4))),
    Case("sort_flat", "x", "np.sum(np.sort(x, axis=None) ** 3 * np.arange(12.0))",
         distinct((3, 4)), second=True),
    Case("sort_last_kind", "x", "np.sum(np.sort(x, -1, kind='stable')[:, 0] ** 2)",
         distinct((3, 4))),
    Case("argsort_gather", "x", "np.sum(x[np.argsort(x)][:3] ** 2)", distinct((6,))),
    Case("argsort_methods", "x",
         "np.sum(x[x.argsort()] * np.arange(6.0)) + x[x.argmax()] ** 2 - x[np.argmin(x)] ** 3",
         distinct((6,)), second=True, jit=True),
    Case("argsort_method_axis", "x",
         "np.sum(np.take_along_axis(x, x.argsort(axis=0, kind='stable'), axis=0)"
         " * np.arange(12.0).reshape(3, 4))", distinct((3, 4))),
    Case("partition", "x", "np.sum(np.partition(x, 2)[:3] ** 2)", distinct((6,)),
         second=True),
]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return module_of(CASES, tmp_path_factory.mktemp("moves"), "breadth_moves")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_move_case(module, case):
    check_case(module, case)


def test_the_vjp_sums_by_where_each_element_went(module):
    """dx is the gradient summed by the positions the same call moves: np.pad of x's
    positions, then np.bincount."""
    source = symdiff.grad(module.pad_edge).source
    backward = source.split("# backward")[1]
    assert "np.pad(" in backward and "mode='edge'" in backward and "np.bincount(" in backward


def test_tuple_results_unpack(tmp_path):
    m = load_module(tmp_path, "unpack", """
import numpy as np

def f(x, y):
    a, b, c = np.array_split(x, 3)
    u, v = np.meshgrid(y, a)
    return np.sum(a[:2] * c) + np.sum(b ** 3) + np.sum(u * v ** 2)
""")
    rng = np.random.default_rng(1)
    args = (rng.standard_normal(8), rng.standard_normal(2))
    value, grads = symdiff.value_and_grad(m.f, wrt=(0, 1))(*args)
    assert np.isclose(value, m.f(*args))
    assert symdiff.check_grad(m.f, *args, wrt=(0, 1))


@pytest.mark.parametrize("body,message", [
    ("np.sum(np.pad(a, 1, mode='mean'))", "mode='mean'"),
    ("np.sum(np.pad(a, 1, 'reflect', reflect_type='odd'))", "reflect_type='odd'"),
    ("np.sum(np.split(a, a.shape[0])[0])", "must be a constant"),
    ("np.sum(np.hstack(a))", "list of arrays written out"),
    ("np.sum(np.tile(a))", "needs its `reps`"),
    ("np.sum(np.diag(a, offset=1))", "keyword offset="),
    ("np.sum(np.take_along_axis(a, np.argsort(a)))", "needs its `axis`"),
])
def test_refused_with_a_location(tmp_path, body, message):
    assert_refused(tmp_path, body, message, np.ones((3, 3)))
