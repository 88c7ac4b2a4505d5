"""Every array primitive of ``rules.arrays``, end to end, checked with numbers.

Each case is an ordinary function with its inputs declared next to it; every case runs
through ``check_grad`` (central differences in float64) for each float argument, and
the shape-generic ``Gradient.source`` is shown to compute the same numbers as the code
specialized to the argument shapes. A smooth nonlinearity (``np.sin``) after the
primitive makes the upstream gradient differ from element to element, so a gradient
routed to the wrong place cannot pass.

Reductions (sum/mean/max/min, as ``np.*`` and as methods, with every axis and keepdims)
are generated from a table; ties in max/min are checked with exact values.
"""
from __future__ import annotations

import numpy as np
import pytest

import symdiff
from support import assert_gradient, load_module, run_generic_source

RNG_SEED = 20240


def rand(*shape, seed=0):
    return np.random.default_rng(RNG_SEED + seed).standard_normal(shape)


# ---------------------------------------------------------------- reductions, from a table

REDUCTIONS = ("sum", "mean", "max", "min")
AXES = (None, 0, 1, -1, (0, 1))


def _reduction_cases():
    cases = []
    for name in REDUCTIONS:
        for axis in AXES:
            for keepdims in (False, True):
                for form in ("np", "method"):
                    cases.append((name, axis, keepdims, form))
    # positional axis and the np.amax / np.amin spellings
    cases += [("sum", 1, None, "np-positional"), ("max", 0, None, "np-positional"),
              ("amax", 1, False, "np"), ("amin", 0, True, "np")]
    return cases


REDUCTION_CASES = _reduction_cases()


def _reduction_name(name, axis, keepdims, form) -> str:
    axis_id = "all" if axis is None else ("01" if axis == (0, 1) else str(axis).replace("-", "m"))
    keep = {None: "", False: "", True: "_keep"}[keepdims]
    return f"{name}_{form.replace('-', '_')}_axis{axis_id}{keep}"


def _reduction_call(name, axis, keepdims, form) -> str:
    keywords = f"axis={axis!r}" + (", keepdims=True" if keepdims else "")
    if form == "np":
        return f"np.{name}(x, {keywords})"
    if form == "method":
        return f"x.{name}({keywords})"
    return f"np.{name}(x, {axis!r})"


@pytest.fixture(scope="module")
def reductions(tmp_path_factory):
    lines = ["import numpy as np", ""]
    for case in REDUCTION_CASES:
        lines += [f"def {_reduction_name(*case)}(x):",
                  f"    r = {_reduction_call(*case)}",
                  "    return np.sum(np.sin(r))", ""]
    return load_module(tmp_path_factory.mktemp("reductions"), "reductions", "\n".join(lines))


@pytest.mark.parametrize("case", REDUCTION_CASES,
                         ids=[_reduction_name(*c) for c in REDUCTION_CASES])
def test_reduction(reductions, case):
    fn = getattr(reductions, _reduction_name(*case))
    x = rand(3, 4, seed=1)
    assert_gradient(fn, x)


def np_max_all(x):
    return np.max(x)


def np_max_rows(x, w):
    return np.sum(np.max(x, axis=1) * w)


def max_method_cols_keep(x):
    return np.sum(x.max(axis=0, keepdims=True))


def np_min_rows(x):
    return np.sum(np.min(x, axis=-1))


def exact(fn, *args):
    """The gradient of a call, and the same numbers from the shape-generic source."""
    got = symdiff.grad(fn)(*args)
    np.testing.assert_array_equal(run_generic_source(symdiff.grad(fn), args), got)
    return got


TIES = np.array([[1.0, 3.0, 3.0, 0.0],
                 [2.0, 2.0, 2.0, 2.0],
                 [-1.0, 5.0, 4.0, 5.0]])


def test_max_over_everything_splits_ties_evenly():
    x = np.array([[1.0, 4.0], [4.0, 4.0]])
    np.testing.assert_array_equal(exact(np_max_all, x), [[0.0, 1 / 3], [1 / 3, 1 / 3]])


def test_max_along_an_axis_splits_ties_evenly():
    got = exact(np_max_rows, TIES, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got, [[0.0, 0.5, 0.5, 0.0],
                                     [0.5, 0.5, 0.5, 0.5],
                                     [0.0, 1.5, 0.0, 1.5]], rtol=0, atol=1e-15)


def test_max_method_with_keepdims_splits_ties_evenly():
    x = np.array([[1.0, 5.0, 3.0, 2.0],
                  [1.0, 5.0, 0.0, 2.0],
                  [0.0, 5.0, 3.0, 2.0]])
    third = 1 / 3
    got = exact(max_method_cols_keep, x)
    np.testing.assert_allclose(got, [[0.5, third, 0.5, third],
                                     [0.5, third, 0.0, third],
                                     [0.0, third, 0.5, third]], rtol=0, atol=1e-15)


def test_min_along_an_axis_splits_ties_evenly():
    got = exact(np_min_rows, TIES)
    np.testing.assert_allclose(got, [[0.0, 0.0, 0.0, 1.0],
                                     [0.25, 0.25, 0.25, 0.25],
                                     [1.0, 0.0, 0.0, 0.0]], rtol=0, atol=1e-15)


# ---------------------------------------------------------------- the cases
# Each function below is a case; CASES lists it with its arguments and wrt.


def reshape_tuple(x, w):
    return np.sum(np.sin(np.reshape(x, (4, 3))) * w)


def reshape_minus_one(x, w):
    return np.sum(np.sin(np.reshape(x, (-1, 2))) * w)


def reshape_flat(x, w):
    return np.sum(np.sin(np.reshape(x, -1)) * w)


def reshape_method_two_ints(x, w):
    return np.sum(np.sin(x.reshape(2, 6)) * w)


def reshape_method_tuple(x, w):
    return np.sum(np.sin(x.reshape((6, -1))) * w)


def reshape_method_shape_of_other(x, w):
    return np.sum(np.sin(x.reshape(w.shape)) * w)


def ravel_and_flatten(x, w):
    return np.sum(np.sin(np.ravel(x)) * w) + np.sum(np.cos(x.ravel()) * w) + np.sum(x.flatten() * w)


def transpose_attribute(x, w):
    return np.sum(np.sin(x.T) * w)


def transpose_function(x, w):
    return np.sum(np.sin(np.transpose(x)) * w)


def transpose_axes_3d(t, w):
    return np.sum(np.sin(np.transpose(t, (1, 2, 0))) * w)


def transpose_method_axes_3d(t, w):
    return np.sum(np.sin(t.transpose(2, 0, 1)) * w)


def transpose_method_tuple_3d(t, w):
    return np.sum(np.sin(t.transpose((2, 0, 1))) * w)


def transpose_reverse_3d(t, w):
    return np.sum(np.sin(np.transpose(t)) * w) + np.sum(np.cos(t.T) * w)


def slice_rows(x):
    return np.sum(np.sin(x[1:3]))


def slice_every_other_column(x):
    return np.sum(np.sin(x[:, ::2]))


def slice_last_row(x, w):
    return np.sum(np.sin(x[-1]) * w)


def slice_new_axis(x):
    return np.sum(np.sin(x[None, :]))


def slice_ellipsis(x):
    return np.sum(np.sin(x[..., 0]))


def slice_mixed(x):
    return np.sum(np.sin(x[1:, 2])) + np.sum(np.cos(x[::-1, 1:3]))


def slice_element(x):
    return np.sin(x[2, 1]) * x[0, 3]


def slice_fan_out(x):
    """The same array sliced twice, overlapping: gradients add."""
    return np.sum(np.sin(x[:2]) * np.cos(x[1:]))


def pick_labels(s, y):
    N = s.shape[0]
    return np.sum(np.sin(s[np.arange(N), y]))


def pick_rows(x, idx):
    return np.sum(np.sin(x[idx]))


def pick_rows_then_columns(x, idx):
    return np.sum(np.sin(x[idx, 1:]))


def pick_columns(x, idx):
    return np.sum(np.sin(x[:, idx]))


def pick_literal_rows(x):
    return np.sum(np.sin(x[[0, 0, 2]]))


def concat_axis0(a, b):
    return np.sum(np.sin(np.concatenate([a, b], axis=0)) * np.arange(20.0).reshape(5, 4))


def concat_axis1(a, b):
    return np.sum(np.sin(np.concatenate([a, b], axis=1)) * np.arange(18.0).reshape(3, 6))


def concat_axis_minus1(a, b):
    return np.sum(np.sin(np.concatenate([a, b], axis=-1)) * np.arange(18.0).reshape(3, 6))


def concat_three_default_axis(a, b, c):
    return np.sum(np.sin(np.concatenate([a, b, c])))


def concat_1d(u, v):
    return np.sum(np.sin(np.concatenate([u, v, u])))


def stack_axis0(a, b):
    return np.sum(np.sin(np.stack([a, b], axis=0)) * np.arange(24.0).reshape(2, 3, 4))


def stack_axis1(a, b):
    return np.sum(np.sin(np.stack([a, b], axis=1)) * np.arange(24.0).reshape(3, 2, 4))


def stack_axis_minus1(a, b):
    return np.sum(np.sin(np.stack([a, b], axis=-1)) * np.arange(24.0).reshape(3, 4, 2))


def stack_three_default_axis(a, b, c):
    return np.sum(np.sin(np.stack([a, b, c])))


def where_both_sides(x, y):
    return np.sum(np.sin(np.where(x > y, x * y, y - x)))


def where_constant_side(x):
    return np.sum(np.sin(np.where(x > 0, x, 0.0)))


def where_broadcast(x, a, b):
    return np.sum(np.sin(np.where(x > 0, a, b)))


def dot_1d_1d(u, v):
    return np.sin(np.dot(u, v))


def dot_1d_2d(v, B):
    return np.sum(np.sin(np.dot(v, B)))


def dot_2d_1d(A, v):
    return np.sum(np.sin(np.dot(A, v)))


def dot_2d_2d(A, B):
    return np.sum(np.sin(np.dot(A, B)))


def matmul_1d_1d(u, v):
    return np.sin(np.matmul(u, v))


def matmul_1d_2d(v, B):
    return np.sum(np.sin(np.matmul(v, B)))


def matmul_2d_1d(A, v):
    return np.sum(np.sin(np.matmul(A, v)))


def matmul_2d_2d(A, B):
    return np.sum(np.sin(np.matmul(A, B)))


def at_1d_1d(u, v):
    return np.sin(u @ v)


def at_1d_2d(v, B):
    return np.sum(np.sin(v @ B))


def at_2d_1d(A, v):
    return np.sum(np.sin(A @ v))


def at_2d_2d(A, B):
    return np.sum(np.sin(A @ B))


def dot_method(A, B):
    return np.sum(np.sin(A.dot(B)))


def at_chain(A, B, C):
    return np.sum(np.sin(A @ B @ C))


def outer(u, v):
    return np.sum(np.sin(np.outer(u, v)))


def norm_all(x):
    return np.linalg.norm(x)


def norm_vector(u):
    return np.linalg.norm(u) * u[0]


def norm_axis1(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=1)))


def norm_axis0_keepdims(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=0, keepdims=True)))


def expand_dims_0(x):
    return np.sum(np.sin(np.expand_dims(x, 0)) * np.arange(12.0).reshape(1, 3, 4))


def expand_dims_1(x):
    return np.sum(np.sin(np.expand_dims(x, axis=1)) * np.arange(12.0).reshape(3, 1, 4))


def expand_dims_minus1(x):
    return np.sum(np.sin(np.expand_dims(x, -1)) * np.arange(12.0).reshape(3, 4, 1))


def squeeze_axis(t):
    return np.sum(np.sin(np.squeeze(t, axis=1)) * np.arange(12.0).reshape(3, 4))


def squeeze_all(t):
    return np.sum(np.sin(np.squeeze(t)) * np.arange(12.0).reshape(3, 4))


def squeeze_method(t):
    return np.sum(np.sin(t.squeeze(1)) * np.arange(12.0).reshape(3, 4))


def broadcast_column_row(a, b):
    return np.sum(np.sin(a + b) * (a * b))


def broadcast_vector_matrix(v, x):
    return np.sum(np.sin(v + x) * v / (2.0 + x * x))


def broadcast_scalar_array(s, x):
    return np.sum(np.sin(s * x)) + s * np.sum(x)


def broadcast_bias(X, W, b):
    return np.sum(np.tanh(X @ W + b))


def broadcast_keepdims(x):
    return np.sum(np.sin(x - np.mean(x, axis=1, keepdims=True)))


LABELS = np.array([2, 0, 2, 1, 2])             # repeated labels
ROWS = np.array([0, 0, 2])                    # repeated rows
COLUMNS = np.array([3, 1, 3, 3])

#: (function, argument builder, wrt)
CASES = [
    (reshape_tuple, lambda: (rand(3, 4), rand(4, 3, seed=1)), (0, 1)),
    (reshape_minus_one, lambda: (rand(3, 4), rand(6, 2, seed=1)), (0, 1)),
    (reshape_flat, lambda: (rand(3, 4), rand(12, seed=1)), (0, 1)),
    (reshape_method_two_ints, lambda: (rand(3, 4), rand(2, 6, seed=1)), (0, 1)),
    (reshape_method_tuple, lambda: (rand(3, 4), rand(6, 2, seed=1)), (0, 1)),
    (reshape_method_shape_of_other, lambda: (rand(3, 4), rand(6, 2, seed=1)), (0, 1)),
    (ravel_and_flatten, lambda: (rand(3, 4), rand(12, seed=1)), (0, 1)),
    (transpose_attribute, lambda: (rand(3, 4), rand(4, 3, seed=1)), (0, 1)),
    (transpose_function, lambda: (rand(3, 4), rand(4, 3, seed=1)), (0, 1)),
    (transpose_axes_3d, lambda: (rand(2, 3, 4), rand(3, 4, 2, seed=1)), (0, 1)),
    (transpose_method_axes_3d, lambda: (rand(2, 3, 4), rand(4, 2, 3, seed=1)), (0, 1)),
    (transpose_method_tuple_3d, lambda: (rand(2, 3, 4), rand(4, 2, 3, seed=1)), (0, 1)),
    (transpose_reverse_3d, lambda: (rand(2, 3, 4), rand(4, 3, 2, seed=1)), (0, 1)),
    (slice_rows, lambda: (rand(4, 5),), 0),
    (slice_every_other_column, lambda: (rand(3, 5),), 0),
    (slice_last_row, lambda: (rand(3, 4), rand(4, seed=1)), 0),
    (slice_new_axis, lambda: (rand(3, 4),), 0),
    (slice_ellipsis, lambda: (rand(2, 3, 4),), 0),
    (slice_mixed, lambda: (rand(4, 4),), 0),
    (slice_element, lambda: (rand(3, 4),), 0),
    (slice_fan_out, lambda: (rand(3, 4),), 0),
    (pick_labels, lambda: (rand(5, 3), LABELS), 0),
    (pick_rows, lambda: (rand(4, 3), ROWS), 0),
    (pick_rows_then_columns, lambda: (rand(4, 3), ROWS), 0),
    (pick_columns, lambda: (rand(2, 4), COLUMNS), 0),
    (pick_literal_rows, lambda: (rand(4, 3),), 0),
    (concat_axis0, lambda: (rand(2, 4), rand(3, 4, seed=1)), (0, 1)),
    (concat_axis1, lambda: (rand(3, 2), rand(3, 4, seed=1)), (0, 1)),
    (concat_axis_minus1, lambda: (rand(3, 2), rand(3, 4, seed=1)), (0, 1)),
    (concat_three_default_axis, lambda: (rand(1, 3), rand(2, 3, seed=1), rand(3, 3, seed=2)),
     (0, 1, 2)),
    (concat_1d, lambda: (rand(3), rand(2, seed=1)), (0, 1)),
    (stack_axis0, lambda: (rand(3, 4), rand(3, 4, seed=1)), (0, 1)),
    (stack_axis1, lambda: (rand(3, 4), rand(3, 4, seed=1)), (0, 1)),
    (stack_axis_minus1, lambda: (rand(3, 4), rand(3, 4, seed=1)), (0, 1)),
    (stack_three_default_axis, lambda: (rand(4), rand(4, seed=1), rand(4, seed=2)), (0, 1, 2)),
    (where_both_sides, lambda: (rand(3, 4), rand(3, 4, seed=1)), (0, 1)),
    (where_constant_side, lambda: (rand(3, 4),), 0),
    (where_broadcast, lambda: (rand(3, 4), rand(3, 1, seed=1), rand(1, 4, seed=2)), (1, 2)),
    (dot_1d_1d, lambda: (rand(4), rand(4, seed=1)), (0, 1)),
    (dot_1d_2d, lambda: (rand(3), rand(3, 4, seed=1)), (0, 1)),
    (dot_2d_1d, lambda: (rand(3, 4), rand(4, seed=1)), (0, 1)),
    (dot_2d_2d, lambda: (rand(3, 4), rand(4, 2, seed=1)), (0, 1)),
    (matmul_1d_1d, lambda: (rand(4), rand(4, seed=1)), (0, 1)),
    (matmul_1d_2d, lambda: (rand(3), rand(3, 4, seed=1)), (0, 1)),
    (matmul_2d_1d, lambda: (rand(3, 4), rand(4, seed=1)), (0, 1)),
    (matmul_2d_2d, lambda: (rand(3, 4), rand(4, 2, seed=1)), (0, 1)),
    (at_1d_1d, lambda: (rand(4), rand(4, seed=1)), (0, 1)),
    (at_1d_2d, lambda: (rand(3), rand(3, 4, seed=1)), (0, 1)),
    (at_2d_1d, lambda: (rand(3, 4), rand(4, seed=1)), (0, 1)),
    (at_2d_2d, lambda: (rand(3, 4), rand(4, 2, seed=1)), (0, 1)),
    (dot_method, lambda: (rand(3, 4), rand(4, 2, seed=1)), (0, 1)),
    (at_chain, lambda: (rand(2, 3), rand(3, 4, seed=1), rand(4, 2, seed=2)), (0, 1, 2)),
    (outer, lambda: (rand(3), rand(4, seed=1)), (0, 1)),
    (norm_all, lambda: (rand(3, 4),), 0),
    (norm_vector, lambda: (rand(5),), 0),
    (norm_axis1, lambda: (rand(3, 4),), 0),
    (norm_axis0_keepdims, lambda: (rand(3, 4),), 0),
    (expand_dims_0, lambda: (rand(3, 4),), 0),
    (expand_dims_1, lambda: (rand(3, 4),), 0),
    (expand_dims_minus1, lambda: (rand(3, 4),), 0),
    (squeeze_axis, lambda: (rand(3, 1, 4),), 0),
    (squeeze_all, lambda: (rand(1, 3, 1, 4),), 0),
    (squeeze_method, lambda: (rand(3, 1, 4),), 0),
    (broadcast_column_row, lambda: (rand(3, 1), rand(1, 4, seed=1)), (0, 1)),
    (broadcast_vector_matrix, lambda: (rand(4), rand(3, 4, seed=1)), (0, 1)),
    (broadcast_scalar_array, lambda: (0.7, rand(3, 4, seed=1)), (0, 1)),
    (broadcast_bias, lambda: (rand(5, 3), rand(3, 4, seed=1), rand(4, seed=2)), (0, 1, 2)),
    (broadcast_keepdims, lambda: (rand(3, 4),), 0),
]


@pytest.mark.parametrize("fn,make_args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_array_primitive(fn, make_args, wrt):
    assert_gradient(fn, *make_args(), wrt=wrt)


# ---------------------------------------------------------------- exact values


def test_repeated_indices_accumulate():
    """x[[0, 0, 2]]: row 0 is picked twice, so its gradient is counted twice."""
    x = rand(4, 3)
    got = symdiff.grad(pick_rows)(x, ROWS)
    want = np.zeros_like(x)
    for r in ROWS:
        want[r] += np.cos(x[r])
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_picking_labels_accumulates_nothing_else():
    s = rand(5, 3)
    got = symdiff.grad(pick_labels)(s, LABELS)
    want = np.zeros_like(s)
    want[np.arange(5), LABELS] = np.cos(s[np.arange(5), LABELS])
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_integer_index_argument_has_no_gradient():
    with pytest.raises(symdiff.SymdiffError, match="integer"):
        symdiff.grad(pick_rows, wrt=1)(rand(4, 3), ROWS)


def test_gradient_of_matmul_is_the_textbook_formula():
    """dA = g @ B.T and dB = A.T @ g for sum(A @ B) (g = ones)."""
    A, B = rand(3, 4), rand(4, 2, seed=1)
    dA, dB = symdiff.grad(matmul_sum, wrt=(0, 1))(A, B)
    np.testing.assert_allclose(dA, np.ones((3, 2)) @ B.T, rtol=1e-13)
    np.testing.assert_allclose(dB, A.T @ np.ones((3, 2)), rtol=1e-13)


def matmul_sum(A, B):
    return np.sum(A @ B)


@pytest.mark.parametrize("a, b, want", [((4, 3), (3, 2), (4, 2)), ((3,), (3, 2), (2,)),
                                        ((4, 3), (3,), (4,)), ((5, 4, 3), (3, 2), (5, 4, 2)),
                                        ((4, 3), (2, 2), None), ((3,), (2, 2), None),
                                        ((4, 3), (2,), None)])
def test_matmul_shape_checks_the_inner_dimension(a, b, want):
    from symdiff.primitives.arrays import matmul_shape
    if want is None:
        with pytest.raises(ValueError):
            matmul_shape(a, b)
    else:
        assert matmul_shape(a, b) == want == np.matmul(np.zeros(a), np.zeros(b)).shape


def test_a_shape_tuple_of_sizes_stays_a_tuple(tmp_path):
    # np.zeros((k, d, d)) was lowered as np.zeros(np.stack([k, d, d], 0)): slower, and the
    # specialized code lost the array's shape
    import symdiff
    from support import assert_gradient, load_module
    module = load_module(tmp_path, "shape_tuple", """
import numpy as np

def f(x):
    k, d = x.shape
    a = np.zeros((k, d, d))
    a[:, 0, 1] = x[:, 0] * x[:, 1]
    return np.sum(np.tanh(a) * 2.0)
""")
    x = np.random.default_rng(2).normal(size=(3, 2))
    g = symdiff.grad(module.f)
    assert "np.stack" not in g.source and "np.stack" not in g.source_for(x)
    assert "unbroadcast" not in g.source_for(x)
    assert_gradient(module.f, x)
